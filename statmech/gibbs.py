"""Block Gibbs sampling of bipartite models, one layer given the other: the one
implementation behind the ``BlockGibbs`` sampler, AIS along a base-to-target path (with
the hidden layer summed out) and CD/PCD learning.

A half-step is :func:`layer_probability` (the unit's conditional, ``statmech.unit_types``,
applied to the other layer's field) followed by :func:`sample_layer` (Bernoulli draws
from per-row xoshiro streams, ``statmech.rng``).
"""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np

from .rng import sample_units, sample_units_serial
from .unit_types import unit_up_probability_array

if TYPE_CHECKING:
    pass

__all__ = ["layer_probability", "sample_layer", "sample_from_fields", "layer_mean"]


def layer_probability(rows: np.ndarray, weights: np.ndarray, bias: np.ndarray, beta: float = 1.0,
                      low: float = 0.0) -> np.ndarray:
    """p(unit = 1 | other layer) for each row: unit_up_probability(rows @ weights + bias),
    with the bias added and the conditional taken in the product's own buffer.

    Parameters
    ----------
    rows : ndarray of shape (n_rows, n_in)
        The other layer's states (or magnetizations).
    weights : ndarray of shape (n_in, n_out)
        W for the hidden layer given v, W.T for the visible layer given h.
    bias : ndarray of shape (n_out,)
    beta : float or ndarray of shape (n_rows, 1)
    low : float
        0 for binary units, -1 for spins.

    Returns
    -------
    ndarray of shape (n_rows, n_out), in the product's dtype (float32 stays float32).
    """
    fields = rows @ weights
    fields += bias
    return unit_up_probability_array(fields, beta, low, out=fields if np.ndim(beta) == 0 else None)


def sample_layer(probabilities: np.ndarray, low: float, streams: np.ndarray, out: np.ndarray | None = None,
                 parallel: bool = False) -> np.ndarray:
    """Units drawn with the given p(unit = 1): 1, else ``low``; row c uses stream c.

    Parameters
    ----------
    probabilities : ndarray of shape (n_rows, n_units)
    low : float
    streams : uint64 ndarray of shape (>= n_rows, 4)
        xoshiro256** states (``statmech.rng.random_streams``), advanced in place.
    out : ndarray of shape (n_rows, n_units), optional
        Receives the samples without allocating.
    parallel : bool
        Rows in parallel threads: worth it for many large rows; after a BLAS product,
        whose threads still spin for a while, one thread is faster.

    Returns
    -------
    ndarray of shape (n_rows, n_units)
    """
    if len(probabilities) > len(streams):
        raise ValueError(f"{len(probabilities)} rows need as many random streams; got {len(streams)}")
    out = np.empty_like(probabilities) if out is None else out
    (sample_units if parallel else sample_units_serial)(probabilities, low, streams[:len(probabilities)], out)
    return out


def sample_from_fields(fields: np.ndarray, units: Any, streams: np.ndarray, beta: float = 1.0,
                       out: np.ndarray | None = None, parallel: bool = False) -> np.ndarray:
    """A layer of ``units`` (a :class:`statmech.unit_types.UnitType`) drawn from
    p(unit | field), row c from stream c: the half-step for every unit type.

    Parameters
    ----------
    fields : ndarray of shape (n_rows, n_units)
        The layer's fields (bias plus the other layer's input).
    units : UnitType
    streams : uint64 ndarray of shape (>= n_rows, 4)
    beta : float or ndarray of shape (n_rows, 1)
    out : ndarray of shape (n_rows, n_units), optional
    parallel : bool
        As in :func:`sample_layer` (two-state units).

    Returns
    -------
    ndarray of shape (n_rows, n_units)
    """
    if units.discrete:
        return sample_layer(unit_up_probability_array(fields, beta, units.low), units.low, streams, out, parallel)
    draws = units.sample(fields, beta, streams)
    if out is None:
        return draws
    out[...] = draws
    return out


def layer_mean(rows: np.ndarray, weights: np.ndarray, bias: np.ndarray, units: Any, beta: float = 1.0) -> np.ndarray:
    """<unit | other layer> for each row: the units' activation at rows @ weights + bias
    (p(unit = 1) for binary units, through :func:`layer_probability`; float32 rows stay
    float32). Shapes as in :func:`layer_probability`."""
    if units.discrete:
        p = layer_probability(rows, weights, bias, beta, units.low)
        if units.low != 0.0:
            p *= 1.0 - units.low
            p += units.low
        return p
    fields = rows @ weights + bias
    return units.mean(fields, beta).astype(fields.dtype, copy=False)
