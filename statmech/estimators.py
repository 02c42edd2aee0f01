"""Estimators with error bars for Monte Carlo output.

Autocorrelation times, effective sample sizes (Sokal's, and the bulk and tail ESS of
Vehtari et al.), rank-normalised R-hat, equilibration detection, blocking and jackknife errors, the
Binder cumulant, overlap distributions, histogram reweighting (single and multistate)
and thermodynamic integration. Every estimate comes with its standard error.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np
from scipy import special

from .validation import as_beta, as_float, as_int, as_real_array, as_states
from .errors import AutocorrelationError, ConvergenceError, ConvergenceWarning
from .records import Estimate, Record

if TYPE_CHECKING:
    from collections.abc import Sequence

    from statmech.typing import ArrayLike, Seed

__all__ = ["autocorrelation_time", "effective_sample_size", "rhat", "equilibration", "Equilibration",
           "log_binning", "LogBinning", "link_overlap_from_energy",
           "blocking_error", "jackknife", "jackknife_spread",
           "binder_cumulant", "correlation_length", "correlation_length_of_moments", "overlap_distribution", "reweight", "multistate_reweighting",
           "MultistateReweighting", "thermodynamic_integration", "log_mean_exp",
           "kish_effective_sample_size"]


@dataclass(frozen=True, eq=False)
class Reweighted(Record):
    """Single-histogram reweighting of a trace to another beta.

    Attributes
    ----------
    mean : Estimate
        <O> at the new beta.
    delta_log_z : Estimate
        ln Z(new beta) - ln Z(beta).
    effective_sample_size : float
        Kish ESS of the weights: how many of the samples still count.

    Examples
    --------
    >>> import numpy as np, statmech
    >>> from statmech.models import Ising
    >>> H = Ising.chain(10)
    >>> run = statmech.sample(H, 0.5, n_sweeps=4000, n_chains=4, seed=0, progress=False)
    >>> r = statmech.estimators.reweight(run.energy, 0.5, 0.55)        # <E> at 0.55 from a run at 0.5
    >>> exact = statmech.exact(H, 0.55).energy
    >>> bool(abs(r.mean.value - exact) < 4 * r.mean.error)
    True
    """

    mean: Estimate
    delta_log_z: Estimate
    effective_sample_size: float


@dataclass(frozen=True, eq=False)
class OverlapDistribution(Record):
    """Distribution P(q) of the overlap q = (1/n) sum_i s_i^a s_i^b between two replicas.

    Attributes
    ----------
    q : ndarray of shape (n_samples,)
        The overlaps.
    edges : ndarray of shape (n_bins + 1,)
    density : ndarray of shape (n_bins,)
        Normalised histogram of q on [-1, 1].
    q_ea : Estimate
        Edwards-Anderson order parameter sqrt(<q^2>) (jackknife error).
    abs_q : Estimate
        ``<|q|>``.

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import estimators
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.choice([-1, 1], (2, 1000, 20))          # independent random states: q near 0
    >>> P = estimators.overlap_distribution(a, b)
    >>> P.q.shape, P.density.shape                         # one q per pair; n + 1 bins
    ((1000,), (21,))
    >>> bool(abs(P.q_ea.value - np.sqrt(1 / 20)) < 4 * P.q_ea.error)   # <q^2> = 1/n
    True
    """

    dims = {"q": ("sample",), "edges": ("edge",), "density": ("bin",)}

    q: np.ndarray
    edges: np.ndarray
    density: np.ndarray
    q_ea: Estimate
    abs_q: Estimate


def log_mean_exp(log_values: ArrayLike, axis: int | None = None) -> Any:
    """ln mean(exp(x)), stable: the one log-mean-exp of importance-weight estimators."""
    log_values = np.asarray(log_values, dtype=np.float64)
    top = np.max(log_values, axis=axis, keepdims=True)
    out = top + np.log(np.mean(np.exp(log_values - top), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else float(out.ravel()[0])


def kish_effective_sample_size(log_weights: ArrayLike) -> float:
    """(sum w)^2 / sum w^2 of importance weights given as logs: how many samples still count."""
    log_weights = np.asarray(log_weights, dtype=np.float64).ravel()
    w = np.exp(log_weights - log_weights.max())
    return float(w.sum() ** 2 / (w * w).sum())


def _series(x, name="x"):
    x = as_real_array(x, name)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n_steps,) or (n_chains, n_steps); got {x.shape}")
    return x


def autocorrelation_function(x: ArrayLike) -> np.ndarray:
    """Normalised autocorrelation rho(t) of a series, averaged over chains (FFT, O(n log n)).

    Parameters
    ----------
    x : array_like of shape (n_steps,) or (n_chains, n_steps)

    Returns
    -------
    ndarray of shape (n_steps,)
    """
    x = _series(x)
    n = x.shape[1]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    centred = x - x.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acf = np.fft.irfft(spectrum * np.conjugate(spectrum), n=size, axis=1)[:, :n].mean(axis=0)
    return acf / acf[0] if acf[0] > 0 else np.zeros(n)


def autocorrelation_time(x: ArrayLike, c: float = 5.0, min_ratio: float = 50.0, *, quiet: bool = False) -> float:
    """Integrated autocorrelation time tau = 1 + 2 sum_{t>=1} rho(t), with Sokal's window.

    Convention: tau is the factor by which correlations inflate the variance of the mean,
    Var(mean) = tau Var(x) / n, as in emcee and pymbar (some texts use tau/2).
    The sum stops at the smallest window M with M >= c tau(M) (Sokal 1997).

    Parameters
    ----------
    x : array_like of shape (n_steps,) or (n_chains, n_steps)
        Chains are averaged into one autocorrelation function.
    c : float, default 5
    min_ratio : float, default 50
        The series must be at least ``min_ratio * tau`` long.
    quiet : bool, default False
        What a series too short for a reliable tau gets: False raises
        :class:`~statmech.errors.AutocorrelationError` (its ``tau`` attribute holds the
        estimate); True warns (:class:`~statmech.errors.ConvergenceWarning`) and returns
        the estimate, as emcee's ``quiet=True``. A short series underestimates tau: run
        longer rather than trust it.

    Returns
    -------
    float

    Raises
    ------
    AutocorrelationError
        When the series is shorter than ``min_ratio * tau`` or no window qualifies, unless
        ``quiet``.

    References
    ----------
    A. D. Sokal, in *Functional Integration* (1997), sec. 3; D. Foreman-Mackey et al.,
    PASP 125, 306 (2013).
    """
    x = _series(x)
    rho = autocorrelation_function(x)
    taus = 2.0 * np.cumsum(rho) - 1.0
    windows = np.arange(taus.size) < c * taus
    window = int(np.argmin(windows)) if not np.all(windows) else taus.size - 1
    tau = float(taus[window])
    if np.all(windows) or x.shape[1] < min_ratio * tau:
        message = (f"the series of {x.shape[1]} steps is shorter than {min_ratio:g} * tau = {min_ratio * tau:.1f}; "
                   f"tau = {tau:.3g} is not reliable")
        if not quiet:
            raise AutocorrelationError(message + " (its estimate is in this error's .tau; quiet=True returns it "
                                       "with a warning)", tau)
        warnings.warn(message + " (an underestimate: run longer)", ConvergenceWarning, stacklevel=2)
    return tau


_ESS_METHODS = ("sokal", "bulk", "tail", "mean")


def effective_sample_size(x: ArrayLike, method: str = "sokal", *, c: float = 5.0, min_ratio: float = 50.0,
                          quiet: bool = False, prob: tuple = (0.05, 0.95)) -> float:
    """Number of independent draws the correlated draws ``x`` are worth.

    Parameters
    ----------
    x : array_like of shape (n_steps,) or (n_chains, n_steps)
    method : {"sokal", "bulk", "tail", "mean"}, default "sokal"
        "sokal": n_chains n_steps / tau, tau from :func:`autocorrelation_time` (``c``,
        ``min_ratio``, ``quiet`` go to it). The others are those of Vehtari et al. (2021),
        as ArviZ's ``ess`` and Stan compute them, from the chains split in halves with
        Geyer's initial monotone sequence of autocorrelations: "bulk" on rank-normalised
        draws (the reliability of means and medians, robust to heavy tails), "tail" the
        smaller of those of the indicators x <= q at the quantiles ``prob`` (the reliability
        of intervals), "mean" on the draws themselves.
    prob : (float, float), default (0.05, 0.95)
        The quantiles of "tail".

    Returns
    -------
    float

    References
    ----------
    A. Vehtari, A. Gelman, D. Simpson, B. Carpenter and P.-C. Buerkner, "Rank-normalization,
    folding, and localization: an improved R-hat for assessing convergence of MCMC",
    Bayesian Analysis 16, 667 (2021), sec. 3 and appendix A; C. J. Geyer, Statist. Sci. 7,
    473 (1992).

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import estimators
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))       # independent draws
    >>> round(estimators.effective_sample_size(draws, "bulk") / draws.size, 1)
    1.0
    """
    if method not in _ESS_METHODS:
        raise ValueError(f"method must be one of {_ESS_METHODS}; got {method!r}")
    x = _series(x)
    if method == "sokal":
        return x.size / autocorrelation_time(x, c=c, min_ratio=min_ratio, quiet=quiet)
    _check_draws(x)
    if method == "bulk":
        return _geyer_ess(_normal_scores(_split_chains(x)))
    if method == "mean":
        return _geyer_ess(_split_chains(x))
    low, high = (float(p) for p in prob)
    if not 0 < low < high < 1:
        raise ValueError(f"prob must be two quantiles 0 < low < high < 1; got {prob!r}")
    return min(_geyer_ess(_split_chains((x <= np.quantile(x, p)).astype(float))) for p in (low, high))


def rhat(x: ArrayLike) -> float:
    """Rank-normalised split R-hat (Vehtari et al. 2021): how far chains are from agreeing.

    The chains are split in halves; R-hat is the larger of the classic potential scale
    reduction of the rank-normalised draws (bulk: locations) and of the rank-normalised
    distances from the median (tail: scales). Values near 1 mean the chains sample one
    distribution; Vehtari et al. recommend running on while it exceeds 1.01. Equal to
    ArviZ's ``rhat(method="rank")``.

    Parameters
    ----------
    x : array_like of shape (n_chains, n_steps)
        At least 2 chains of at least 4 steps (one chain of 4 or more: its halves are
        compared).

    Returns
    -------
    float

    References
    ----------
    A. Vehtari et al., Bayesian Analysis 16, 667 (2021), eqs. (1)-(4) and sec. 4.1;
    A. Gelman and D. B. Rubin, Statist. Sci. 7, 457 (1992).

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import estimators
    >>> chains = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(estimators.rhat(chains) < 1.01), bool(estimators.rhat(chains + np.arange(4)[:, None]) > 1.1)
    (True, True)
    """
    x = _check_draws(_series(x))
    split = _split_chains(x)
    folded = np.abs(split - np.median(split))
    return max(_potential_scale_reduction(_normal_scores(split)), _potential_scale_reduction(_normal_scores(folded)))


def _check_draws(x):
    if x.shape[1] < 4:
        raise ValueError(f"x needs at least 4 steps per chain to split its chains; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite")
    return x


def _split_chains(x):
    """(n_chains, n_steps) -> (2 n_chains, n_steps // 2): each chain's first and last halves
    (the middle draw of an odd chain left out)."""
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half:]])


def _normal_scores(x):
    """Rank normalisation: each draw replaced by the normal quantile of its rank among all
    draws, Phi^-1((r - 3/8) / (S + 1/4)) (Blom's offset; ties get their average rank)."""
    from scipy import stats

    ranks = stats.rankdata(x, method="average").reshape(x.shape)
    return special.ndtri((ranks - 0.375) / (x.size + 0.25))


def _potential_scale_reduction(x):
    """Gelman and Rubin's R-hat of chains (rows): sqrt(((n - 1) W + B) / (n W)), with W
    the mean within-chain variance and B / n the variance of the chain means."""
    n = x.shape[1]
    within = np.mean(np.var(x, axis=1, ddof=1))
    between_over_n = np.var(np.mean(x, axis=1), ddof=1)
    return float(np.sqrt((n - 1 + n * between_over_n / within) / n))


def _geyer_ess(x):
    """The effective sample size of chains (rows) from their pooled autocorrelations, the
    sum truncated and made monotone by Geyer's initial monotone sequence estimator (as Stan:
    Vehtari et al. 2021, appendix A)."""
    from scipy.fft import next_fast_len

    m, n = x.shape
    if np.ptp(x) < np.finfo(float).resolution:
        return float(x.size)
    size = next_fast_len(2 * n)
    spectrum = np.fft.rfft(x - x.mean(axis=1, keepdims=True), n=size, axis=1)
    autocovariance = np.fft.irfft(spectrum * np.conjugate(spectrum), n=size, axis=1)[:, :n] / n
    within = autocovariance[:, 0].mean() * n / (n - 1)
    pooled = within * (n - 1) / n + (np.var(x.mean(axis=1), ddof=1) if m > 1 else 0.0)
    rho = 1.0 - (within - autocovariance.mean(axis=0)) / pooled
    kept = np.zeros(n)
    kept[:2] = 1.0, rho[1]
    even, odd = 1.0, rho[1]
    t = 1
    while t < n - 3 and even + odd > 0:           # initial positive sequence of pair sums
        even, odd = rho[t + 1], rho[t + 2]
        if even + odd >= 0:
            kept[t + 1], kept[t + 2] = even, odd
        t += 2
    last = t - 2
    if even > 0:
        kept[last + 1] = even
    for t in range(1, last - 1, 2):              # ... made monotone
        if kept[t + 1] + kept[t + 2] > kept[t - 1] + kept[t]:
            kept[t + 1] = kept[t + 2] = (kept[t - 1] + kept[t]) / 2
    tau = -1.0 + 2.0 * kept[:last + 1].sum() + kept[last + 1:last + 2].sum()
    return float(x.size / max(tau, 1.0 / np.log10(x.size)))


@dataclass(frozen=True, eq=False)
class Equilibration(Record):
    """Where a series reaches equilibrium (:func:`equilibration`).

    Attributes
    ----------
    start : int
        The first step to keep: the steps before it are the burn-in.
    statistical_inefficiency : float
        g of the steps from ``start`` on: Var(mean) = g Var(x) / (n - start).
    n_effective : float
        (n - start) / g, the number of uncorrelated steps they are worth; ``start``
        maximises it.

    Examples
    --------
    A series that relaxes from 5 to 0 and then fluctuates: the detected start is past the
    transient.

    >>> import numpy as np
    >>> from statmech import estimators
    >>> x = 5 * np.exp(-np.arange(2000) / 50) + np.random.default_rng(0).normal(size=2000)
    >>> e = estimators.equilibration(x)
    >>> bool(100 < e.start < 1000), bool(e.n_effective > 500)
    (True, True)
    """

    start: int
    statistical_inefficiency: float
    n_effective: float

    def to_xarray(self) -> Any:
        """An ``xarray.Dataset`` of the three numbers as variables (a study task may return
        the record)."""
        import xarray as xr

        return xr.Dataset({"start": self.start, "statistical_inefficiency": self.statistical_inefficiency,
                           "n_effective": self.n_effective})


@dataclass(frozen=True, eq=False)
class LogBinning(Record):
    """Means of an observable in logarithmic bins of simulation time, one row per instance
    (:func:`log_binning`).

    Attributes
    ----------
    bin_start, bin_stop : ndarray of shape (n_bins,)
        Bin b holds draws bin_start[b] <= t < bin_stop[b]: [0, 1), [1, 2), [2, 4), ...,
        [2^(B-2), 2^(B-1)), each twice as long as the one before.
    bin_mean, bin_error : ndarray of shape (n_instances, n_bins)
        The mean over chains and draws in each bin, and its standard error: by blocking
        (:func:`blocking_error`, chains combined) in bins of 16 draws or more; below, from
        the spread of the chains' means (NaN with one chain).
    equilibrated : ndarray of shape (n_instances,), bool
        Whether the last ``n_last`` bins of the instance agree: each differs from the last
        by less than ``tolerance`` combined standard errors.
    n_last : int
    tolerance : float

    Examples
    --------
    >>> import numpy as np
    >>> from statmech.estimators import log_binning
    >>> rng = np.random.default_rng(0)
    >>> relaxing = 3 * np.exp(-np.arange(4096) / 20) + rng.normal(size=(4, 4096))   # 4 chains
    >>> b = log_binning(relaxing)
    >>> b.bin_stop[-3:], b.equilibrated                     # the last bins agree
    (array([1024, 2048, 4096]), array([ True]))
    >>> bool(log_binning(relaxing[:, :64]).equilibrated[0])  # 64 draws are still relaxing
    False
    """

    bin_start: np.ndarray
    bin_stop: np.ndarray
    bin_mean: np.ndarray
    bin_error: np.ndarray
    equilibrated: np.ndarray
    n_last: int
    tolerance: float

    dims = {"bin_start": ("bin",), "bin_stop": ("bin",), "bin_mean": ("instance", "bin"),
            "bin_error": ("instance", "bin"), "equilibrated": ("instance",)}

    @property
    def failed(self) -> np.ndarray:
        """Indices of the instances whose last bins disagree (not yet in equilibrium)."""
        return np.flatnonzero(~self.equilibrated)


def log_binning(x: ArrayLike, *, instances: bool = False, n_last: int = 3, tolerance: float = 3.0) -> LogBinning:
    """Logarithmic binning: the mean of an observable over draws [0, 1), [1, 2), [2, 4),
    [4, 8), ... of every chain, and whether the last bins agree, the test of equilibration
    in spin-glass studies (the last bin holds the second half of the run, the bin before
    it the quarter before that, ...).

    Parameters
    ----------
    x : array_like of shape (n_draws,), (n_chains, n_draws) or, with ``instances``, (n_instances, n_chains, n_draws)
        Samples of the observable, time along the last axis from the start of the run
        (draws past the last power of two are left out of every bin).
    instances : bool, default False
        The first axis indexes disorder instances, binned one by one.
    n_last : int, default 3
        How many of the last bins must agree.
    tolerance : float, default 3.0
        Agreement: ``|mean_b - mean_last| < tolerance * sqrt(error_b^2 + error_last^2)``. At 3,
        about one instance in 200 that is in equilibrium is reported (at 2, one in 10).

    Returns
    -------
    LogBinning
        Instances whose last bins disagree are listed by ``failed``; a disorder average
        should be taken over the others, or the run continued.

    References
    ----------
    E. Marinari, G. Parisi, F. Ricci-Tersenghi and J. J. Ruiz-Lorenzo, J. Phys. A 31, 2611
    (1998); H. G. Katzgraber, M. Palassini and A. P. Young, Phys. Rev. B 63, 184422 (2001),
    sec. II.
    """
    x = as_real_array(x, "x")
    if instances:
        if x.ndim < 2:
            raise ValueError(f"x must have shape (n_instances, ..., n_draws) when instances=True; got {x.shape}")
        x = x.reshape(x.shape[0], -1, x.shape[-1])
    else:
        x = x.reshape(1, -1, x.shape[-1]) if x.ndim else x.reshape(1, 1, 1)
    n_last = as_int(n_last, "n_last", minimum=2)
    tolerance = as_float(tolerance, "tolerance", minimum=0.0, allow_equal=False)
    n_draws = x.shape[-1]
    n_bins = int(np.floor(np.log2(n_draws))) + 1 if n_draws else 0
    if n_bins < n_last or 2 ** (n_bins - 1) < 2 * 16:
        raise ValueError(f"x must hold at least {max(2 ** (n_last - 1), 32)} draws along its last axis for "
                         f"n_last = {n_last} logarithmic bins; got {n_draws}")
    stop = 2 ** np.arange(n_bins)
    start = np.concatenate([[0], stop[:-1]])
    mean = np.empty((x.shape[0], n_bins))
    error = np.empty((x.shape[0], n_bins))
    for b, (lo, hi) in enumerate(zip(start, stop)):
        block = x[:, :, lo:hi]
        mean[:, b] = block.mean(axis=(1, 2))
        if hi - lo >= 16:
            error[:, b] = [blocking_error(chains) for chains in block]
        elif x.shape[1] >= 2:
            error[:, b] = block.mean(axis=2).std(axis=1, ddof=1) / np.sqrt(x.shape[1])
        else:
            error[:, b] = np.nan
    last = slice(n_bins - n_last, n_bins - 1)
    spread = np.sqrt(error[:, last] ** 2 + error[:, -1:] ** 2)
    equilibrated = np.all(np.abs(mean[:, last] - mean[:, -1:]) < tolerance * spread, axis=1)
    return LogBinning(bin_start=start, bin_stop=stop, bin_mean=mean, bin_error=error, equilibrated=equilibrated,
                      n_last=n_last, tolerance=tolerance)


def link_overlap_from_energy(energy: ArrayLike, beta: float, n_bonds: int, variance: float = 1.0) -> np.ndarray:
    """The link overlap that the energy implies for Gaussian couplings:
    q_l(E) = 1 + E / (beta sigma^2 N_b).

    For couplings J_ij ~ N(0, sigma^2) on N_b bonds and no field, integrating the disorder
    average by parts gives [<E>] = -beta sigma^2 N_b (1 - [<q_l>]), so in equilibrium the
    disorder averages of q_l(E) and of the replicas' link overlap q_l agree. Out of
    equilibrium they approach each other from opposite sides, which makes their
    difference, binned logarithmically (:func:`log_binning`), the test of equilibration
    of Katzgraber, Palassini and Young.

    Parameters
    ----------
    energy : array_like
        Energies (totals), any shape (e.g. a tempering record's ``energy[:, b]``).
    beta : float
        > 0.
    n_bonds : int
        N_b (a lattice's ``len(model.edges)``; n (n - 1) / 2 for SK).
    variance : float, default 1.0
        sigma^2 of the couplings (1 for ``EdwardsAnderson(couplings="gaussian")``, 1/n for
        SK).

    Returns
    -------
    ndarray of energy's shape

    References
    ----------
    H. G. Katzgraber, M. Palassini and A. P. Young, Phys. Rev. B 63, 184422 (2001), eq. (5).

    Examples
    --------
    >>> from statmech.estimators import link_overlap_from_energy
    >>> float(link_overlap_from_energy(-20.0, beta=1.0, n_bonds=32))     # a 4 x 4 torus: 32 bonds
    0.375
    """
    energy = as_real_array(energy, "energy")
    beta = as_float(beta, "beta", minimum=0.0, allow_equal=False)
    n_bonds = as_int(n_bonds, "n_bonds", minimum=1)
    variance = as_float(variance, "variance", minimum=0.0, allow_equal=False)
    return 1.0 + energy / (beta * variance * n_bonds)


_EQUILIBRATION_CRITERIA = ("standard_error", "n_effective")


def equilibration(x: ArrayLike, criterion: str = "standard_error", *, max_candidates: int = 200) -> Equilibration:
    """The burn-in of a series started out of equilibrium: the start that makes what is kept
    the most informative about the equilibrium mean.

    For each candidate start t0 the statistical inefficiency g(t0) of x[t0:] is estimated
    as g = 1 + 2 sum_t (1 - t / T) C(t), summed until the autocorrelation C(t) first drops
    to zero after t = 3 (Chodera 2016, eq. 7). Then

    - "standard_error" (default): the start minimises the squared standard error of the
      mean of x[t0:], g(t0) s^2(t0) / (T - t0), with s^2(t0) its variance: the transient's
      departure from equilibrium counts through s^2 (the marginal standard error rule of
      White 1997, with correlations). Starts are tried in the first half of the series; a
      start found at its end warns that the series may not have equilibrated.
    - "n_effective": the start maximises (T - t0) / g(t0), as Chodera (2016) and pymbar's
      ``detect_equilibration(fast=False)``. It misses a transient that is large but short
      next to the correlation time (a spike of a few steps lowers g instead of raising it);
      "standard_error" does not.

    Parameters
    ----------
    x : array_like of shape (n_steps,) or (n_chains, n_steps)
        Several chains (run alike from their own starts) are averaged step by step first.
    criterion : {"standard_error", "n_effective"}
    max_candidates : int, default 200
        Starts tried, evenly spaced (every step for a series no longer).

    Returns
    -------
    Equilibration

    References
    ----------
    J. D. Chodera, "A simple method for automated equilibration detection in molecular
    simulations", J. Chem. Theory Comput. 12, 1799 (2016), eqs. (5)-(9); K. P. White,
    "An effective truncation heuristic for bias reduction in simulation output",
    Simulation 69, 323 (1997).

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import estimators
    >>> noise = np.random.default_rng(0).normal(size=2000)
    >>> found = estimators.equilibration(20 * np.exp(-np.arange(2000) / 50) + noise)
    >>> 100 < found.start < 400
    True
    """
    if criterion not in _EQUILIBRATION_CRITERIA:
        raise ValueError(f"criterion must be one of {_EQUILIBRATION_CRITERIA}; got {criterion!r}")
    series = _series(x).mean(axis=0)
    max_candidates = as_int(max_candidates, "max_candidates", minimum=1)
    if not np.all(np.isfinite(series)):
        raise ValueError("x must be finite")
    n = series.size
    if n < 3 or np.ptp(series) == 0:
        return Equilibration(0, 1.0, float(n))
    last = n - 2 if criterion == "n_effective" else max(0, n // 2)
    best, best_score = Equilibration(0, 1.0, float(n)), np.inf
    for start in np.unique(np.linspace(0, last, min(max_candidates, last + 1)).astype(int)):
        kept = series[start:]
        g = _statistical_inefficiency(kept)
        score = -(n - start) / g if criterion == "n_effective" else g * np.var(kept) / (n - start)
        if score < best_score:
            best, best_score = Equilibration(int(start), g, (n - start) / g), score
    if criterion == "standard_error" and n >= 20 and best.start >= 0.9 * last:
        warnings.warn(f"the best start found, step {best.start} of {n}, is at the end of the first half, where the "
                      f"search stops: the series may not have equilibrated. Run longer", ConvergenceWarning,
                      stacklevel=2)
    return best


def _statistical_inefficiency(x, min_lag=3):
    """g = 1 + 2 sum_{t>=1} (1 - t/T) C(t), C the normalised autocorrelation (FFT), up to
    the first lag beyond ``min_lag`` where C(t) <= 0 (Chodera 2016, eq. 7); at least 1.
    The whole remaining series when it is constant (its steps are not independent draws)."""
    T = x.size
    centred = x - x.mean()
    if not np.any(centred):
        return float(T)
    size = 1 << int(np.ceil(np.log2(2 * T)))
    spectrum = np.fft.rfft(centred, n=size)
    lagged = np.fft.irfft(spectrum * np.conjugate(spectrum), n=size)[:T]
    correlation = lagged / (lagged[0] / T) / (T - np.arange(T))      # sum_i d_i d_{i+t} / ((T - t) var)
    t = np.arange(1, T - 1)
    stop = (correlation[1:T - 1] <= 0) & (t > min_lag)
    last = int(np.argmax(stop)) if stop.any() else t.size
    return max(1.0, 1.0 + 2.0 * float(np.sum(correlation[1:last + 1] * (1.0 - t[:last] / T))))


def blocking_error(x: ArrayLike) -> float:
    """Standard error of the mean of a correlated series, by automatic blocking.

    The series is halved repeatedly by averaging neighbours (Flyvbjerg & Petersen);
    the blocking level is chosen by Jonsson's test: the first level from which the
    remaining levels' lag-1 autocorrelations are consistent with zero at 99%
    (statistic M_j against a chi^2 quantile with d - j degrees of freedom).

    Parameters
    ----------
    x : array_like of shape (n_steps,) or (n_chains, n_steps)
        For several independent chains, the error of the grand mean:
        sqrt(sum_c err_c^2) / n_chains.

    Returns
    -------
    float
        Standard error of mean(x). Only the first 2**floor(log2(n_steps)) entries of
        each chain are used.

    References
    ----------
    H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989);
    M. Jonsson, Phys. Rev. E 98, 043304 (2018), eq. (14) and Table I.
    """
    x = as_real_array(x, "x")
    if x.ndim == 2:
        errors = np.array([blocking_error(chain) for chain in x])
        return float(np.sqrt(np.sum(errors ** 2)) / x.shape[0])
    if x.ndim != 1:
        raise ValueError(f"x must have shape (n_steps,) or (n_chains, n_steps); got {x.shape}")
    d = int(np.floor(np.log2(x.size))) if x.size else 0
    if d < 4:
        raise ValueError(f"x needs at least 16 entries for a blocking estimate; got {x.size}")
    series = x[:2 ** d]
    variances, gammas, sizes = [], [], []
    for _ in range(d):
        size = series.size
        centred = series - series.mean()
        variances.append(centred @ centred / size)
        gammas.append(centred[:-1] @ centred[1:] / size)
        sizes.append(size)
        series = 0.5 * (series[0::2] + series[1::2])
    variances, gammas, sizes = map(np.array, (variances, gammas, sizes))
    if np.all(variances == 0):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = sizes * ((sizes - 1) * variances / sizes ** 2 + gammas) ** 2 / variances ** 2
    m_statistic = np.cumsum(np.nan_to_num(terms)[::-1])[::-1]
    quantiles = special.chdtri(np.arange(d, 0, -1), 0.01)        # chi2 quantiles at 0.99
    level = next((j for j in range(d) if m_statistic[j] < quantiles[j]), d - 1)
    return float(np.sqrt(variances[level] / sizes[level]))


def jackknife(func: Any, samples: ArrayLike, n_blocks: int = 32) -> Estimate:
    """Blocked jackknife estimate and error of a nonlinear function of sample means.

    Parameters
    ----------
    func : callable
        Maps an array of samples (a subset along axis 0) to a float or ndarray.
    samples : array_like of shape (n_samples, ...)
        Time-ordered samples; contiguous blocks absorb autocorrelation shorter than a block.
    n_blocks : int, default 32

    Returns
    -------
    Estimate
        ``value`` = func(all samples); ``error`` = sqrt((B-1)/B sum_i (theta_i - mean)^2)
        from the B leave-one-block-out estimates theta_i.

    References
    ----------
    B. Efron, *The Jackknife, the Bootstrap and Other Resampling Plans* (1982);
    blocking as in W. Janke, NIC Series 10, 423 (2002), sec. 3.4.
    """
    samples = as_real_array(samples, "samples")
    n_blocks = as_int(n_blocks, "n_blocks", minimum=2)
    if samples.ndim == 0 or samples.shape[0] < n_blocks:
        raise ValueError(f"samples must have at least n_blocks = {n_blocks} entries along axis 0; "
                         f"got shape {samples.shape}")
    usable = samples.shape[0] - samples.shape[0] % n_blocks
    blocks = np.array_split(np.arange(usable), n_blocks)
    estimates = np.array([func(np.delete(samples[:usable], block, axis=0)) for block in blocks])
    return Estimate(value=func(samples), error=jackknife_spread(estimates, axis=0))


def jackknife_spread(estimates: Any, axis: int | None = 0) -> float | np.ndarray:
    """The jackknife error sqrt((B-1)/B sum_i (theta_i - mean theta)^2) of B leave-one-out
    estimates theta_i along ``axis``; NaN entries are left out (B counts the others).

    Parameters
    ----------
    estimates : array_like
    axis : int

    Returns
    -------
    float or ndarray
        The error, with ``axis`` removed.
    """
    estimates = np.asarray(estimates, dtype=np.float64)
    n = np.sum(~np.isnan(estimates), axis=axis)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)         # all NaN: the error is NaN too
        mean = np.nanmean(estimates, axis=axis, keepdims=True)
        return np.where(n > 0, np.sqrt((n - 1) / np.maximum(n, 1) * np.nansum((estimates - mean) ** 2, axis=axis)),
                        np.nan)[()]


def _moment_jackknife(func, series, names, n_blocks, instances):
    """func(moments) with a jackknife error, moments[k] the mean of ``series[k]`` (arrays
    of one shape whose last axis is time): over every chain and draw, leaving out one
    block of draws of every chain at a time; or with ``instances``, the mean over
    instances (axis 0) of each instance's thermal mean, leaving out one instance at a time."""
    shape = series[0].shape
    if instances:
        if len(shape) < 2 or shape[0] < 2:
            raise ValueError(f"{names} must have shape (n_instances, ..., n_draws) with at least two instances "
                             f"when instances=True; got {shape}")
        means = np.stack([x.reshape(shape[0], -1).mean(axis=1) for x in series], axis=-1)
        return jackknife(lambda m: func(m.mean(axis=0)), means, n_blocks=shape[0])
    stacked = np.stack([x.reshape(-1, shape[-1]).T for x in series], axis=-1)      # (draw, chain, k)
    if shape[-1] < n_blocks:
        raise ValueError(f"{names} must have at least n_blocks = {n_blocks} draws along the last axis; "
                         f"got shape {shape}")
    return jackknife(lambda x: func(x.mean(axis=(0, 1))), stacked, n_blocks)


def binder_cumulant(m: ArrayLike, n_blocks: int = 32, *, instances: bool = False) -> Estimate:
    """U_4 = 1 - <m^4> / (3 <m^2>^2) with a jackknife error. U_4 -> 2/3 in an ordered
    phase, -> 0 for Gaussian m.

    Parameters
    ----------
    m : array_like of shape (n_draws,), (n_chains, n_draws) or (n_instances, n_chains, n_draws)
        Magnetization (or overlap q) samples, time along the last axis. The moments are
        means over every chain; the jackknife leaves out the same block of draws of every
        chain, so that no block straddles two chains.
    n_blocks : int, default 32
    instances : bool, default False
        The first axis indexes disorder instances: U_4 = 1 - [<m^4>] / (3 [<m^2>]^2) of
        the disorder averages [.] of each instance's thermal averages (the spin-glass
        convention), with a jackknife over instances. (For the overlap, the Binder ratio
        g = (3 - [<q^4>] / [<q^2>]^2) / 2 is 3 U_4 / 2.)

    Returns
    -------
    Estimate

    References
    ----------
    K. Binder, Z. Phys. B 43, 119 (1981); for the disorder average, H. G. Katzgraber, M.
    Koerner and A. P. Young, Phys. Rev. B 73, 224432 (2006), eq. (3).

    Examples
    --------
    Gaussian samples have U_4 = 0, two-valued ones U_4 = 2/3:

    >>> import numpy as np
    >>> from statmech.estimators import binder_cumulant
    >>> rng = np.random.default_rng(0)
    >>> bool(abs(binder_cumulant(rng.normal(size=(4, 20_000))).value) < 0.02)
    True
    >>> round(float(binder_cumulant(rng.choice([-1.0, 1.0], size=(4, 1000)))), 6)
    0.666667
    """
    m = as_real_array(m, "m")
    if m.ndim == 0:
        raise ValueError(f"m must hold samples along its last axis; got a scalar {m}")

    def cumulant(moments):
        return 1.0 - moments[1] / (3.0 * moments[0] ** 2)

    return _moment_jackknife(cumulant, [m ** 2, m ** 4], "m", as_int(n_blocks, "n_blocks", minimum=2), instances)


def correlation_length_of_moments(zero_moment: Any, k_moment: Any, k_min: Any) -> Any:
    """xi = sqrt(zero_moment / k_moment - 1) / (2 sin(k_min / 2)), elementwise, from the
    moments ``<|O(0)|^2>`` and ``<|O(k_min)|^2>`` themselves (numpy arrays or xarray objects, which
    keep their coordinates); NaN where the ratio is below 1. The formula of
    :func:`correlation_length`, for averages computed elsewhere (a study's disorder
    averages)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(zero_moment / k_moment - 1.0) / (2.0 * np.sin(k_min / 2.0))


def correlation_length(zero_mode: ArrayLike, k_mode: ArrayLike, k_min: float, n_blocks: int = 32, *,
                       instances: bool = False) -> Estimate:
    """The second-moment correlation length of a lattice of side L,
    xi_L = sqrt(``<|O(0)|^2>`` / ``<|O(k_min)|^2>`` - 1) / (2 sin(k_min / 2)), with a jackknife error.

    O is the overlap q (a spin glass: ``overlap ** 2`` and ``fourier_overlap`` of a
    :class:`~statmech.mc.TemperingResult`) or the magnetization M (a ferromagnet:
    ``magnetization ** 2`` and ``fourier_magnetization``). xi_L / L is dimensionless:
    curves of different L cross at the critical point.

    Parameters
    ----------
    zero_mode : array_like of shape (n_draws,), (n_chains, n_draws) or (n_instances, n_chains, n_draws)
        ``|O(0)|^2`` samples, time along the last axis.
    k_mode : array_like of zero_mode's shape, or of that shape + (dimension,)
        ``|O(k_min)|^2`` at the same draws; with a last axis of lattice directions, their
        mean (the directions are equivalent on a hypercubic lattice).
    k_min : float
        The wavenumber 2 pi / L (the record's ``k_min``).
    n_blocks : int, default 32
        Jackknife blocks of draws (the same block of every chain).
    instances : bool, default False
        The first axis indexes disorder instances: xi_L of the ratio of disorder averages
        ``[<|O(0)|^2>]`` / ``[<|O(k_min)|^2>]``, jackknifed over instances (the estimator of
        Katzgraber, Koerner and Young, which is less biased than an average of each
        instance's xi_L).

    Returns
    -------
    Estimate
        xi_L in lattice spacings (NaN, with a warning, where the ratio is below 1: a
        run too short, or far above the transition where xi_L is below resolution).

    References
    ----------
    F. Cooper, B. Freedman and D. Preston, Nucl. Phys. B 210, 210 (1982); H. G.
    Ballesteros et al., Phys. Rev. B 62, 14237 (2000), eq. (6); H. G. Katzgraber, M.
    Koerner and A. P. Young, Phys. Rev. B 73, 224432 (2006), eqs. (4)-(5).

    Examples
    --------
    From a ferromagnet's tempering record: xi_L / L of an 8 x 8 Ising model deep in the
    ordered phase is large, above the critical point small:

    >>> import numpy as np, statmech
    >>> from statmech.estimators import correlation_length
    >>> from statmech.models import Ising
    >>> r = statmech.parallel_tempering(Ising.square(8), [0.2, 0.6], n_sweeps=2000, n_chains=2,
    ...                                 observables=["fourier_magnetization"], seed=0, progress=False)
    >>> xi = [correlation_length(r.magnetization[:, b, 200:] ** 2, r.fourier_magnetization[:, b, 200:],
    ...                          r.k_min[0]).value / 8 for b in range(2)]
    >>> bool(xi[0] < 0.2 < 1.0 < xi[1])
    True
    """
    zero = as_real_array(zero_mode, "zero_mode")
    k = as_real_array(k_mode, "k_mode")
    if k.shape == zero.shape + k.shape[-1:] and k.ndim == zero.ndim + 1:
        k = k.mean(axis=-1)
    if k.shape != zero.shape or zero.ndim == 0:
        raise ValueError(f"k_mode must have zero_mode's shape {zero.shape}, or that shape + (dimension,); "
                         f"got {k.shape}")
    k_min = float(k_min)
    if not 0.0 < k_min <= np.pi:
        raise ValueError(f"k_min must be 2 pi / L for a side L >= 2, in (0, pi]; got {k_min}")

    estimate = _moment_jackknife(lambda m: correlation_length_of_moments(m[0], m[1], k_min), [zero, k],
                                 "zero_mode and k_mode", as_int(n_blocks, "n_blocks", minimum=2), instances)
    if np.isnan(estimate.value):
        warnings.warn("correlation_length: <|O(0)|^2> / <|O(k_min)|^2> is below 1, so xi_L is undefined (NaN): "
                      "the run is too short, or the system is far above its transition", RuntimeWarning,
                      stacklevel=2)
    return estimate


def overlap_distribution(states_a: ArrayLike, states_b: ArrayLike, n_bins: int | None = None,
                         n_blocks: int = 32) -> OverlapDistribution:
    """P(q) of the overlap q = (1/n) sum_i s_i^a s_i^b of two independent replicas.

    Parameters
    ----------
    states_a, states_b : array_like of shape (n_samples, n)
        Paired configurations, spins +-1 or binary 0/1 (mapped to spins).
    n_bins : int, optional
        Histogram bins on [-1, 1] (default n + 1, one per possible q).
    n_blocks : int
        Jackknife blocks for q_EA and ``<|q|>``.

    Returns
    -------
    OverlapDistribution

    References
    ----------
    G. Parisi, Phys. Rev. Lett. 50, 1946 (1983); S. F. Edwards and P. W. Anderson,
    J. Phys. F 5, 965 (1975).
    """
    a, b = np.asarray(states_a), np.asarray(states_b)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"states_a and states_b must have the same shape (n_samples, n); "
                         f"got {a.shape} and {b.shape}")
    domain = "binary" if np.all((a == 0) | (a == 1)) and np.all((b == 0) | (b == 1)) else "spin"
    a = as_states(a, a.shape[1], domain, "states_a").astype(np.float64)
    b = as_states(b, b.shape[1], domain, "states_b").astype(np.float64)
    if domain == "binary":
        a, b = 2 * a - 1, 2 * b - 1
    q = (a * b).mean(axis=1)
    n = a.shape[1]
    n_bins = n + 1 if n_bins is None else as_int(n_bins, "n_bins", minimum=1)
    edges = np.linspace(-1 - 1.0 / n, 1 + 1.0 / n, n_bins + 1) if n_bins == n + 1 else np.linspace(-1, 1, n_bins + 1)
    density, edges = np.histogram(q, bins=edges, density=True)
    return OverlapDistribution(q=q, edges=edges, density=density,
                               q_ea=jackknife(lambda x: np.sqrt(np.mean(x ** 2)), q, n_blocks),
                               abs_q=jackknife(lambda x: np.mean(np.abs(x)), q, n_blocks))


def reweight(energies: ArrayLike, beta: float, new_beta: float, observable: ArrayLike | None = None,
             n_blocks: int = 32) -> Reweighted:
    """Single-histogram reweighting of a canonical trace from beta to new_beta.

    <O>_beta' = sum_t O_t w_t / sum_t w_t, w_t = exp(-(beta' - beta) E_t), and
    ln Z(beta') - ln Z(beta) = ln mean_t w_t. Reliable while the energy histograms
    at beta and beta' overlap; the effective sample size of the weights says how much.

    Parameters
    ----------
    energies : array_like of shape (n_steps,) or (n_chains, n_steps)
    beta, new_beta : float
    observable : array_like of the same shape, optional (default: the energy)
    n_blocks : int
        Jackknife blocks (over time) for the errors.

    Returns
    -------
    Reweighted
        ``mean`` (<O> at new_beta) and ``delta_log_z`` as Estimates, and the Kish
        ``effective_sample_size`` of the weights.

    References
    ----------
    A. M. Ferrenberg and R. H. Swendsen, Phys. Rev. Lett. 61, 2635 (1988).
    """
    e = _series(energies, "energies")
    o = e if observable is None else _series(observable, "observable")
    if o.shape != e.shape:
        raise ValueError(f"observable must have the shape of energies {e.shape}; got {o.shape}")
    (b0, b1), _ = as_beta([beta, new_beta])
    log_w = (-(b1 - b0) * e).T                # time along axis 0 for the jackknife
    data = np.stack([log_w, o.T], axis=-1)

    def mean(d):
        w = np.exp(d[..., 0] - d[..., 0].max())
        return float((w * d[..., 1]).sum() / w.sum())

    def delta_log_z(d):
        return log_mean_exp(d[..., 0])

    return Reweighted(mean=jackknife(mean, data, n_blocks), delta_log_z=jackknife(delta_log_z, data, n_blocks),
                      effective_sample_size=kish_effective_sample_size(log_w))


@dataclass(frozen=True, eq=False, kw_only=True)
class MultistateReweighting(Record):
    """Free energies from canonical traces at several betas (MBAR / multiple histograms).

    The f_k = -ln Z(beta_k) (up to a constant) solve the self-consistent equations
    exp(-f_i) = sum_{k,n} exp(-beta_i E_kn) / sum_j N_j exp(f_j - beta_j E_kn), found as the
    minimum of the convex MBAR objective by Newton's method; the record then gives ln Z
    and <E> at any beta between the sampled ones. Errors come from a block bootstrap over
    each trace (which respects autocorrelation shorter than a block).

    Attributes
    ----------
    betas : ndarray of shape (K,)
    log_z : ndarray of shape (K,)
        ln Z(beta_k) - ln Z(beta_0) (plus ``reference_log_z`` when given).
    log_z_err : ndarray of shape (K,)
    energies : ndarray of shape (N,)
        Every trace's energies, trace after trace (what ``log_z_at`` reweights).
    counts : ndarray of shape (K,)
        The length N_k of each trace.
    reference_log_z : float
        ln Z(beta_0) that ``log_z`` is relative to (0 when none was given).

    References
    ----------
    A. M. Ferrenberg and R. H. Swendsen, Phys. Rev. Lett. 63, 1195 (1989);
    M. R. Shirts and J. D. Chodera, J. Chem. Phys. 129, 124105 (2008), eq. (11).

    Examples
    --------
    MBAR over runs at four betas of a 10-spin chain, against the transfer matrix:

    >>> import numpy as np, statmech
    >>> from statmech.models import Ising
    >>> H, betas = Ising.chain(10), np.array([0.0, 0.3, 0.6, 0.9])
    >>> runs = [statmech.sample(H, b, n_sweeps=2000, n_chains=2, seed=i, progress=False).energy.ravel()
    ...         for i, b in enumerate(betas)]
    >>> r = statmech.estimators.multistate_reweighting(runs, betas, reference_log_z=10 * np.log(2))
    >>> exact = statmech.exact(H, betas).log_z
    >>> bool((abs(r.log_z - exact)[1:] < 4 * r.log_z_err[1:]).all())
    True
    """

    dims = {"betas": ("beta",), "log_z": ("beta",), "log_z_err": ("beta",), "energies": ("sample",),
            "counts": ("beta",)}
    coords = {"betas": "beta"}

    betas: np.ndarray
    log_z: np.ndarray
    log_z_err: np.ndarray
    energies: np.ndarray
    counts: np.ndarray
    reference_log_z: float

    def _log_denominator(self, log_z):
        # ln sum_j N_j exp(-beta_j E + ln Z_j^-1 ...): with f_j = -ln Z_j
        terms = np.log(self.counts)[None, :] - self.betas[None, :] * self.energies[:, None] - log_z[None, :]
        top = terms.max(axis=1, keepdims=True)
        return top[:, 0] + np.log(np.exp(terms - top).sum(axis=1))

    def log_z_at(self, beta: float) -> np.ndarray:
        """ln Z(beta) (same reference as ``log_z``) at any beta: ndarray of shape (k,)."""
        betas, _ = as_beta(beta)
        denominator = self._log_denominator(self.log_z - self.reference_log_z)
        logs = -betas[:, None] * self.energies[None, :] - denominator[None, :]
        return np.array([log_mean_exp(row) + np.log(row.size) for row in logs]) + self.reference_log_z

    def energy_at(self, beta: float) -> np.ndarray:
        """<E>(beta) by reweighting all traces: ndarray of shape (k,)."""
        betas, _ = as_beta(beta)
        denominator = self._log_denominator(self.log_z - self.reference_log_z)
        out = []
        for b in betas:
            logs = -b * self.energies - denominator
            w = np.exp(logs - logs.max())
            out.append(float(w @ self.energies / w.sum()))
        return np.array(out)


def _solve_mbar(energies, counts, betas, initial=None, tol=1e-10, max_iter=100):
    """ln Z_k (relative to ln Z_0) maximising the MBAR likelihood, and whether the gradient
    reached ``tol`` (relative to the number of samples).

    The negative log-likelihood F(f) = sum_n ln sum_k N_k exp(f_k - beta_k E_n) - sum_k N_k f_k
    (f = -ln Z) is convex; Newton's method with its exact gradient and Hessian and a
    backtracking line search converges in a few steps (Shirts & Chodera 2008, app. C). It
    starts from thermodynamic integration of the states' mean energies (``initial`` None):
    from f = 0 on a wide ladder every sample's weight sits on one state, where the Hessian
    is singular. The step is a least-squares solve, which a singular Hessian (a state whose
    samples no other state's overlap) does not stop.
    """
    log_counts = np.log(counts)

    def evaluate(free):
        f = np.concatenate([[0.0], free])
        terms = log_counts[None, :] + f[None, :] - betas[None, :] * energies[:, None]
        top = terms.max(axis=1, keepdims=True)
        log_denominator = top[:, 0] + np.log(np.exp(terms - top).sum(axis=1))
        weights = np.exp(terms - log_denominator[:, None])          # N_k W_nk, rows sum to 1
        value = log_denominator.sum() - counts @ f
        gradient = weights.sum(axis=0) - counts
        hessian = np.diag(weights.sum(axis=0)) - weights.T @ weights
        return value, gradient[1:], hessian[1:, 1:]

    if initial is None:
        means = np.array([segment.mean() for segment in np.split(energies, np.cumsum(counts).astype(np.int64)[:-1])])
        order = np.argsort(betas)
        integral = np.concatenate([[0.0], np.cumsum(np.diff(betas[order]) * (means[order][1:] + means[order][:-1]) / 2)])
        log_z = np.empty_like(betas)
        log_z[order] = -integral
        initial = log_z - log_z[0]
    free = -np.asarray(initial[1:], dtype=np.float64)
    value, gradient, hessian = evaluate(free)
    converged = False
    for _ in range(max_iter):
        if np.max(np.abs(gradient), initial=0.0) < tol * counts.sum():
            converged = True
            break
        step = np.linalg.lstsq(hessian, -gradient, rcond=None)[0]
        size = 1.0
        while True:
            trial = free + size * step
            new_value, new_gradient, new_hessian = evaluate(trial)
            # Armijo's condition, with room for the rounding of a sum over every sample (near
            # the optimum the predicted decrease is below it, and halving would never end)
            slack = 1e-13 * energies.size * max(1.0, abs(value) / energies.size)
            if new_value <= value + 1e-4 * size * (gradient @ step) + slack or size < 1e-8:
                break
            size /= 2
        free, value, gradient, hessian = trial, new_value, new_gradient, new_hessian
    else:
        converged = np.max(np.abs(gradient), initial=0.0) < tol * counts.sum()
    return np.concatenate([[0.0], -free]), converged


def _check_overlap(energies, counts, betas, log_z):
    """Refuse runs whose energy distributions fall apart into groups that share no samples:
    MBAR then fixes the groups' relative ln Z by nothing, and its bootstrap, resampling the
    same gap, reports a vanishing error. The test is the spectral gap 1 - lambda_2 of the
    overlap matrix O_ij = sum_n W_ni N_j W_nj (Klimovich, Shirts & Mobley 2015), which is 0
    exactly when the states split; adjacent betas name the gap."""
    terms = np.log(counts)[None, :] - log_z[None, :] - betas[None, :] * energies[:, None]
    weights = np.exp(terms - terms.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)                      # N_k W_nk
    overlap = (weights / counts).T @ weights
    gap = 1.0 - np.sort(np.linalg.eigvals(overlap).real)[-2]
    if gap < 1e-6:
        order = np.argsort(betas)
        k = int(np.argmin(overlap[order[:-1], order[1:]]))
        low, high = betas[order[k]], betas[order[k + 1]]
        raise ValueError(f"multistate_reweighting: the energies sampled at beta = {low:g} and beta = {high:g} do "
                         f"not overlap (spectral gap of the overlap matrix {gap:.1e}), so ln Z between them is not "
                         f"determined: add runs at betas between them")


def multistate_reweighting(energies: Sequence[ArrayLike], betas: ArrayLike, reference_log_z: float = 0.0,
                           n_bootstrap: int = 40, block: int | None = None, seed: Seed = 0) -> MultistateReweighting:
    """Multistate (MBAR) estimate of ln Z at each sampled beta and in between.

    Parameters
    ----------
    energies : sequence of array_like
        energies[k] is a trace (n_steps,) or (n_chains, n_steps) sampled at betas[k].
    betas : array_like of shape (K,)
    reference_log_z : float
        ln Z(betas[0]) if known (e.g. n ln 2 when betas[0] = 0); results are relative otherwise.
    n_bootstrap : int
        Block-bootstrap resamples for the errors.
    block : int, optional
        Block length of the bootstrap (default: 1/32 of the shortest trace).
    seed : int, SeedSequence, Generator or None

    Returns
    -------
    MultistateReweighting

    Raises
    ------
    ValueError
        If the runs fall into groups whose energies do not overlap (ln Z between the
        groups is then not determined).
    ConvergenceError
        If the MBAR equations do not converge (the last iterate in ``result``).
    """
    from .validation import as_generator, as_float
    betas, _ = as_beta(betas, "betas")
    if len(energies) != betas.size:
        raise ValueError(f"energies must hold one trace per beta ({betas.size}); got {len(energies)}")
    traces = [_series(e, f"energies[{k}]").ravel() for k, e in enumerate(energies)]
    reference_log_z = as_float(reference_log_z, "reference_log_z")
    counts = np.array([t.size for t in traces], dtype=np.float64)
    flat = np.concatenate(traces)
    log_z, converged = _solve_mbar(flat, counts, betas)
    if not converged:
        raise ConvergenceError("multistate_reweighting: the MBAR equations did not converge in 100 Newton steps; "
                               "the runs' energy distributions may not overlap (add betas between them)",
                               MultistateReweighting(betas=betas, log_z=log_z + reference_log_z,
                                                     log_z_err=np.full(betas.shape, np.nan), energies=flat,
                                                     counts=np.asarray(counts), reference_log_z=reference_log_z))
    _check_overlap(flat, counts, betas, log_z)
    rng = as_generator(seed)
    block = max(1, min(t.size for t in traces) // 32) if block is None else as_int(block, "block", minimum=1)
    boot = []
    for _ in range(as_int(n_bootstrap, "n_bootstrap", minimum=2)):
        resampled = []
        for t in traces:
            starts = rng.integers(0, t.size - block + 1, size=-(-t.size // block))
            resampled.append(np.concatenate([t[s:s + block] for s in starts])[:t.size])
        boot.append(_solve_mbar(np.concatenate(resampled), counts, betas, initial=log_z)[0])
    return MultistateReweighting(betas=betas, log_z=log_z + reference_log_z, log_z_err=np.std(boot, axis=0, ddof=1),
                                 energies=flat, counts=np.asarray(counts), reference_log_z=reference_log_z)


def thermodynamic_integration(betas: ArrayLike, energy: ArrayLike, energy_err: ArrayLike,
                              reference_log_z: float = 0.0) -> Estimate:
    """ln Z along a beta path from <E>: ln Z(beta_k) = ln Z(beta_0) - int_{beta_0}^{beta_k} <E> dbeta.

    The trapezoid rule; independent errors of the <E> propagate as
    Var ln Z(beta_k) = sum_j c_kj^2 err_j^2 with the trapezoid weights c_kj. The
    discretisation error is not included: refine the path where <E> curves.

    Parameters
    ----------
    betas : array_like of shape (K,), increasing
    energy, energy_err : array_like of shape (K,)
        <E> and its standard error at each beta.
    reference_log_z : float
        ln Z(betas[0]) (n ln 2 when betas[0] = 0).

    Returns
    -------
    Estimate
        ``value`` and ``error`` of shape (K,).
    """
    from .validation import as_float
    betas, _ = as_beta(betas, "betas")
    energy = as_real_array(energy, "energy", shape=(betas.size,))
    energy_err = as_real_array(energy_err, "energy_err", shape=(betas.size,))
    if np.any(np.diff(betas) <= 0):
        raise ValueError("betas must be strictly increasing")
    steps = np.diff(betas)
    weights = np.zeros((betas.size, betas.size))
    for k in range(1, betas.size):
        weights[k] = weights[k - 1]
        weights[k, k - 1] += steps[k - 1] / 2
        weights[k, k] += steps[k - 1] / 2
    value = as_float(reference_log_z, "reference_log_z") - weights @ energy
    return Estimate(value=value, error=np.sqrt((weights ** 2) @ energy_err ** 2))
