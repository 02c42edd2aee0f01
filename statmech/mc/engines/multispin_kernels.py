"""Multi-spin coding (``mc.MultiSpin``): 64 independent lanes in the bits of one uint64 word.

A lane is one chain (one replica, one disorder instance); bit l of every word belongs to
lane l. The heart is the per-lane Bernoulli draw a packed Metropolis or heat-bath update
needs: a word whose bit l is 1 with probability p_l, each lane with its own p_l,
independently across lanes and calls, with p_l truncated to 53 binary digits (an error
below 2^-53, as for ``uniform() < p`` with 53-bit uniforms).

Method: write p_l ~ k_l / 2^53, k_l = floor(p_l 2^53), and draw a uniform 53-bit
integer U_l one bit at a time, most significant first, from successive random words (bit l
of word j is bit j of U_l). U_l < k_l is decided at the first bit where they differ; the
loop stops once every lane is decided, so 64 lanes cost about log2(64) + 2 = 8 random words
rather than 64 uniforms (the finite-digit method of Watanabe, Morita, Todo & Kawashima
2019, evaluated lazily, lane by lane). No lane's outcome depends on another lane's p: a
lane reads only its own bit of each word, and the number of words read changes which
words later draws see, not their distribution (each random bit is used once).

On that sit the packed sweeps of lattices of +-J bonds (bit-sliced bond counts per site,
one acceptance class per count and spin; heat bath draws mirror-image classes from one
set of planes, :func:`sweep_plan`), the per-lane counts of flips, down spins and
unsatisfied bonds, overlaps between lanes, and packing to and from int8 states. The sweep
runs G words at once in ``U64Vec(G)`` SIMD values (``statmech._simd``): every operation on
a word is bitwise, so G words cost one instruction where one word did, and a word's stream
advances only while that word has undecided lanes, so the grouping changes no chain.
"""
import numpy as np
import scipy.sparse as sp

from ...jit import njit, prange
from ...lattice import Lattice
from ..._simd import vand, vany, vget, vload, vnonzero, vnot, vor, vselect, vsplat, vstore, vxor
from ...rng import xoshiro_vector_step
from ..acceptance import HEAT_BATH, acceptance_probability

__all__ = ["N_PLANES", "probability_planes", "bernoulli_word", "PackedLattice", "packed_lattice", "packed_batch",
           "class_planes", "sweep_plan", "multispin_run", "multispin_anneal", "packed_site_overlaps", "pack", "unpack", "PackedStates",
           "random_packed", "MAX_DEGREE", "GROUP", "group_width"]

#: Bits of a float64 probability below the binary point: p = k / 2^53.
N_PLANES = 53


def probability_planes(p):
    """Bit planes of per-lane probabilities p (up to 64 lanes, values in [0, 1]).

    Returns
    -------
    planes : ndarray of uint64, shape (53, 1)
        Bit l of ``planes[j, 0]`` is binary digit j + 1 (after the point) of p_l (one
        class of lanes, the layout of :func:`class_planes`).
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
    probability = np.zeros(64)
    probability[:p.size] = p
    active = np.bitwise_or.reduce(np.uint64(1) << np.arange(p.size, dtype=np.uint64), initial=np.uint64(0))
    planes = np.empty((N_PLANES, 1), np.uint64)
    certain, fixed = _threshold_planes(probability, np.uint64(active), planes[:, 0], np.empty(64, np.uint64))
    return planes, np.uint64(certain), np.uint64(fixed)


@njit
def _select(planes, masks, undecided, result, s0, s1, s2, s3, drawn, group):
    """The rounds of the comparison U_l < k_l for the lanes in ``undecided``, for the G =
    len(group) words of a group at once (``U64Vec(G)`` values; state words s0..s3 of their
    G streams). Round j draws one random word per word still undecided (bit l = binary
    digit j + 1 of U_l) and compares it with the plane of the lanes' thresholds,
    OR_k (masks[k] & planes[j, k]) (lane l in class k when bit l of masks[k] is set);
    lanes whose bit differs are decided (1 where the threshold's bit is 1). A word reads
    its stream only while it has undecided lanes, and keeps the state after its last read,
    so each word draws what it would draw alone. (Every stream is stepped every round and
    the kept state chosen by a blend off the critical path: the next round's random words
    do not wait for this round's decisions.) ``planes`` (53, K, G), ``masks`` (K, G), C order; ``drawn`` a tuple of length
    the classes read (a compiled constant, see :func:`sweep_plan`). Returns (result, the
    streams' new state words)."""
    n_classes = planes.shape[1]
    width = len(group)
    zero = vsplat(0, group)
    t0, t1, t2, t3 = s0, s1, s2, s3
    j = 0
    while vany(undecided) and j < N_PLANES:
        plane = zero
        for k in range(len(drawn)):
            plane = vor(plane, vand(vload(masks, k * width, group), vload(planes, (j * n_classes + k) * width, group)))
        r, t0, t1, t2, t3 = xoshiro_vector_step(t0, t1, t2, t3)
        if width > 1:
            read = vnonzero(undecided)
            s0, s1, s2, s3 = vselect(read, t0, s0), vselect(read, t1, s1), vselect(read, t2, s2), vselect(read, t3, s3)
        differ = vand(undecided, vxor(r, plane))
        undecided = vand(undecided, vnot(differ))
        result = vor(result, vand(differ, plane))
        j += 1
    if width == 1:
        return result, t0, t1, t2, t3
    return result, s0, s1, s2, s3


_ONE_CLASS = np.full(1, ~np.uint64(0))       # every lane in class 0 (a constant of the compiled code)


@njit
def bernoulli_word(planes, certain, fixed, rng):
    """A word whose bit l is 1 with probability p_l (``planes``, ``certain``, ``fixed``
    from :func:`probability_planes`), drawing random words from the xoshiro stream ``rng``
    until every lane is decided."""
    one = (0,)
    result, s0, s1, s2, s3 = _select(planes, _ONE_CLASS, vsplat(~fixed, one), vsplat(certain, one),
                                     vload(rng, 0, one), vload(rng, 1, one), vload(rng, 2, one),
                                     vload(rng, 3, one), one, one)
    rng[0], rng[1], rng[2], rng[3] = vget(s0, 0), vget(s1, 0), vget(s2, 0), vget(s3, 0)
    return vget(result, 0)


# -- packed single-spin-flip sweeps on lattices of +-J bonds -----------------------------------

#: Most neighbours a packed site may have: the bond counter has three bit planes.
MAX_DEGREE = 7
#: Bit planes of the per-lane counters of accepted flips (a run may count up to 2^48 per lane).
COUNTER_PLANES = 48


class PackedLattice:
    """A spin model multi-spin coding can run: every variable has the same number z <= 7 of
    neighbours, every coupling is +J or -J (one magnitude J > 0), every field the same h.

    Attributes
    ----------
    neighbours : ndarray of int32, shape (n, z)
    anti : ndarray of uint8, shape (n, z), or of uint64, shape (n_groups, n, z, G)
        1 where the bond is -J, the same for every lane; or, for a batch of models on one
        lattice (:func:`packed_batch`), a mask per word whose bit l is set where lane l's
        model has -J, laid out as :func:`multispin_run` sweeps the words: groups of
        G = len(GROUP) words (G = 1 below len(GROUP) words), idle words +J.
    magnitude, field, offset : float
        J, h and the model's constant, so that E = offset - J (n z / 2 - 2 U) - h (n - 2 D)
        with U the unsatisfied bonds and D the spins at -1.
    """

    def __init__(self, neighbours, anti, magnitude, field, offset):
        self.neighbours, self.anti = neighbours, anti
        self.magnitude, self.field, self.offset = magnitude, field, offset
        self.n, self.z = neighbours.shape
        self.frustrated = bool(anti.any()) or anti.ndim == 4
        self.n_classes = (self.z + 1) * (2 if field else 1)
        k = np.arange(self.n_classes)
        u, down = k % (self.z + 1), k // (self.z + 1)
        #: Energy change of flipping a site of class k.
        self.deltas = 2.0 * magnitude * (self.z - 2 * u) + 2.0 * field * (1 - 2 * down)


def packed_lattice(hamiltonian):
    """The PackedLattice of a spin PairwiseHamiltonian, or a ValueError saying why not."""
    if hamiltonian.domain != "spin":
        raise ValueError(f"multi-spin coding needs spins; got domain {hamiltonian.domain!r}")
    fields = np.asarray(hamiltonian.fields, dtype=np.float64)
    if np.any(fields != fields[0]):
        raise ValueError(f"multi-spin coding needs one uniform field; got fields from {fields.min():.3g} "
                         f"to {fields.max():.3g}")
    J = sp.csr_matrix(hamiltonian.couplings, copy=True)       # tidied here, not in the model
    J.eliminate_zeros()
    J.sort_indices()
    z, neighbours = _neighbour_table(hamiltonian, J)
    magnitude = float(np.abs(J.data).max())
    if not np.all(np.abs(J.data) == magnitude):
        raise ValueError("multi-spin coding needs couplings of one magnitude (+J or -J)")
    anti = (J.data.reshape(-1, z) < 0).astype(np.uint8)
    return PackedLattice(neighbours, anti, magnitude, float(fields[0]), float(hamiltonian.offset))


def _neighbour_table(hamiltonian, J):
    """(z, neighbours): from the model's declared ``geometry`` (a :class:`~statmech.lattice.Lattice`
    of one degree) when it has one, checked against the couplings; else read off the
    couplings of a model that declares none (any regular graph), rows in increasing order."""
    geometry = getattr(hamiltonian, "geometry", None)
    declared = isinstance(geometry, Lattice) and geometry.degree is not None
    z = geometry.degree if declared else int(np.diff(J.indptr[:2])[0]) if J.nnz else 0
    if z == 0 or J.nnz != J.shape[0] * z or np.any(np.diff(J.indptr) != z):
        raise ValueError("multi-spin coding needs every variable to have the same number of neighbours"
                         + (f" (its geometry's {z}); some of its bonds have zero coupling" if declared else ""))
    if z > MAX_DEGREE:
        raise ValueError(f"multi-spin coding needs at most {MAX_DEGREE} neighbours per variable; got {z}")
    from_couplings = J.indices.reshape(-1, z).astype(np.int32)
    if declared and not np.array_equal(from_couplings, geometry.neighbours()):
        raise ValueError(f"the couplings are not on the bonds of the model's geometry {geometry!r}")
    return z, from_couplings


def packed_batch(hamiltonians, chains_per_model):
    """One PackedLattice for several models on the same lattice whose chains share words:
    chain c (lane c % 64 of word c // 64) belongs to model c // chains_per_model, and the
    per-word masks ``anti`` carry each lane's bonds. The models must pack alike (the same
    neighbours, J, h and offset; only the signs of the bonds may differ), or a ValueError
    says which differs."""
    lattices = []
    for k, hamiltonian in enumerate(hamiltonians):
        try:
            lattices.append(packed_lattice(hamiltonian))
        except ValueError as error:
            raise ValueError(f"hamiltonians[{k}]: {error}") from None
    first = lattices[0]
    for k, lattice in enumerate(lattices[1:], 1):
        for name in ("neighbours", "magnitude", "field", "offset"):
            if not np.array_equal(getattr(lattice, name), getattr(first, name)):
                raise ValueError(f"hamiltonians[{k}] differs from hamiltonians[0] in its {name}; a batch runs "
                                 f"models on one lattice whose bonds differ only in sign")
    n_words = -(-len(lattices) * chains_per_model // 64)
    width = group_width(n_words)                             # as multispin_run groups the words
    anti = np.zeros((-(-n_words // width),) + first.anti.shape + (width,), np.uint64)
    for k, lattice in enumerate(lattices):        # chains start .. stop - 1, word by word
        start, stop = k * chains_per_model, (k + 1) * chains_per_model
        for w in range(start // 64, (stop - 1) // 64 + 1):
            low, high = max(start - 64 * w, 0), min(stop - 64 * w, 64)
            anti[w // width, :, :, w % width] |= lattice.anti * np.uint64((1 << high) - (1 << low))  # its lanes
    return PackedLattice(first.neighbours, anti, first.magnitude, first.field, first.offset)


@njit
def _bond_masks(anti, i, d, group):
    """The lanes whose bond (i, d) is -J, for the G = len(group) words of a group: all or
    none for shared bonds (``anti`` (n, z) of 0/1), else the group's per-lane masks
    (``anti`` (n, z, G), see :class:`PackedLattice`)."""
    if anti.ndim == 2:
        return vsplat(np.uint64(0) - np.uint64(anti[i, d]), group)
    return vload(anti, (i * anti.shape[1] + d) * len(group), group)


@njit
def _transpose64(a):
    """In place: bit r of a[c] becomes bit 63 - c of a[63 - r] (a 64 x 64 bit matrix
    transposed by block swaps, H. S. Warren, Hacker's Delight, sec. 7-3)."""
    j = 32
    m = np.uint64(0x00000000FFFFFFFF)
    while j != 0:
        k = 0
        while k < 64:
            t = (a[k] ^ (a[k + j] >> np.uint64(j))) & m
            a[k] ^= t
            a[k + j] ^= t << np.uint64(j)
            k = (k + j + 1) & ~j
        j >>= 1
        m ^= m << np.uint64(j)


@njit
def _threshold_planes(probability, active, planes, thresholds):
    """The 53 bit planes (into ``planes``) of the active lanes' probabilities
    (``probability`` (64,), p_l to 53 binary digits, k_l = floor(p_l 2^53)) by one 64 x 64
    bit transpose; returns (certain: lanes with p = 1, fixed: lanes needing no random bits).
    ``thresholds`` (64,) uint64 is scratch."""
    sure = np.uint64(0)
    done = ~active
    for lane in range(64):
        bit = np.uint64(1) << np.uint64(lane)
        q = np.uint64(0)
        if active & bit:
            p = probability[lane]
            if p >= 1.0:
                sure |= bit
                done |= bit
            elif p <= 0.0:
                done |= bit
            else:
                q = np.uint64(p * 9007199254740992.0)          # floor(p 2^53) < 2^53
        thresholds[63 - lane] = q
    _transpose64(thresholds)          # bit l of thresholds[c] = bit 63 - c of lane l's q
    for j in range(N_PLANES):
        planes[j] = thresholds[11 + j]                      # binary digit j + 1 of p: bit 52 - j of q
    return sure, done


@njit
def _fill_class_planes(rule, deltas, betas, active, planes, certain, fixed):
    """planes (n_words, 53, K), certain and fixed (n_words, K): lane l of word w in class k
    accepts with acceptance_probability(rule, betas[w, l] * deltas[k]). Probabilities are
    computed once per distinct beta (a tempering ladder has few)."""
    n_classes = deltas.size
    seen = np.empty(64 * betas.shape[0])
    memo = np.empty((seen.size, n_classes))
    n_seen = 0
    probability = np.empty((64, n_classes))
    thresholds = np.empty(64, np.uint64)
    for w in range(betas.shape[0]):
        for lane in range(64):
            if not active[w] & (np.uint64(1) << np.uint64(lane)):
                continue
            beta = betas[w, lane]
            m = 0
            while m < n_seen and seen[m] != beta:
                m += 1
            if m == n_seen:
                seen[m] = beta
                for k in range(n_classes):
                    memo[m, k] = acceptance_probability(rule, beta * deltas[k])
                n_seen += 1
            for k in range(n_classes):        # (a row copy would compile numba's shape-error messages)
                probability[lane, k] = memo[m, k]
        for k in range(n_classes):
            certain[w, k], fixed[w, k] = _threshold_planes(probability[:, k], active[w], planes[w, :, k], thresholds)


def class_planes(lattice, betas, rule, active=None, out=None):
    """Acceptance bit planes of each class k of a site: u = k mod (z + 1) unsatisfied bonds
    and, with a field, spin down when k > z; flipping it changes E by 2 J (z - 2u) + 2 h s.
    ``betas`` (n_words, 64) per lane; ``active`` (n_words,) uint64 marks the lanes in use
    (the others never flip). Returns planes (n_words, 53, K) (a round of the selection reads
    one row), certain and fixed (n_words, K), from the samplers' own acceptance rule
    (``statmech.mc.acceptance.acceptance_probability``), written into ``out`` when given."""
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    n_words, n_classes = betas.shape[0], lattice.n_classes
    if active is None:
        active = np.full(n_words, ~np.uint64(0), np.uint64)
    if out is None:
        out = (np.empty((n_words, N_PLANES, n_classes), np.uint64), np.empty((n_words, n_classes), np.uint64),
               np.empty((n_words, n_classes), np.uint64))
    _fill_class_planes(rule, lattice.deltas, betas, active, *out)
    return out


def sweep_plan(lattice, rule, certain, active):
    """What the sweep kernel is compiled for, and which lanes it folds.

    Returns
    -------
    plan : tuple
        (bonds, classes, drawn): tuples of zeros whose lengths -- z, the class count K and
        the classes whose planes the selection reads -- are part of the kernel's type, so
        each lattice degree compiles its own kernel with its per-site loops unrolled.
    fold : ndarray of uint64, shape (n_words,)
        The lanes drawn folded (below).

    Without a field only the classes u <= z / 2 are drawn. Flipping a site with u and one
    with z - u unsatisfied bonds change E by opposite amounts, and heat bath's
    1 / (1 + e^x) = 1 - 1 / (1 + e^-x): a folded lane of class u > z / 2 is drawn with the
    probability of class z - u and flips when that draw says no. Heat bath folds every
    lane. Metropolis folds none: it accepts the downhill classes u > z / 2 outright (their
    ``certain`` is set), except in a lane at beta = 0 (or where beta dE underflows to 0),
    where every move is a tie, accepted with ``METROPOLIS_TIE``, which is not 1 minus
    itself: then all K classes are drawn. With a field all K classes are drawn and no lane
    is folded. ``certain`` (n_words, K) from :func:`class_planes`; ``active`` (n_words,)
    the lanes in use (the others never flip).
    """
    z, n_classes = lattice.z, lattice.n_classes
    field = n_classes > z + 1
    fold = active.copy() if rule == HEAT_BATH and not field else np.zeros_like(active)
    return _plan(z, n_classes, field or (rule != HEAT_BATH and bool(np.any(
        active & np.bitwise_or.reduce(~certain[:, z // 2 + 1:], axis=1))))), fold


def _plan(z, n_classes, every_class):
    """The plan's tuples (see :func:`sweep_plan`): all K classes drawn, or u <= z / 2."""
    return (0,) * z, (0,) * n_classes, (0,) * (n_classes if every_class else z // 2 + 1)


@njit
def _add_bits(a0, a1, a2, a3, x):
    """(a3 a2 a1 a0) + x per lane: a 4-bit bit-sliced register counter plus one bit."""
    carry = vand(a0, x)
    carry2 = vand(a1, carry)
    return vxor(a0, x), vxor(a1, carry), vxor(a2, carry2), vxor(a3, vand(a2, carry2))


@njit
def _flush(counters, a0, a1, a2, a3, group):
    """Add the register counters (a3 a2 a1 a0) of each word g to ``counters[g]``."""
    for g in range(len(group)):
        _add_number(counters[g], (vget(a0, g), vget(a1, g), vget(a2, g), vget(a3, g)))


@njit
def _count_lanes(words, neighbours, anti, group, down, unsatisfied):
    """Per lane of the G = len(group) words ``words`` (site-major, as swept): spins at -1
    into ``down`` and unsatisfied bonds into ``unsatisfied``, bit-sliced counters (G,
    planes), G words per instruction. Each site's unsatisfied bonds (0..z, in three bit
    planes, as the sweep counts them) are added as one number to an 8-bit register, flushed
    every 36 sites. A bond (i, j) is counted at its lower end i only: the rows of the
    neighbour table are increasing, so site i counts its last neighbours, those above i.
    One addition per site rather than one per bond."""
    zero = vsplat(0, group)
    width = len(group)
    d0 = d1 = d2 = d3 = d4 = d5 = d6 = d7 = zero
    b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = zero
    n, z = neighbours.shape
    for i in range(n):
        s = vload(words, i * width, group)
        c0 = c1 = c2 = zero
        above = 0
        while above < z and neighbours[i, above] < i:
            above += 1
        for d in range(above, z):
            x = vxor(vxor(s, vload(words, neighbours[i, d] * width, group)), _bond_masks(anti, i, d, group))
            carry = vand(c0, x)
            c0 = vxor(c0, x)
            c2 = vor(c2, vand(c1, carry))
            c1 = vxor(c1, carry)
        b0, b1, b2, b3, b4, b5, b6, b7 = _add_to_byte(b0, b1, b2, b3, b4, b5, b6, b7, c0, c1, c2)
        d0, d1, d2, d3, d4, d5, d6, d7 = _add_to_byte(d0, d1, d2, d3, d4, d5, d6, d7, s, zero, zero)
        if i % 36 == 35 or i == n - 1:            # at most 36 * 7 = 252 < 256 in the register
            _flush_byte(unsatisfied, b0, b1, b2, b3, b4, b5, b6, b7, group)
            b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = zero
        if i % 255 == 254 or i == n - 1:
            _flush_byte(down, d0, d1, d2, d3, d4, d5, d6, d7, group)
            d0 = d1 = d2 = d3 = d4 = d5 = d6 = d7 = zero


@njit
def _add_to_byte(r0, r1, r2, r3, r4, r5, r6, r7, x0, x1, x2):
    """(r7 .. r0) + (x2 x1 x0) per lane: an 8-bit bit-sliced register plus a 3-bit number."""
    s0, c = vxor(r0, x0), vand(r0, x0)
    t = vxor(r1, x1)
    s1, c = vxor(t, c), vor(vand(r1, x1), vand(t, c))
    t = vxor(r2, x2)
    s2, c = vxor(t, c), vor(vand(r2, x2), vand(t, c))
    s3, c = vxor(r3, c), vand(r3, c)
    s4, c = vxor(r4, c), vand(r4, c)
    s5, c = vxor(r5, c), vand(r5, c)
    s6, c = vxor(r6, c), vand(r6, c)
    return s0, s1, s2, s3, s4, s5, s6, vxor(r7, c)


@njit
def _flush_byte(counters, r0, r1, r2, r3, r4, r5, r6, r7, group):
    """Add the 8-bit register (r7 .. r0) of each word g to ``counters[g]``."""
    for g in range(len(group)):
        _add_number(counters[g], (vget(r0, g), vget(r1, g), vget(r2, g), vget(r3, g), vget(r4, g), vget(r5, g),
                                  vget(r6, g), vget(r7, g)))


@njit
def _add_number(counter, planes):
    """Add the per-lane numbers whose bit planes are ``planes`` (a tuple, least significant
    first) to the bit-sliced counter ``counter``."""
    carry = np.uint64(0)
    p = 0
    while p < len(planes) or carry != np.uint64(0):
        x = planes[p] if p < len(planes) else np.uint64(0)
        c = counter[p]
        counter[p] = c ^ x ^ carry
        carry = (c & x) | (carry & (c ^ x))
        p += 1


@njit
def _sweep_words(spins, neighbours, anti, frustrated, bonds, classes, drawn, group, fold, planes, certain, fixed,
                 masks, rng, accepted, n_sweeps):
    """``n_sweeps`` sweeps of sites 0..n-1 of the G = len(group) words ``spins`` (n, G)
    (word g of site i at [i, g]; 64 G lanes, bit 1 = spin -1), G words per SIMD
    instruction: count each lane's unsatisfied bonds in three bit-sliced counters, select
    the acceptance bits of each lane's class (:func:`_select`), flip, count the flips into
    ``accepted`` (G, 48). Each word's chain is what it would be swept
    alone (G = 1). ``bonds``, ``classes``, ``drawn`` and ``fold`` (G,): :func:`sweep_plan`
    (K = 2 (z + 1) classes with a field); ``planes`` (53, K, G), ``certain``, ``fixed``
    and the scratch ``masks`` (K, G), ``rng`` (4, G): the words' streams, whose state
    stays in registers along the sweep. ``anti``: shared bonds (n, z) or the group's
    per-lane masks (n, z, G) (see :class:`PackedLattice`)."""
    width = len(group)
    s0, s1 = vload(rng, 0, group), vload(rng, width, group)
    s2, s3 = vload(rng, 2 * width, group), vload(rng, 3 * width, group)
    folded = vload(fold, 0, group)
    z = len(bonds)
    n_bond = z + 1
    n_classes = len(classes)
    n_drawn = len(drawn)
    field = n_classes > n_bond
    zero = vsplat(0, group)
    a0 = a1 = a2 = a3 = zero                  # flips of the last < 16 sites, bit-sliced
    pending = 0
    for _ in range(n_sweeps):
        for i in range(neighbours.shape[0]):
            s = vload(spins, i * width, group)
            c0 = zero
            c1 = zero
            c2 = zero
            for d in range(z):
                x = vxor(s, vload(spins, neighbours[i, d] * width, group))    # 1: unsatisfied
                if frustrated:
                    x = vxor(x, _bond_masks(anti, i, d, group))
                carry = vand(c0, x)
                c0 = vxor(c0, x)
                c2 = vor(c2, vand(c1, carry))
                c1 = vxor(c1, carry)
            for u in range(n_bond):
                m = c0 if u & 1 else vnot(c0)
                m = vand(m, c1 if u & 2 else vnot(c1))
                m = vand(m, c2 if u & 4 else vnot(c2))
                if field:
                    vstore(masks, u * width, vand(m, vnot(s)))
                    vstore(masks, (u + n_bond) * width, vand(m, s))
                else:
                    vstore(masks, u * width, m)
            undecided = zero
            result = zero
            mirrored = zero                   # folded lanes of classes u > z / 2
            if not field:
                for u in range(n_bond):
                    if u < z - u:
                        m = vand(vload(masks, (z - u) * width, group), folded)
                        mirrored = vor(mirrored, m)
                        vstore(masks, u * width, vor(vload(masks, u * width, group), m))
                        vstore(masks, (z - u) * width, vxor(vload(masks, (z - u) * width, group), m))
                for k in range(n_drawn, n_classes):      # unfolded: downhill, certain
                    result = vor(result, vand(vload(masks, k * width, group), vload(certain, k * width, group)))
            for k in range(n_drawn):
                m = vload(masks, k * width, group)
                undecided = vor(undecided, vand(m, vnot(vload(fixed, k * width, group))))
                result = vor(result, vand(m, vload(certain, k * width, group)))
            result, s0, s1, s2, s3 = _select(planes, masks, undecided, result, s0, s1, s2, s3, drawn, group)
            result = vxor(result, mirrored)
            vstore(spins, i * width, vxor(s, result))
            a0, a1, a2, a3 = _add_bits(a0, a1, a2, a3, result)
            pending += 1
            if pending == 15:
                _flush(accepted, a0, a1, a2, a3, group)
                a0 = a1 = a2 = a3 = zero
                pending = 0
    _flush(accepted, a0, a1, a2, a3, group)
    vstore(rng, 0, s0)
    vstore(rng, width, s1)
    vstore(rng, 2 * width, s2)
    vstore(rng, 3 * width, s3)


#: Words swept together by multispin_run when there are at least as many (one SIMD value
#: each; 256 lanes). Grouping does not change any chain: each word draws from its own
#: stream what it would draw alone.
GROUP = (0, 0, 0, 0)
_ONE = (0,)


def group_width(n_words):
    """Words per SIMD sweep: len(GROUP) from len(GROUP) words on, else one at a time."""
    return len(GROUP) if n_words >= len(GROUP) else 1


@njit
def _record_lanes(w, down_counter, unsatisfied_counter, n, z, constants, values, energy, energy_trace, mag_trace,
                  column):
    """Energy and magnetisation of the lanes of word w, from its counters of spins at -1 and
    unsatisfied bonds, into ``energy`` and column ``column`` of the traces."""
    magnitude, field, constant = constants[0], constants[1], constants[2]
    _lane_values(down_counter, values[0])
    _lane_values(unsatisfied_counter, values[1])
    for lane in range(64):
        c = 64 * w + lane
        if c < energy.size:
            down, unsatisfied = values[0, lane], values[1, lane]
            energy[c] = constant - magnitude * (0.5 * n * z - 2.0 * unsatisfied) - field * (n - 2.0 * down)
            energy_trace[c, column] = energy[c]
            mag_trace[c, column] = n - 2.0 * down


@njit
def _run_words(spins, first, group, neighbours, anti, frustrated, bonds, classes, drawn, fold, constants, planes,
               certain, fixed, rng, accepted, n_records, thin, energy, energy_trace, mag_trace, offset):
    """multispin_run's work on words first .. first + G - 1 (G = len(group)): one word swept
    in place, or up to G words copied into interleaved scratch (site-major spins, planes,
    streams) and swept as one SIMD group. Columns past the last word are idle: every class
    fixed at "no flip", so they never draw a random word nor add a round."""
    n = neighbours.shape[0]
    width = len(group)
    n_classes = planes.shape[2]
    n_real = min(width, spins.shape[0] - first)
    masks = np.empty((n_classes, width), np.uint64)
    counters = np.zeros((width, COUNTER_PLANES), np.uint64)
    down = np.empty((width, COUNTER_PLANES), np.uint64)
    unsatisfied = np.empty((width, COUNTER_PLANES), np.uint64)
    values = np.empty((2, 64), np.int64)
    if width == 1:
        words, group_fold, group_planes = spins[first], fold[first:first + 1], planes[first]
        group_certain, group_fixed, group_rng = certain[first], fixed[first], rng[first]
    else:
        words = np.zeros((n, width), np.uint64)
        group_fold = np.zeros(width, np.uint64)
        group_planes = np.zeros((N_PLANES, n_classes, width), np.uint64)
        group_certain = np.zeros((n_classes, width), np.uint64)
        group_fixed = np.full((n_classes, width), ~np.uint64(0))
        group_rng = np.zeros((4, width), np.uint64)
        for g in range(n_real):
            group_fold[g] = fold[first + g]
            for i in range(n):
                words[i, g] = spins[first + g, i]
            for j in range(N_PLANES):
                for k in range(n_classes):
                    group_planes[j, k, g] = planes[first + g, j, k]
            for k in range(n_classes):
                group_certain[k, g] = certain[first + g, k]
                group_fixed[k, g] = fixed[first + g, k]
            for q in range(4):
                group_rng[q, g] = rng[first + g, q]
    group_anti = anti if anti.ndim == 2 else anti[first // width]     # shared, or the group's masks (n, z, G)
    for r in range(n_records):
        _sweep_words(words, neighbours, group_anti, frustrated, bonds, classes, drawn, group, group_fold, group_planes,
                     group_certain, group_fixed, masks, group_rng, counters, thin)
        down[...] = 0
        unsatisfied[...] = 0
        _count_lanes(words, neighbours, group_anti, group, down, unsatisfied)
        for g in range(n_real):
            _record_lanes(first + g, down[g], unsatisfied[g], n, neighbours.shape[1], constants, values, energy,
                          energy_trace, mag_trace, offset + r)
    if width > 1:
        _put_back(spins, rng, accepted, words, group_rng, counters, values, first, n_real, True)
    else:                   # swept in place: only the flips to count
        _put_back(spins, rng, accepted, np.empty((0, 1), np.uint64), np.empty((4, 1), np.uint64), counters, values,
                  first, n_real, False)


@njit
def _put_back(spins, rng, accepted, words, group_rng, counters, values, first, n_real, copied):
    """After a group's sweeps: its words (n, G) and streams (4, G) back in place where they
    were ``copied`` into scratch, and each lane's flips counted into ``accepted``."""
    for g in range(n_real):
        if copied:
            for i in range(words.shape[0]):
                spins[first + g, i] = words[i, g]
            for q in range(4):
                rng[first + g, q] = group_rng[q, g]
        _lane_values(counters[g], values[0])
        for lane in range(64):
            accepted[first + g, lane] += values[0, lane]


def multispin_run(spins, neighbours, anti, frustrated, plan, fold, constants, planes, certain, fixed, rng, accepted,
                  n_records, thin, energy, energy_trace, mag_trace, offset):
    """The engine's run: ``n_records`` times ``thin`` sweeps of every word, then each
    chain's energy and magnetisation into ``energy`` (n_chains,) and columns offset.. of the
    traces (n_chains, n_steps). ``constants`` = (J, h, model offset); chain c is lane c % 64
    of word c // 64; flips are added to ``accepted`` (n_words, 64). ``plan``, ``fold``:
    :func:`sweep_plan`; ``planes``, ``certain``, ``fixed``: :func:`class_planes`.
    E = offset - J (n z / 2 - 2 U) - h (n - 2 D) with U unsatisfied bonds, D spins down.
    From len(GROUP) words on, words go by groups of len(GROUP) through one SIMD sweep (the
    last group padded with idle columns), fewer one by one; either way in parallel. A
    run compiles one of the two kernels."""
    n_words = spins.shape[0]
    group = GROUP if group_width(n_words) > 1 else _ONE
    _run_parallel(-(-n_words // len(group)), group, spins, neighbours, anti, frustrated, *plan, fold, constants, planes,
                  certain, fixed, rng, accepted, n_records, thin, energy, energy_trace, mag_trace, offset)


@njit(parallel=True)
def _run_parallel(n_units, group, spins, neighbours, anti, frustrated, bonds, classes, drawn, fold, constants, planes,
                  certain, fixed, rng, accepted, n_records, thin, energy, energy_trace, mag_trace, offset):
    """:func:`_run_words` on the ``n_units`` units of len(group) words, in parallel (the
    plan's tuples flat: a parallel loop does not take nested tuples)."""
    for unit in prange(n_units):
        _run_words(spins, unit * len(group), group, neighbours, anti, frustrated, bonds, classes, drawn, fold,
                   constants, planes, certain, fixed, rng, accepted, n_records, thin, energy, energy_trace, mag_trace,
                   offset)


@njit
def _shared_planes(rule, deltas, beta, active, planes, certain, fixed, g):
    """Column g of planes (53, K, G), certain and fixed (K, G) when every lane in
    ``active`` has ``beta``: what :func:`_threshold_planes` gives lanes of one probability
    (each digit a whole word of active lanes, or none), without its transposes."""
    for k in range(deltas.size):
        p = acceptance_probability(rule, beta * deltas[k])
        q = np.uint64(0)
        certain[k, g] = active if p >= 1.0 else np.uint64(0)
        if p >= 1.0 or p <= 0.0:
            fixed[k, g] = ~np.uint64(0)
        else:
            fixed[k, g] = ~active
            q = np.uint64(p * 9007199254740992.0)          # floor(p 2^53) < 2^53
        for j in range(N_PLANES):
            planes[j, k, g] = active if (q >> np.uint64(52 - j)) & np.uint64(1) else np.uint64(0)


@njit
def _anneal_words(spins, first, group, neighbours, anti, frustrated, bonds, classes, drawn, rule, deltas, active,
                  constants, schedule, n_sweeps, rng, accepted, energy, best_energy, best_states, trace, offset):
    """anneal's work on words first .. first + G - 1 in one call: at each beta of
    ``schedule`` the words' class planes and fold (:func:`sweep_plan`'s, every lane at that
    beta), ``n_sweeps`` sweeps, the lanes' energies into column offset + k of ``trace``
    (n_chains, n_steps), and each chain's lowest-energy state so far into ``best_energy``
    (n_chains,) and ``best_states`` (n_chains, n) (+-1). The same draws as one
    :func:`multispin_run` per beta."""
    n, z = neighbours.shape
    width = len(group)
    n_classes = deltas.size
    field = n_classes > z + 1
    n_real = min(width, spins.shape[0] - first)
    words = np.zeros((n, width), np.uint64)
    group_rng = np.zeros((4, width), np.uint64)
    group_active = np.zeros(width, np.uint64)
    for g in range(n_real):
        group_active[g] = active[first + g]
        for i in range(n):
            words[i, g] = spins[first + g, i]
        for q in range(4):
            group_rng[q, g] = rng[first + g, q]
    planes = np.zeros((N_PLANES, n_classes, width), np.uint64)
    certain = np.zeros((n_classes, width), np.uint64)
    fixed = np.zeros((n_classes, width), np.uint64)
    fold = np.zeros(width, np.uint64)
    masks = np.empty((n_classes, width), np.uint64)
    counters = np.zeros((width, COUNTER_PLANES), np.uint64)
    down = np.empty((width, COUNTER_PLANES), np.uint64)
    unsatisfied = np.empty((width, COUNTER_PLANES), np.uint64)
    values = np.empty((2, 64), np.int64)
    scratch = np.empty((energy.size, 1))
    group_anti = anti if anti.ndim == 2 else anti[first // width]     # shared, or the group's masks (n, z, G)
    best_words = np.zeros((n, width), np.uint64)       # the lowest state of each lane that went lower in this call
    improved = np.zeros(width, np.uint64)
    for k in range(schedule.size):
        for g in range(width):                  # idle columns (no active lane) never flip
            _shared_planes(rule, deltas, schedule[k], group_active[g], planes, certain, fixed, g)
            fold[g] = group_active[g] if rule == HEAT_BATH and not field else np.uint64(0)
        _sweep_words(words, neighbours, group_anti, frustrated, bonds, classes, drawn, group, fold, planes, certain,
                     fixed, masks, group_rng, counters, n_sweeps)
        down[...] = 0
        unsatisfied[...] = 0
        _count_lanes(words, neighbours, group_anti, group, down, unsatisfied)
        for g in range(n_real):
            w = first + g
            _record_lanes(w, down[g], unsatisfied[g], n, z, constants, values, energy, scratch, scratch, 0)
            lower = np.uint64(0)
            for lane in range(64):
                c = 64 * w + lane
                if c >= energy.size:
                    break
                trace[c, offset + k] = energy[c]
                if energy[c] < best_energy[c]:
                    best_energy[c] = energy[c]
                    lower |= np.uint64(1) << np.uint64(lane)
            if lower:               # the lanes that went lower copy their bits: n word operations
                keep = ~lower
                for i in range(n):
                    best_words[i, g] = (best_words[i, g] & keep) | (words[i, g] & lower)
                improved[g] |= lower
    for g in range(n_real):         # each improved lane's best state, unpacked once per call
        for lane in range(64):
            bit = np.uint64(lane)
            if (improved[g] >> bit) & np.uint64(1):
                c = 64 * (first + g) + lane
                for i in range(n):
                    best_states[c, i] = -1.0 if (best_words[i, g] >> bit) & np.uint64(1) else 1.0
    _put_back(spins, rng, accepted, words, group_rng, counters, values, first, n_real, True)


@njit(parallel=True)
def _anneal_parallel(n_units, group, spins, neighbours, anti, frustrated, bonds, classes, drawn, rule, deltas, active,
                     constants, schedule, n_sweeps, rng, accepted, energy, best_energy, best_states, trace, offset):
    """:func:`_anneal_words` on the ``n_units`` units of len(group) words, in parallel."""
    for unit in prange(n_units):
        _anneal_words(spins, unit * len(group), group, neighbours, anti, frustrated, bonds, classes, drawn, rule,
                      deltas, active, constants, schedule, n_sweeps, rng, accepted, energy, best_energy, best_states,
                      trace, offset)


def multispin_anneal(spins, lattice, rule, active, schedule, n_sweeps, rng, accepted, energy, best_energy,
                     best_states, trace, offset):
    """Anneal every word through ``schedule`` (``n_sweeps`` sweeps per beta) in one parallel
    call, keeping each chain's best state: the chains of one :func:`multispin_run` per
    beta, without a plan or planes built per beta in Python (the plan of
    :func:`sweep_plan` for the whole schedule: every class drawn if Metropolis meets
    beta = 0 in it). ``active`` (n_words,) the lanes in use; ``accepted`` (n_words, 64);
    ``energy``, ``best_energy`` (n_chains,); ``best_states`` (n_chains, n) float64;
    ``trace`` (n_chains, n_steps), columns offset.."""
    schedule = np.asarray(schedule, np.float64)
    field = lattice.n_classes > lattice.z + 1
    plan = _plan(lattice.z, lattice.n_classes, field or (rule != HEAT_BATH and bool(np.any(
        schedule * np.abs(lattice.deltas[lattice.z // 2 + 1:]).min() == 0.0))))     # a downhill move a tie
    n_words = spins.shape[0]
    group = GROUP if group_width(n_words) > 1 else _ONE
    constants = np.array([lattice.magnitude, lattice.field, lattice.offset])
    _anneal_parallel(-(-n_words // len(group)), group, spins, lattice.neighbours, lattice.anti, lattice.frustrated,
                     *plan, rule, lattice.deltas, active, constants, schedule, n_sweeps, rng,
                     accepted, energy, best_energy, best_states, trace, offset)


@njit
def _lane_values(counter, out):
    """The 64 lanes' integers held in a bit-sliced counter (at most 64 planes; bit l of
    ``counter[p]`` is bit p of lane l's value): one 64 x 64 bit transpose."""
    a = np.zeros(64, np.uint64)
    for p in range(counter.size):
        a[63 - p] = counter[p]
    _transpose64(a)                   # bit p of lane l's value is now bit p of a[63 - l]
    for lane in range(64):
        out[lane] = a[63 - lane]


@njit
def packed_site_overlaps(spins, first, second, out):
    """out[k, i] = s_i s'_i (+-1) of chains first[k] and second[k] (chain c is lane c % 64 of
    word c // 64), from the words without unpacking other lanes; ``second`` None: the
    spins s_i of chains first[k] themselves. On one thread: tempering asks every swap round,
    too little work to share."""
    n = spins.shape[1]
    for k in range(first.size):
        wa, la = first[k] // 64, np.uint64(first[k] % 64)
        if second is None:
            for i in range(n):
                out[k, i] = 1 - 2 * np.int8((spins[wa, i] >> la) & np.uint64(1))
        else:
            wb, lb = second[k] // 64, np.uint64(second[k] % 64)
            for i in range(n):
                out[k, i] = 1 - 2 * np.int8(((spins[wa, i] >> la) ^ (spins[wb, i] >> lb)) & np.uint64(1))


@njit
def _pack(states, words, first):
    """Set the bits of ``states`` (k, n) as chains first .. first + k - 1 of ``words``."""
    for r in range(states.shape[0]):
        c = first + r
        lane = np.uint64(c % 64)
        row = words[c // 64]
        for i in range(states.shape[1]):
            if states[r, i] < 0:
                row[i] |= np.uint64(1) << lane


@njit
def _unpack(words, states):
    for c in range(states.shape[0]):
        lane = np.uint64(c % 64)
        row = words[c // 64]
        for i in range(states.shape[1]):
            states[c, i] = 1 - 2 * np.int8((row[i] >> lane) & np.uint64(1))


def pack(states):
    """Spin states (n_chains, n) in {-1, 1} -> words (ceil(n_chains / 64), n), chain c in lane
    c % 64 of word c // 64 (lanes beyond n_chains hold spins +1)."""
    states = np.ascontiguousarray(states, dtype=np.int8)
    words = np.zeros((-(-states.shape[0] // 64), states.shape[1]), np.uint64)
    _pack(states, words, 0)
    return words


class PackedStates:
    """Spin states of ``n_chains`` chains packed as :func:`pack` does: ``words`` of shape
    (ceil(n_chains / 64), n), uint64. ``len()`` is the number of chains."""

    def __init__(self, words, n_chains):
        self.words, self.n_chains = words, n_chains

    def __len__(self):
        return self.n_chains


def random_packed(random_states, n_chains, n, seed_sequence):
    """The states ``random_states(k, seed=rng)`` draws for ``n_chains`` chains from one
    generator, packed: drawn four chains at a time, so the (n_chains, n) int8 array never
    exists. The same states as one call: numpy draws bounded int8s four to a 32-bit word,
    and four chains' 4 n of them fill whole words."""
    rng = np.random.default_rng(seed_sequence)
    words = np.zeros((-(-n_chains // 64), n), np.uint64)
    for first in range(0, n_chains, 4):
        _pack(np.ascontiguousarray(random_states(min(4, n_chains - first), seed=rng), np.int8), words, first)
    return PackedStates(words, n_chains)


def unpack(words, n_chains=None):
    """The inverse of :func:`pack`: int8 states (n_chains, n), every lane by default."""
    states = np.empty((words.shape[0] * 64 if n_chains is None else n_chains, words.shape[1]), np.int8)
    _unpack(words, states)
    return states
