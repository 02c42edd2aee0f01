"""Plots of statmech's records and xarray results (matplotlib; ``pip install ".[plot]"``).

Every function draws on the Axes it is given (a new figure's when ``ax`` is None) and
returns it, so plots compose: an exact curve and Monte Carlo points on one Axes, one
Axes per panel of a figure. Nothing calls ``show``: the functions work headless (Agg).
Temperatures are drawn as T = 1/beta.
"""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np

from .errors import AutocorrelationError
from .estimators import autocorrelation_function, autocorrelation_time
from .records import Estimate

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from statmech.typing import ArrayLike

    from statmech.estimators import OverlapDistribution

__all__ = [
    "autocorrelation",
    "basins",
    "binder_crossing",
    "density_of_states",
    "learning_curve",
    "overlap_distribution",
    "thermodynamics",
    "trace",
    "versus_temperature",
]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _values(x):
    return np.asarray(getattr(x, "values", x), dtype=np.float64)


def versus_temperature(beta: float, value: Any, error: Any = None, *, ax: Any = None, label: str | None = None,
                       points: Any = False, **style: Any) -> Axes:
    """``value`` (± ``error``) against T = 1/beta, sorted by T.

    Parameters
    ----------
    beta, value : array_like of shape (k,)
    error : array_like of shape (k,) or None
        Drawn as a band around a line, or as error bars on points.
    points : bool, default False
        Markers with error bars (Monte Carlo) instead of a line (exact results).
    style
        Passed to ``Axes.plot`` / ``Axes.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    beta, value = np.atleast_1d(_values(beta)), np.atleast_1d(_values(value))
    if beta.shape != value.shape:
        raise ValueError(f"beta and value must have one shape; got {beta.shape} and {value.shape}")
    with np.errstate(divide="ignore"):
        temperature = 1.0 / beta
    order = np.argsort(temperature)
    t, v = temperature[order], value[order]
    e = None if error is None else np.broadcast_to(np.atleast_1d(_values(error)), beta.shape)[order]
    if points:
        style.setdefault("fmt", "o")
        style.setdefault("capsize", 2)
        ax.errorbar(t, v, yerr=e, label=label, **style)
    else:
        (line,) = ax.plot(t, v, label=label, **style)
        if e is not None:
            ax.fill_between(t, v - e, v + e, color=line.get_color(), alpha=0.25, linewidth=0)
    ax.set_xlabel("T")
    return ax


def thermodynamics(record: Any, quantity: str = "specific_heat", *, per_spin: bool = True, ax: Any = None,
                   label: str | None = None, points: Any = False, **style: Any) -> Axes:
    """One quantity of a :class:`~statmech.Thermodynamics` record (e.g. exact) against T.

    Parameters
    ----------
    record : Thermodynamics
    quantity : str, default "specific_heat"
        A field of the record: "log_z", "free_energy", "energy", "entropy", "specific_heat",
        "magnetization", "abs_magnetization", "susceptibility".
    per_spin : bool, default True
        Divide by the record's n.
    """
    value = getattr(record, quantity, None)
    if value is None:
        raise ValueError(f"the record has no {quantity!r}")
    scale = record.n if per_spin else 1
    ax = versus_temperature(record.beta, np.asarray(value) / scale, ax=ax, label=label, points=points, **style)
    ax.set_ylabel(quantity.replace("_", " ") + (" per spin" if per_spin and scale != 1 else ""))
    return ax


def binder_crossing(estimate: Any, *, size_dim: str, ax: Any = None, ylabel: str = "Binder cumulant") -> Axes:
    """Curves of a cumulant against T, one per system size, with error bands: where they
    cross is the critical temperature.

    Parameters
    ----------
    estimate : Estimate of xarray.DataArray
        E.g. from :func:`statmech.study.disorder_average`, with dims (``size_dim``, t) where
        t is ``"beta"`` (drawn as T = 1/beta) or a temperature coordinate ``"T"``.
    size_dim : str
        The dim of system sizes (each curve is labelled ``"{size_dim} = {size}"``).
    """
    ax = _axes(ax)
    value, error = estimate.value, estimate.error
    others = [d for d in value.dims if d != size_dim]
    if len(others) != 1:
        raise ValueError(f"estimate must have dims ({size_dim!r}, temperature); got {value.dims}")
    t_dim = others[0]
    for size in value[size_dim].values:
        v, e = value.sel({size_dim: size}), error.sel({size_dim: size})
        x = _values(v[t_dim])
        beta = x if t_dim == "beta" else 1.0 / x
        versus_temperature(beta, v, e, ax=ax, label=f"{size_dim} = {size}")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def overlap_distribution(distribution: OverlapDistribution, *, ax: Any = None, label: str | None = None,
                         **style: Any) -> Axes:
    """P(q) as a step histogram.

    Parameters
    ----------
    distribution : OverlapDistribution (from :func:`statmech.estimators.overlap_distribution`)
    """
    ax = _axes(ax)
    ax.stairs(distribution.density, distribution.edges, label=label, **style)
    ax.set_xlabel("q")
    ax.set_ylabel("P(q)")
    return ax


def trace(series: ArrayLike, *, ax: Any = None, label: str | None = None, **style: Any) -> Axes:
    """A Monte Carlo trace (or traces: shape (n_chains, n_steps), one line each) against step."""
    ax = _axes(ax)
    series = np.atleast_2d(_values(series))
    for k, row in enumerate(series):
        ax.plot(np.arange(row.size), row, label=label if k == 0 else None, **style)
    ax.set_xlabel("step")
    return ax


def autocorrelation(series: ArrayLike, *, max_lag: int | None = None, ax: Any = None, label: str | None = None,
                    **style: Any) -> Axes:
    """The normalised autocorrelation function of a trace, with its integrated
    autocorrelation time (Sokal's window) in the legend.

    Parameters
    ----------
    series : array_like of shape (n_steps,)
    max_lag : int or None
        Lags drawn (default: 5 tau_int, at least 10).
    """
    ax = _axes(ax)
    series = _values(series)
    rho = autocorrelation_function(series)
    try:
        tau = autocorrelation_time(series)
        text = rf"$\tau_{{int}}$ = {tau:.3g}"
    except AutocorrelationError as exc:      # too short a series: say so on the plot
        tau = exc.tau
        text = rf"$\tau_{{int}}$ > {tau:.3g} (series too short)"
    max_lag = int(max(10, 5 * tau)) if max_lag is None else int(max_lag)
    lags = np.arange(min(max_lag + 1, rho.size))
    ax.plot(lags, rho[:lags.size], label=f"{label}, {text}" if label else text, **style)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel("lag")
    ax.set_ylabel("autocorrelation")
    ax.legend()
    return ax


def density_of_states(dos: Any, *, entropy: Any = False, ax: Any = None, label: str | None = None,
                      **style: Any) -> Axes:
    """ln g(E) against E, or the microcanonical entropy S(E)/n = ln g(E)/n against E/n.

    Parameters
    ----------
    dos : DensityOfStates
    entropy : bool, default False
        Per-spin S(E)/n against e = E/n.
    """
    ax = _axes(ax)
    if entropy:
        ax.plot(dos.energies / dos.n, dos.log_g / dos.n, label=label, **style)
        ax.set_xlabel("E / n")
        ax.set_ylabel("S(E) / n")
    else:
        ax.plot(dos.energies, dos.log_g, label=label, **style)
        ax.set_xlabel("E")
        ax.set_ylabel("ln g(E)")
    return ax


def basins(minima: Any, *, ax: Any = None, label: str | None = None, **style: Any) -> Axes:
    """The basins of a landscape's minima: each minimum's basin fraction (share of starts
    that end there) against its energy or free energy.

    Parameters
    ----------
    minima : record with ``values`` and ``basin_fraction`` of shape (k,)
        E.g. ``statmech.analysis.landscape.energy_minima`` or ``tap_fixed_points``.
    """
    ax = _axes(ax)
    values, fraction = _values(minima.values), _values(minima.basin_fraction)
    ax.vlines(values, 0.0, fraction, label=label, **style)
    ax.set_xlabel(f"{getattr(minima, 'kind', 'value')} of the minimum")
    ax.set_ylabel("basin fraction")
    ax.set_ylim(bottom=0.0)
    return ax


def learning_curve(values: Any, error: Any = None, *, epochs: int | None = None, ax: Any = None,
                   label: str | None = None, ylabel: str = "log-likelihood", **style: Any) -> Axes:
    """A quantity against training epoch, with an error band.

    Parameters
    ----------
    values : array_like of shape (n_epochs,), xarray.DataArray (dim "epoch"), or Estimate
    error : array_like of shape (n_epochs,) or None
    epochs : array_like or None
        Default: the DataArray's ``epoch`` coordinate, else 1, 2, ...
    """
    ax = _axes(ax)
    if isinstance(values, Estimate):
        values, error = values.value, values.error
    if epochs is None:
        coords = getattr(values, "coords", {})
        epochs = coords["epoch"].values if "epoch" in coords else np.arange(1, np.size(values) + 1)
    epochs, values = _values(epochs), _values(values)
    (line,) = ax.plot(epochs, values, label=label, **style)
    if error is not None:
        error = _values(error)
        ax.fill_between(epochs, values - error, values + error, color=line.get_color(), alpha=0.25, linewidth=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    return ax
