"""The checkerboard engine: the periodic square-lattice Ising model with uniform J and h,
swept one sublattice at a time, a lattice row per random stream and thread; the spins
are int8, split by colour (:func:`split_colours`)."""
from typing import Any

import numpy as np

from ...hamiltonian import PairwiseHamiltonian, has_structure
from ...jit import njit, prange
from ...lattice import Lattice
from ...rng import random_streams, uniform_32_high, uniform_32_low, xoshiro_step
from ...runloop import one_of
from ..acceptance import acceptance_probability
from .base import ChainEngine

__all__ = ["CheckerboardEngine", "square_torus", "split_colours", "join_colours"]


def square_torus(hamiltonian: Any) -> tuple[int, int, float, float] | None:
    """(L, M, J, h) of a model checkerboard sweeps can run, else None: spins on a periodic
    two-dimensional lattice (its ``geometry``, a :class:`~statmech.lattice.Lattice`) with even sides, one
    coupling ``J`` on every bond and one field ``h``, as ``Ising.square`` declares them."""
    lattice = getattr(hamiltonian, "geometry", None)
    J, h = getattr(hamiltonian, "J", None), getattr(hamiltonian, "h", None)
    if (not has_structure(hamiltonian, PairwiseHamiltonian) or hamiltonian.domain != "spin"
            or not isinstance(lattice, Lattice) or lattice.dimension != 2 or not lattice.periodic
            or any(side % 2 for side in lattice.shape) or J is None or h is None):
        return None
    return lattice.shape[0], lattice.shape[1], float(J), float(h)


@njit
def _checkerboard_table(table, rule, beta, J, h):
    """table[5a + k]: acceptance of flipping spin s = 2a - 1 with neighbour sum 2k - 4,
    Delta E = 2 s (J * sum + h)."""
    for a in range(2):
        s = 2.0 * a - 1.0
        for k in range(5):
            table[5 * a + k] = acceptance_probability(rule, beta * 2.0 * s * (J * (2.0 * k - 4.0) + h))


@njit
def _neighbour_sums(sums, up, down, beside, shift):
    """sums[k] = up[k] + down[k] + beside[k - 1 + shift] + beside[k + shift] (periodic).

    The two shifts get a loop each: a constant offset lets the compiler vectorise.
    """
    K = sums.size
    if shift == 0:
        for k in range(1, K):
            sums[k] = up[k] + down[k] + beside[k - 1] + beside[k]
    else:
        for k in range(0, K - 1):
            sums[k] = up[k] + down[k] + beside[k] + beside[k + 1]
    for k in (0, K - 1):
        sums[k] = up[k] + down[k] + beside[(k - 1 + shift) % K] + beside[(k + shift) % K]


@njit
def _fill_uniforms(uniforms, stream):
    """Uniforms in [0, 1) on the 2**-32 grid, two per 64-bit output (``uniform_32_high`` and
    ``uniform_32_low``)."""
    s0, s1, s2, s3 = stream[0], stream[1], stream[2], stream[3]
    for k in range(0, uniforms.size - 1, 2):
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        uniforms[k] = uniform_32_high(bits)
        uniforms[k + 1] = uniform_32_low(bits)
    if uniforms.size % 2:
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        uniforms[uniforms.size - 1] = uniform_32_high(bits)
    stream[0], stream[1], stream[2], stream[3] = s0, s1, s2, s3


@njit
def _flip_sites(target, sums, uniforms, table):
    # Acceptance by selects on x = s * sum rather than a table gather, so the loop vectorises.
    up_m4, up_m2, up_0, up_2, up_4 = table[5], table[6], table[7], table[8], table[9]
    dn_m4, dn_m2, dn_0, dn_2, dn_4 = table[4], table[3], table[2], table[1], table[0]
    accepted = 0
    for k in range(target.size):
        s = target[k]
        x = s * sums[k]
        p_up = up_m4 if x == -4 else (up_m2 if x == -2 else (up_0 if x == 0 else (up_2 if x == 2 else up_4)))
        p_down = dn_m4 if x == -4 else (dn_m2 if x == -2 else (dn_0 if x == 0 else (dn_2 if x == 2 else dn_4)))
        p = p_up if s > 0 else p_down
        flip = np.int8(uniforms[k] < p)
        target[k] = s * np.int8(1 - 2 * flip)
        accepted += flip
    return accepted


@njit
def _checkerboard_row(target, up, down, beside, shift, table, stream, sums, uniforms):
    """Update one row of one colour of the torus, stored by sublattice.

    The colours are kept apart (see ``split_colours``): ``target`` holds the K sites of
    one colour in a row, ``up``/``down`` the other colour in the rows above and below
    (same k), ``beside`` the other colour in the same row, whose neighbours of target[k]
    are beside[k - 1 + shift] and beside[k + shift]. Neighbour sums, uniforms and
    branch-free flips are three loops, two of which vectorise. Returns accepted flips.
    """
    _neighbour_sums(sums, up, down, beside, shift)
    _fill_uniforms(uniforms, stream)
    return _flip_sites(target, sums, uniforms, table)


@njit
def _colour_sweep(black, white, x, colour, table, stream, sums, uniforms):
    """Sites of ``colour`` in row x: black (x + y even) sit at y = 2k + x % 2, white at
    y = 2k + 1 - x % 2."""
    L = black.shape[0]
    parity = x % 2
    if colour == 0:
        return _checkerboard_row(black[x], white[(x - 1) % L], white[(x + 1) % L], white[x], parity,
                                 table, stream, sums, uniforms)
    return _checkerboard_row(white[x], black[(x - 1) % L], black[(x + 1) % L], black[x], 1 - parity,
                             table, stream, sums, uniforms)


@njit
def _lattice_energy(black, white, J, h):
    """E = -J sum_bonds s s' - h sum s: every bond has one black end, with 4 white neighbours."""
    L, K = black.shape
    bonds = 0.0
    magnetization = 0.0
    for x in range(L):
        parity = x % 2
        up, down, row = white[(x - 1) % L], white[(x + 1) % L], white[x]
        for k in range(K):
            neighbours = up[k] + down[k] + row[(k - 1 + parity) % K] + row[(k + parity) % K]
            bonds += black[x, k] * neighbours
            magnetization += black[x, k] + white[x, k]
    return -J * bonds - h * magnetization, magnetization


@njit(parallel=True)
def checkerboard_sample(black, white, betas, J, h, rule, n_records, thin, rng, accepted, energy_trace, mag_trace,
                        offset):
    """Checkerboard sweeps of the ferromagnetic Ising model on periodic L x M tori.

    black, white : (n_chains, L, M // 2) int8, the two sublattices (L, M even);
    rng : (n_chains, L, 4), one stream per row. Sites of one colour are independent, so
    the result does not depend on the order rows are visited: several chains run in
    parallel over chains, a single chain in parallel over its rows, with the same
    streams and the same result.
    """
    n_chains, L, K = black.shape
    if n_chains > 1:
        for c in prange(n_chains):
            table = np.empty(10)
            _checkerboard_table(table, rule, betas[c], J, h)
            sums = np.empty(K, np.int8)
            uniforms = np.empty(K)
            for r in range(n_records):
                for _ in range(thin):
                    for colour in range(2):
                        for x in range(L):
                            accepted[c] += _colour_sweep(black[c], white[c], x, colour, table, rng[c, x],
                                                         sums, uniforms)
                energy_trace[c, offset + r], mag_trace[c, offset + r] = _lattice_energy(black[c], white[c], J, h)
    else:
        table = np.empty(10)
        _checkerboard_table(table, rule, betas[0], J, h)
        counts = np.zeros(L, np.int64)
        for r in range(n_records):
            for _ in range(thin):
                for colour in range(2):
                    for x in prange(L):
                        counts[x] += _colour_sweep(black[0], white[0], x, colour, table, rng[0, x],
                                                   np.empty(K, np.int8), np.empty(K))
            energy_trace[0, offset + r], mag_trace[0, offset + r] = _lattice_energy(black[0], white[0], J, h)
        accepted[0] += counts.sum()


def split_colours(grid):
    """(black, white) sublattices of grids (..., L, M): black (x + y even) at y = 2k + x % 2."""
    L, M = grid.shape[-2:]
    x = np.arange(L)[:, None]
    k = np.arange(M // 2)[None, :]
    return (np.ascontiguousarray(grid[..., x, 2 * k + x % 2]),
            np.ascontiguousarray(grid[..., x, 2 * k + 1 - x % 2]))


def join_colours(black, white):
    """Inverse of split_colours."""
    L, K = black.shape[-2:]
    grid = np.empty(black.shape[:-2] + (L, 2 * K), black.dtype)
    x = np.arange(L)[:, None]
    k = np.arange(K)[None, :]
    grid[..., x, 2 * k + x % 2] = black
    grid[..., x, 2 * k + 1 - x % 2] = white
    return grid


class CheckerboardEngine(ChainEngine):
    name = "checkerboard"
    bytes_per_variable = 1      # int8 spins by sublattice
    seconds_per_attempt = 3e-9

    arrays = ("black", "white", "energy", "betas", "rng", "accepted")
    chain_arrays = ("black", "white", "energy")

    def value_rules(self):
        return dict(super().value_rules(), black=one_of(-1, 1), white=one_of(-1, 1))

    def set_hamiltonian(self, hamiltonian):
        raise TypeError("checkerboard sweeps cannot follow a path of Hamiltonians; "
                        "use Metropolis(checkerboard=False)")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self.L, self.M, self.J, self.h = square_torus(hamiltonian)
        grid = self.states.reshape(-1, self.L, self.M).astype(np.int8)
        self.black, self.white = split_colours(grid)
        self.rng = random_streams(seed_sequence, (grid.shape[0], self.L))

    def get_states(self):
        return join_colours(self.black, self.white).reshape(self.black.shape[0], -1)

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        # several chains: one parallel region per call; one chain: one per half sweep, over its rows
        many = len(self.energy) > 1
        with self.threads(n_records * thin if many else 0.5, n_units=len(self.energy) if many else self.L):
            checkerboard_sample(self.black, self.white, self.betas, float(self.J), float(self.h), self.sampler.rule,
                                n_records, thin, self.rng, self.accepted, energy_trace, mag_trace, offset)
        self.energy[:] = energy_trace[:, offset + n_records - 1]
