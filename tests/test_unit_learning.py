"""Boltzmann learning with every unit type: exact statistics are the derivatives of exact
ln Z, Gibbs chains reach them, CD / PCD / TAP2 training raises the exact likelihood, and
the Gaussian-Bernoulli RBM learns standardised digits (exact and AIS log-likelihood)."""
import numpy as np
import pytest

import statmech
from unit_pairs import pairs, two_state_layer
from statmech import BipartiteHamiltonian
from statmech.learning import GaussianBernoulliRBM, ModelTerm, base_rate_rbm, gradient, log_likelihood
from statmech.learning import BernoulliRBM, pseudo_log_likelihood
from statmech.learning._gradients import Gibbs, check_data, exact_statistics, tap_statistics



def model(visible, hidden, n_visible=3, n_hidden=2, seed=0, scale=0.4):
    rng = np.random.default_rng(seed)
    return BipartiteHamiltonian(rng.normal(0, scale, (n_visible, n_hidden)), rng.normal(0, 0.5, n_visible),
                                rng.normal(0, 0.5, n_hidden), visible=visible, hidden=hidden)


def assert_statistics_are_derivatives(H, stats, log_z, rtol):
    """stats {"W", "a", "b"} against central differences of log_z(model) in W, a and b."""
    step = 1e-6
    for key, name in (("W", "weights"), ("a", "visible_bias"), ("b", "hidden_bias")):
        base = getattr(H, name)
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            values = []
            for sign in (1, -1):
                shifted = {k: v.copy() for k, v in H.parameters().items()}
                shifted[name][index] += sign * step
                values.append(log_z(H.with_parameters(**shifted)))
            numeric[index] = (values[0] - values[1]) / (2 * step)
        np.testing.assert_allclose(stats[key], numeric, rtol=rtol, atol=rtol / 100, err_msg=key)


@pytest.mark.parametrize("visible, hidden", pairs(two_state_layer))
def test_exact_statistics_are_the_derivatives_of_exact_ln_z(visible, hidden):
    H = model(visible, hidden)
    assert_statistics_are_derivatives(H, exact_statistics(H), lambda h: statmech.exact(h, 1.0).log_z, 1e-7)


@pytest.mark.parametrize("visible, hidden", pairs())
def test_emf_statistics_are_the_derivatives_of_the_tap_ln_z(visible, hidden):
    """At the TAP2 fixed point, the EMF statistics (Gabrie et al. 2015, eq. 9, with each
    unit's variance) equal the derivatives of ln Z_TAP2 in W, a and b (by stationarity,
    the partial derivatives at fixed magnetizations)."""
    H = model(visible, hidden, 2, 2)
    solve = lambda h: statmech.mean_field(h, 1.0, method="tap2", seed=0, tol=1e-13, max_iter=10_000)
    m = solve(H).m
    stats = tap_statistics(H, m[None, :H.n_visible], m[None, H.n_visible:], "tap2")
    assert_statistics_are_derivatives(H, stats, lambda h: solve(h).log_z, 1e-6)


def test_exact_statistics_need_a_two_state_layer():
    with pytest.raises(ValueError, match="enumerate a two-state layer"):
        exact_statistics(model("gaussian", "relu"))


@pytest.mark.parametrize("visible, hidden", [("binary", "gaussian"), ("gaussian", "binary"), ("spin", "relu"),
                                             ("relu", "spin")])
def test_learning_chains_sample_the_exact_joint(visible, hidden):
    """k = 30 block-Gibbs steps of the learning chains from all-zero hidden states: the
    chains' <v_i h_j> within 4 standard errors of the exact statistics."""
    H = model(visible, hidden)
    n_chains = 4000
    chains = Gibbs(n_chains, np.random.SeedSequence(11))
    v, _, h = chains.run(H, np.zeros((n_chains, H.n_hidden)), 30)
    products = v[:, :, None] * h[:, None, :]
    mean = products.mean(0)
    error = products.std(0, ddof=1) / np.sqrt(n_chains)
    assert np.all(np.abs(mean - exact_statistics(H)["W"]) < 4 * error), (mean, exact_statistics(H)["W"], error)


@pytest.mark.parametrize("visible, hidden", pairs(lambda v, h: (v, h) in {
    ("binary", "gaussian"), ("gaussian", "binary"), ("spin", "relu"), ("relu", "binary"), ("gaussian", "spin")}))
@pytest.mark.parametrize("method", ["pcd"] + [pytest.param(m, marks=pytest.mark.slow) for m in ("cd", "tap2")])
def test_training_raises_the_exact_likelihood_for_every_unit_pair(visible, hidden, method):
    """Data from a teacher RBM of the same unit types; a student from small weights,
    trained by SGD (the ``gradient`` of the estimators) gains exact log-likelihood. (The
    teacher's couplings are moderate: with scale 1, EMF's biased gradient drives a
    Gaussian-spin student away, as EMF can when the couplings are strong.)"""
    teacher = model(visible, hidden, 4, 3, seed=1, scale=0.6)
    data = statmech.sample(teacher, 1.0, n_chains=400, n_sweeps=1, burn_in=100, seed=2, progress=False).states
    data = data[:, :teacher.n_visible].astype(np.float64)
    student = BipartiteHamiltonian(np.random.default_rng(3).normal(0, 0.01, (4, 3)), visible=visible, hidden=hidden)
    term = ModelTerm(method, k=1, n_chains=100, mf_iter=3, seed_sequence=np.random.SeedSequence(4))
    before = log_likelihood(student, data).value
    for epoch in range(30):
        for start in range(0, len(data), 40):
            batch = data[start:start + 40]
            step = gradient(student, batch, term.statistics(student, batch), scale=0.05)
            student = student.with_parameters(student.weights + step["W"], student.visible_bias + step["a"],
                                              student.hidden_bias + step["b"])
    after = log_likelihood(student, data).value
    assert after > before + 0.05, (before, after)


@pytest.fixture(scope="module")
def standardised_digits():
    datasets = pytest.importorskip("statmech.datasets")
    pytest.importorskip("sklearn")
    d = datasets.digits(threshold=None)
    mean, scale = d.X_train.mean(0), d.X_train.std(0)
    scale[scale == 0] = 1.0
    return (d.X_train - mean) / scale, (d.X_test - mean) / scale


@pytest.mark.slow      # ~2 s; the Gaussian-Bernoulli estimator's fast checks are below
def test_gaussian_bernoulli_rbm_learns_standardised_digits(standardised_digits):
    """Held-out exact log-likelihood (12 hidden units, enumerated) rises over PCD training,
    and AIS from the Gaussian base-rate model agrees with it within its error bar."""
    train, test = standardised_digits
    curve = []
    rbm = GaussianBernoulliRBM(n_components=12, method="pcd", learning_rate=0.01, batch_size=20, n_iter=12,
                               n_chains=100, random_state=0)
    rbm.fit(train, callback=lambda epoch, r: curve.append(log_likelihood(r, test).value))
    assert rbm.model_.unit_types[0].name == "gaussian"
    assert curve[-1] > curve[0] + 3.0 and np.all(np.diff(curve[3:]) > -0.1), curve
    exact = log_likelihood(rbm, test)
    ais = log_likelihood(rbm, test, method="ais", n_steps=1000, n_chains=200, base_data=train, seed=0)
    assert ais.error > 0 and abs(ais.value - exact.value) < 4 * ais.error, (ais, exact)
    np.testing.assert_allclose(rbm.transform(test[:5]), 1 / (1 + np.exp(-(test[:5] @ rbm.components_.T
                                                                          + rbm.intercept_hidden_))), rtol=1e-12)
    assert rbm.gibbs(test[:5]).shape == (5, 64)
    assert not hasattr(rbm, "score_samples")        # a pseudo-likelihood flips binary units
    with pytest.raises(ValueError, match="use log_likelihood"):
        pseudo_log_likelihood(rbm, test[:5])


def test_base_rate_models_give_each_unit_its_data_mean():
    rng = np.random.default_rng(0)
    for units, X in (("gaussian", rng.normal(0.3, 1.0, (200, 4))), ("relu", np.abs(rng.normal(0, 1, (200, 4)))),
                     ("spin", np.where(rng.random((200, 4)) < 0.7, 1.0, -1.0))):
        base = base_rate_rbm(X, 3, smoothing=0.0, visible=units)
        np.testing.assert_allclose(base.visible_units.mean(base.visible_bias), X.mean(0), rtol=1e-10)
    with pytest.raises(ValueError, match=r"must lie in >= 0"):
        check_data(-np.ones((3, 2)), units="relu")
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        BernoulliRBM().fit(-np.ones((3, 2)))
    assert GaussianBernoulliRBM(n_components=2, n_iter=1, random_state=0).fit(-np.ones((3, 2))).n_iter_ == 1
    with pytest.raises(ValueError, match="'tap3' needs two-state units"):
        GaussianBernoulliRBM(method="tap3").fit(np.ones((3, 2)))
