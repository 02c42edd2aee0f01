"""BernoulliRBM and GaussianBernoulliRBM: RBMs trained by Boltzmann learning, with
scikit-learn conventions."""
from __future__ import annotations

import hashlib
import json
import warnings
from typing import Any, TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_non_negative, validate_data

from ..errors import DataWarning
from ..hamiltonian import content_digest
from ..runloop import Field, Loop, Run, at_least, finite, generator_state, prefixed, unprefixed
from ..unit_types import unit_type
from ..rng import random_streams
from ..validation import as_float, as_int, as_seed_sequence, fresh_seed_sequence
from ..hamiltonian import BipartiteHamiltonian
from ..nn.optim import make_optimizer
from ..gibbs import sample_from_fields
from ._gradients import METHODS, ModelTerm, check_data, gradient, hidden_mean
from ._likelihood import free_energy, pseudo_log_likelihood

if TYPE_CHECKING:
    from typing_extensions import Self

    from statmech.typing import ArrayLike, PathLike, Seed


class BernoulliRBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Restricted Boltzmann machine with binary units, trained by Boltzmann learning: a
    scikit-learn estimator, a drop-in for ``sklearn.neural_network.BernoulliRBM``.

    The parameters scikit-learn's BernoulliRBM has keep its names and defaults
    (``n_components``, ``learning_rate``, ``batch_size``, ``n_iter``, ``verbose``,
    ``random_state``), and so do its attributes and methods; statmech's extras (how the
    model term of the gradient is computed, the optimiser, the precision) are keyword-only.

    Parameters
    ----------
    n_components : int, default 256
        Hidden units.
    method : {"pcd", "cd", "naive", "tap2", "tap3", "exact"}, default "pcd"
        How the model term of the gradient is computed (``statmech.learning``): Gibbs
        chains from the data (CD-k) or persistent (PCD-k, scikit-learn's), the naive /
        TAP2 / TAP3 fixed point (EMF), or exact enumeration of the smaller layer (small
        models).
    learning_rate : float, default 0.1
    batch_size : int, default 10
    n_iter : int, default 10
        Epochs.
    shuffle : bool, default False
        Reshuffle the training set every epoch. Default False: the minibatches are fixed
        consecutive slices, as in scikit-learn's BernoulliRBM (on MNIST with PCD-1 they
        also gave the higher test log-likelihood); shuffle the data once before ``fit`` if
        it is ordered.
    k : int, default 1
        Gibbs steps per update (CD-k, PCD-k).
    n_chains : int or None
        Persistent chains / magnetizations (default: batch_size).
    mf_iter : int, default 3
        Fixed-point iterations per update for mf/tap (warm-started).
    damping : float, default 0.5
    persistent : bool, default True
        mf/tap: keep the magnetizations across updates.
    optimizer : {"sgd", "adam"}
    momentum, l2, l1 : float
        SGD momentum and weight decay of the weights.
    dtype : {None, float32, float64}, default None
        Precision of the parameters, the Gibbs chains and their products: that of X
        (float32 stays float32, anything else becomes float64) unless given. The mf/tap
        fixed points are iterated in the same precision.
    random_state : int, SeedSequence, Generator, RandomState or None
        Seeds the initial weights, the chains and ``gibbs``; a fit with the same
        ``random_state`` on the same data gives the same parameters, bit for bit. (The
        rest of statmech calls this ``seed``; scikit-learn's name is kept here.)
    verbose : bool, int or None, default None
        Progress bar over epochs: None shows it on a terminal or in a notebook (as every
        statmech run's ``progress=None``), True (or a positive int) always, False or 0 never.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The weights W.T, as in scikit-learn.
    intercept_hidden_ : ndarray of shape (n_components,)
    intercept_visible_ : ndarray of shape (n_features,)
    h_samples_ : ndarray of shape (n_chains, n_components)
        The persistent chains' hidden units (PCD, as scikit-learn's), or the persistent
        hidden magnetizations (mf/tap with ``persistent``); other methods keep no model
        samples and have no ``h_samples_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When X has feature names (a pandas DataFrame).
    n_iter_ : int
        Epochs completed by ``fit``.
    interrupted_ : bool
        Whether Ctrl-C stopped ``fit`` early.
    seed_ : SeedSequence
        Reproduces the fit (``random_state=seed_``).
    model_ : BipartiteHamiltonian
        The fitted RBM (``statmech.models.RBM``-compatible).

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : scikit-learn's, trained by PCD-1.
    statmech.learning.log_likelihood : the held-out log-likelihood, exact or by AIS.

    References
    ----------
    T. Tieleman, ICML (2008) (PCD); M. Gabrié, E. W. Tramel and F. Krzakala, NeurIPS
    (2015) (EMF training, TAP2/TAP3).

    Examples
    --------
    >>> import numpy as np
    >>> from statmech.learning import BernoulliRBM
    >>> X = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(float)
    >>> rbm = BernoulliRBM(n_components=3, n_iter=5, random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (40, 3)
    >>> rbm.components_.shape
    (3, 6)
    """

    #: Unit types of the visible and hidden layers (:mod:`statmech.unit_types`).
    visible_units = "binary"
    hidden_units = "binary"

    def __init__(self, n_components: int = 256, *, method: str = "pcd", learning_rate: float = 0.1,
                 batch_size: int = 10, n_iter: int = 10, k: int = 1, n_chains: int | None = None, mf_iter: int = 3,
                 damping: float = 0.5, persistent: bool = True, optimizer: Any = "sgd", momentum: float = 0.0,
                 l2: float = 0.0, l1: float = 0.0, dtype: Any = None, shuffle: bool = False,
                 random_state: Seed | np.random.RandomState = None, verbose: bool | int | None = None) -> None:
        self.n_components, self.method, self.learning_rate = n_components, method, learning_rate
        self.batch_size, self.n_iter, self.k, self.n_chains = batch_size, n_iter, k, n_chains
        self.shuffle = shuffle
        self.mf_iter, self.damping, self.persistent = mf_iter, damping, persistent
        self.optimizer, self.momentum, self.l2, self.l1 = optimizer, momentum, l2, l1
        self.dtype, self.random_state, self.verbose = dtype, random_state, verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.positive_only = unit_type(self.visible_units).name in ("binary", "relu")
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_params")

    def _validate_X(self, X, reset, name="X"):
        """X as scikit-learn validates it (2-D, dense, finite, numeric, at least one row; the
        fitted number of features unless ``reset``), in the estimator's dtype, then in the
        visible units' domain."""
        if reset:
            dtype = (np.float64, np.float32) if self.dtype is None else self.dtype
        else:
            dtype = self._params["W"].dtype
        return self._in_domain(validate_data(self, X, reset=reset, dtype=dtype, accept_sparse=False), name)

    def _in_domain(self, X, name):
        return _in_domain(self, X, name, self.visible_units)

    # -- fitting ----------------------------------------------------------------------------

    def _validate(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {self.method!r}")
        as_int(self.n_components, "n_components", minimum=1)
        as_int(self.batch_size, "batch_size", minimum=1)
        as_int(self.n_iter, "n_iter", minimum=1)
        as_int(self.k, "k", minimum=1)
        as_int(self.mf_iter, "mf_iter", minimum=1)
        as_float(self.learning_rate, "learning_rate", minimum=0.0)
        if self.n_chains is not None:
            as_int(self.n_chains, "n_chains", minimum=1)
        damping = as_float(self.damping, "damping", minimum=0.0)
        if damping >= 1.0:
            raise ValueError(f"damping must be in [0, 1); got {damping}")
        if self.method == "tap3" and self.visible_units != "binary":
            raise ValueError(f"method 'tap3' needs two-state units (its third-order term is written for them); "
                             f"{type(self).__name__} has {self.visible_units} visible units: use 'tap2'")
        if self.dtype is not None and np.dtype(self.dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be None, float32 or float64; got {self.dtype!r}")

    def _initialise(self, n_features, dtype, seed_sequence):
        init_seed, chain_seed, self._sample_seed, score_seed = seed_sequence.spawn(4)
        rng = np.random.default_rng(init_seed)
        self._params = {"W": rng.normal(0.0, 0.01, (n_features, self.n_components)).astype(dtype),
                        "a": np.zeros(n_features, dtype), "b": np.zeros(self.n_components, dtype)}
        self._model_term = ModelTerm(self.method, self.k, self.n_chains or self.batch_size, self.mf_iter,
                                     self.damping, self.persistent, chain_seed)
        self._optimizer = make_optimizer(self.optimizer, self.learning_rate, self.momentum, self.l2, self.l1)
        self._rng = np.random.default_rng(self._sample_seed)
        self._score_key = score_seed.generate_state(4).tobytes()
        self._streams = None
        self._gradient_buffer = np.empty_like(self._params["W"])     # W's gradient of the sample form

    def _parameters(self):
        return BipartiteHamiltonian.from_arrays(self._params["W"], self._params["a"], self._params["b"],
                                                visible=self.visible_units, hidden=self.hidden_units)

    def _update(self, batch):
        params = self._parameters()
        # ascend the log-likelihood: the optimisers descend, so hand them -gradient
        descent = gradient(params, batch, self._model_term.statistics(params, batch), scale=-1.0,
                           out=self._gradient_buffer)
        self._optimizer.step(self._params, {name: g.astype(self._params[name].dtype, copy=False)
                                            for name, g in descent.items()})

    def partial_fit(self, X: ArrayLike, y: ArrayLike | None = None) -> Self:
        """One update on the minibatch X.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Values the visible units take or average to ([0, 1] for binary units).
        y : ignored

        Returns
        -------
        self
        """
        first = not self.__sklearn_is_fitted__()
        if first:
            self._validate()
        X = self._validate_X(X, reset=first)
        if first:
            seed_sequence = _seed_sequence(self.random_state)
            self.seed_ = fresh_seed_sequence(seed_sequence)
            self._initialise(X.shape[1], X.dtype, seed_sequence)
        self._update(X)
        return self

    def _check_fit_data(self, X):
        """A hook for what a subclass checks of validated training data."""

    def fit(self, X: ArrayLike, y: ArrayLike | None = None, *, callback: Any = None,
            checkpoint: PathLike | None = None, checkpoint_every: int = 100) -> Self:
        """Train for n_iter epochs of minibatches (consecutive slices, or reshuffled: ``shuffle``).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Values the visible units take or average to ([0, 1] for binary units).
        y : ignored
        callback : callable, optional
            ``callback(epoch, self)`` after each epoch.
        checkpoint : path or None
            If given, training saves its whole state there (parameters, optimiser, chains or
            magnetizations, random streams, position) every ``checkpoint_every`` minibatch
            updates, on Ctrl-C and at the end; if the file exists, ``fit`` resumes from it
            (same parameters and data; ``random_state=None`` takes the recorded seed) and
            ends with the parameters of an uninterrupted run, bit for bit.
        checkpoint_every : int, default 100

        Returns
        -------
        self
            With ``n_iter_`` (epochs completed), ``interrupted_`` (Ctrl-C stops after the
            minibatch in progress and keeps the parameters reached) and ``seed_`` (the
            SeedSequence that reproduces the fit).
        """
        self._validate()
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable (epoch, estimator) or None; got {type(callback).__name__}")
        for name in ("_params", "_model_term", "_optimizer"):       # a refit starts afresh
            self.__dict__.pop(name, None)
        X = self._validate_X(X, reset=True)
        self._check_fit_data(X)
        settings = {k: v for k, v in self.get_params().items() if k not in ("random_state", "verbose")}
        settings["dtype"] = str(X.dtype)
        name = type(self).__name__
        # random_state=None stays None: a resumed fit then takes the checkpoint's seed
        seed = None if self.random_state is None else _seed_sequence(self.random_state)
        run = Run(f"{name}.fit", seed, _progress(self.verbose), self.n_iter,
                  f"{name} ({self.method})", checkpoint, checkpoint_every,
                  {"estimator": settings, "data": None if checkpoint is None else content_digest(X)})
        self._initialise(X.shape[1], X.dtype, run.seed_sequence)
        self.n_iter_, self.interrupted_, self.seed_ = 0, False, run.seed
        run.execute(_Epochs(self, X, callback))
        self.interrupted_ = run.interrupted
        return self

    # -- fitted attributes and transforms ---------------------------------------------------

    def _fitted(self, name):
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit or partial_fit "
                                 f"before using {name}")
        return self._params

    @property
    def components_(self) -> np.ndarray:
        """The weights W.T: ndarray of shape (n_components, n_features)."""
        return self._fitted("components_")["W"].T

    @property
    def intercept_hidden_(self) -> np.ndarray:
        """The hidden biases b: ndarray of shape (n_components,)."""
        return self._fitted("intercept_hidden_")["b"]

    @property
    def intercept_visible_(self) -> np.ndarray:
        """The visible biases a: ndarray of shape (n_features,)."""
        return self._fitted("intercept_visible_")["a"]

    @property
    def h_samples_(self) -> np.ndarray:
        """The model's hidden samples: ndarray of shape (n_chains, n_components) (see the class
        description)."""
        self._fitted("h_samples_")
        term = self._model_term
        if term.method == "pcd" and term.state is not None:
            return term.state
        if term.method not in ("exact", "cd", "pcd") and term.persistent and term.state is not None:
            return term.state[:, self._params["W"].shape[0]:]
        raise AttributeError(f"h_samples_: method {term.method!r} keeps no model samples"
                             + ("" if term.method in ("exact", "cd") else " (none yet, or persistent=False)"))

    @property
    def _n_features_out(self) -> int:
        return self._fitted("get_feature_names_out")["W"].shape[1]

    @property
    def model_(self) -> BipartiteHamiltonian:
        """The fitted RBM as a BipartiteHamiltonian (float64, the estimator's unit types)."""
        params = self._fitted("model_")
        return BipartiteHamiltonian(params["W"], params["a"], params["b"],
                                    visible=self.visible_units, hidden=self.hidden_units)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """The hidden units' means given the data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            <h | v> for each row (p(h = 1 | v) for binary hidden units), in the fitted dtype.
        """
        self._fitted("transform")
        return hidden_mean(self._parameters(), self._validate_X(X, reset=False))

    def gibbs(self, v: ArrayLike) -> np.ndarray:
        """One block-Gibbs step v -> h -> v' (sampled, from the estimator's stream).

        Parameters
        ----------
        v : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of v's shape, in the fitted dtype
        """
        self._fitted("gibbs")
        v = self._validate_X(v, reset=False, name="v")
        if self._streams is None or len(self._streams) < len(v):
            self._streams = random_streams(np.random.SeedSequence(self._rng.integers(2 ** 63)), (len(v),))
        params = self._parameters()
        h = sample_from_fields(v @ params.weights + params.hidden_bias, params.hidden_units, self._streams)
        fields = h @ params.weights.T + params.visible_bias
        return sample_from_fields(fields, params.visible_units, self._streams).astype(v.dtype, copy=False)

    @available_if(lambda self: unit_type(self.visible_units).name == "binary")
    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Pseudo-log-likelihood per sample, as scikit-learn computes it.

        n_features times ln sigmoid(F(v~) - F(v)), with v~ = v with one unit flipped. The
        unit is chosen by a keyed hash of the row's values (key from the fit's seed), not
        drawn from a stream: the score of a sample is the same on every call and does not
        depend on the other rows or their order, and a uniformly chosen unit across rows.
        Binary visible units only (``statmech.learning.log_likelihood`` is the likelihood
        itself, for any units).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), float64
        """
        self._fitted("score_samples")
        X = self._validate_X(X, reset=False)
        return pseudo_log_likelihood(self.model_, X, units=_hashed_units(X, self._score_key))

    def free_energy(self, X: ArrayLike) -> np.ndarray:
        """F(v) = sum_i e(v_i) - a.v - sum_j A(b_j + v.W_j), A the hidden units' log-partition
        (softplus for binary units).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        self._fitted("free_energy")
        return free_energy(self._parameters(), self._validate_X(X, reset=False))


def _progress(verbose):
    """scikit-learn's ``verbose`` as statmech's ``progress``: None (a bar on a terminal or
    in a notebook), or whether to show one."""
    return None if verbose is None else bool(verbose)


def _seed_sequence(random_state):
    """scikit-learn's random_state as a SeedSequence: a legacy RandomState gives one draw
    (and advances, as scikit-learn's estimators advance it); the rest as ``seed``."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(0, 2 ** 63 - 1, dtype=np.int64)))
    return as_seed_sequence(random_state, "random_state")


def _in_domain(estimator, X, name, units):
    """X (validated) in the domain of the visible units: negative values refused in
    scikit-learn's words (``check_non_negative``) where the units are non-negative, then
    the units' range (``check_data``)."""
    if unit_type(units).name in ("binary", "relu"):
        check_non_negative(X, f"{type(estimator).__name__} ({name} must lie in "
                              f"{'[0, 1]' if unit_type(units).name == 'binary' else '[0, inf)'})")
    return check_data(X, None, name, dtype=X.dtype, units=units)


def _hashed_units(X, key):
    """For each row of X, a unit index in [0, n_features) from a keyed BLAKE2b hash of the
    row's float64 values: uniform across distinct rows, fixed for a row."""
    rows = np.ascontiguousarray(X, dtype=np.float64)
    n = rows.shape[1]
    return np.array([int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8, key=key).digest(), "little") % n
                     for row in rows], dtype=np.int64)


class GaussianBernoulliRBM(BernoulliRBM):
    """RBM with Gaussian visible units of unit variance and binary hidden units, for
    real-valued data: ``E(v, h) = |v|^2 / 2 - a.v - b.h - v W h``, so ``v | h ~ N(a + W h, 1)`` and
    ``p(h_j = 1 | v) = sigmoid(b_j + v.W_j)``.

    Standardise the data first (zero mean, unit variance per feature: the model's visible
    variance is fixed at 1, as in Hinton 2010, sec. 13.2); learning rates need to be smaller
    than for binary data (about 0.001-0.01 with SGD). The parameters, methods and attributes
    are those of :class:`BernoulliRBM`; ``method="exact"`` enumerates the hidden layer,
    mf/tap methods use the Gaussian units' variance 1 in the reaction term, and there is no
    ``score_samples`` (a pseudo-likelihood that flips binary units):
    ``statmech.learning.log_likelihood`` scores the data.

    References
    ----------
    G. E. Hinton, "A practical guide to training restricted Boltzmann machines" (2010),
    sec. 13.2; K. Cho, A. Ilin and T. Raiko, ICANN (2011) (Gaussian-Bernoulli RBMs).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> from statmech.learning import GaussianBernoulliRBM
    >>> X = np.random.default_rng(0).normal(size=(200, 6))
    >>> model = make_pipeline(StandardScaler(), GaussianBernoulliRBM(3, n_iter=2, random_state=0, verbose=0))
    >>> model.fit_transform(X).shape                       # hidden means: (n_samples, n_components)
    (200, 3)
    """

    visible_units = "gaussian"

    def __init__(self, n_components: int = 256, *, method: str = "pcd", learning_rate: float = 0.01,
                 batch_size: int = 10, n_iter: int = 10, k: int = 1, n_chains: int | None = None, mf_iter: int = 3,
                 damping: float = 0.5, persistent: bool = True, optimizer: Any = "sgd", momentum: float = 0.0,
                 l2: float = 0.0, l1: float = 0.0, dtype: Any = None, shuffle: bool = False,
                 random_state: Seed | np.random.RandomState = None, verbose: bool | int | None = None) -> None:
        super().__init__(n_components, method=method, learning_rate=learning_rate, batch_size=batch_size,
                         n_iter=n_iter, k=k, n_chains=n_chains, mf_iter=mf_iter, damping=damping,
                         persistent=persistent, optimizer=optimizer, momentum=momentum, l2=l2, l1=l1, dtype=dtype,
                         shuffle=shuffle, random_state=random_state, verbose=verbose)

    def _check_fit_data(self, X):
        """A DataWarning if X does not look standardised (a feature's mean beyond +-1 or
        standard deviation outside [0.5, 2]): the visible units have variance 1, so
        unstandardised data make the weights grow to their scale (found: ~1000 times
        larger, with no warning)."""
        if len(X) > 1:
            mean, spread = X.mean(0, dtype=np.float64), X.std(0, dtype=np.float64)
            varying = spread > 0
            bad = np.flatnonzero((np.abs(mean) > 1.0) | (varying & ((spread < 0.5) | (spread > 2.0))))
            if bad.size:
                k = int(bad[0])
                warnings.warn(f"X does not look standardised: feature {k} has mean {mean[k]:.3g} and standard "
                              f"deviation {spread[k]:.3g} ({bad.size} of {X.shape[1]} features are off). "
                              f"{type(self).__name__}'s visible units have variance 1: standardise each feature "
                              f"to zero mean and unit variance first (e.g. sklearn.preprocessing.StandardScaler)",
                              DataWarning, stacklevel=3)


__all__ = ["BernoulliRBM", "GaussianBernoulliRBM"]


class _Epochs(Loop):
    """A fit's minibatch updates, epoch by epoch (consecutive slices of X, or of its
    permutation when the estimator shuffles). A step is one update; Ctrl-C stops after
    the minibatch in progress and keeps the parameters reached. The position of the next
    update is (``epoch``, ``start``); ``epoch_rng`` is the state of the estimator's
    generator before the epoch's permutation, so that a resumed fit can draw it again."""

    def __init__(self, estimator, X, callback):
        self.estimator, self.X, self.callback = estimator, X, callback
        self.epoch, self.start, self.data = 0, 0, None
        self.epoch_rng = json.dumps(estimator._rng.bit_generator.state)

    @property
    def work(self):
        return self.estimator.n_iter_

    def steps(self):
        estimator = self.estimator
        while self.epoch < estimator.n_iter:
            if self.data is None:       # an epoch starts: slices of X are views, a permutation a copy
                self.epoch_rng = json.dumps(estimator._rng.bit_generator.state)
                self.data = self.X[estimator._rng.permutation(len(self.X))] if estimator.shuffle else self.X
            if self.start >= len(self.X):       # a checkpoint saved after an epoch's last update
                self._end_epoch()
                continue
            yield self.start

    def advance(self, start):
        estimator = self.estimator
        estimator._update(self.data[start:start + estimator.batch_size])
        self.position += 1
        self.start = start + estimator.batch_size
        if self.start >= len(self.X):
            self._end_epoch()

    def _end_epoch(self):
        estimator = self.estimator
        estimator.n_iter_ = self.epoch + 1
        if self.callback is not None:
            self.callback(self.epoch, estimator)
        self.epoch, self.start, self.data = self.epoch + 1, 0, None
        self.epoch_rng = json.dumps(estimator._rng.bit_generator.state)

    def fields(self, position):
        estimator = self.estimator
        params = estimator._params
        n_visible, n_hidden = params["W"].shape
        units = (unit_type(estimator.visible_units), unit_type(estimator.hidden_units))
        return dict(prefixed("param", {name: Field.like(value, finite) for name, value in params.items()}),
                    **estimator._optimizer.snapshot_fields(params, position),
                    **estimator._model_term.snapshot_fields(n_visible, n_hidden, params["W"].dtype, units),
                    position=Field(np.int64, (3,), at_least(0)), epoch_rng=Field(str, (), generator_state))

    def restore(self, saved, run):
        """Continue from a checkpoint whose position [epoch, start, epochs done] is a point
        of this fit (its minibatches of ``batch_size`` over the rows of X)."""
        estimator = self.estimator
        epoch, start, epochs_done = (int(x) for x in saved["position"])
        batch_size = estimator.batch_size
        batches = -(-len(self.X) // batch_size)
        if (epochs_done != epoch or epoch > estimator.n_iter or start % batch_size or start > batches * batch_size
                or run.resumed_step != epoch * batches + start // batch_size):
            raise run.damaged("position", f"[{epoch}, {start}, {epochs_done}] is not a point of this fit "
                                          f"({run.resumed_step} updates of minibatches of {batch_size})")
        if "term_streams" in saved and "term_state" in saved and estimator.method == "pcd" \
                and len(saved["term_streams"]) < len(saved["term_state"]):
            raise run.damaged("term_streams", "has fewer streams than the chains it drives")
        for name, value in unprefixed("param", saved).items():
            estimator._params[name][...] = value
        estimator._optimizer.restore(saved)
        estimator._model_term.restore(saved)
        self.epoch, self.start, estimator.n_iter_ = epoch, start, epochs_done
        self.epoch_rng = str(saved["epoch_rng"])
        estimator._rng.bit_generator.state = json.loads(self.epoch_rng)
        self.position = run.resumed_step

    def snapshot(self):
        estimator = self.estimator
        arrays = prefixed("param", estimator._params)
        arrays.update(estimator._optimizer.snapshot(), **estimator._model_term.snapshot())
        arrays.update(position=np.array([self.epoch, self.start, estimator.n_iter_]),
                      epoch_rng=np.array(self.epoch_rng))
        return arrays
