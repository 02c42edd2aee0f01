"""BernoulliRBM and GaussianBernoulliRBM: RBMs trained by Boltzmann learning, with
scikit-learn conventions."""
from __future__ import annotations

import json
import warnings
from typing import Any, TYPE_CHECKING

import numpy as np

from ..errors import DataWarning
from ..hamiltonian import content_digest
from ..runloop import Field, Loop, Run, at_least, finite, generator_state, prefixed, unprefixed
from ..unit_types import unit_type
from ..rng import random_streams
from ..validation import as_float, as_int, as_seed_sequence
from ..hamiltonian import BipartiteHamiltonian
from ..nn.optim import make_optimizer
from ..gibbs import sample_from_fields
from ._gradients import METHODS, ModelTerm, check_data, gradient, hidden_mean
from ._likelihood import free_energy, pseudo_log_likelihood

if TYPE_CHECKING:
    from typing_extensions import Self

    from statmech.typing import ArrayLike, PathLike, Seed


class BernoulliRBM:
    """Restricted Boltzmann machine with binary units, trained by Boltzmann learning.

    Parameters
    ----------
    n_components : int
        Hidden units.
    method : {"pcd", "cd", "naive", "tap2", "tap3", "exact"}
        How the model term of the gradient is computed (``statmech.learning``): Gibbs
        chains from the data (CD-k) or persistent (PCD-k), the naive / TAP2 / TAP3
        fixed point (EMF), or exact enumeration of the smaller layer (small models).
    learning_rate : float
    batch_size : int
    n_iter : int
        Epochs.
    shuffle : bool
        Reshuffle the training set every epoch. Default False: the minibatches are fixed
        consecutive slices, as in scikit-learn's BernoulliRBM (on MNIST with PCD-1 they
        also gave the higher test log-likelihood); shuffle the data once before ``fit`` if
        it is ordered.
    k : int
        Gibbs steps per update (CD-k, PCD-k).
    n_chains : int or None
        Persistent chains / magnetizations (default: batch_size).
    mf_iter : int
        Fixed-point iterations per update for mf/tap (warm-started).
    damping : float
    persistent : bool
        mf/tap: keep the magnetizations across updates.
    optimizer : {"sgd", "adam"}
    momentum, l2, l1 : float
        SGD momentum and weight decay of the weights.
    dtype : numpy float dtype
        float64 or float32 (faster: the parameters, Gibbs chains and their products run
        in it; the mf/tap fixed points are computed in float64 either way).
    seed : int, SeedSequence or None
    verbose : bool
        Progress bar over epochs.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        W.T, as in scikit-learn.
    intercept_hidden_, intercept_visible_ : ndarray
    n_features_in_ : int
    n_iter_ : int
        Epochs completed by ``fit``.
    interrupted_ : bool
        Whether Ctrl-C stopped ``fit`` early.
    model_ : RBM
        The fitted Hamiltonian (``statmech.models.RBM``-compatible BipartiteHamiltonian).
    """

    #: Unit types of the visible and hidden layers (:mod:`statmech.unit_types`).
    visible_units = "binary"
    hidden_units = "binary"

    def __init__(self, n_components: int = 256, method: str = "pcd", learning_rate: float = 0.1, batch_size: int = 10,
                 n_iter: int = 10, k: int = 1, n_chains: int | None = None, mf_iter: int = 3, damping: float = 0.5,
                 persistent: bool = True, optimizer: Any = "sgd", momentum: float = 0.0, l2: float = 0.0,
                 l1: float = 0.0, dtype: Any = np.float64, shuffle: bool = False, seed: Seed | None = None,
                 verbose: bool = False) -> None:
        self.n_components, self.method, self.learning_rate = n_components, method, learning_rate
        self.batch_size, self.n_iter, self.k, self.n_chains = batch_size, n_iter, k, n_chains
        self.shuffle = shuffle
        self.mf_iter, self.damping, self.persistent = mf_iter, damping, persistent
        self.optimizer, self.momentum, self.l2, self.l1 = optimizer, momentum, l2, l1
        self.dtype, self.seed, self.verbose = dtype, seed, verbose

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (
            "n_components", "method", "learning_rate", "batch_size", "n_iter", "k", "n_chains", "mf_iter",
            "damping", "persistent", "optimizer", "momentum", "l2", "l1", "dtype", "shuffle", "seed", "verbose")}

    def set_params(self, **params: Any) -> Self:
        for name, value in params.items():
            if name not in self.get_params():
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        return f"{type(self).__name__}(n_components={self.n_components}, method={self.method!r})"

    def _check_data(self, X, n_features=None, name="X"):
        return check_data(X, n_features, name, dtype=self.dtype, units=self.visible_units)

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
        if np.dtype(self.dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64; got {self.dtype!r}")

    def _initialise(self, n_features, seed_sequence=None):
        seed_sequence = as_seed_sequence(self.seed) if seed_sequence is None else seed_sequence
        init_seed, chain_seed, self._sample_seed = seed_sequence.spawn(3)
        rng = np.random.default_rng(init_seed)
        dtype = np.dtype(self.dtype)
        self._params = {"W": rng.normal(0.0, 0.01, (n_features, self.n_components)).astype(dtype),
                        "a": np.zeros(n_features, dtype), "b": np.zeros(self.n_components, dtype)}
        self.n_features_in_ = n_features
        self._model_term = ModelTerm(self.method, self.k, self.n_chains or self.batch_size, self.mf_iter,
                                     self.damping, self.persistent, chain_seed)
        self._optimizer = make_optimizer(self.optimizer, self.learning_rate, self.momentum, self.l2, self.l1)
        self._rng = np.random.default_rng(self._sample_seed)
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
        """One update on the minibatch X (n_samples, n_features) in [0, 1]."""
        if not hasattr(self, "_params"):
            self._validate()
            X = self._check_data(X)
            self._initialise(X.shape[1])
        X = self._check_data(X, self.n_features_in_)
        self._update(X)
        return self

    def fit(self, X: ArrayLike, y: ArrayLike | None = None, callback: Any = None, checkpoint: PathLike | None = None,
            checkpoint_every: int = 100) -> Self:
        """Train for n_iter epochs of minibatches (consecutive slices, or reshuffled: ``shuffle``).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features), values in [0, 1]
        y : ignored
        callback : callable, optional
            ``callback(epoch, self)`` after each epoch.
        checkpoint : path or None
            If given, training saves its whole state there (parameters, optimiser, chains or
            magnetizations, random streams, position) every ``checkpoint_every`` minibatch
            updates, on Ctrl-C and at the end; if the file exists, ``fit`` resumes from it
            (same parameters and data; ``seed=None`` takes the recorded seed) and ends with
            the parameters of an uninterrupted run, bit for bit.
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
        X = self._check_data(X)
        if len(X) == 0:
            raise ValueError("X must hold at least one sample; got shape (0, n_features)")
        settings = {k: (str(np.dtype(v)) if k == "dtype" else v) for k, v in self.get_params().items()
                    if k not in ("seed", "verbose")}
        name = type(self).__name__
        run = Run(f"{name}.fit", self.seed, self.verbose or None, self.n_iter, f"{name} ({self.method})",
                  checkpoint, checkpoint_every, {"estimator": settings,
                                                 "data": None if checkpoint is None else content_digest(X)})
        self._initialise(X.shape[1], run.seed_sequence)
        self.n_iter_, self.interrupted_, self.seed_ = 0, False, run.seed
        run.execute(_Epochs(self, X, callback))
        self.interrupted_ = run.interrupted
        return self

    # -- fitted attributes and transforms ---------------------------------------------------

    def _check_fitted(self):
        if not hasattr(self, "_params"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit or partial_fit first")

    @property
    def components_(self) -> np.ndarray:
        self._check_fitted()
        return self._params["W"].T

    @property
    def intercept_hidden_(self) -> np.ndarray:
        self._check_fitted()
        return self._params["b"]

    @property
    def intercept_visible_(self) -> np.ndarray:
        self._check_fitted()
        return self._params["a"]

    @property
    def model_(self) -> BipartiteHamiltonian:
        """The fitted RBM as a BipartiteHamiltonian (float64, the estimator's unit types)."""
        self._check_fitted()
        return BipartiteHamiltonian(self._params["W"], self._params["a"], self._params["b"],
                                    visible=self.visible_units, hidden=self.hidden_units)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """<h | v> for each row (p(h = 1 | v) for binary hidden units): ndarray of shape
        (n_samples, n_components)."""
        self._check_fitted()
        return hidden_mean(self._parameters(), self._check_data(X, self.n_features_in_))

    def gibbs(self, v: ArrayLike) -> np.ndarray:
        """One block-Gibbs step v -> h -> v' (sampled): ndarray of v's shape."""
        self._check_fitted()
        v = self._check_data(v, self.n_features_in_, "v")
        if self._streams is None or len(self._streams) < len(v):
            self._streams = random_streams(np.random.SeedSequence(self._rng.integers(2 ** 63)), (len(v),))
        params = self._parameters()
        h = sample_from_fields(v @ params.weights + params.hidden_bias, params.hidden_units, self._streams)
        fields = h @ params.weights.T + params.visible_bias
        return sample_from_fields(fields, params.visible_units, self._streams).astype(v.dtype, copy=False)

    def score_samples(self, X: ArrayLike, seed: Seed | None = None) -> np.ndarray:
        """Pseudo-log-likelihood per sample, as scikit-learn computes it: n_features times
        ln sigmoid(F(v~) - F(v)) with v~ = v with one uniformly chosen unit flipped (binary
        visible units; ``statmech.learning.log_likelihood`` for the likelihood itself)."""
        self._check_fitted()
        return pseudo_log_likelihood(self.model_, X, seed=self._rng if seed is None else seed)

    def free_energy(self, X: ArrayLike) -> np.ndarray:
        """F(v) = sum_i e(v_i) - a.v - sum_j A(b_j + v.W_j), A the hidden units' log-partition
        (softplus for binary units): ndarray of shape (n_samples,)."""
        self._check_fitted()
        return free_energy(self._parameters(), self._check_data(X, self.n_features_in_))


class GaussianBernoulliRBM(BernoulliRBM):
    """RBM with Gaussian visible units of unit variance and binary hidden units, for
    real-valued data: E(v, h) = |v|^2 / 2 - a.v - b.h - v W h, so v | h ~ N(a + W h, 1) and
    p(h_j = 1 | v) = sigmoid(b_j + v.W_j).

    Standardise the data first (zero mean, unit variance per feature: the model's visible
    variance is fixed at 1, as in Hinton 2010, sec. 13.2); learning rates need to be smaller
    than for binary data (about 0.001-0.01 with SGD). The parameters, methods and attributes
    are those of :class:`BernoulliRBM`; ``method="exact"`` enumerates the hidden layer,
    mf/tap methods use the Gaussian units' variance 1 in the reaction term, and
    ``score_samples`` (a pseudo-likelihood of binary units) is replaced by
    ``statmech.learning.log_likelihood``.

    References
    ----------
    G. E. Hinton, "A practical guide to training restricted Boltzmann machines" (2010),
    sec. 13.2; K. Cho, A. Ilin and T. Raiko, ICANN (2011) (Gaussian-Bernoulli RBMs).
    """

    visible_units = "gaussian"

    def fit(self, X: ArrayLike, y: ArrayLike | None = None, callback: Any = None, checkpoint: PathLike | None = None,
            checkpoint_every: int = 100) -> GaussianBernoulliRBM:
        """As :meth:`BernoulliRBM.fit`, after a DataWarning if X does not look standardised
        (a feature's mean beyond +-1 or standard deviation outside [0.5, 2]): the visible
        units have variance 1, so unstandardised data make the weights grow to their scale
        (found: ~1000 times larger, with no warning)."""
        values = np.asarray(X, dtype=np.float64)
        if values.ndim == 2 and len(values) > 1:
            mean, spread = values.mean(0), values.std(0)
            varying = spread > 0
            bad = np.flatnonzero((np.abs(mean) > 1.0) | (varying & ((spread < 0.5) | (spread > 2.0))))
            if bad.size:
                k = int(bad[0])
                warnings.warn(f"X does not look standardised: feature {k} has mean {mean[k]:.3g} and standard "
                              f"deviation {spread[k]:.3g} ({bad.size} of {values.shape[1]} features are off). "
                              f"{type(self).__name__}'s visible units have variance 1: standardise each feature "
                              f"to zero mean and unit variance first (e.g. sklearn.preprocessing.StandardScaler)",
                              DataWarning, stacklevel=2)
        return super().fit(X, y, callback=callback, checkpoint=checkpoint, checkpoint_every=checkpoint_every)

    def __init__(self, n_components: int = 256, method: str = "pcd", learning_rate: float = 0.01, batch_size: int = 10,
                 n_iter: int = 10, k: int = 1, n_chains: int | None = None, mf_iter: int = 3, damping: float = 0.5,
                 persistent: bool = True, optimizer: Any = "sgd", momentum: float = 0.0, l2: float = 0.0,
                 l1: float = 0.0, dtype: Any = np.float64, shuffle: bool = False, seed: Seed | None = None,
                 verbose: bool = False) -> None:
        super().__init__(n_components, method, learning_rate, batch_size, n_iter, k, n_chains, mf_iter, damping,
                         persistent, optimizer, momentum, l2, l1, dtype, shuffle, seed, verbose)


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
