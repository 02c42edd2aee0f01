"""Log-likelihoods of RBMs of any unit types: exact, by AIS from a base-rate model, or by
mean field / TAP."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from ..unit_types import unit_type
from ..validation import as_generator, as_int
from ..hamiltonian import BipartiteHamiltonian, has_structure, structure_hint
from ..meanfield.solvers import mean_field
from ..meanfield.plefka import interior
from ..schedules import linear
from ..exact import exact
from ..mc.free_energy import ais
from ..records import Estimate, RunRecord
from ..runloop import Stopwatch
from ._gradients import MEAN_FIELD_METHODS, check_data

if TYPE_CHECKING:
    from statmech.typing import ArrayLike, Seed


@dataclass(frozen=True, eq=False)
class LogLikelihood(RunRecord, Estimate):
    """Average ln p(x) per sample and how it was obtained: an :class:`Estimate`
    (``float()`` gives the value).

    Attributes
    ----------
    value : float
        mean_x ln p(x) = -mean F(x) - ln Z.
    error : float
        Standard error from the ln Z estimate (AIS); 0 for exact, NaN for mean field
        (whose error is a bias, not a statistical error, and has no estimate).
    log_z, log_z_err : float
    method : str
    converged : bool
        False when the mean-field / TAP fixed point behind ln Z was not reached (the
        value is then that of the last iterate; a ConvergenceWarning says so too).
    effective_sample_size : float or None
        AIS: the effective sample size of the final importance weights (out of
        ``n_chains``); a small one means the error bar does not measure the error (an
        EffectiveSampleSizeWarning says so too). None for the other methods.
    seed, elapsed, interrupted
        As every run record: ``seed`` reproduces AIS (None for the deterministic methods);
        Ctrl-C during AIS stops it, and the record then holds the ln Z reached.

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import learning
    >>> from statmech.models import RBM
    >>> ll = learning.log_likelihood(RBM.random(8, 4, seed=0), np.ones((10, 8)))
    >>> ll.method, ll.error                                # exact: no error
    ('exact', 0.0)
    >>> bool(ll.value < 0)
    True
    """

    log_z: float | None = None
    log_z_err: float | None = None
    method: str | None = None
    converged: bool = True
    effective_sample_size: float | None = None


def free_energy(rbm: Any, v: np.ndarray) -> np.ndarray:
    """F(v) = sum_i e(v_i) - a.v - sum_j A(b_j + v.W_j) + offset at beta = 1, A the hidden
    unit's log-partition (ln(1 + e^x) for binary units): ln p(v) = -F(v) - ln Z for any RBM.
    Binary visible units take v in [0, 1] (probabilities allowed, unlike
    ``BipartiteHamiltonian.free_energy_visible``)."""
    visible, hidden = rbm.unit_types
    return (visible.self_energy(v).sum(-1) - v @ rbm.visible_bias
            - hidden.log_partition(v @ rbm.weights + rbm.hidden_bias).sum(-1) + getattr(rbm, "offset", 0.0))


def _as_rbm(rbm):
    if hasattr(rbm, "model_") and hasattr(rbm, "components_"):       # a fitted estimator (BernoulliRBM)
        return rbm.model_
    if has_structure(rbm, BipartiteHamiltonian):
        return rbm
    raise TypeError(f"rbm must be an RBM (BipartiteHamiltonian) or a fitted BernoulliRBM; got {type(rbm).__name__}"
                    f"{structure_hint(rbm)}")


def base_rate_rbm(X: np.ndarray, n_hidden: int, smoothing: float = 0.05, *, visible: Any = "binary",
                  hidden: Any = "binary") -> BipartiteHamiltonian:
    """The AIS base model of Salakhutdinov & Murray (2008): W = 0, b = 0 and visible biases
    that give each visible unit its (smoothed) data mean: a_i = the field whose activation
    is that mean (logit for binary units; the mean itself for Gaussian units)."""
    visible = unit_type(visible, "visible")
    if visible.low is not None:     # two-state units: the smoothed frequency of the up state
        p = ((X.mean(0) - visible.low) / (1.0 - visible.low) * len(X) + smoothing) / (len(X) + 2 * smoothing)
        mean = visible.low + (1.0 - visible.low) * p
    else:
        mean = interior(visible, X.mean(0), 1e-3)
    return BipartiteHamiltonian(np.zeros((X.shape[1], n_hidden)), visible.field_from_mean(mean), np.zeros(n_hidden),
                                visible=visible, hidden=hidden)


def log_likelihood(rbm: Any, X: ArrayLike, *, method: str = "exact", n_steps: int = 10_000, n_chains: int = 100,
                   base_data: ArrayLike | None = None, seed: Seed | None = None) -> LogLikelihood:
    """Average log-likelihood per sample, mean_x ln p(x), of an RBM (any unit types; a
    density for continuous visible units).

    Parameters
    ----------
    rbm : BipartiteHamiltonian (an RBM) or fitted BernoulliRBM / GaussianBernoulliRBM
    X : array_like of shape (n_samples, n_visible)
        Values of the visible units (in [0, 1] for binary ones).
    method : {"exact", "ais", "naive", "tap2", "tap3"}
        How ln Z is obtained: enumerating a two-state layer (the Gaussian integral for
        two Gaussian layers); annealed importance sampling from the base-rate model
        (``n_steps`` intermediate distributions, ``n_chains`` chains, block Gibbs; its
        ln Z is biased low, so ln p is biased *high*); or the mean-field / TAP free energy at the fixed point reached from the
        data mean (an approximation without an error bar).
    n_steps, n_chains : int
        AIS effort (``n_chains`` importance-weighted chains: as in :func:`statmech.mc.ais`,
        many, so that the log-mean of their weights is reliable).
    base_data : array_like, optional
        Data for the AIS base rates (default X; pass the training set when X is test data).
    seed : int, Generator or None

    Returns
    -------
    LogLikelihood

    References
    ----------
    R. Salakhutdinov and I. Murray, ICML (2008); M. Gabrie, E. W. Tramel and F. Krzakala,
    NeurIPS (2015).

    Examples
    --------
    The AIS estimate of an RBM's average log-likelihood against exact enumeration:

    >>> import numpy as np
    >>> from statmech import learning
    >>> from statmech.models import RBM
    >>> rbm = RBM.random(12, 6, scale=0.5, seed=0)
    >>> X = np.random.default_rng(0).integers(0, 2, (50, 12))
    >>> exact = learning.log_likelihood(rbm, X)
    >>> ais = learning.log_likelihood(rbm, X, method="ais", n_steps=1000, seed=0)
    >>> bool(abs(ais.value - exact.value) < 4 * ais.error + 1e-9)
    True
    """
    clock = Stopwatch()
    rbm = _as_rbm(rbm)
    visible, hidden = rbm.unit_types
    X = check_data(X, rbm.n_visible, units=visible)
    if len(X) == 0:
        raise ValueError(f"X must hold at least one sample; got shape {X.shape}")
    converged, ess, run = True, None, {}
    mean_free_energy = float(free_energy(rbm, X).mean())
    if method == "exact":
        log_z, log_z_err, error = exact(rbm, 1.0).log_z, 0.0, 0.0
    elif method == "ais":
        n_steps = as_int(n_steps, "n_steps", minimum=2)
        base = base_rate_rbm(check_data(X if base_data is None else base_data, rbm.n_visible, "base_data",
                                        units=visible), rbm.n_hidden, visible=visible, hidden=hidden)
        result = ais(rbm, linear(0.0, 1.0, n_steps), n_chains=n_chains, base=base, seed=seed,
                                 progress=False)
        log_z, log_z_err, ess = result.log_z, result.log_z_err, float(result.effective_sample_size[-1])
        error = log_z_err
        run = {"seed": result.seed, "interrupted": result.interrupted}
    elif method in MEAN_FIELD_METHODS:
        start = interior(visible, X.mean(0), 1e-3)
        result = mean_field(rbm, 1.0, method=method, damping=0.7, max_iter=10_000, init=start, on_failure="warn")
        log_z, log_z_err, error = float(result.log_z), float("nan"), float("nan")
        converged = bool(result.converged)
    else:
        raise ValueError(f"method must be 'exact', 'ais', 'naive', 'tap2' or 'tap3'; got {method!r}")
    return LogLikelihood(value=-mean_free_energy - log_z, error=error, log_z=log_z, log_z_err=log_z_err,
                         method=method, converged=converged, effective_sample_size=ess, elapsed=clock.elapsed,
                         **run)


def pseudo_log_likelihood(rbm: Any, X: ArrayLike, *, seed: Seed | None = None, all_units: bool = False,
                          units: ArrayLike | None = None) -> np.ndarray:
    """Pseudo-log-likelihood per sample, ``sum_i ln p(x_i | x_-i)``.

    By default as scikit-learn's ``BernoulliRBM.score_samples``: n_features times
    ln sigmoid(F(x~) - F(x)), with x~ = x with one uniformly chosen unit flipped (a
    stochastic estimate). ``all_units=True`` sums over every unit (exact, n times slower).

    Parameters
    ----------
    rbm : BipartiteHamiltonian or fitted BernoulliRBM
        Binary visible units.
    X : array_like of shape (n_samples, n_visible)
    seed : int, SeedSequence, Generator or None
        Draws the flipped units.
    all_units : bool, default False
    units : array_like of int, shape (n_samples,), optional
        The unit flipped in each row, instead of drawing them.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    rbm = _as_rbm(rbm)
    if rbm.visible_units.name != "binary":
        raise ValueError(f"the pseudo-log-likelihood flips binary visible units; this RBM has "
                         f"{rbm.visible_units.name} visible units: use log_likelihood")
    X = check_data(X, rbm.n_visible)
    energy = free_energy(rbm, X)
    if all_units:
        total = np.zeros(len(X))
        for i in range(rbm.n_visible):
            flipped = X.copy()
            flipped[:, i] = 1 - flipped[:, i]
            total -= np.logaddexp(0.0, -(free_energy(rbm, flipped) - energy))
        return total
    if units is None:
        units = as_generator(seed).integers(0, rbm.n_visible, len(X))
    else:
        units = np.asarray(units)
        if units.shape != (len(X),) or not np.issubdtype(units.dtype, np.integer) \
                or (units.size and (units.min() < 0 or units.max() >= rbm.n_visible)):
            raise ValueError(f"units must hold one unit index in [0, {rbm.n_visible}) per sample, shape "
                             f"({len(X)},); got {units.dtype} of shape {units.shape}")
    index = (np.arange(len(X)), units)
    flipped = X.copy()
    flipped[index] = 1 - flipped[index]
    return -rbm.n_visible * np.logaddexp(0.0, -(free_energy(rbm, flipped) - energy))
