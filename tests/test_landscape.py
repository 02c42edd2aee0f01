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


# -- TAP states by continuation ------------------------------------------------------------------

def test_the_tap2_hessian_is_the_derivative_of_statmechs_gradient_of_g():
    from statmech.analysis.landscape import tap2_hessian
    from statmech.meanfield.plefka import Couplings, gibbs_value_and_gradient
    sk = SherringtonKirkpatrick(9, seed=3)
    couplings, beta = Couplings(sk, 2), 1.7
    m = np.random.default_rng(0).uniform(-0.8, 0.8, 9)
    gradient = lambda x: gibbs_value_and_gradient(couplings, beta, x, -1.0, 2)[1]          # noqa: E731
    numeric = np.array([(gradient(m + 1e-6 * e) - gradient(m - 1e-6 * e)) / 2e-6 for e in np.eye(9)])
    root = np.sqrt(1 - m * m)                             # tap2_hessian is D^1/2 H D^1/2, D = diag(1 - m^2)
    np.testing.assert_allclose(tap2_hessian(np.asarray(sk.couplings), beta, np.arctanh(m)),
                               root[:, None] * numeric * root[None, :], atol=1e-7)


@pytest.mark.parametrize("seed", [1, 2])
def test_tap_states_by_continuation_are_those_of_an_exhaustive_search(seed):
    """n = 8: Newton on the TAP2 equations from every one of the 2^8 corners (m = tanh(beta J s))
    finds the same number of TAP states (Plefka's condition, minima of G) as the continuation
    from the energy minima; every state found solves the equations and is such a minimum."""
    from statmech.analysis import landscape
    from statmech.exact import all_states
    from statmech.meanfield.plefka import Couplings, gibbs_value_and_gradient
    sk = SherringtonKirkpatrick(8, seed=seed)
    J, h = np.asarray(sk.couplings), np.zeros(8)
    found = landscape.tap_states(sk, [25.0, 12.0, 6.0, 3.0])
    assert found.n_states[0] > 0
    for beta, count, states in zip(found.betas, found.n_states, found.magnetizations):
        fields = [u for s in all_states(8, "spin").astype(float)
                  for u, ok in [landscape._newton(J, h, beta, beta * (J @ s), 1e-10, 100)] if ok]
        distinct = []
        for u in fields:
            if all(np.abs(np.tanh(u) - np.tanh(v)).max() > 1e-6 for v in distinct):
                distinct.append(u)
        assert count == sum(landscape._is_tap_state(J, beta, u) for u in distinct), beta
        couplings = Couplings(sk, 2)
        for m in states:
            if np.abs(m).max() < 1 - 1e-6:             # statmech's dG/dm vanishes there (finite away from +-1)
                gradient = gibbs_value_and_gradient(couplings, beta, m, -1.0, 2)[1]
                assert np.abs(gradient).max() < 1e-6


def test_tap_states_refuses_what_it_cannot_follow():
    from statmech.analysis.landscape import tap_states
    with pytest.raises(ValueError, match="betas must be > 0"):
        tap_states(SherringtonKirkpatrick(6, seed=0), [1.0, 0.0])
    with pytest.raises(ValueError, match="starts must be given for n > 24"):
        tap_states(SherringtonKirkpatrick(30, seed=0), [2.0])
    with pytest.raises(ValueError, match="starts must be spin states"):
        tap_states(SherringtonKirkpatrick(6, seed=0), [2.0], starts=np.zeros((2, 6)))
