"""Estimators with error bars for correlated Monte Carlo series."""
import numpy as np
from scipy import stats

from ._validation import as_real_array

__all__ = ["blocking_error"]


def blocking_error(x):
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
        mean = series.mean()
        centred = series - mean
        variances.append(centred @ centred / size)
        gammas.append(centred[:-1] @ centred[1:] / size)
        sizes.append(size)
        series = 0.5 * (series[0::2] + series[1::2])
    variances, gammas, sizes = map(np.array, (variances, gammas, sizes))
    if np.all(variances == 0):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = sizes * ((sizes - 1) * variances / sizes ** 2 + gammas) ** 2 / variances ** 2
    terms = np.nan_to_num(terms)
    m_statistic = np.cumsum(terms[::-1])[::-1]
    quantiles = stats.chi2.ppf(0.99, np.arange(d, 0, -1))
    level = next((j for j in range(d) if m_statistic[j] < quantiles[j]), d - 1)
    return float(np.sqrt(variances[level] / sizes[level]))
