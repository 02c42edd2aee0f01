"""Landscape analysis: energy minima by exhaustive check, fixed points are fixed points."""
import numpy as np
import pytest

import statmech
from statmech.analysis.landscape import all_energy_minima, energy_minima, landscape, quench, tap_fixed_points
from statmech.models import RBM, SherringtonKirkpatrick

from reference import all_states


def _all_local_minima(model):
    states = all_states(model.n, model.domain)
    energy = model.energy(states)
    is_min = np.ones(len(states), bool)
    for i in range(model.n):
        is_min &= model.delta_energy(states, i) >= -1e-12
    return {tuple(s) for s in states[is_min]}, energy


@pytest.mark.parametrize("model", [SherringtonKirkpatrick(10, seed=3), RBM.random(6, 4, scale=1.5, seed=2)], ids=repr)
def test_quenches_end_at_true_local_minima_and_find_them_all(model):
    minima, _ = _all_local_minima(model)
    found = energy_minima(model, n_starts=3000, seed=0)
    assert {tuple(p) for p in found.points} == minima
    assert found.basin_fraction.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(found.values, model.energy(found.points))
    assert np.all(np.diff(found.values) >= 0)
    # one quench from every state: each is a local minimum
    ends = quench(model, all_states(model.n, model.domain))
    assert {tuple(s) for s in ends} <= minima


@pytest.mark.parametrize("model", [SherringtonKirkpatrick(10, seed=3), RBM.random(6, 4, scale=1.5, seed=2)], ids=repr)
def test_all_energy_minima_are_exactly_the_single_flip_stable_states(model):
    minima, _ = _all_local_minima(model)
    found = all_energy_minima(model, chunk=100)          # several chunks
    assert {tuple(p) for p in found.points} == minima and found.count == len(minima)
    assert found.basin_fraction is None and found.n_starts == 2 ** model.n
    np.testing.assert_allclose(found.values, model.energy(found.points))
    assert np.all(np.diff(found.values) >= 0)


def test_fixed_points_are_distinct_stationary_points():
    sk = SherringtonKirkpatrick(24, seed=1)
    found = tap_fixed_points(sk, 2.0, method="naive", n_starts=200, seed=0)
    assert found.count >= 2 and found.n_unconverged == 0
    for m in found.points:
        g = statmech.gibbs_free_energy(sk, 2.0, np.clip(m, -1 + 1e-15, 1 - 1e-15), method="naive")
        assert np.abs(g.gradient).max() < 1e-6
    distances = [np.abs(a - b).max() for i, a in enumerate(found.points) for b in found.points[i + 1:]]
    assert min(distances) > 1e-4


def test_free_energy_landscape_is_smoother_at_high_temperature():
    sk = SherringtonKirkpatrick(40, seed=0)
    result = landscape(sk, [0.3, 1.5, 3.0], n_starts=200, seed=0)
    assert result.n_fixed_points[0] == 1                       # paramagnet: one solution
    assert np.all(np.diff(result.n_fixed_points) >= 0)
    assert result.n_fixed_points[-1] < result.n_energy_minima


def test_minimising_the_tap_free_energy_finds_its_stationary_points_in_the_glass_phase():
    """Where the TAP2 iteration fails (SK at beta = 2), L-BFGS-B descent of G finds local
    minima: stationary (gradient ~ 0), distinct, and fewer than the energy's minima."""
    sk = SherringtonKirkpatrick(24, seed=1)
    iterated = tap_fixed_points(sk, 2.0, method="tap2", n_starts=40, seed=0)
    found = tap_fixed_points(sk, 2.0, method="tap2", n_starts=40, solver="minimize", seed=0)
    assert found.count >= 1 and found.n_unconverged < 40
    for m in found.points:
        assert np.abs(statmech.gibbs_free_energy(sk, 2.0, m, method="tap2").gradient).max() < 1e-4
    assert found.count < energy_minima(sk, n_starts=40, seed=0).count
    assert iterated.n_unconverged > found.n_unconverged
