"""Block Gibbs sampling of bipartite models, one layer given the other: the one
implementation behind the ``BlockGibbs`` sampler, AIS along a base-to-target path (with
the hidden layer summed out) and CD/PCD learning.

A half-step is :func:`layer_probability` (the unit's conditional, ``statmech.units``,
applied to the other layer's field) followed by :func:`sample_layer` (Bernoulli draws
from per-row xoshiro streams, ``statmech.rng``).
"""
import numpy as np

from .rng import sample_units, sample_units_serial
from .units import unit_up_probability_array

__all__ = ["layer_probability", "sample_layer"]


def layer_probability(rows, weights, bias, beta=1.0, low=0.0):
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


def sample_layer(probabilities, low, streams, out=None, parallel=False):
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
