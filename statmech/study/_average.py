"""Averages over disorder instances with jackknife or bootstrap errors, on xarray."""
from __future__ import annotations

import inspect
from typing import Any, TYPE_CHECKING

import numpy as np

from ..estimators import jackknife_spread
from ..records import Estimate
from ..validation import as_generator, as_int

if TYPE_CHECKING:
    from statmech.typing import Seed

__all__ = ["disorder_average"]

_BOOKKEEPING = ("done", "elapsed")


def disorder_average(results: Any, dim: str = "instance", statistic: Any = None, *, method: str = "jackknife",
                     n_bootstrap: int = 1000, seed: Seed | None = None) -> Estimate:
    """Disorder average [x] over the instances along ``dim``, with its error, for means and
    for nonlinear functions of averages.

    Parameters
    ----------
    results : xarray.Dataset or xarray.DataArray
        E.g. ``Study.results()``. Where a ``done`` variable is present, points not done are
        left out (each slice of the other dims uses the instances done there).
    dim : str, default "instance"
    statistic : callable or None
        A function of disorder averages, called with the variables its parameters name
        (``lambda q2, q4: 0.5 * (3 - q4 / q2**2)``, the spin-glass Binder ratio
        g = (3 - [<q^4>]/[<q^2>]^2) / 2), each the mean over ``dim`` as an xarray.DataArray
        with the remaining dims. None: the mean of every variable.
    method : {"jackknife", "bootstrap"}
        Jackknife: theta_i = statistic of the means without instance i, error =
        sqrt((N-1)/N sum_i (theta_i - mean theta)^2) (for a mean: the standard error
        std/sqrt(N)). Bootstrap: the standard deviation of the statistic over
        ``n_bootstrap`` resamples of the instances with replacement.
    n_bootstrap : int, default 1000
    seed : int, SeedSequence, Generator or None
        The bootstrap's resampling.

    Returns
    -------
    Estimate
        ``value`` = statistic of the means over all instances and ``error``, each an
        xarray.DataArray (given a statistic) or a Dataset of every variable (without one),
        on the dims other than ``dim``.

    Raises
    ------
    ValueError
        When a slice has fewer than 2 instances done (its error is undefined).

    References
    ----------
    B. Efron, *The Jackknife, the Bootstrap and Other Resampling Plans* (SIAM, 1982);
    for the Binder ratio over disorder: H. G. Katzgraber, M. Koerner and A. P. Young,
    Phys. Rev. B 73, 224432 (2006), sec. III.
    """
    import xarray as xr

    if isinstance(results, xr.DataArray):
        results = results.to_dataset(name=results.name or "value")
    if not isinstance(results, xr.Dataset):
        raise TypeError(f"results must be an xarray Dataset or DataArray; got {type(results).__name__}")
    if dim not in results.dims:
        raise ValueError(f"dim {dim!r} is not a dimension of results (dims: {list(results.dims)})")
    if method not in ("jackknife", "bootstrap"):
        raise ValueError(f"method must be 'jackknife' or 'bootstrap'; got {method!r}")
    names = [name for name in results.data_vars if name not in _BOOKKEEPING]
    if statistic is not None:
        if not callable(statistic):
            raise TypeError(f"statistic must be callable or None; got {statistic!r}")
        wanted = list(inspect.signature(statistic).parameters)
        unknown = [name for name in wanted if name not in results.data_vars]
        if unknown:
            raise ValueError(f"statistic takes {unknown}, which results do not have (variables: {names})")
        names = wanted
    data = xr.Dataset({name: results[name].astype(float) for name in names})
    valid = data.notnull().to_array("variable").all("variable")
    if "done" in results:
        valid = valid & results["done"]
    data = data.where(valid)
    counts = valid.sum(dim)
    if int(counts.min()) < 2:
        position = np.unravel_index(int(np.argmin(counts.values)), counts.shape)
        where = {d: counts[d].values[i].item() for d, i in zip(counts.dims, position) if d in counts.coords}
        raise ValueError(f"disorder_average needs at least 2 instances done along {dim!r} at every point; "
                         f"{where or 'the data'} has {int(counts.min())} (select the done part first)")

    def apply(means):
        if statistic is None:
            return means
        return statistic(**{name: means[name] for name in names})

    means = data.sum(dim) / counts
    value = apply(means)
    if method == "jackknife":
        leave_one_out = (data.sum(dim) - data) / (counts - 1)      # NaN where instance i is not done
        estimates = apply(leave_one_out)
        error = xr.apply_ufunc(jackknife_spread, estimates, input_core_dims=[[dim]], kwargs={"axis": -1})
    else:
        n_bootstrap = as_int(n_bootstrap, "n_bootstrap", minimum=2)
        rng = as_generator(seed)
        size = results.sizes[dim]
        draws = rng.multinomial(size, np.full(size, 1.0 / size), size=n_bootstrap)
        weights = xr.DataArray(draws.astype(float), dims=("bootstrap", dim))
        totals = data.fillna(0.0).map(lambda x: xr.dot(x, weights, dim=dim))
        resampled = totals / xr.dot(valid.astype(float), weights, dim=dim)
        error = apply(resampled).std("bootstrap", ddof=1)
    return Estimate(value=value, error=error)
