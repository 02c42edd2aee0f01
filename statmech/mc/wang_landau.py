"""Wang-Landau: the density of states by flat-histogram walks with the 1/t refinement.

The walk reads as its parts: the energy window and normalisation (:func:`wang_landau`
checks them), the walk itself (the kernels :func:`walk` and :func:`enter`, which work on
a pairwise engine's :meth:`flip_state`), the refinement of ln f (:func:`refine`) and the
normalised estimate.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Optional, TYPE_CHECKING

import numpy as np

from ..errors import ConvergenceError, ConvergenceWarning
from ..exact import energy_grid
from ..hamiltonian import pairwise_form, structure_hint, validate_hamiltonian
from ..jit import njit, prange
from ..runloop import Field, Loop, Run, at_least, finite, prefixed
from ..thermodynamics import DensityOfStates
from ..rng import uniform_32_nonzero, xoshiro_step
from ..fastmath import add_coupling_row
from ..validation import as_float, as_int, as_real_array, check_on_failure
from .drivers import initial_states_or_random, restore_engine
from .samplers import Metropolis

if TYPE_CHECKING:
    from statmech.hamiltonian import Hamiltonian
    from statmech.typing import PathLike, Seed

__all__ = ["wang_landau"]

def wang_landau(hamiltonian: Hamiltonian, *, resolution: float = 1.0, n_chains: int = 4, flatness: float = 0.8,
                log_f_final: float = 1e-7, check_every: int = 10_000, max_sweeps: int = 10 ** 8,
                energy_range: np.ndarray | None = None, normalization: Any = "total", seed: Seed | None = None,
                progress: bool | None = None, on_failure: str = "raise", checkpoint: PathLike | None = None,
                checkpoint_every: int = 100) -> DensityOfStates:
    """Density of states by Wang-Landau flat-histogram walks, with the 1/t refinement.

    Each of ``n_chains`` independent walkers flips random variables, accepting a move from
    energy E to E' with min(1, g(E)/g(E')), and adds ln f to ln g at its current energy.
    When its histogram is flat (every visited bin >= ``flatness`` * mean) ln f halves;
    once ln f < 1/t (t = moves so far per energy level visited, Belardinelli & Pereyra's
    time) it follows ln f = 1/t, which removes the saturation of the original method,
    until ln f < ``log_f_final``: a walk over L levels makes about L / ``log_f_final``
    moves. Each walker's ln g is normalised (below); the result is their mean and
    ``chain_log_g`` keeps them all, so ``log_z(beta)`` carries an error bar from their spread.

    ``energy_range`` restricts the walk to a window of energies (Wang & Landau's energy
    windows): time is spent where the quantity of interest lives, and the walk across the
    window is shorter. Walkers start from random states and, if these lie outside the
    window, first descend into it (moves that do not increase the distance to the window).
    A restricted walk reaches only the states connected to the rest through the window, so
    levels next to an edge that excludes energies can miss states: in the 4 x 4 Ising
    torus cut at E = -16, the 8 of its 424 states made of two straight domain walls have
    every single-flip neighbour above -16, and ln g(-16) comes out ln(424/416) = 0.019 low.
    Keep edges where the canonical weight is negligible: ``DensityOfStates.thermodynamics``
    warns when it is not.

    Normalisation: by default ``sum_E g(E) = 2**n`` over the visited energies, right when
    the walk covers all energies, or all but tails of negligible weight; the walkers' random
    starting states must then lie inside ``energy_range`` (a window that excludes the
    infinite-temperature bulk is refused). ``normalization=(E_ref, count)`` pins
    g(E_ref) = count instead, e.g. the two ground states of an Ising ferromagnet
    (Wang & Landau 2001): a window from the ground state to above a beta's canonical
    energies then gives ln Z(beta) at a fraction of the cost of the whole range.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian, or BipartiteHamiltonian of two-state units of one kind
        With energies on a grid of spacing ``resolution`` (e.g. Ising models).
    resolution : float
    n_chains : int, >= 2, default 4
        Independent walkers (chains), each with its own ln g: the spread of their estimates
        is the error bar, so at least two; four as in ``sample``.
    flatness : float in (0, 1)
    log_f_final : float
    check_every : int
        Moves per walker between flatness checks.
    max_sweeps : int, >= 1
        Give up after this many sweeps per walker (see ``on_failure``).
    energy_range : (float, float) or None
        Lowest and highest energy the walkers may visit (default: all energies). For ln Z
        at one beta, a window from below that beta's canonical energies to some standard
        deviations above the infinite-temperature mean, or (with a reference count) from the
        ground state to above that beta's energies, saves most of the time.
    normalization : "total" or (float, float)
        "total", or (E_ref, count): an energy in the window and its known number of states.
    seed : int, SeedSequence, Generator or None
    progress : bool or None
    on_failure : {"raise", "warn"}
        When ``max_sweeps`` is reached first: raise :class:`~statmech.errors.ConvergenceError`
        carrying the density of states reached (``converged=False``), or warn and return it.
    checkpoint : path or None
        If given, the walk saves its state there every ``checkpoint_every`` flatness checks,
        on Ctrl-C and at the end, and resumes from it when it exists (same arguments and
        model), ending bit-identical to an uninterrupted run.
    checkpoint_every : int, default 100

    Returns
    -------
    DensityOfStates
        With ``seed``, ``elapsed``, ``converged`` and ``interrupted``. Ctrl-C stops at the
        next flatness check and returns the estimate so far (``interrupted=True``).

    References
    ----------
    F. Wang and D. P. Landau, Phys. Rev. Lett. 86, 2050 (2001); R. E. Belardinelli and
    V. D. Pereyra, Phys. Rev. E 75, 046701 (2007).

    Examples
    --------
    The density of states of a 4 x 4 Ising torus against exact counting:

    >>> import numpy as np, statmech
    >>> from statmech import mc
    >>> from statmech.models import Ising
    >>> H = Ising.square(4)
    >>> g = mc.wang_landau(H, log_f_final=1e-5, seed=0, progress=False)
    >>> exact = statmech.density_of_states(H)
    >>> bool(np.allclose(g.log_g, exact.log_g, atol=0.2))
    True
    """
    validate_hamiltonian(hamiltonian)           # two-state units of one kind
    if pairwise_form(hamiltonian) is None:
        raise TypeError(f"wang_landau needs a PairwiseHamiltonian (or a BipartiteHamiltonian of two-state units); "
                        f"got {type(hamiltonian).__name__}{structure_hint(hamiltonian)}")
    resolution = as_float(resolution, "resolution", minimum=0.0, allow_equal=False)
    n_walkers = as_int(n_chains, "n_chains", minimum=2)
    flatness = as_float(flatness, "flatness", minimum=0.0, allow_equal=False)
    if flatness >= 1:
        raise ValueError(f"flatness must be < 1; got {flatness}")
    log_f_final = as_float(log_f_final, "log_f_final", minimum=0.0, allow_equal=False)
    check_every = as_int(check_every, "check_every", minimum=1)
    max_sweeps = as_int(max_sweeps, "max_sweeps", minimum=1)
    on_failure = check_on_failure(on_failure)
    grid = _Grid.of(hamiltonian, resolution, energy_range, normalization)
    run = Run("wang_landau", seed, progress, np.log(1 / log_f_final), "Wang-Landau", checkpoint, checkpoint_every,
              {"n": hamiltonian.n, "resolution": resolution, "n_chains": n_walkers, "flatness": flatness,
               "log_f_final": log_f_final, "check_every": check_every, "window": list(grid.window),
               "model": None if checkpoint is None else hamiltonian.content_hash()})
    walkers = _start_walkers(hamiltonian, grid, n_walkers, run.seed_sequence)
    walk = run.execute(_Walk(walkers, grid, hamiltonian.n, flatness, log_f_final, check_every, max_sweeps))
    result = _estimate(walk, grid, run, checkpoint, max_sweeps)
    if walk.exhausted:
        message = (f"Wang-Landau did not converge in max_sweeps = {max_sweeps} sweeps per walker "
                   f"(ln f = {walk.log_f.max():.3g} > log_f_final = {log_f_final:g})")
        if on_failure == "raise":
            raise ConvergenceError(message + "; the estimate reached is the error's .result", result)
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return result


@dataclass(frozen=True)
class _Grid:
    """The walk's energy bins: E = energy_min + resolution * bin for bins 0 .. n_bins - 1,
    the closed range of bins the walkers may visit (``window``), and the normalisation
    (``reference``: None for sum g = 2**n, or (bin, ln count))."""

    energy_min: float
    n_bins: int
    resolution: float
    window: tuple
    reference: Optional[tuple]
    energy_range: Optional[tuple]

    @classmethod
    def of(cls, hamiltonian, resolution, energy_range, normalization):
        energy_min, n_bins = energy_grid(hamiltonian, resolution)
        window = (0, n_bins - 1)
        if energy_range is not None:
            bounds = as_real_array(energy_range, "energy_range", shape=(2,))
            if bounds[0] >= bounds[1]:
                raise ValueError(f"energy_range must be (low, high) with low < high; got {energy_range!r}")
            window = (max(int(np.ceil((bounds[0] - energy_min) / resolution - 1e-9)), 0),
                      min(int(np.floor((bounds[1] - energy_min) / resolution + 1e-9)), n_bins - 1))
            energy_range = tuple(energy_range)
        reference = None
        if isinstance(normalization, str):
            if normalization != "total":
                raise ValueError(f"normalization must be 'total' or (E_ref, count); got {normalization!r}")
        else:
            pair = as_real_array(normalization, "normalization", shape=(2,))
            if pair[1] < 1:
                raise ValueError(f"normalization count must be >= 1; got {normalization!r}")
            reference = (int(np.rint((pair[0] - energy_min) / resolution)), float(np.log(pair[1])))
            if not window[0] <= reference[0] <= window[1]:
                raise ValueError(f"normalization energy {pair[0]} lies outside energy_range = {energy_range}")
        return cls(energy_min, n_bins, resolution, window, reference, energy_range)

    def bins(self, energy):
        """The (real) bin of each energy."""
        return (energy - self.energy_min) / self.resolution

    def outside(self, energy):
        bins = np.rint(self.bins(energy))
        return (bins < self.window[0]) | (bins > self.window[1])

    def bounds(self):
        """The energy range of the estimate: +-inf where the window reaches the grid's ends."""
        if self.energy_range is None:
            return None
        first, last = self.window
        return (-np.inf if first == 0 else self.energy_min + self.resolution * first,
                np.inf if last == self.n_bins - 1 else self.energy_min + self.resolution * last)


def _start_walkers(hamiltonian, grid, n_walkers, seed_sequence):
    """The walkers' chain state, inside the window: that of a pairwise engine, whose
    flip_state() the walk's kernels work on."""
    state_seed, walk_seed = seed_sequence.spawn(2)
    walkers = Metropolis(checkerboard=False, lanes=False, multispin=False).engine(
        hamiltonian, initial_states_or_random(hamiltonian, None, n_walkers, state_seed), np.zeros(n_walkers), walk_seed)
    flips = walkers.flip_state()
    energy, bins = flips.energy, grid.bins(flips.energy)
    off_grid = np.abs(bins - np.rint(bins)).max()
    if off_grid > 1e-6:
        raise ValueError(f"energies are not multiples of resolution = {grid.resolution} (off by {off_grid:.3g} "
                         f"* resolution); pass the spacing of the energy levels")
    outside = grid.outside(energy)
    if np.any(outside) and grid.reference is None:
        raise ValueError(f"energy_range = {grid.energy_range} excludes the walkers' random starting energies "
                         f"{np.sort(energy)}, so normalising to sum g = 2**n would be wrong: widen it to include "
                         f"the infinite-temperature bulk, or pass normalization=(E_ref, count)")
    if np.any(outside):
        entered = enter(flips.states, flips.local, energy, 1000 * hamiltonian.n, grid.energy_min, grid.resolution,
                        grid.window, *flips.couplings, flips.dense, hamiltonian.low, flips.rng)
        if not entered.all():
            raise ValueError(f"walkers could not descend into energy_range = {grid.energy_range} from random "
                             f"states in 1000 sweeps (stuck at energies {energy[~entered]})")
    return walkers


class _Walk(Loop):
    """The walkers' ln g, histograms and ln f. A step is ``check_every`` moves of every
    walker and a flatness check (:func:`refine`); Ctrl-C is acted on between steps. The
    walk ends when every ln f is below ``log_f_final``, or, ``exhausted``, after
    ``max_sweeps`` sweeps per walker."""

    def __init__(self, walkers, grid, n, flatness, log_f_final, check_every, max_sweeps):
        self.walkers, self.flips, self.grid, self.n = walkers, walkers.flip_state(), grid, n
        self.flatness, self.log_f_final = flatness, log_f_final
        self.check_every, self.max_sweeps = check_every, max_sweeps
        n_walkers = len(self.flips.energy)
        self.log_g = np.zeros((n_walkers, grid.n_bins))
        self.hist = np.zeros((n_walkers, grid.n_bins), np.int64)
        self.visited = np.zeros((n_walkers, grid.n_bins), bool)
        self.log_f = np.ones(n_walkers)
        self.one_over_t = np.zeros(n_walkers, bool)
        self.moves = 0              # per walker
        self.history = []
        self.exhausted = False

    @property
    def position(self):
        return self.moves // self.check_every

    @property
    def work(self):
        return np.log(1 / max(self.log_f.max(), self.log_f_final))

    def steps(self):
        while np.any(self.log_f > self.log_f_final):
            if self.moves / self.n >= self.max_sweeps:
                self.exhausted = True
                return
            yield self.moves

    def advance(self, step):
        flips, grid = self.flips, self.grid
        with self.walkers.threads(self.check_every / self.n):
            walk(flips.states, flips.local, flips.energy, self.check_every, self.log_g, self.hist, self.log_f,
                 grid.energy_min, grid.resolution, grid.window, *flips.couplings, flips.dense, self.walkers.low,
                 flips.rng)
        self.moves += self.check_every
        self.visited |= self.hist > 0
        refine(self.log_f, self.log_f_final, self.hist, self.visited, self.one_over_t, self.moves, self.flatness,
               self.history, self.moves / self.n)

    def arrays(self):
        return {"log_g": self.log_g, "hist": self.hist, "visited": self.visited, "log_f": self.log_f,
                "one_over_t": self.one_over_t}

    def fields(self, position):
        return {**prefixed("engine", self.walkers.snapshot_fields()),
                "log_g": Field.like(self.log_g, finite), "hist": Field.like(self.hist, at_least(0)),
                "visited": Field.like(self.visited), "log_f": Field.like(self.log_f, at_least(0.0)),
                "one_over_t": Field.like(self.one_over_t), "history": Field(np.float64, (None, 2), finite)}

    def restore(self, saved, run):
        restore_engine(run, self.walkers, saved, 0.0)
        if np.any(self.grid.outside(self.flips.energy)):
            raise run.damaged("engine_states", "puts a walker outside the energy window of the walk")
        if np.any((saved["hist"] > 0) & ~saved["visited"]):
            raise run.damaged("visited", "misses energies the histogram has visited")
        for name, array in self.arrays().items():
            array[...] = saved[name]
        self.moves = run.resumed_step * self.check_every
        self.history = [tuple(row) for row in saved["history"]]

    def snapshot(self):
        return dict(prefixed("engine", self.walkers.snapshot()), **self.arrays(),
                    history=np.array(self.history).reshape(-1, 2))


def _estimate(walk, grid, run, checkpoint, max_sweeps):
    """The normalised density of states over the energies every walker visited: each
    walker's ln g normalised (to sum g = 2**n, or to the reference count), their mean the
    estimate; an error when the reference energy was never visited."""
    reachable = walk.visited.all(axis=0)
    normalised = walk.log_g[:, reachable]
    if grid.reference is None:
        top = normalised.max(axis=1, keepdims=True)
        normalised = normalised - (top + np.log(np.exp(normalised - top).sum(axis=1, keepdims=True))) \
            + walk.n * np.log(2.0)
    elif not reachable[grid.reference[0]]:
        # Nothing to normalise to: say so rather than return NaN.
        message = (f"the normalization energy {grid.energy_min + grid.resolution * grid.reference[0]} was not "
                   f"visited by every walker")
        if run.interrupted:
            raise KeyboardInterrupt(message + " before Ctrl-C, so there is no estimate yet"
                                    + ("" if checkpoint is None else f"; {checkpoint!r} keeps the walk"))
        if walk.exhausted:
            raise ConvergenceError(message + f" in max_sweeps = {max_sweeps} sweeps per walker", None)
        raise ValueError(message + "; it must be an energy the model has")
    else:
        normalised = normalised - walk.log_g[:, [grid.reference[0]]] + grid.reference[1]
    return DensityOfStates(energies=grid.energy_min + grid.resolution * np.flatnonzero(reachable),
                           log_g=normalised.mean(axis=0), counts=None, n=walk.n, chain_log_g=normalised,
                           flatness_history=np.array(walk.history).reshape(-1, 2), energy_range=grid.bounds(),
                           seed=run.seed, elapsed=run.elapsed, converged=not np.any(walk.log_f > walk.log_f_final),
                           interrupted=run.interrupted)


def refine(log_f: np.ndarray, log_f_final: float, hist: np.ndarray, visited: np.ndarray, one_over_t: np.ndarray,
           steps: int, flatness: float, history: list, sweeps: float) -> None:
    """Halve ln f of each walker whose histogram is flat; follow 1/t once ln f < 1/t."""
    for w in range(log_f.size):
        if log_f[w] <= log_f_final:
            continue
        # Belardinelli & Pereyra's time: moves per energy level.
        time_per_level = steps / visited[w].sum()
        if one_over_t[w]:
            log_f[w] = 1.0 / time_per_level
            continue
        counts = hist[w][visited[w]]
        if counts.min() >= flatness * counts.mean():
            log_f[w] /= 2
            hist[w] = 0
            history.append((log_f[w], sweeps))
            if log_f[w] < 1.0 / time_per_level:
                one_over_t[w] = True
                log_f[w] = 1.0 / time_per_level


@njit
def flip_proposal(bits: Any, state: Any, field: np.ndarray, flip: float,
                  inverse: float) -> tuple[int, float, float, int]:
    """A single-variable flip drawn from the high 32 bits of ``bits`` (multiply-shift):
    (variable i, its change delta, the energy change, that change in energy bins)."""
    i = int(((bits >> np.uint64(32)) * np.uint64(state.size)) >> np.uint64(32))
    delta = flip - 2.0 * state[i]           # new value = flip - old, flip = 1 + low
    de = -delta * field[i]
    return i, delta, de, int(np.rint(de * inverse))


@njit(parallel=True)
def walk(states: np.ndarray, local: np.ndarray, energy: np.ndarray, n_steps: int, log_g: np.ndarray, hist: np.ndarray,
         log_f: np.ndarray, energy_min: float, resolution: float, window: Any, couplings: np.ndarray,
         indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dense: bool, low: float, rng: Any) -> None:
    """n_steps single-variable Wang-Landau moves per walker (one walker per row).

    A uniformly random variable is proposed (random, not sweep order: with a flat g
    every move is accepted and a fixed order would cycle deterministically); one 64-bit
    draw gives the variable (high 32 bits, multiply-shift) and a uniform u in (0, 1]
    (low 32 bits). A flip from energy bin a to bin b is accepted with min(1, g(a) / g(b))
    if b lies in the closed bin range ``window`` = (first, last), and rejected otherwise;
    tested as ln u <= ln g(a) - ln g(b): ln u depends on the random stream alone, so it
    is computed off the chain of dependent loads, and the update is branch-free (a
    rejected move adds zero). A bin the walker has never visited (ln g still exactly 0)
    starts at the ln g of the bin it is entered from, so a late-found bin cannot trap the
    walker while small increments fill it. After every move the current bin's ln g rises
    by log_f[w] and its histogram count by one. The stream's four words are held in
    registers for the call (walkers' rows of ``rng`` share cache lines).
    """
    inverse = 1.0 / resolution
    flip = 1.0 + low                # new value = flip - old, for spins and bits alike
    for w in prange(states.shape[0]):
        state, field, g, h = states[w], local[w], log_g[w], hist[w]
        e = energy[w]
        current = int(np.rint((e - energy_min) * inverse))
        add = log_f[w]
        first, last = window
        s0, s1, s2, s3 = rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3]
        for _ in range(n_steps):
            bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
            i, delta, de, shift = flip_proposal(bits, state, field, flip, inverse)
            log_u = np.log(uniform_32_nonzero(bits))
            target = current + shift
            inside = (target >= first) & (target <= last)
            if g[target] == 0.0 and inside:
                g[target] = g[current]
            accept = (g[current] - g[target] >= log_u) & inside
            amount = delta if accept else 0.0
            state[i] += amount
            e += de if accept else 0.0
            current = target if accept else current
            if not dense:   # a sparse row update costs less than a mispredicted branch
                add_coupling_row(field, i, amount, couplings, indptr, indices, data, False)
            elif accept:
                add_coupling_row(field, i, amount, couplings, indptr, indices, data, True)
            g[current] += add
            h[current] += 1
        rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3] = s0, s1, s2, s3
        energy[w] = e


@njit(parallel=True)
def enter(states: np.ndarray, local: np.ndarray, energy: np.ndarray, max_steps: int, energy_min: float,
          resolution: float, window: Any, couplings: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
          data: np.ndarray, dense: bool, low: float, rng: Any) -> np.ndarray:
    """Bring walkers into the energy bins ``window`` = (first, last) by descent.

    Random single-variable moves (drawn as in ``wang_landau_walk``) are accepted when they
    do not increase the distance, in bins, from the walker's energy to the window; a walker
    stops as soon as it is inside. Returns whether each walker got inside in ``max_steps``.
    """
    inverse = 1.0 / resolution
    flip = 1.0 + low
    first, last = window
    inside = np.zeros(states.shape[0], np.bool_)
    for w in prange(states.shape[0]):
        state, field = states[w], local[w]
        e = energy[w]
        current = int(np.rint((e - energy_min) * inverse))
        distance = max(first - current, current - last, 0)
        s0, s1, s2, s3 = rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3]
        for _ in range(max_steps):
            if distance == 0:
                break
            bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
            i, delta, de, shift = flip_proposal(bits, state, field, flip, inverse)
            target = current + shift
            new_distance = max(first - target, target - last, 0)
            if new_distance <= distance:
                state[i] += delta
                e += de
                current, distance = target, new_distance
                add_coupling_row(field, i, delta, couplings, indptr, indices, data, dense)
        rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3] = s0, s1, s2, s3
        energy[w] = e
        inside[w] = distance == 0
    return inside
