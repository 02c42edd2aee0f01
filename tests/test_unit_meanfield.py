"""Mean field, TAP and unrolled networks on bipartite models of every pair of unit types:
Plefka error scaling against exact ln Z, the Gibbs free energy's gradient and fixed
points, the variational bound, the unrolled network against the solver's iterates, and
backprop against finite differences."""
import numpy as np
import pytest

import statmech
from unit_pairs import pairs, solvable
from statmech import BipartiteHamiltonian
from statmech.meanfield.plefka import ModelUnits



def model(visible, hidden, n_visible=4, n_hidden=3, seed=0, scale=0.3):
    rng = np.random.default_rng(seed)
    return BipartiteHamiltonian(rng.normal(0, scale, (n_visible, n_hidden)), rng.normal(0, 0.5, n_visible),
                                rng.normal(0, 0.5, n_hidden), offset=0.25, visible=visible, hidden=hidden)


def magnetizations(H, k, seed):
    return ModelUnits(H).initial(np.random.default_rng(seed), (k, H.n))


@pytest.mark.parametrize("visible, hidden", pairs(solvable))
def test_plefka_errors_shrink_like_eps_squared_and_cubed(visible, hidden):
    """Couplings scaled by eps: the naive ln Z error is O(eps^2) and TAP2's O(eps^3), the
    first omitted term -(beta^3/6) sum W^3 k_i k_j (k the units' third cumulants). A
    Gaussian layer has k = 0, so with one TAP2 is exact to third order: O(eps^4). Weights
    of one sign and biases of one sign keep the third-order sum from cancelling."""
    rng = np.random.default_rng(3)
    weights = np.abs(rng.normal(0, 1, (5, 4)))
    eps = np.array([0.005, 0.01, 0.02])
    errors = {"naive": [], "tap2": []}
    for e in eps:
        H = BipartiteHamiltonian(weights * e, np.full(5, 0.8), np.full(4, 0.8), visible=visible, hidden=hidden)
        exact = statmech.exact(H, 1.0).log_z
        for method in errors:
            result = statmech.mean_field(H, 1.0, method=method, seed=0, tol=1e-14)
            errors[method].append(abs(result.log_z - exact))
    tap2 = 4 if "gaussian" in (visible, hidden) else 3
    for method, expected in (("naive", 2), ("tap2", tap2)):
        slope = np.polyfit(np.log(eps), np.log(errors[method]), 1)[0]
        assert abs(slope - expected) < 0.15, (method, slope, errors[method])
    assert errors["tap2"][0] < errors["naive"][0] / 100


@pytest.mark.parametrize("visible, hidden", pairs())
def test_gibbs_free_energy_gradient_fixed_points_and_bound(visible, hidden):
    H = model(visible, hidden)
    beta = 1.3
    m = magnetizations(H, 3, seed=1)
    for method in ("naive", "tap2"):
        g = statmech.gibbs_free_energy(H, beta, m, method=method)
        step = 1e-6
        for i in range(H.n):
            up, down = m.copy(), m.copy()
            up[:, i] += step
            down[:, i] -= step
            numeric = (statmech.gibbs_free_energy(H, beta, up, method=method).value
                       - statmech.gibbs_free_energy(H, beta, down, method=method).value) / (2 * step)
            np.testing.assert_allclose(g.gradient[:, i], numeric, rtol=1e-6, atol=1e-7)
        solution = statmech.mean_field(H, beta, method=method, seed=2, tol=1e-13)
        at = statmech.gibbs_free_energy(H, beta, solution.m, method=method)
        assert np.abs(at.gradient).max() < 1e-9
        assert at.value == pytest.approx(solution.free_energy, rel=1e-12)
    if solvable(visible, hidden):       # Gibbs-Bogoliubov: naive G(m) >= F at every m
        exact = statmech.exact(H, beta).free_energy
        assert np.all(statmech.gibbs_free_energy(H, beta, m, method="naive").value >= exact)


@pytest.mark.filterwarnings("ignore::statmech.errors.ConvergenceWarning")
@pytest.mark.parametrize("visible, hidden", pairs())
def test_unrolled_network_is_the_solver_and_its_layers_are_named_by_unit_type(visible, hidden):
    H = model(visible, hidden)
    beta = 0.9
    names = {"binary": "sigmoid", "spin": "tanh", "gaussian": "linear", "relu": "smooth_relu"}
    v0 = magnetizations(H, 2, seed=4)[:, :H.n_visible]
    for method in ("naive", "tap2"):
        net = statmech.unroll(H, beta, steps=3, method=method, damping=0.2)
        assert [layer.activation for layer in net.layers] == [names[hidden]] + [names[visible], names[hidden]] * 3
        acts = net.forward(v0, return_all=True)
        # the RBM's <h | v> (mean_hidden itself takes states of a two-state layer, not means)
        np.testing.assert_allclose(acts[1], H.hidden_units.mean(v0 @ H.weights + H.hidden_bias, beta), rtol=1e-13)
        solver = statmech.mean_field(H, beta, method=method, damping=0.2, init=v0, max_iter=3, tol=0.0,
                                     on_failure="warn").m
        np.testing.assert_allclose(np.hstack([acts[-2], acts[-1]]), solver, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("visible, hidden", pairs())
def test_backprop_through_every_unit_type_matches_finite_differences(visible, hidden):
    H = model(visible, hidden, 3, 2, scale=0.5)
    net = statmech.unroll(H, 1.2, steps=2, method="tap2", damping=0.1)
    rng = np.random.default_rng(5)
    x = magnetizations(H, 4, seed=6)[:, :H.n_visible]
    y = rng.normal(0.3, 0.5, (4, H.n_hidden))
    _, grads = net.backward(x, y, loss="squared")
    for name, value in net.params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + 1e-6
            up = net.backward(x, y, loss="squared")[0]
            value[index] = saved - 1e-6
            down = net.backward(x, y, loss="squared")[0]
            value[index] = saved
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_mean_field_refusals_for_continuous_units():
    H = model("gaussian", "relu")
    with pytest.raises(ValueError, match="'tap3' needs two-state units"):
        statmech.mean_field(H, 1.0, method="tap3")
    with pytest.raises(ValueError, match="beta must be > 0"):
        statmech.mean_field(H, 0.0)
    m = magnetizations(H, 1, seed=0)
    m[0, -1] = -0.1
    with pytest.raises(ValueError, match="must be > 0 for relu units"):
        statmech.gibbs_free_energy(H, 1.0, m)
    with pytest.raises(ValueError, match="sigmoid or tanh outputs"):
        statmech.unroll(H, 1.0, steps=1).backward(np.zeros((1, 4)), np.ones((1, 3)), loss="cross_entropy")
