"""Boltzmann learning: gradients against finite differences, learning against exact optima,
likelihood estimators against enumeration, scikit-learn agreement, input errors."""
import numpy as np
import pytest

import statmech
from statmech.datasets import bars_and_stripes
from statmech.learning import (BernoulliRBM, exact_statistics, gradient, log_likelihood,
                               pseudo_log_likelihood, tap_statistics)
from statmech.models import RBM

RBM_SMALL = RBM.random(5, 3, scale=0.8, seed=0, bias_scale=0.5)
DATA = (np.random.default_rng(0).random((20, 5)) < 0.4).astype(float)


def _with(rbm, name, index, step):
    params = {"W": rbm.weights.copy(), "a": rbm.visible_bias.copy(), "b": rbm.hidden_bias.copy()}
    params[name][index] += step
    return RBM(params["W"], params["a"], params["b"])


def _finite_differences(function, rbm, step=1e-6):
    out = {}
    for name, shape in (("W", rbm.weights.shape), ("a", (rbm.n_visible,)), ("b", (rbm.n_hidden,))):
        out[name] = np.array([(function(_with(rbm, name, i, step)) - function(_with(rbm, name, i, -step))) / (2 * step)
                              for i in np.ndindex(shape)]).reshape(shape)
    return out


def test_exact_gradient_matches_finite_differences_of_the_exact_log_likelihood():
    grads = gradient(RBM_SMALL, DATA, exact_statistics(RBM_SMALL))
    numeric = _finite_differences(lambda r: log_likelihood(r, DATA).value, RBM_SMALL)
    for name in grads:
        np.testing.assert_allclose(grads[name], numeric[name], atol=1e-8, err_msg=name)


def test_gradient_from_model_samples_equals_gradient_from_their_averages():
    """Chains hand the gradient their samples (v, p(h | v)); the one stacked product gives
    the same data - model difference as the averaged statistics, scaled by ``scale``."""
    rng = np.random.default_rng(3)
    v_model = (rng.random((7, RBM_SMALL.n_visible)) < 0.4).astype(float)
    h_model = rng.random((7, RBM_SMALL.n_hidden))
    averages = {"W": v_model.T @ h_model / 7, "a": v_model.mean(0), "b": h_model.mean(0)}
    for scale in (1.0, -1.0):
        from_samples = gradient(RBM_SMALL, DATA, (v_model, h_model), scale=scale)
        from_averages = gradient(RBM_SMALL, DATA, averages, scale=scale)
        for name in ("W", "a", "b"):
            np.testing.assert_allclose(from_samples[name], from_averages[name], atol=1e-13, err_msg=name)
    assert np.any(gradient(RBM_SMALL, DATA, averages)["W"] != 0)


def test_persistent_chains_compute_the_data_term_in_their_last_product():
    """PCD stacks the data under the chains' visible samples for the last v -> h product:
    the data rows and their p(h | v) come back unchanged, the chain rows are binary, and
    the gradient of those rows (written into ``out``) is the one of their averages."""
    from statmech.gibbs import layer_probability
    from statmech.learning._gradients import ModelTerm, StackedRows
    for k in (1, 3):
        term = ModelTerm("pcd", k=k, n_chains=6, seed_sequence=np.random.SeedSequence(1))
        for _ in range(2):                                  # fresh chains, then persistent ones
            rows = term.statistics(RBM_SMALL, DATA)
            assert isinstance(rows, StackedRows) and rows.n_data == len(DATA) and rows.v.shape == (26, 5)
            np.testing.assert_array_equal(rows.v[:20], DATA)
            np.testing.assert_allclose(rows.h, layer_probability(rows.v, RBM_SMALL.weights, RBM_SMALL.hidden_bias),
                                       rtol=1e-15)
            assert set(np.unique(rows.v[20:])) <= {0.0, 1.0} and term.state.shape == (6, 3)
        v_model, h_model = rows.v[20:], rows.h[20:]
        averages = {"W": v_model.T @ h_model / 6, "a": v_model.mean(0), "b": h_model.mean(0)}
        out = np.empty((5, 3))
        from_rows = gradient(RBM_SMALL, DATA, rows, scale=-0.5, out=out)
        assert from_rows["W"] is out
        for name, value in gradient(RBM_SMALL, DATA, averages, scale=-0.5).items():
            np.testing.assert_allclose(from_rows[name], value, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("method", ["naive", "tap2", "tap3"])
def test_emf_rows_give_the_gradient_of_the_tap_statistics(method):
    """The trainer's EMF statistics (data over magnetizations, TAP corrections added in
    place) give the gradient of ``tap_statistics`` at the same fixed point."""
    from statmech.learning._gradients import ModelTerm
    term = ModelTerm(method, n_chains=4, mf_iter=5, seed_sequence=np.random.SeedSequence(0))
    term.statistics(RBM_SMALL, DATA)                                # persistent magnetizations
    rows = term.statistics(RBM_SMALL, DATA)
    m = term.state
    assert len(rows.corrections) == {"naive": 0, "tap2": 1, "tap3": 2}[method]
    from_rows = gradient(RBM_SMALL, DATA, rows, scale=-2.0)
    from_dict = gradient(RBM_SMALL, DATA, tap_statistics(RBM_SMALL, m[:, :5], m[:, 5:], method), scale=-2.0)
    for name in ("W", "a", "b"):
        np.testing.assert_allclose(from_rows[name], from_dict[name], atol=1e-14, err_msg=name)


def test_bernoulli_sampling_kernel_keeps_the_stream():
    """The sampling kernel draws the documented numbers: uniform(stream) < p, row c from
    stream c, element by element (the stream's words are only kept in registers)."""
    from statmech.rng import random_streams
    from statmech.gibbs import sample_layer
    from statmech.rng import uniform
    p = np.random.default_rng(2).random((4, 9))
    streams = random_streams(np.random.SeedSequence(5), (4,))
    reference = streams.copy()
    expected = np.array([[1.0 if uniform(reference[c]) < p[c, j] else 0.0 for j in range(9)] for c in range(4)])
    np.testing.assert_array_equal(sample_layer(p, 0.0, streams), expected)
    np.testing.assert_array_equal(streams, reference)


@pytest.mark.parametrize("method, solver", [("naive", "naive"), ("tap2", "tap2"), ("tap3", "tap3")])
def test_emf_gradient_matches_finite_differences_of_the_tap_log_z(method, solver):
    """d ln Z_TAP / d theta with the magnetizations re-solved at every perturbed theta equals
    the partial derivative at the fixed point (stationarity): tap_statistics."""
    def log_z(rbm):
        return statmech.mean_field(rbm, 1.0, method=solver, tol=1e-14, init=np.full(5, 0.5)).log_z
    fixed = statmech.mean_field(RBM_SMALL, 1.0, method=solver, tol=1e-14, init=np.full(5, 0.5)).m
    stats = tap_statistics(RBM_SMALL, fixed[None, :5], fixed[None, 5:], method)
    numeric = _finite_differences(log_z, RBM_SMALL)
    for name in stats:
        np.testing.assert_allclose(stats[name], numeric[name], atol=1e-8, err_msg=name)


def test_exact_learning_reaches_the_bars_and_stripes_optimum():
    X, _ = bars_and_stripes(3)
    assert len(X) == 14 and len(np.unique(X, axis=0)) == 14
    rbm = BernoulliRBM(n_components=8, method="exact", learning_rate=0.05, batch_size=14, n_iter=3000,
                       optimizer="adam", random_state=0).fit(X)
    value = log_likelihood(rbm, X).value
    assert np.log(1 / 14) - 0.01 < value <= np.log(1 / 14) + 1e-12


@pytest.mark.parametrize("method", ["pcd"] + [pytest.param(m, marks=pytest.mark.slow) for m in ("cd", "tap2", "tap3")])
def test_cd_pcd_and_tap_improve_the_likelihood_on_a_tiny_model(method):
    """Averaged over seeds, the exact log-likelihood rises at every checkpoint of the first
    1000 updates (SGD, learning rate 0.1, 8 hidden units, bars and stripes 3 x 3)."""
    X, _ = bars_and_stripes(3)
    curves = []
    for seed in range(3):
        curve = []
        rbm = BernoulliRBM(n_components=8, method=method, learning_rate=0.1, batch_size=14, n_iter=1000,
                           n_chains=100, random_state=seed)
        rbm.fit(X, callback=lambda epoch, r: curve.append(log_likelihood(r, X).value) if epoch % 250 == 249 else None)
        curves.append(curve)
    mean = np.mean(curves, axis=0)
    assert np.all(np.diff(mean) > 0), mean
    assert mean[-1] > mean[0] + 0.1


def test_ais_log_likelihood_agrees_with_exact_within_its_error():
    rbm = RBM.random(12, 10, scale=0.5, seed=2, bias_scale=0.5)
    X = (np.random.default_rng(1).random((50, 12)) < 0.5).astype(float)
    exact = log_likelihood(rbm, X, method="exact")
    ais = log_likelihood(rbm, X, method="ais", n_steps=2000, n_chains=200, seed=0)
    assert ais.error > 0 and abs(ais.value - exact.value) < 4 * ais.error + 0.02
    tap = log_likelihood(rbm, X, method="tap3")
    assert abs(tap.value - exact.value) < 0.2 and np.isnan(tap.error)


def test_pseudo_likelihood_all_units_is_the_sum_of_conditionals():
    rbm = RBM_SMALL
    total = pseudo_log_likelihood(rbm, DATA, all_units=True)
    manual = np.zeros(len(DATA))
    for i in range(rbm.n_visible):
        other = np.repeat(DATA, 2, axis=0)
        other[:, i] = np.tile([0.0, 1.0], len(DATA))
        free = statmech.learning.free_energy(rbm, other).reshape(-1, 2)
        p_one = 1 / (1 + np.exp(free[:, 1] - free[:, 0]))
        manual += np.log(np.where(DATA[:, i] == 1, p_one, 1 - p_one))
    np.testing.assert_allclose(total, manual, atol=1e-12)


def test_agrees_with_scikit_learn_given_the_same_weights():
    sklearn = pytest.importorskip("sklearn.neural_network")
    X = (np.random.default_rng(4).random((30, 6)) < 0.5).astype(float)
    ours = BernoulliRBM(n_components=4, n_iter=1, random_state=0).fit(X)
    theirs = sklearn.BernoulliRBM(n_components=4, n_iter=1, random_state=0).fit(X)
    theirs.components_ = ours.components_.copy()
    theirs.intercept_hidden_ = ours.intercept_hidden_.copy()
    theirs.intercept_visible_ = ours.intercept_visible_.copy()
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), atol=1e-12)
    np.testing.assert_allclose(ours.free_energy(X), theirs._free_energy(X), atol=1e-12)
    # pseudo-likelihood with the same flipped unit: sklearn draws it from RandomState(random_state)
    theirs.random_state = 7
    expected = theirs.score_samples(X)
    index = np.random.RandomState(7).randint(0, X.shape[1], X.shape[0])
    flipped = X.copy()
    flipped[np.arange(len(X)), index] = 1 - flipped[np.arange(len(X)), index]
    fe, fe_flip = ours.free_energy(X), ours.free_energy(flipped)
    np.testing.assert_allclose(-6 * np.logaddexp(0, -(fe_flip - fe)), expected, atol=1e-10)


def test_estimator_conventions_and_reproducibility():
    X, _ = bars_and_stripes(3)
    a = BernoulliRBM(n_components=5, method="pcd", n_iter=5, random_state=3).fit(X)
    b = BernoulliRBM(n_components=5, method="pcd", n_iter=5, random_state=3).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert a.components_.shape == (5, 9) and a.intercept_visible_.shape == (9,) and a.n_features_in_ == 9
    assert a.model_.n_visible == 9 and a.transform(X).shape == (14, 5)
    assert set(np.unique(a.gibbs(X))) <= {0.0, 1.0}
    assert a.get_params()["n_components"] == 5 and a.set_params(n_iter=2) is a
    single = BernoulliRBM(n_components=5, dtype=np.float32, random_state=0).partial_fit(X)
    assert single.components_.dtype == np.float32 and single.transform(X).dtype == np.float32


def test_fit_takes_consecutive_slices_unless_asked_to_shuffle():
    """shuffle=False (default, as scikit-learn's BernoulliRBM): an epoch is partial_fit on the
    consecutive minibatches, exactly; shuffle=True reorders them every epoch."""
    X, _ = bars_and_stripes(3)
    settings = dict(n_components=4, method="pcd", batch_size=4, n_iter=1, random_state=5)
    fitted = BernoulliRBM(**settings).fit(X)
    stepped = BernoulliRBM(**settings)
    for start in range(0, len(X), 4):
        stepped.partial_fit(X[start:start + 4])
    np.testing.assert_array_equal(fitted.components_, stepped.components_)
    np.testing.assert_array_equal(fitted.intercept_visible_, stepped.intercept_visible_)
    shuffled = BernoulliRBM(**settings, shuffle=True).fit(X)
    assert not np.array_equal(shuffled.components_, fitted.components_)
    assert BernoulliRBM().get_params()["shuffle"] is False


class TestErrors:
    def test_bad_data(self):
        rbm = BernoulliRBM(n_components=2, n_iter=1)
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            rbm.fit(np.full((3, 4), 2.0))
        with pytest.raises(ValueError, match="NaN"):
            rbm.fit(np.full((3, 4), np.nan))
        with pytest.raises(ValueError, match="Expected 2D array"):
            rbm.fit(np.zeros(4))
        rbm.fit(np.zeros((3, 4)))
        with pytest.raises(ValueError, match="X has 5 features, but BernoulliRBM is expecting 4 features"):
            rbm.transform(np.zeros((2, 5)))

    def test_bad_parameters(self):
        with pytest.raises(ValueError, match="method must be one of"):
            BernoulliRBM(method="sgd").fit(np.zeros((2, 2)))
        with pytest.raises(ValueError, match="n_components must be >= 1"):
            BernoulliRBM(n_components=0).fit(np.zeros((2, 2)))
        with pytest.raises(ValueError, match="not fitted"):
            BernoulliRBM().transform(np.zeros((2, 2)))
        with pytest.raises(TypeError, match="fitted BernoulliRBM"):
            log_likelihood("rbm", np.zeros((2, 2)))
        with pytest.raises(ValueError, match="method must be 'exact'"):
            log_likelihood(RBM_SMALL, DATA, method="cd")


def _exact_samples(model, beta, size, seed):
    from reference import exact_samples
    return exact_samples(model, beta, size, seed)[0]


@pytest.mark.parametrize("domain", ["spin", "binary"])
def test_inverse_ising_recovers_weak_couplings(domain):
    """Samples drawn exactly from a weakly coupled 8-spin model (couplings ~ 0.15, fields ~ 0.3):
    every method reconstructs J to within 8-12% (TAP better than naive mean field, whose
    bias is larger), and fewer samples make pseudo-likelihood worse."""
    from statmech.learning import coupling_error, inverse_ising
    rng = np.random.default_rng(5)
    upper = np.triu(rng.normal(0, 0.15, (8, 8)), 1)
    model = statmech.PairwiseHamiltonian(upper + upper.T, rng.normal(0, 0.3, 8))
    spins = _exact_samples(model, 1.0, 40_000, seed=1)
    samples = spins if domain == "spin" else statmech.convert_states(spins, "binary")
    errors = {}
    for method in ("naive", "tap2", "plm", "exact"):
        fit = inverse_ising(samples, method=method, domain=domain, n_iter=1500)
        assert fit.to_hamiltonian().domain == domain and fit.couplings.shape == (8, 8)
        errors[method] = coupling_error(model, fit)
    # measured: nMF 0.073, TAP 0.059, PLM and exact 0.044 (spin domain)
    assert errors["plm"] < 0.08 and errors["exact"] < 0.08, errors
    assert errors["tap2"] < errors["naive"] < 0.12, errors
    few = inverse_ising(samples[:2000], method="plm", domain=domain)
    assert coupling_error(model, few) > errors["plm"]
    np.testing.assert_allclose(inverse_ising(samples, method="exact", domain=domain, n_iter=1500).fields,
                               model.fields, atol=0.05)


def test_inverse_ising_errors():
    from statmech.learning import inverse_ising
    with pytest.raises(ValueError, match="method must be one of"):
        inverse_ising(np.ones((4, 3)), method="bp")
    with pytest.raises(ValueError, match="never changes"):
        inverse_ising(np.array([[1, 1], [1, -1], [1, 1]]), method="naive")
    with pytest.raises(ValueError, match="states of the 'spin' domain"):
        inverse_ising(np.array([[0, 1], [1, 0]]), method="naive")


def _prototype_task(n_classes=3, n_features=12, n=300, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((n_classes, n_features)) < 0.5).astype(float)
    labels = rng.integers(0, n_classes, n)
    return np.abs(prototypes[labels] - (rng.random((n, n_features)) < noise)), labels


def test_classification_rbm_posterior_is_the_joint_summed_over_hidden_units():
    from statmech.learning import ClassificationRBM
    from reference import all_states
    X, y = _prototype_task(n_features=4, n=30)
    clf = ClassificationRBM(n_components=3, n_iter=1, random_state=0).fit(X, y)
    rng = np.random.default_rng(1)
    clf.params_ = {name: rng.normal(0, 1, value.shape) for name, value in clf.params_.items()}
    p = clf.params_
    hidden = all_states(3, "binary").astype(float)
    for x in X[:5]:
        joint = np.array([[np.exp(x @ p["W"] @ h + p["a"] @ x + p["b"] @ h + p["d"][k] + p["U"][k] @ h)
                           for h in hidden] for k in range(3)]).sum(1)
        np.testing.assert_allclose(clf.predict_proba(x[None])[0], joint / joint.sum(), atol=1e-12)


def test_classification_rbm_discriminative_gradient_matches_finite_differences():
    from statmech.learning import ClassificationRBM
    X, y = _prototype_task(n_features=5, n=20)
    clf = ClassificationRBM(n_components=4, n_iter=1, random_state=0).fit(X, y)
    rng = np.random.default_rng(2)
    clf.params_ = {name: rng.normal(0, 0.7, value.shape) for name, value in clf.params_.items()}
    Y = np.eye(3)[y]
    grads = clf.discriminative_gradient(X, Y)

    def objective():
        return np.mean(np.log(clf.predict_proba(X)[np.arange(len(X)), y]))
    for name, array in clf.params_.items():
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + 1e-6
            up = objective()
            array[index] = old - 1e-6
            down = objective()
            array[index] = old
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(grads[name], numeric, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("method, accuracy", [("discriminative", 0.9), ("hybrid", 0.9), ("generative", 0.9)])
def test_classification_rbm_learns(method, accuracy):
    from statmech.learning import ClassificationRBM
    X, y = _prototype_task(n=400)
    clf = ClassificationRBM(n_components=16, method=method, learning_rate=0.05, n_iter=30, random_state=0)
    clf.fit(X[:300], y[:300])
    assert clf.score(X[300:], y[300:]) > accuracy
    assert clf.predict_proba(X[:3]).shape == (3, 3)
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.zeros((2, 5)))


def test_datasets_say_which_extra_to_install(monkeypatch):
    import importlib.util
    from statmech import datasets
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"pip install 'statmech\[data\]'"):
        datasets.mnist_5k()
    X, y = bars_and_stripes(2)
    assert X.shape == (6, 4) and list(y).count(-1) == 2


class ThreeSpinChain(statmech.Hamiltonian):
    """A user's model with parameters: E = -K sum_i s_i s_{i+1} s_{i+2} - h sum_i s_i (periodic)."""

    domain = "spin"

    def __init__(self, n, K, h):
        self.n, self.K, self.h = n, float(K), float(h)

    def energy(self, states):
        s = np.asarray(states, dtype=float)
        return -self.K * (s * np.roll(s, -1, -1) * np.roll(s, -2, -1)).sum(-1) - self.h * s.sum(-1)

    def parameters(self):
        return {"K": np.array(self.K), "h": np.array(self.h)}

    def with_parameters(self, K, h):
        return ThreeSpinChain(self.n, K, h)

    def energy_gradient(self, states, weights=None):
        s = np.asarray(states, dtype=float)
        w = np.full(len(s), 1 / len(s)) if weights is None else weights
        return {"K": -w @ (s * np.roll(s, -1, -1) * np.roll(s, -2, -1)).sum(-1), "h": -w @ s.sum(-1)}


def test_boltzmann_learning_of_any_hamiltonian_with_parameters():
    """Exact Boltzmann learning recovers a user-defined three-spin model and a pairwise model
    from exact samples; PCD with Metropolis chains gets the pairwise couplings too."""
    from statmech.learning import boltzmann_learning, coupling_error
    truth = ThreeSpinChain(8, 0.4, -0.2)
    samples = _exact_samples(truth, 1.0, 20_000, seed=3)
    fit = boltzmann_learning(ThreeSpinChain(8, 0.0, 0.0), samples, method="exact", n_iter=400, learning_rate=0.05)
    fitted = fit.fitted(ThreeSpinChain(8, 0.0, 0.0))
    assert fitted.K == pytest.approx(0.4, abs=0.03) and fitted.h == pytest.approx(-0.2, abs=0.03)
    assert fit.gradient_norm[-1] < 0.01 * fit.gradient_norm[0]
    rng = np.random.default_rng(5)
    upper = np.triu(rng.normal(0, 0.3, (6, 6)), 1)
    pairwise = statmech.PairwiseHamiltonian(upper + upper.T, rng.normal(0, 0.3, 6))
    spins = _exact_samples(pairwise, 1.0, 20_000, seed=4)
    start = statmech.PairwiseHamiltonian(np.zeros((6, 6)))
    exact = boltzmann_learning(start, spins, method="exact", n_iter=600, learning_rate=0.05)
    pcd = boltzmann_learning(start, spins, method="pcd", n_iter=600, learning_rate=0.02, n_chains=200, seed=0)
    # measured 0.039 (exact) and 0.094 (PCD)
    assert coupling_error(pairwise, exact.fitted(start)) < 0.06
    assert coupling_error(pairwise, pcd.fitted(start)) < 0.15
    with pytest.raises(TypeError, match="parameters"):
        boltzmann_learning(statmech.models.RandomEnergyModel(4, seed=0), spins[:, :4])


def test_partial_fit_accepts_a_larger_batch_later():
    X, _ = bars_and_stripes(3)
    rbm = BernoulliRBM(n_components=4, method="cd", random_state=0).partial_fit(X[:4])
    rbm.partial_fit(np.vstack([X, X]))          # 28 rows after chains were made for 4
    assert np.all(np.isfinite(rbm.components_))


def test_log_likelihood_does_not_depend_on_the_energy_offset():
    """A binary RBM may carry a constant energy offset (e.g. after a change of domain); ln p(v)
    must not see it, and it must equal ln of the exact marginal."""
    from reference import all_states
    plain = RBM.random(4, 3, scale=0.7, seed=6, bias_scale=0.4)
    shifted = statmech.BipartiteHamiltonian(plain.weights, plain.visible_bias, plain.hidden_bias, offset=1.7)
    X = all_states(4, "binary").astype(float)
    for method in ("exact", "tap3"):
        assert log_likelihood(shifted, X, method=method).value == pytest.approx(log_likelihood(plain, X, method=method).value,
                                                                          abs=1e-12)
    joint = np.exp(-shifted.energy(all_states(7, "binary")))
    marginal = joint.reshape(16, 8).sum(1) / joint.sum()       # visible = the first 4 variables
    assert log_likelihood(shifted, X).value == pytest.approx(np.mean(np.log(marginal)), abs=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_step_without_momentum_updates_in_place(dtype):
    from statmech.nn.optim import SGD
    rng = np.random.default_rng(4)
    w = rng.normal(size=(6, 4)).astype(dtype)
    g = rng.normal(size=(6, 4)).astype(dtype)
    params = {"W": w, "b": np.zeros(4, dtype), "c": np.zeros((4, 6), dtype).T}     # c: not contiguous
    expected = {"W": w - dtype(0.1) * g, "b": params["b"] - dtype(0.1), "c": params["c"] - dtype(0.1) * g}
    SGD(0.1).step(params, {"W": g, "b": np.ones(4, dtype), "c": g})
    assert params["W"] is w
    for name, value in expected.items():
        np.testing.assert_allclose(params[name], value, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("n_chains", [8, 64])
def test_pcd_learning_runs_with_the_default_sampler_on_a_square_lattice(n_chains):
    """The learned model changes every update: the default sampler must not pick a layout
    tied to one model (checkerboard sweeps, multi-spin words), which failed before."""
    from statmech.learning import boltzmann_learning
    from statmech.models import Ising
    model = Ising.square(32)
    data = model.random_states(20, seed=0)
    fit = boltzmann_learning(model, data, method="pcd", n_iter=2, n_chains=n_chains, seed=0, progress=False)
    assert fit.gradient_norm.shape == (2,) and np.all(np.isfinite(fit.gradient_norm))


@pytest.mark.parametrize("method", ["naive", "tap2", "tap3"])
def test_emf_training_in_float32_stays_float32_and_follows_float64(method):
    """EMF with float32 parameters runs its fixed points and products in float32 (no silent
    upcast) and tracks the float64 run to float32 precision."""
    X = (np.random.default_rng(0).random((200, 30)) < 0.3).astype(float)
    fits = {}
    for dtype in (np.float64, np.float32):
        model = BernoulliRBM(n_components=8, n_iter=2, batch_size=50, random_state=0, method=method, learning_rate=0.05,
                             dtype=dtype)
        model.fit(X)
        fits[dtype] = model
    low = fits[np.float32]
    assert low.components_.dtype == np.float32 and low._model_term.state.dtype == np.float32
    np.testing.assert_allclose(low.components_, fits[np.float64].components_, rtol=1e-3, atol=1e-5)


def test_missing_labels_are_refused():
    """Found: ClassificationRBM fitted on labels with a NaN learned classes_ = [1, nan]."""
    from statmech.learning import ClassificationRBM

    X = (np.random.default_rng(0).random((4, 3)) < 0.5).astype(float)
    with pytest.raises(ValueError, match="y contains NaN"):       # scikit-learn's words
        ClassificationRBM(n_iter=1).fit(X, np.array([1, np.nan, 1, 2]))
    with pytest.raises(ValueError, match=r"y must hold a label for every sample; got None .* at index 1"):
        ClassificationRBM(n_iter=1).fit(X, np.array(["a", None, "b", "a"], object))


def test_gaussian_bernoulli_rbm_warns_on_unstandardised_data():
    """Found: unstandardised data gave weights ~1000 times larger and no warning."""
    import warnings

    from statmech.errors import DataWarning
    from statmech.learning import GaussianBernoulliRBM

    X = np.random.default_rng(0).normal(500.0, 300.0, (50, 4))
    with pytest.warns(DataWarning, match="feature 0 has mean 5.* standardise each feature"):
        GaussianBernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        GaussianBernoulliRBM(n_components=3, n_iter=1, random_state=0).fit((X - X.mean(0)) / X.std(0))
