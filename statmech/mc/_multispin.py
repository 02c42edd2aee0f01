"""Multi-spin coding primitives: 64 independent lanes in the bits of one uint64 word.

A lane is one system (one replica, one disorder instance); bit l of every word belongs to
lane l. The first primitive is the per-lane Bernoulli draw that a packed Metropolis or
heat-bath update needs: a word whose bit l is 1 with probability p_l, each lane with its
own p_l, exactly (for float64 p) and independently across lanes and calls.

Exactness: write p_l = k_l / 2^53 (exact for a float64 in [0, 1)) and draw a uniform 53-bit
integer U_l one bit at a time, most significant first, from successive random words (bit l
of word j is bit j of U_l). U_l < k_l is decided at the first bit where they differ; the
loop stops once every lane is decided, so 64 lanes cost about log2(64) + 2 = 8 random words
rather than 64 uniforms (bit-string Bernoulli sampling in the spirit of Watanabe, Morita,
Todo & Kawashima, J. Phys. Soc. Jpn. 88, 024004 (2019)). No lane's outcome depends on
another lane's p: a lane reads only its own bit of each word, and the number of words read
changes which words later draws see, not their distribution (each random bit is used once).
"""
import numpy as np

from ..jit import njit
from ..rng import next_uint64

__all__ = ["N_PLANES", "probability_planes", "bernoulli_word"]

#: Bits of a float64 probability below the binary point: p = k / 2^53.
N_PLANES = 53


def probability_planes(p):
    """Bit planes of per-lane probabilities p (up to 64 lanes, values in [0, 1]).

    Returns
    -------
    planes : ndarray of uint64, shape (53,)
        Bit l of ``planes[j]`` is binary digit j + 1 (after the point) of p_l.
    certain : numpy.uint64
        Lanes with p_l = 1 (always 1).
    fixed : numpy.uint64
        Lanes whose outcome needs no random bits: p_l = 0 or 1, and lanes beyond ``p.size``
        (always 0).
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size > 64:
        raise ValueError(f"p must be a 1-D array of at most 64 lane probabilities; got shape {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"p must lie in [0, 1]; got {p[~((p >= 0) & (p <= 1))][:3]}")
    k = np.floor(np.where(p < 1, p, 0.0) * 2.0 ** N_PLANES).astype(np.uint64)     # exact: p * 2^53 < 2^53
    planes = np.zeros(N_PLANES, dtype=np.uint64)
    for j in range(N_PLANES):
        bits = (k >> np.uint64(N_PLANES - 1 - j)) & np.uint64(1)
        planes[j] = np.bitwise_or.reduce(bits << np.arange(p.size, dtype=np.uint64), initial=np.uint64(0))
    lane = np.uint64(1) << np.arange(p.size, dtype=np.uint64)
    certain = np.bitwise_or.reduce(lane[p == 1], initial=np.uint64(0))
    free = np.bitwise_or.reduce(lane[(p > 0) & (p < 1)], initial=np.uint64(0))
    return planes, np.uint64(certain), ~np.uint64(free)


@njit
def bernoulli_word(planes, certain, fixed, rng):
    """A word whose bit l is 1 with probability p_l (``planes``, ``certain``, ``fixed``
    from :func:`probability_planes`), drawing random words from the xoshiro stream ``rng``
    until every lane is decided."""
    undecided = ~fixed
    result = certain
    if undecided == np.uint64(0):
        return result
    for j in range(N_PLANES):
        r = next_uint64(rng)
        differ = undecided & (r ^ planes[j])
        result |= differ & planes[j]           # U's bit 0 where p's is 1: U < k
        undecided &= ~differ
        if undecided == np.uint64(0):
            break
    return result
