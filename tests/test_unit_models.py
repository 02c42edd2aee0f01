"""Bipartite models of every pair of unit types: exact thermodynamics against brute force
(enumeration of two-state layers x Gauss-Legendre quadrature of continuous ones, through
the model's own energy), the thermodynamic identities, conditionals and marginal free
energies, and clear refusals."""
import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import statmech
from unit_pairs import pairs, solvable
from statmech import BipartiteHamiltonian
from statmech.testing import check_thermodynamic_identities
from statmech.testing.strategies import bipartite_hamiltonians



def model(visible, hidden, n_visible=2, n_hidden=2, seed=0, scale=0.4):
    rng = np.random.default_rng(seed)
    return BipartiteHamiltonian(rng.normal(0, scale, (n_visible, n_hidden)), rng.normal(0, 0.5, n_visible),
                                rng.normal(0, 0.5, n_hidden), offset=0.25, visible=visible, hidden=hidden)


def _axis(units, nodes=240, reach=25.0):
    """(points, weights) of one unit's states: its two values, or Gauss-Legendre on the
    support (the Boltzmann weights here are negligible beyond |x| = reach)."""
    if units.discrete:
        return np.array([units.low, 1.0]), np.ones(2)
    x, w = np.polynomial.legendre.leggauss(nodes)
    low = 0.0 if units.name == "relu" else -reach
    return low + (x + 1) * (reach - low) / 2, w * (reach - low) / 2


def brute(H, beta):
    axes = [_axis(H.visible_units)] * H.n_visible + [_axis(H.hidden_units)] * H.n_hidden
    grid = np.array(list(itertools.product(*(points for points, _ in axes))))
    weight = np.prod(np.array(list(itertools.product(*(w for _, w in axes)))), axis=1)
    energy = H.energy(grid)
    log_w = -beta * energy + np.log(weight)
    top = log_w.max()
    p = np.exp(log_w - top)
    z = p.sum()
    p /= z
    mags = grid.sum(axis=1)
    u = p @ energy
    m = p @ mags
    return {"log_z": top + np.log(z), "energy": u, "specific_heat": beta ** 2 * (p @ (energy - u) ** 2),
            "magnetization": m, "susceptibility": beta * (p @ (mags - m) ** 2)}


@pytest.mark.parametrize("visible, hidden", pairs(solvable))
def test_exact_equals_brute_force(visible, hidden):
    sizes = (1, 1) if visible == hidden == "gaussian" else (2, 2)
    H = model(visible, hidden, *sizes)
    for beta in (0.5, 1.3):
        th = statmech.exact(H, beta)
        for name, value in brute(H, beta).items():
            assert getattr(th, name) == pytest.approx(value, rel=1e-8, abs=1e-9), (name, beta)


@given(H=bipartite_hamiltonians(max_visible=4, max_hidden=3, scale=0.5, unit_types=True),
       beta=st.floats(0.2, 3.0))
def test_thermodynamic_identities_for_random_models_of_every_unit_pair(H, beta):
    """The canonical identities (ln Z, U, C, S, chi by derivatives; the property tests of
    two-state models) on random models whose unit types hypothesis draws too."""
    check_thermodynamic_identities(H, [beta, 1.5 * beta])


@pytest.mark.parametrize("visible, hidden", pairs(solvable))
def test_marginal_free_energies_and_conditional_means(visible, hidden):
    H = model(visible, hidden, *((1, 1) if visible == hidden == "gaussian" else (2, 2)), seed=3)
    beta = 0.8
    brute_z = brute(H, beta)["log_z"]
    # summing exp(-beta F(v)) over v (or integrating) gives Z again, through either layer
    for layer, free_energy in (("visible", H.free_energy_visible), ("hidden", H.free_energy_hidden)):
        units = H.visible_units if layer == "visible" else H.hidden_units
        size = H.n_visible if layer == "visible" else H.n_hidden
        points, weights = _axis(units)
        states = np.array(list(itertools.product(points, repeat=size)))
        w = np.prod(np.array(list(itertools.product(weights, repeat=size))), axis=1)
        log_terms = -beta * free_energy(states, beta) + np.log(w)
        assert np.logaddexp.reduce(log_terms) == pytest.approx(brute_z, rel=1e-9)
    # <h | v> by quadrature over h at a fixed v
    v_points, _ = _axis(H.visible_units)
    v = (np.array([v_points[0], v_points[-1]]) if H.visible_units.discrete else np.array([0.3, 1.1]))[:H.n_visible]
    h_points, h_weights = _axis(H.hidden_units)
    hs = np.array(list(itertools.product(h_points, repeat=H.n_hidden)))
    hw = np.prod(np.array(list(itertools.product(h_weights, repeat=H.n_hidden))), axis=1)
    e = H.energy(np.concatenate([np.tile(v, (len(hs), 1)), hs], axis=1))
    p = hw * np.exp(-beta * (e - e.min()))
    assert np.allclose(H.mean_hidden(v, beta), p @ hs / p.sum(), rtol=1e-9, atol=1e-12)


def test_gaussian_gaussian_closed_form_and_its_limit():
    H = model("gaussian", "gaussian", 3, 2, scale=0.3)
    th = statmech.exact(H, [0.5, 2.0])
    assert np.allclose(th.specific_heat, 5 / 2)           # equipartition: n/2, whatever beta
    too_strong = BipartiteHamiltonian(np.array([[1.2]]), visible="gaussian", hidden="gaussian")
    with pytest.raises(ValueError, match="singular value of W is < 1; the largest is 1.2"):
        statmech.exact(too_strong, 1.0)


@pytest.mark.parametrize("visible, hidden", [("relu", "relu"), ("gaussian", "relu"), ("relu", "gaussian")])
def test_pairs_without_a_closed_form_are_refused(visible, hidden):
    with pytest.raises(ValueError, match="no closed form"):
        statmech.exact(model(visible, hidden), 1.0)


def test_bad_combinations_get_clear_errors():
    H = model("binary", "gaussian")
    assert H.domain is None and H.unit_types[1].name == "gaussian"
    with pytest.raises(ValueError, match="beta must be > 0"):
        statmech.exact(H, 0.0)
    with pytest.raises(ValueError, match="sampler must be BlockGibbs"):
        statmech.sample(H, 1.0, n_sweeps=10, sampler=statmech.mc.Metropolis())
    with pytest.raises(ValueError, match="needs two-state units of one kind"):
        statmech.mc.wang_landau(H)
    with pytest.raises(ValueError, match="'tap3' needs two-state units"):
        statmech.mean_field(H, 1.0, method="tap3")
    with pytest.raises(ValueError, match="needs two-state units of one kind"):
        statmech.mean_field(H, 1.0, method="bethe")
    with pytest.raises(ValueError, match="use mean_hidden"):
        H.conditional_hidden([1, 0])
    with pytest.raises(ValueError, match="rectified units, which are >= 0"):
        model("binary", "relu").energy([1, 0, 0.5, -0.1])
    with pytest.raises(ValueError, match="visible must be one of"):
        BipartiteHamiltonian(np.ones((2, 2)), visible="tanh")
    with pytest.raises(ValueError, match="both binary or both spin"):
        H.to_domain("spin")
    assert model("binary", "gaussian").content_hash() != model("binary", "relu").content_hash()


def test_sampling_a_layer_is_seeded_and_typed():
    H = model("binary", "relu", 3, 4)
    v = np.array([[1, 0, 1], [0, 0, 1]])
    h = H.sample_hidden(v, 1.0, seed=5)
    assert h.dtype == np.float64 and h.shape == (2, 4) and np.all(h >= 0)
    assert np.array_equal(h, H.sample_hidden(v, 1.0, seed=5))
    back = H.sample_visible(h, 1.0, seed=6)
    assert back.dtype == np.int8 and set(np.unique(back)) <= {0, 1}
