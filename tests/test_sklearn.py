"""The RBM estimators are scikit-learn estimators (issue 31, section 2): scikit-learn's own
estimator checks, a drop-in for ``sklearn.neural_network.BernoulliRBM``, and the tools of
its ecosystem (Pipeline, GridSearchCV, cross_val_score, clone, pickle)."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from statmech.learning import BernoulliRBM, ClassificationRBM, GaussianBernoulliRBM, log_likelihood

#: The checks that fit on data outside [0, 1] (make_blobs, shifted to be non-negative as
#: the estimators' ``positive_only`` tag asks, but not scaled): binary visible units take
#: values in [0, 1], so the estimators refuse those data. The same checks pass on the data
#: mapped into [0, 1] (``test_..._pass_on_data_in_the_domain`` below).
OUT_OF_DOMAIN = [
    "check_estimators_overwrite_params", "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting", "check_estimators_dtypes",
    "check_pipeline_consistency", "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_fit2d_1sample",
    "check_fit2d_1feature", "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit2d_predict1d"]
TRANSFORMER_OUT_OF_DOMAIN = ["check_transformer_data_not_an_array", "check_transformer_general",
                             "check_transformer_preserve_dtypes"]
CLASSIFIER_OUT_OF_DOMAIN = ["check_classifier_data_not_an_array", "check_classifiers_classes",
                            "check_classifiers_train"]
REASON = "binary visible units: X must lie in [0, 1]; the check fits on values up to ~9"


def expected_failures(estimator):
    if isinstance(estimator, (_InDomain, GaussianBernoulliRBM)):
        return {}
    extra = CLASSIFIER_OUT_OF_DOMAIN if isinstance(estimator, ClassificationRBM) else TRANSFORMER_OUT_OF_DOMAIN
    return {name: REASON for name in OUT_OF_DOMAIN + extra}


class _InDomain:
    """Maps non-negative inputs into [0, 1) by x / (1 + x) before the estimator's domain
    check (negative values pass through, so the non-negativity checks still see them):
    scikit-learn's checks then run on data the model accepts."""

    def _in_domain(self, X, name):
        return super()._in_domain(np.where(X >= 0, X / (1 + np.abs(X)), X).astype(X.dtype), name)


class InDomainBernoulliRBM(_InDomain, BernoulliRBM):
    pass


class InDomainClassificationRBM(_InDomain, ClassificationRBM):
    pass


ESTIMATORS = [BernoulliRBM(n_components=4, n_iter=3, random_state=0),
              GaussianBernoulliRBM(n_components=4, n_iter=3, random_state=0),
              ClassificationRBM(n_components=8, n_iter=20, random_state=0)]


@pytest.mark.filterwarnings("ignore::statmech.errors.DataWarning")     # the checks' data are not standardised
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


@pytest.mark.slow          # the fast tier runs the checks on the estimators themselves, above
@parametrize_with_checks([InDomainBernoulliRBM(n_components=4, n_iter=3, random_state=0),
                          # the blobs squashed into [0, 1) are close together: a larger step
                          InDomainClassificationRBM(n_components=8, learning_rate=0.5, n_iter=50, random_state=0)],
                         expected_failed_checks=expected_failures)
def test_the_expected_failures_pass_on_data_in_the_domain(estimator, check):
    check(estimator)


@pytest.mark.slow
def test_the_expected_failures_are_the_domain_and_nothing_else():
    """Every expected failure is one of the checks that feed out-of-domain data, and it does
    fail there with the domain's error."""
    from sklearn.utils.estimator_checks import check_estimator
    for estimator in (BernoulliRBM(n_components=4, n_iter=3, random_state=0),
                      ClassificationRBM(n_components=8, n_iter=20, random_state=0)):
        results = check_estimator(estimator, on_fail=None, expected_failed_checks=expected_failures(estimator))
        failed = {r["check_name"] for r in results if r["status"] == "xfail"}
        assert failed == set(expected_failures(estimator))
        for r in results:
            if r["status"] == "xfail":
                assert "must lie in [0, 1]" in str(r["exception"]) or "should contain one of" in str(r["exception"])


def _binary_data(n, n_features=12, seed=0):
    """Noisy copies of four prototypes: data with structure for an RBM to learn."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((4, n_features)) < 0.5
    rows = prototypes[rng.integers(0, 4, n)]
    return np.where(rng.random(rows.shape) < 0.1, ~rows, rows).astype(np.float64)


def test_a_drop_in_for_scikit_learns_bernoulli_rbm():
    """The same parameters and data give an estimator with scikit-learn's attributes (names,
    shapes, dtypes) and methods."""
    X = _binary_data(60)
    params = dict(n_components=5, learning_rate=0.05, batch_size=10, n_iter=3, verbose=0, random_state=0)
    ours, theirs = BernoulliRBM(**params).fit(X), SklearnRBM(**params).fit(X)
    for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        assert getattr(ours, name).shape == getattr(theirs, name).shape, name
        assert getattr(ours, name).dtype == getattr(theirs, name).dtype, name
    assert ours.n_features_in_ == theirs.n_features_in_ == 12
    for method in ("transform", "fit_transform", "score_samples", "gibbs"):
        assert getattr(ours, method)(X).shape == getattr(theirs, method)(X).shape, method
    assert ours.partial_fit(X[:10]) is ours
    assert list(ours.get_feature_names_out()) == [f"bernoullirbm{i}" for i in range(5)]
    assert set(SklearnRBM().get_params()) <= set(BernoulliRBM().get_params())
    assert {name: BernoulliRBM().get_params()[name] for name in SklearnRBM().get_params()} == \
        {**SklearnRBM().get_params(), "verbose": None}      # the same defaults but verbose's (None: a bar
    #                                                     on a terminal, as every statmech run's progress)


@pytest.mark.slow
def test_held_out_log_likelihood_at_least_scikit_learns():
    """PCD-1 with the same parameters, five seeds each: the exact held-out log-likelihood
    of statmech's models is at least scikit-learn's, within two standard errors of the
    difference of the means."""
    X, X_test = _binary_data(400), _binary_data(400, seed=1)
    params = dict(n_components=6, learning_rate=0.05, batch_size=10, n_iter=30)

    def score(model):
        rbm = model if isinstance(model, BernoulliRBM) else BernoulliRBM(n_components=6).partial_fit(X[:1])
        if not isinstance(model, BernoulliRBM):
            rbm._params.update(W=model.components_.T.copy(), a=model.intercept_visible_.copy(),
                               b=model.intercept_hidden_.copy())
        return log_likelihood(rbm, X_test, method="exact").value

    ours = np.array([score(BernoulliRBM(**params, random_state=s).fit(X)) for s in range(5)])
    theirs = np.array([score(SklearnRBM(**params, random_state=s).fit(X)) for s in range(5)])
    error = np.hypot(ours.std(ddof=1), theirs.std(ddof=1)) / np.sqrt(5)
    assert ours.mean() >= theirs.mean() - 2 * error, (ours, theirs)


def test_pipeline_grid_search_and_cross_validation():
    X = _binary_data(80)
    y = (X[:, 0] + X[:, 1] > 0.5).astype(int)
    pipeline = Pipeline([("rbm", BernoulliRBM(n_components=4, n_iter=2, random_state=0)),
                         ("classifier", LogisticRegression())])
    search = GridSearchCV(pipeline, {"rbm__n_components": [2, 4], "rbm__learning_rate": [0.01, 0.1]}, cv=2)
    search.fit(X, y)
    assert set(search.best_params_) == {"rbm__n_components", "rbm__learning_rate"}
    assert 0.0 <= search.score(X, y) <= 1.0
    scores = cross_val_score(ClassificationRBM(n_components=4, n_iter=5, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))
    Z = StandardScaler().fit_transform(np.random.default_rng(0).normal(size=(40, 3)))
    gaussian = Pipeline([("scale", StandardScaler()),
                         ("rbm", GaussianBernoulliRBM(n_components=2, n_iter=2, random_state=0))])
    assert gaussian.fit_transform(Z).shape == (40, 2)


@pytest.mark.filterwarnings("ignore::statmech.errors.DataWarning")     # binary data for the Gaussian one too
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_and_pickle_round_trips(estimator):
    X = _binary_data(30)
    y = (X[:, 0] > 0.5).astype(int)
    fitted = clone(estimator).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    method = "predict_proba" if isinstance(estimator, ClassificationRBM) else "transform"
    np.testing.assert_array_equal(getattr(again, method)(X), getattr(fitted, method)(X))
    assert clone(fitted).get_params() == fitted.get_params()
    assert not hasattr(clone(fitted), "n_features_in_")
    refit = clone(estimator).fit(X, y)           # an int random_state: the same fit, bit for bit
    np.testing.assert_array_equal(getattr(refit, method)(X), getattr(fitted, method)(X))
    if not isinstance(estimator, ClassificationRBM):      # a pickled estimator trains on
        again.partial_fit(X)
        fitted.partial_fit(X)
        np.testing.assert_array_equal(again.components_, fitted.components_)


def test_score_samples_is_a_fixed_function_of_the_sample():
    """Found: score_samples changed on every call (it drew the flipped units from the
    estimator's stream). Now a sample's score depends on the fit only: the same on every
    call, for any subset or order of the rows, and the same for a refit with the same
    random_state."""
    X = _binary_data(50)
    rbm = BernoulliRBM(n_components=4, n_iter=2, random_state=3).fit(X)
    first = rbm.score_samples(X)
    np.testing.assert_array_equal(rbm.score_samples(X), first)
    # the same flipped units; the products' rounding may differ with the rows' layout
    np.testing.assert_allclose(rbm.score_samples(X[::-1]), first[::-1], rtol=1e-13)
    np.testing.assert_allclose(rbm.score_samples(X[7:9]), first[7:9], rtol=1e-13)
    np.testing.assert_array_equal(BernoulliRBM(n_components=4, n_iter=2, random_state=3).fit(X).score_samples(X),
                                  first)
    # one flipped unit per row, uniform over the units (a chi-square test on 2000 rows)
    from statmech.learning._rbm import _hashed_units
    units = _hashed_units(np.random.default_rng(0).random((2000, 12)), b"k" * 16)
    counts = np.bincount(units, minlength=12)
    assert ((counts - 2000 / 12) ** 2 / (2000 / 12)).sum() < 31.3      # chi2(11) at p = 0.001
    # the pseudo-likelihood itself: sklearn's formula with the same flipped units
    theirs = SklearnRBM(n_components=4).fit(X[:5])
    theirs.components_, theirs.intercept_hidden_ = rbm.components_.copy(), rbm.intercept_hidden_.copy()
    theirs.intercept_visible_ = rbm.intercept_visible_.copy()
    flipped = X.copy()
    rows = np.arange(len(X))
    flipped[rows, _hashed_units(X, rbm._score_key)] = 1 - flipped[rows, _hashed_units(X, rbm._score_key)]
    expected = -12 * np.logaddexp(0, -(theirs._free_energy(flipped) - theirs._free_energy(X)))
    np.testing.assert_allclose(first, expected, rtol=1e-12)
    assert not hasattr(GaussianBernoulliRBM(), "score_samples")     # it flips binary units


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype):
    X = _binary_data(30).astype(dtype)
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0)
    out = rbm.fit_transform(X)
    assert out.dtype == dtype and rbm.components_.dtype == dtype and rbm.gibbs(X).dtype == dtype
    assert BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X.astype(int)).components_.dtype == np.float64
    assert BernoulliRBM(n_components=3, n_iter=1, dtype=np.float32).fit(X).transform(X).dtype == np.float32


def test_verbose_is_the_progress_bar(capsys, monkeypatch):
    """Found: verbose=False (the old default) meant "on a terminal", so verbose=0 did not
    silence a fit on a terminal."""
    import statmech.runloop
    monkeypatch.setattr(statmech.runloop, "_stderr_is_terminal", lambda: True)
    X = _binary_data(20)
    for verbose in (0, False):
        BernoulliRBM(n_components=2, n_iter=2, verbose=verbose).fit(X)
        ClassificationRBM(n_components=2, n_iter=2, verbose=verbose).fit(X, X[:, 0] > 0.5)
        assert capsys.readouterr().err == ""
    for verbose in (None, 1):
        BernoulliRBM(n_components=2, n_iter=2, verbose=verbose).fit(X)
        assert "BernoulliRBM" in capsys.readouterr().err


def test_random_state_takes_what_scikit_learn_users_pass():
    X = _binary_data(30)
    fit = lambda state: BernoulliRBM(n_components=3, n_iter=2, random_state=state).fit(X).components_
    np.testing.assert_array_equal(fit(5), fit(5))
    np.testing.assert_array_equal(fit(np.random.RandomState(1)), fit(np.random.RandomState(1)))
    np.testing.assert_array_equal(fit(np.random.SeedSequence(2)), fit(np.random.SeedSequence(2)))
    assert not np.array_equal(fit(5), fit(6))
    fitted = BernoulliRBM(n_components=3, n_iter=2, random_state=None).fit(X)
    np.testing.assert_array_equal(BernoulliRBM(n_components=3, n_iter=2, random_state=fitted.seed_).fit(X).components_,
                                  fitted.components_)
    with pytest.raises(TypeError, match="random_state must be an int"):
        BernoulliRBM(random_state="zero").fit(X)


def test_bad_input_in_scikit_learns_words():
    import scipy.sparse
    X = _binary_data(20)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        BernoulliRBM().transform(X)
    with pytest.raises(NotFittedError):
        ClassificationRBM().predict(X)
    with pytest.raises(TypeError, match="dense data is required"):
        BernoulliRBM(n_iter=1).fit(scipy.sparse.csr_matrix(X))
    with pytest.raises(ValueError, match=r"Negative values in data passed to BernoulliRBM \(X must lie in \[0, 1\]\)"):
        BernoulliRBM(n_iter=1).fit(X - 1)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        BernoulliRBM(n_iter=1).fit(X + 1)
    with pytest.raises(ValueError, match="Unknown label type"):
        ClassificationRBM(n_iter=1).fit(X, np.linspace(0, 1, 20))
    labels = np.array(["cat", "dog"])[(X[:, 0] > 0.5).astype(int)]      # string labels work
    assert set(ClassificationRBM(n_components=3, n_iter=2, random_state=0).fit(X, labels).predict(X)) <= {"cat", "dog"}


def test_the_estimators_speak_scikit_learns_words():
    """scikit-learn's names (DESIGN: the one exception to the vocabulary table), and
    everything after n_components keyword-only."""
    import inspect
    for cls in (BernoulliRBM, GaussianBernoulliRBM, ClassificationRBM):
        parameters = list(inspect.signature(cls).parameters.values())
        assert parameters[0].name == "n_components" and parameters[0].kind is parameters[0].POSITIONAL_OR_KEYWORD
        assert all(p.kind is p.KEYWORD_ONLY for p in parameters[1:]), cls
        names = {p.name for p in parameters}
        assert {"random_state", "n_iter", "verbose", "learning_rate", "batch_size"} <= names
        assert "seed" not in names


def test_import_statmech_does_not_import_scikit_learn():
    import subprocess
    import sys
    code = "import sys, statmech, statmech.learning; print('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
