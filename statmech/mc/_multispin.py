"""Multi-spin coding primitives: 64 independent lanes in the bits of one uint64 word.

A lane is one system (one replica, one disorder instance); bit l of every word belongs to
lane l. The first primitive is the per-lane Bernoulli draw that a packed Metropolis or
heat-bath update needs: a word whose bit l is 1 with probability p_l, each lane with its
own p_l, independently across lanes and calls, with p_l truncated to 53 binary digits
(an error below 2^-53, as for ``uniform() < p`` with 53-bit uniforms).

Method: write p_l ~ k_l / 2^53, k_l = floor(p_l 2^53), and draw a uniform 53-bit
integer U_l one bit at a time, most significant first, from successive random words (bit l
of word j is bit j of U_l). U_l < k_l is decided at the first bit where they differ; the
loop stops once every lane is decided, so 64 lanes cost about log2(64) + 2 = 8 random words
rather than 64 uniforms (bit-string Bernoulli sampling, as in Watanabe, Morita, Todo &
Kawashima 2019). No lane's outcome depends on
another lane's p: a lane reads only its own bit of each word, and the number of words read
changes which words later draws see, not their distribution (each random bit is used once).
"""
import numpy as np
import scipy.sparse as sp

from ..jit import njit, prange
from ..rng import next_uint64
from ._kernels import acceptance_probability

__all__ = ["N_PLANES", "probability_planes", "bernoulli_word", "bernoulli_select", "PackedLattice",
           "packed_lattice", "class_planes", "multispin_sweeps", "pack", "unpack"]

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
    k = np.floor(np.where(p < 1, p, 0.0) * 2.0 ** N_PLANES).astype(np.uint64)     # p * 2^53 < 2^53
    planes = np.zeros(N_PLANES, dtype=np.uint64)
    for j in range(N_PLANES):
        bits = (k >> np.uint64(N_PLANES - 1 - j)) & np.uint64(1)
        planes[j] = np.bitwise_or.reduce(bits << np.arange(p.size, dtype=np.uint64), initial=np.uint64(0))
    lane = np.uint64(1) << np.arange(p.size, dtype=np.uint64)
    certain = np.bitwise_or.reduce(lane[p == 1], initial=np.uint64(0))
    free = np.bitwise_or.reduce(lane[(p > 0) & (p < 1)], initial=np.uint64(0))
    return planes, np.uint64(certain), ~np.uint64(free)


@njit
def _decide(plane, undecided, result, rng):
    """One random word against bit plane j of the lanes' probabilities: lanes whose random
    bit differs from p's are decided (1 where p's bit is 1: U < k). (undecided, result)."""
    differ = undecided & (next_uint64(rng) ^ plane)
    return undecided & ~differ, result | (differ & plane)


@njit
def bernoulli_word(planes, certain, fixed, rng):
    """A word whose bit l is 1 with probability p_l (``planes``, ``certain``, ``fixed``
    from :func:`probability_planes`), drawing random words from the xoshiro stream ``rng``
    until every lane is decided."""
    undecided, result = ~fixed, certain
    for j in range(N_PLANES):
        if undecided == np.uint64(0):
            break
        undecided, result = _decide(planes[j], undecided, result, rng)
    return result


@njit
def bernoulli_select(planes, certain, fixed, masks, rng):
    """:func:`bernoulli_word` with K classes of probabilities: lane l, in class k when bit l
    of ``masks[k]`` is set (classes disjoint), is 1 with probability p_kl. ``planes``
    (K, 53), ``certain`` and ``fixed`` (K,) per class; lanes in no class give 0."""
    undecided = np.uint64(0)
    result = np.uint64(0)
    for k in range(masks.size):
        undecided |= masks[k] & ~fixed[k]
        result |= masks[k] & certain[k]
    for j in range(N_PLANES):
        if undecided == np.uint64(0):
            break
        plane = np.uint64(0)
        for k in range(masks.size):
            plane |= masks[k] & planes[k, j]
        undecided, result = _decide(plane, undecided, result, rng)
    return result


# -- packed single-spin-flip sweeps on lattices of +-J bonds -----------------------------------


class PackedLattice:
    """A model multi-spin coding can run: every variable has z neighbours, every coupling
    is +J or -J (one magnitude J > 0), no fields. ``neighbours`` (n, z) int64; ``anti``
    (n, z) uint64, all ones where the bond is -J (every lane sees the same bonds)."""

    def __init__(self, neighbours, anti, magnitude):
        self.neighbours, self.anti, self.magnitude = neighbours, anti, magnitude
        self.n, self.z = neighbours.shape


def packed_lattice(hamiltonian):
    """The PackedLattice of a spin PairwiseHamiltonian, or a ValueError saying why not."""
    if hamiltonian.domain != "spin":
        raise ValueError(f"multi-spin coding needs spins; got domain {hamiltonian.domain!r}")
    if np.any(hamiltonian.fields != 0):
        raise ValueError("multi-spin coding needs zero fields")
    J = sp.csr_matrix(hamiltonian.couplings)
    J.eliminate_zeros()
    degree = np.diff(J.indptr)
    if J.nnz == 0 or np.any(degree != degree[0]):
        raise ValueError("multi-spin coding needs every variable to have the same number of neighbours")
    magnitude = float(np.abs(J.data).max())
    if not np.all(np.abs(J.data) == magnitude):
        raise ValueError("multi-spin coding needs couplings of one magnitude (+J or -J)")
    z = int(degree[0])
    neighbours = J.indices.reshape(-1, z).astype(np.int64)
    anti = np.where(J.data.reshape(-1, z) < 0, ~np.uint64(0), np.uint64(0)).astype(np.uint64)
    return PackedLattice(neighbours, anti, magnitude)


def class_planes(lattice, betas, rule):
    """Acceptance bit planes of each class u = number of unsatisfied bonds (0..z) of a site:
    flipping it changes E by 2 J (z - 2u); ``betas`` (n_words, 64) per lane. Returns planes
    (n_words, z + 1, 53), certain and fixed (n_words, z + 1), from the samplers' own
    acceptance rule (``_kernels.acceptance_probability``)."""
    betas = np.asarray(betas, dtype=np.float64)
    n_words, z = betas.shape[0], lattice.z
    planes = np.zeros((n_words, z + 1, N_PLANES), np.uint64)
    certain = np.zeros((n_words, z + 1), np.uint64)
    fixed = np.zeros((n_words, z + 1), np.uint64)
    for w in range(n_words):
        for u in range(z + 1):
            delta = 2.0 * lattice.magnitude * (z - 2 * u)
            p = [acceptance_probability(rule, b * delta) for b in betas[w]]
            planes[w, u], certain[w, u], fixed[w, u] = probability_planes(p)
    return planes, certain, fixed


@njit
def _packed_site(spins, i, neighbours, anti, planes, certain, fixed, masks, rng):
    """Update site i of the 64 lanes of ``spins`` (bit 1 = spin -1): count each lane's
    unsatisfied bonds in three bit-sliced counters, accept by class, flip."""
    s = spins[i]
    c0 = np.uint64(0)
    c1 = np.uint64(0)
    c2 = np.uint64(0)
    for d in range(neighbours.shape[1]):
        x = s ^ spins[neighbours[i, d]] ^ anti[i, d]          # 1 where J s_i s_j = -1
        carry = c0 & x
        c0 ^= x
        carry2 = c1 & carry
        c1 ^= carry
        c2 |= carry2
    for u in range(masks.size):
        m = c0 if u & 1 else ~c0
        m &= c1 if u & 2 else ~c1
        m &= c2 if u & 4 else ~c2
        masks[u] = m
    spins[i] = s ^ bernoulli_select(planes, certain, fixed, masks, rng)


@njit(parallel=True)
def multispin_sweeps(spins, neighbours, anti, planes, certain, fixed, rng, n_sweeps):
    """``n_sweeps`` sequential single-flip sweeps of every word (64 lanes each) of ``spins``
    (n_words, n); each word owns its stream ``rng[w]``, so results do not depend on the
    number of threads."""
    for w in prange(spins.shape[0]):
        masks = np.empty(planes.shape[1], np.uint64)
        for _ in range(n_sweeps):
            for i in range(spins.shape[1]):
                _packed_site(spins[w], i, neighbours, anti, planes[w], certain[w], fixed[w], masks, rng[w])


def pack(states):
    """Spin states (n_words * 64, n) in {-1, 1} -> words (n_words, n), lane l = row 64 w + l."""
    states = np.asarray(states)
    bits = (states.reshape(-1, 64, states.shape[-1]) < 0).astype(np.uint64)
    return (bits << np.arange(64, dtype=np.uint64)[None, :, None]).sum(axis=1, dtype=np.uint64)


def unpack(words):
    """The inverse of :func:`pack`: int8 states (n_words * 64, n)."""
    bits = (words[:, None, :] >> np.arange(64, dtype=np.uint64)[None, :, None]) & np.uint64(1)
    return (1 - 2 * bits.astype(np.int8)).reshape(-1, words.shape[-1])
