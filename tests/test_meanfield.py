"""Mean-field, TAP and Bethe solvers against exact enumeration and closed forms."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

import statmech
from statmech.analysis.exact_results import curie_weiss, curie_weiss_infinite, sk_annealed_log_z
from statmech.errors import ConvergenceError, ConvergenceWarning
from statmech.models import RBM, CurieWeiss, Ising, SherringtonKirkpatrick
from statmech.testing.strategies import bipartite_hamiltonians, pairwise_hamiltonians

from reference import all_states


@given(hamiltonian=st.one_of(pairwise_hamiltonians(max_n=7), bipartite_hamiltonians(max_visible=5, max_hidden=4)),
       beta=st.floats(0.05, 2.0), seed=st.integers(0, 2 ** 16))
def test_naive_mean_field_free_energy_is_an_upper_bound(hamiltonian, beta, seed):
    """Gibbs-Bogoliubov: G_naive(m) >= F at every m, so also at the fixed point."""
    exact = statmech.exact(hamiltonian, beta).free_energy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = statmech.mean_field(hamiltonian, beta, method="naive", seed=seed, on_failure="warn")
    assert result.free_energy >= exact - 1e-9 * max(1.0, abs(exact))
    low = -1.0 if hamiltonian.domain == "spin" else 0.0
    m = low + (1 - low) * np.random.default_rng(seed).uniform(0.01, 0.99, (5, hamiltonian.n))
    assert np.all(statmech.gibbs_free_energy(hamiltonian, beta, m, method="naive").value >= exact - 1e-9)


def _scaled_rbm(eps, domain):
    base = RBM.random(8, 6, scale=1.0, seed=3, bias_scale=1.5)
    return RBM(base.weights * eps, base.visible_bias, base.hidden_bias).to_domain(domain)


@pytest.mark.parametrize("domain", ["binary", "spin"])
def test_plefka_errors_shrink_like_eps_squared_cubed_and_to_the_fourth(domain):
    """Couplings scaled by eps: ln Z errors of naive, TAP2 and TAP3 are O(eps^2), O(eps^3),
    O(eps^4) (the first omitted Plefka term; an RBM has no triangles, so TAP3 is complete
    at third order). Slopes of log error against log eps."""
    eps = np.array([0.025, 0.05, 0.1])
    errors = {"naive": [], "tap2": [], "tap3": []}
    for e in eps:
        rbm = _scaled_rbm(e, domain)
        exact = statmech.exact(rbm, 1.0).log_z
        for method in errors:
            errors[method].append(abs(statmech.mean_field(rbm, 1.0, method=method, seed=0, tol=1e-13).log_z - exact))
    for method, expected in (("naive", 2), ("tap2", 3), ("tap3", 4)):
        slope = np.polyfit(np.log(eps), np.log(errors[method]), 1)[0]
        assert abs(slope - expected) < 0.25, (method, slope, errors[method])
    assert errors["tap3"][0] < errors["tap2"][0] < errors["naive"][0]


def _random_tree(n, seed):
    rng = np.random.default_rng(seed)
    edges = [(i, int(rng.integers(0, i))) for i in range(1, n)]
    graph = Ising.from_graph(edges, couplings=rng.normal(0, 1.0, n - 1))
    return statmech.PairwiseHamiltonian(graph.couplings, rng.normal(0, 0.5, n))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("domain", ["spin", "binary"])
def test_bethe_is_exact_on_trees(seed, domain):
    tree = _random_tree(12, seed).to_domain(domain)
    beta = 0.9
    exact = statmech.exact(tree, beta)
    result = statmech.mean_field(tree, beta, method="bethe", tol=1e-13)
    assert result.converged
    assert result.log_z == pytest.approx(exact.log_z, abs=1e-9)
    states = all_states(tree.n, domain).astype(float)
    weights = np.exp(-beta * (tree.energy(states) - tree.energy(states).min()))
    np.testing.assert_allclose(result.m, weights @ states / weights.sum(), atol=1e-9)


def test_bethe_on_a_loopy_graph_is_close_but_not_exact():
    torus = Ising.square(4, h=0.1)
    exact = statmech.exact(torus, 0.3).log_z
    bethe = statmech.mean_field(torus, 0.3, method="bethe").log_z
    assert 1e-6 < abs(bethe - exact) < 0.05 * abs(exact)


def test_curie_weiss_mean_field_becomes_exact_as_n_grows():
    """Free energy per spin of naive mean field against the finite-n exact sum: the gap
    shrinks roughly like ln(n) / n, and the infinite-n solution is the mean-field one."""
    beta, gaps = 1.3, []
    for n in (20, 80, 320, 1280):
        model = CurieWeiss(n, J=1.0, h=0.05)
        mf = statmech.mean_field(model, beta, method="naive", init=np.full(n, 0.5))
        gaps.append(abs(mf.free_energy - curie_weiss(n, beta, J=1.0, h=0.05).free_energy) / n)
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] < 0.25 * gaps[0] and gaps[-1] < 5e-3
    infinite = curie_weiss_infinite(beta, J=1.0, h=0.05)
    assert mf.m.mean() == pytest.approx(infinite.magnetization, abs=2e-3)


def test_sk_tap_at_high_temperature_matches_the_annealed_free_energy():
    """For beta < 1 the TAP solution of SK (h = 0) is m = 0, where -beta G = n ln 2 +
    (beta^2 / 4) sum_{i != j} J_ij^2: the annealed ln E[Z] up to the sampling of J."""
    n, beta = 400, 0.6
    sk = SherringtonKirkpatrick(n, seed=5)
    tap = statmech.mean_field(sk, beta, method="tap2", seed=0)
    assert np.abs(tap.m).max() < 1e-8
    J2 = (sk.couplings ** 2).sum()
    assert tap.log_z == pytest.approx(n * np.log(2) + beta ** 2 * J2 / 4, rel=1e-12)
    annealed = sk_annealed_log_z(n, beta)
    assert abs(tap.log_z - annealed) / n < 3 * beta ** 2 / 4 * np.sqrt(2.0 / n ** 2) + 1e-3
    # and against exact enumeration of small instances, on average
    gaps = [statmech.mean_field(SherringtonKirkpatrick(14, seed=s), 0.4, method="tap2", seed=0).log_z
            - statmech.exact(SherringtonKirkpatrick(14, seed=s), 0.4).log_z for s in range(6)]
    assert abs(np.mean(gaps)) / 14 < 5e-3


@pytest.mark.parametrize("method, model", [
    ("naive", SherringtonKirkpatrick(10, seed=1)), ("tap2", SherringtonKirkpatrick(10, seed=1)),
    ("naive", RBM.random(6, 4, scale=0.6, seed=1, bias_scale=0.5)),
    ("tap2", RBM.random(6, 4, scale=0.6, seed=1, bias_scale=0.5).to_domain("spin")),
    ("tap3", RBM.random(6, 4, scale=0.6, seed=1, bias_scale=0.5)),
    ("tap2", Ising.square(4, h=0.2).to_domain("binary"))])
def test_fixed_points_are_stationary_points_of_the_gibbs_free_energy(method, model):
    beta = 0.7
    result = statmech.mean_field(model, beta, method=method, seed=2, tol=1e-13)
    gibbs = statmech.gibbs_free_energy(model, beta, result.m, method=method)
    assert np.abs(gibbs.gradient).max() < 1e-9
    assert gibbs.value == pytest.approx(result.free_energy, rel=1e-13)
    # the gradient itself is right: finite differences at a generic point
    low = -1.0 if model.domain == "spin" else 0.0
    m = low + (1 - low) * np.random.default_rng(0).uniform(0.2, 0.8, model.n)
    g = statmech.gibbs_free_energy(model, beta, m, method=method)
    step = 1e-6
    numeric = [(statmech.gibbs_free_energy(model, beta, m + step * e, method=method).value
                - statmech.gibbs_free_energy(model, beta, m - step * e, method=method).value) / (2 * step)
               for e in np.eye(model.n)]
    np.testing.assert_allclose(g.gradient, numeric, atol=1e-7)


@pytest.mark.parametrize("method", ["naive", "tap2", "bethe"])
def test_damping_does_not_change_the_fixed_point(method):
    model = SherringtonKirkpatrick(12, seed=4)
    model = statmech.PairwiseHamiltonian(model.couplings, np.linspace(-0.5, 0.5, 12))
    results = [statmech.mean_field(model, 0.6, method=method, damping=d, seed=1, tol=1e-13) for d in (0.0, 0.5, 0.9)]
    for r in results[1:]:
        np.testing.assert_allclose(r.m, results[0].m, atol=1e-10)
        assert r.free_energy == pytest.approx(results[0].free_energy, rel=1e-12)
    assert results[2].n_iter > results[1].n_iter


def test_the_solvers_conditional_is_the_rbms_and_matches_brute_force():
    """p(h_j = 1 | v) by enumerating the joint at fixed v equals sigma(beta (b_j + W_j . v)),
    and the model, the solver step and the unrolled network's first layer all give it."""
    rbm = RBM.random(4, 3, scale=1.2, seed=7, bias_scale=0.8)
    beta = 0.8
    hidden = all_states(3, "binary").astype(float)
    for v in all_states(4, "binary"):
        weights = np.exp(-beta * rbm.energy(np.hstack([np.tile(v, (8, 1)), hidden])))
        brute = weights @ hidden / weights.sum()
        sigma = 1 / (1 + np.exp(-beta * (rbm.hidden_bias + v @ rbm.weights)))
        np.testing.assert_allclose(brute, sigma, atol=1e-13)
        np.testing.assert_allclose(rbm.conditional_hidden(v, beta), sigma, atol=1e-13)
        step = statmech.meanfield.mean_field_step(v.astype(float), None, (rbm.weights,), rbm.hidden_bias, beta, 0.0)
        np.testing.assert_allclose(step, sigma, atol=1e-13)
        np.testing.assert_allclose(statmech.unroll(rbm, beta, steps=1).forward(v, return_all=True)[1], sigma, atol=1e-13)


@pytest.mark.slow
def test_deterministic_annealing_follows_the_curie_weiss_magnetization():
    """A small field picks the branch; through beta = 1 the path follows the stable root of
    m = tanh(beta (J m + h)) of the infinite model (naive mean field is exact there)."""
    model = CurieWeiss(2000, J=1.0, h=0.01)
    betas = np.linspace(0.5, 2.0, 16)
    path = statmech.deterministic_annealing(model, betas, method="naive", init=np.zeros(2000))
    assert path.converged.all() and path.m.shape == (16, 2000)
    expected = curie_weiss_infinite(betas, J=1.0, h=0.01).magnetization
    np.testing.assert_allclose(path.m.mean(1), expected, atol=2e-3)


def test_non_convergence_raises_with_the_last_iterate_or_warns():
    sk = SherringtonKirkpatrick(30, seed=0)
    with pytest.raises(ConvergenceError) as info:
        statmech.mean_field(sk, 3.0, method="tap2", max_iter=5, seed=0)
    assert info.value.result.m.shape == (30,) and not info.value.result.converged
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        result = statmech.mean_field(sk, 3.0, method="tap2", max_iter=5, seed=0, on_failure="warn")
    assert result.n_iter == 5 and len(result.residuals) == 5


class TestErrors:
    def test_unsupported_model_method_pairs(self):
        sk = SherringtonKirkpatrick(5, seed=0)
        with pytest.raises(ValueError, match="'tap3' needs a bipartite model"):
            statmech.mean_field(sk, 0.5, method="tap3")
        with pytest.raises(TypeError, match="PairwiseHamiltonian"):
            statmech.mean_field(statmech.models.RandomEnergyModel(5, seed=0), 0.5, method="naive")
        with pytest.raises(ValueError, match="method must be one of"):
            statmech.mean_field(sk, 0.5, method="tap4")
        with pytest.raises(ValueError, match="Bethe free energy is a function of the messages"):
            statmech.gibbs_free_energy(sk, 0.5, np.zeros(5), method="bethe")
        with pytest.raises(ValueError, match="naive' or 'tap2' for unrolling"):
            statmech.unroll(RBM.random(3, 2, seed=0), 1.0, steps=2, method="tap3")

    def test_bad_numbers(self):
        sk = SherringtonKirkpatrick(5, seed=0)
        with pytest.raises(ValueError, match="beta"):
            statmech.mean_field(sk, -1.0)
        with pytest.raises(ValueError, match="beta"):
            statmech.mean_field(sk, np.nan)
        with pytest.raises(ValueError, match="init"):
            statmech.mean_field(sk, 0.5, init=np.full(5, np.nan))
        with pytest.raises(ValueError, match="init must lie"):
            statmech.mean_field(sk, 0.5, init=np.full(5, 2.0))
        with pytest.raises(ValueError, match="damping"):
            statmech.mean_field(sk, 0.5, damping=1.0)
        with pytest.raises(ValueError, match="m must lie strictly inside"):
            statmech.gibbs_free_energy(sk, 0.5, np.ones(5), method="naive")
        with pytest.raises(ValueError, match="finite"):
            statmech.PairwiseHamiltonian(sp.csr_matrix(np.array([[0, np.inf], [np.inf, 0]])))
