"""Drivers: sampling at fixed beta and simulated annealing, and what every Monte Carlo
driver shares (the sampler check, initial states, starting an engine after a memory check,
restoring one from a checkpoint).

The loop runs in Python (progress bar, Ctrl-C, checkpoints); each block of sweeps is one
jitted call on explicit chain state. Random streams are spawned from one SeedSequence:
chain c always gets the same stream, whatever the number of threads.
"""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np

from ..estimators import equilibration
from ..hamiltonian import BipartiteHamiltonian, Hamiltonian, content_digest, has_structure, validate_hamiltonian
from ..runloop import Field, Loop, Run, at_least, between, finite, prefixed, unprefixed
from ..schedules import as_schedule
from ..validation import as_int, as_scalar_beta, as_states, check_memory
from . import engines
from .records import AnnealResult, SampleResult
from .samplers import BlockGibbs, HeatBath, Metropolis, MultiSpin, SwendsenWang, Wolff

if TYPE_CHECKING:
    from collections.abc import Sequence

    from statmech.mc.engines import Engine
    from statmech.schedules import Schedule
    from statmech.typing import ArrayLike, PathLike, Seed

__all__ = ["sample", "anneal", "anneal_batch", "unpack_states", "resolve_sampler", "model_states", "initial_states_or_random",
           "start_engine", "restore_engine", "require_multiple"]

_SAMPLERS = (Metropolis, HeatBath, MultiSpin, Wolff, SwendsenWang, BlockGibbs)


_CHUNKS = 100      # progress / interrupt granularity: at least 1% of a run per jitted call, ...
_MIN_CHUNKS = 10      # ... and at most 10%, ...
_CALL_SECONDS = 0.1   # ... as near 0.1 s as that allows, for threads to pay (statmech.jit.threads_for)


def resolve_sampler(hamiltonian: Hamiltonian, sampler: Any, default: Any = HeatBath()) -> Any:
    """Validate the model and the sampler; ``default`` replaces None.

    Sampling drivers default to heat bath, which mixes at every beta, beta = 0 included
    (Metropolis accepts nearly every move near beta = 0 and its sweep is then close to
    deterministic); annealing defaults to Metropolis, which reaches lower energies.
    A bipartite model with continuous or mixed unit types is sampled by BlockGibbs, its
    default, and only by it (single-variable moves need two-state variables of one kind).
    """
    validate_hamiltonian(hamiltonian, unit_types=True)
    unit_types = has_structure(hamiltonian, BipartiteHamiltonian) and hamiltonian.domain is None
    if sampler is None:
        return BlockGibbs() if unit_types else default
    if not isinstance(sampler, _SAMPLERS):
        raise TypeError(f"sampler must be one of {', '.join(s.__name__ for s in _SAMPLERS)} "
                        f"(an instance, e.g. Metropolis()); got {sampler!r}")
    if unit_types and not isinstance(sampler, BlockGibbs):
        raise ValueError(f"sampler must be BlockGibbs() for {hamiltonian!r}: single-variable moves need "
                         f"two-state units of one kind; got {sampler!r}")
    return sampler


def model_states(hamiltonian: Hamiltonian, states: ArrayLike, name: str = "initial_states") -> np.ndarray:
    """States of the model validated: int8 in its domain, or float64 layer by layer for a
    bipartite model with continuous or mixed unit types."""
    if has_structure(hamiltonian, BipartiteHamiltonian) and hamiltonian.domain is None:
        return hamiltonian.check_states(states, name)
    return as_states(states, hamiltonian.n, hamiltonian.domain, name)


def initial_states_or_random(hamiltonian: Hamiltonian, initial_states: ArrayLike | None, n_chains: int,
                             seed_sequence: np.random.SeedSequence, name: str = "initial_states") -> np.ndarray:
    if initial_states is None:
        return hamiltonian.random_states(n_chains, seed=np.random.default_rng(seed_sequence))
    states = model_states(hamiltonian, initial_states, name)
    if states.shape != (n_chains, hamiltonian.n):
        raise ValueError(f"{name} must have shape ({n_chains}, {hamiltonian.n}); got {states.shape}")
    return states.copy()


def chains_and_plan(n_chains: int | None, default: int, plan_for: Any, lanes_per_chain: int = 1) -> tuple[int, Any]:
    """(n_chains, the engine plan for them): ``n_chains`` as given, or for None the
    driver's ``default`` raised to fill every lane of the words a packed engine runs
    (64 chains a word for the multi-spin engine: no lane idle, at no extra cost).
    ``plan_for(k)`` plans k chains, each taking ``lanes_per_chain`` lanes (a tempering
    ladder takes one per beta)."""
    if n_chains is not None:
        n_chains = as_int(n_chains, "n_chains", minimum=1)
        return n_chains, plan_for(n_chains)
    plan = plan_for(default)
    per_word = plan.engine.chains_per_word
    lanes = default * lanes_per_chain
    full = max(default, -(-lanes // per_word) * per_word // lanes_per_chain)
    return (default, plan) if full == default else (full, plan_for(full))


def start_engine(plan: Any, hamiltonian: Hamiltonian, initial_states: ArrayLike | None, n_chains: int, betas: ArrayLike,
                 state_seed: np.random.SeedSequence, chain_seed, *, other_bytes: int = 0,
                 unpacked_states: bool = True) -> Engine:
    """``plan``'s engine for ``n_chains`` chains at ``betas``, from ``initial_states`` (None:
    random, drawn packed for a multi-spin engine, so that the int8 states of every chain
    never exist at once), after checking that the run fits in memory: the engine's chains,
    the int8 states at its start or end (``unpacked_states``: the final states are
    unpacked) and ``other_bytes`` (traces)."""
    packed_start = plan.name == "multispin" and initial_states is None
    per_variable = plan.engine.bytes_per_variable + (0 if packed_start and not unpacked_states else 1)
    check_memory(n_chains * hamiltonian.n * per_variable + other_bytes,
                 f"{n_chains} chains of {hamiltonian!r} on the {plan.name} engine",
                 "Run fewer chains at a time" + ("" if plan.name == "multispin" else
                                                 ", or a sampler whose engine packs them (MultiSpin)"))
    if packed_start:
        states = engines.random_packed(hamiltonian.random_states, n_chains, hamiltonian.n, state_seed)
    else:
        states = initial_states_or_random(hamiltonian, initial_states, n_chains, state_seed)
    return plan.build(hamiltonian, states, betas, chain_seed)


def restore_engine(run: Any, engine: Any, saved: dict, betas: ArrayLike, max_accepted: int | None = None) -> None:
    """Continue ``engine`` from the checked arrays ``saved`` (``engine_*``, see
    ``Run.restored``) after checking what they must satisfy together: the betas of the
    run, no more accepted moves than ``max_accepted`` attempts, energies (and local
    fields) of the states; else ``run.damaged`` naming the array."""
    engine.restore(unprefixed("engine", saved))
    lanes = "lane_betas" in engine.arrays
    if not np.array_equal(engine.betas, np.broadcast_to(betas, engine.betas.shape)):
        raise run.damaged("engine_lane_betas" if lanes else "engine_betas",
                          "are not the betas the run was at when it saved")
    if max_accepted is not None and engine.accepted.max(initial=0) > max_accepted:
        raise run.damaged("engine_lane_accepted" if lanes else "engine_accepted",
                          f"counts {engine.accepted.max()} accepted moves, more than the {max_accepted} attempted")
    problem = engine.check_state()
    if problem is not None:
        raise run.damaged(f"engine_{problem[0]}", problem[1])


def batch_models(hamiltonians: Sequence[Hamiltonian], sampler: Any, default: Any,
                 single: str) -> tuple[list[Hamiltonian], Any]:
    """The models of a batch driver (a non-empty sequence, each validated) and its sampler:
    ``default`` for None, MultiSpin with the rule of a Metropolis or HeatBath given (the
    batch runs packed), or a MultiSpin as given. ``single`` names the one-model driver."""
    if isinstance(hamiltonians, Hamiltonian) or not hasattr(hamiltonians, "__len__"):
        raise TypeError(f"hamiltonians must be a sequence of Hamiltonians (one model: {single}); "
                        f"got {type(hamiltonians).__name__}")
    hamiltonians = list(hamiltonians)
    if not hamiltonians:
        raise ValueError("hamiltonians must hold at least one model; got an empty sequence")
    for k, hamiltonian in enumerate(hamiltonians):
        validate_hamiltonian(hamiltonian, name=f"hamiltonians[{k}]")
    if sampler is None:
        sampler = default
    elif isinstance(sampler, Metropolis):       # HeatBath too: the same rule, packed
        if sampler.multispin is False or sampler.checkerboard or sampler.lanes or sampler.precision != "float64":
            raise ValueError(f"{single}_batch runs its models packed (MultiSpin); got {sampler!r}")
        sampler = MultiSpin(sampler.acceptance)
    elif not isinstance(sampler, MultiSpin):
        raise TypeError(f"sampler must be MultiSpin(), HeatBath() or Metropolis(); got {sampler!r}")
    return hamiltonians, sampler


def require_multiple(n_sweeps: int, step: Any, name: str, why: str) -> None:
    """Found: parallel_tempering(swap_every=7, n_sweeps=20) silently ran 14 sweeps."""
    if n_sweeps % step:
        lower, upper = n_sweeps // step * step, -(-n_sweeps // step) * step
        raise ValueError(f"n_sweeps must be a multiple of {name} = {step} ({why}); got {n_sweeps}: pass "
                         + (f"{lower} or {upper}" if lower else f"{upper}"))


def _chunks(total, unit_seconds=0.0):
    """Split ``total`` units of work into calls of 1% to 10% of them each, as near
    _CALL_SECONDS as that allows by the engine's rough one-thread estimate ``unit_seconds``
    per unit (a fixed figure, never a clock, so that the calls a run makes do not depend
    on the machine): at least ten calls for Ctrl-C and progress, long enough for threads."""
    long_enough = int(_CALL_SECONDS / unit_seconds) if unit_seconds > 0 else 1
    size = max(1, -(-total // _CHUNKS), min(long_enough, -(-total // _MIN_CHUNKS)))
    start = 0
    while start < total:
        yield start, min(size, total - start)
        start += size


def sample(hamiltonian: Hamiltonian, beta: float, *, sampler: Any = None, n_sweeps: int = 1000,
           n_chains: int | None = None,
           burn_in: int | str = 0, thin: int = 1, seed: Seed | None = None, progress: bool | None = None,
           initial_states: ArrayLike | None = None, checkpoint: PathLike | None = None, checkpoint_every: int = 10,
           packed_states: Any = False) -> SampleResult:
    """Markov-chain samples of the canonical ensemble at inverse temperature ``beta``.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    beta : float
        Finite and >= 0.
    sampler : Metropolis, HeatBath, Wolff, SwendsenWang or BlockGibbs, default HeatBath()
        (BlockGibbs, the only one, for bipartite models with continuous or mixed units)
    n_sweeps : int
        Recorded sweeps per chain (after burn-in); a trace entry every ``thin`` sweeps.
    n_chains : int or None
        Independent chains, run in parallel. None: as many as ``initial_states`` has, else
        four, as in most MCMC tools (enough to compare chains, their spread and R-hat, at
        little cost), or 64 where the multi-spin engine runs (``result.engine``): it sweeps
        a whole word of 64 chains at the cost of one, so none of its lanes is left idle.
    burn_in : int or "auto"
        Sweeps discarded first. "auto": the run makes ``n_sweeps`` sweeps, recording all,
        and then drops the draws before equilibrium, found in the chains' mean energy by
        :func:`statmech.estimators.equilibration` (the start that minimises the standard
        error of the mean of what is kept); the record's ``burn_in``
        and ``n_sweeps`` say how many sweeps were dropped and kept (its acceptance rates
        count every sweep).
    thin : int
        Sweeps between recorded entries; n_steps = n_sweeps // thin.
    seed : int, SeedSequence, Generator or None
    progress : bool or None
        Progress bar (None: only on a terminal).
    initial_states : array_like of shape (n_chains, n), optional
        Default: uniformly random states.
    checkpoint : path or None
        If given, the run saves its state there every ``checkpoint_every`` chunks (a run
        is cut into 10 to 100 chunks), on Ctrl-C and at the end; if the file exists, the
        run resumes from it (same arguments and model; ``n_sweeps`` may grow) and ends
        bit-identical to an uninterrupted run.
    checkpoint_every : int, default 10
    packed_states : bool, default False
        Keep the final states packed 64 chains per word (``packed_states`` of the record,
        ``states`` None) rather than unpacked, one int8 per chain and variable: for runs of
        the multi-spin engine whose chains would not fit in memory unpacked
        (:func:`statmech.mc.unpack_states` unpacks some or all). Only for that engine.

    Returns
    -------
    SampleResult
        Traces of shape (n_chains, n_steps), final states, acceptance rates, the seed,
        the engine that ran and all parameters. Ctrl-C stops at the end of the chunk in
        progress and returns what was done, with ``interrupted=True``; the final states
        are those after the last recorded step.

    Notes
    -----
    Memory is estimated before anything is allocated (the engine's chain state, the
    int8 states at the start or end, the traces): a run that needs more than the machine
    has is refused with a MemoryError, one that needs more than is available now warns
    (:class:`~statmech.errors.MemoryWarning`).

    Examples
    --------
    Heat-bath chains on a 4 x 4 Ising torus agree with exact enumeration within their error bar:

    >>> import statmech
    >>> from statmech.models import Ising
    >>> H = Ising.square(4)
    >>> run = statmech.sample(H, 0.4, n_sweeps=4000, n_chains=4, burn_in=200, seed=0, progress=False)
    >>> run.energy.shape                                   # (n_chains, n_draws)
    (4, 4000)
    >>> error = statmech.estimators.blocking_error(run.energy)
    >>> bool(abs(run.energy.mean() - statmech.exact(H, 0.4).energy) < 4 * error)
    True
    """
    sampler = resolve_sampler(hamiltonian, sampler)
    beta = as_scalar_beta(beta, hint=" (parallel_tempering takes several betas)")
    n_sweeps = as_int(n_sweeps, "n_sweeps", minimum=1)
    detect = isinstance(burn_in, str) and burn_in == "auto"
    if isinstance(burn_in, str) and not detect:
        raise ValueError(f'burn_in must be an integer >= 0 or "auto"; got {burn_in!r}')
    burn_in = 0 if detect else as_int(burn_in, "burn_in", minimum=0)
    thin = as_int(thin, "thin", minimum=1)
    require_multiple(n_sweeps, thin, "thin", "a trace entry every thin sweeps")
    n_steps = n_sweeps // thin
    if initial_states is not None:
        initial_states = model_states(hamiltonian, initial_states)
        n_chains = len(initial_states) if n_chains is None else n_chains
    n_chains, plan = chains_and_plan(n_chains, 4, lambda k: sampler.plan(hamiltonian, k))
    run = Run("sample", seed, progress, burn_in + n_steps * thin, "sampling", checkpoint, checkpoint_every,
              {"n": hamiltonian.n, "beta": beta, "n_chains": n_chains, "burn_in": "auto" if detect else burn_in,
               "thin": thin,
               "sampler": repr(sampler), "model": None if checkpoint is None else hamiltonian.content_hash(),
               "initial_states": None if checkpoint is None or initial_states is None
               else content_digest(initial_states)})
    state_seed, chain_seed = run.seed_sequence.spawn(2)
    if packed_states and plan.name != "multispin":
        raise ValueError(f"packed_states=True keeps the multi-spin engine's words; {sampler!r} runs "
                         f"{hamiltonian!r} on the {plan.name} engine")
    engine = start_engine(plan, hamiltonian, initial_states, n_chains, np.full(n_chains, beta), state_seed, chain_seed,
                          other_bytes=16 * n_chains * n_steps, unpacked_states=not packed_states)
    chains = run.execute(_Sampling(engine, hamiltonian.n, beta, burn_in, thin, n_steps))
    attempts = chains.counted * engine.attempts_per_sweep
    acceptance = engine.accepted / attempts if attempts else np.full(n_chains, np.nan)
    done = chains.done
    first = equilibration(chains.energy[:, :done]).start if detect else 0
    burn_in += first * thin
    packed = engine.spins.copy() if packed_states else None  # type: ignore[attr-defined]  # the multi-spin engine's
    return SampleResult(energy=chains.energy[:, first:done].copy(),
                        magnetization=chains.magnetization[:, first:done].copy(),
                        states=None if packed_states else engine.get_states(), acceptance=acceptance, beta=beta,
                        sampler=repr(sampler), model=repr(hamiltonian), n=hamiltonian.n, n_sweeps=(done - first) * thin,
                        burn_in=burn_in, thin=thin, seed=run.seed, elapsed=run.elapsed, interrupted=run.interrupted,
                        engine=plan.name, packed_states=packed)


class _Sampling(Loop):
    """sample's chains: burn-in in chunks, then recorded steps of ``thin`` sweeps in chunks
    (a chunk is one jitted call: 1% to 10% of the run, as near 0.1 s as that allows); Ctrl-C is acted on between chunks,
    so states, traces and counts agree. ``burnt``, ``done`` and ``counted`` are the
    burn-in sweeps, the recorded steps and the sweeps behind ``engine.accepted``."""

    def __init__(self, engine, n, beta, burn_in, thin, n_steps):
        self.engine, self.n, self.beta, self.burn_in, self.thin, self.n_steps = engine, n, beta, burn_in, thin, n_steps
        n_chains = len(engine.energy)
        self.energy = np.empty((n_chains, n_steps))
        self.magnetization = np.empty((n_chains, n_steps))
        self.burnt, self.done, self.counted = 0, 0, 0
        self.scratch = np.empty((n_chains, 1))

    @property
    def position(self):
        return self.burnt + self.done

    @property
    def work(self):
        return self.burnt + self.done * self.thin

    def steps(self):
        sweep = self.engine.sweep_seconds()
        for begin, size in _chunks(self.burn_in, sweep):
            if begin + size > self.burnt:
                yield False, size
        for _, size in _chunks(self.n_steps - self.done, sweep * self.thin):
            yield True, size

    def advance(self, step):
        recorded, size = step
        if recorded:
            self.engine.run(size, self.thin, self.energy, self.magnetization, self.done)
            self.done += size
            self.counted += size * self.thin
            return
        self.engine.run(1, size, self.scratch, self.scratch.copy(), 0)
        self.burnt += size
        self.counted += size
        self._start_recording()

    def _start_recording(self):
        """Acceptance counts the recorded sweeps only: its count restarts after burn-in."""
        if self.burnt == self.burn_in and self.done == 0 and self.counted == self.burn_in:
            self.engine.accepted[:] = 0
            self.counted = 0

    def fields(self, position):
        n_chains = len(self.energy)
        return {**prefixed("engine", self.engine.snapshot_fields()),
                "energy": Field(np.float64, (n_chains, None), finite),
                "magnetization": Field(np.float64, (n_chains, None), between(-self.n, self.n)),
                "progress": Field(np.int64, (3,), at_least(0))}

    def restore(self, saved, run):
        burnt, done, counted = (int(x) for x in saved["progress"])
        during_burn_in = done == 0 and counted in (burnt, 0 if burnt == self.burn_in else burnt)
        counts_agree = during_burn_in or counted == done * self.thin
        if burnt > self.burn_in or (done and burnt != self.burn_in) or not counts_agree \
                or run.resumed_step != burnt + done:
            raise run.damaged("progress", f"[{burnt}, {done}, {counted}] is not a point of this run "
                                          f"(burn_in {self.burn_in}, thin {self.thin}, step {run.resumed_step})")
        for name in ("energy", "magnetization"):
            if saved[name].shape[1] != done:
                raise run.damaged(name, f"holds {saved[name].shape[1]} steps; progress says {done}")
        if done > self.n_steps:
            raise ValueError(f"checkpoint {run.store.path!r} already holds {done} steps; n_sweeps asks for "
                             f"{self.n_steps}")
        restore_engine(run, self.engine, saved, self.beta, counted * self.engine.attempts_per_sweep)
        self.energy[:, :done], self.magnetization[:, :done] = saved["energy"], saved["magnetization"]
        self.burnt, self.done, self.counted = burnt, done, counted
        self._start_recording()

    def snapshot(self):
        return dict(prefixed("engine", self.engine.snapshot()), energy=self.energy[:, :self.done],
                    magnetization=self.magnetization[:, :self.done],
                    progress=np.array([self.burnt, self.done, self.counted]))


def unpack_states(packed_states: Any, n_chains: int) -> np.ndarray:
    """Spin states packed 64 chains per word, unpacked.

    Parameters
    ----------
    packed_states : ndarray of shape (n_words, n), uint64
        Chain c is bit c % 64 of word c // 64 (``SampleResult.packed_states``).
    n_chains : int
        The first ``n_chains`` chains (at most 64 n_words).

    Returns
    -------
    ndarray of shape (n_chains, n), int8 of +-1
    """
    words = np.asarray(packed_states)
    if words.dtype != np.uint64 or words.ndim != 2:
        raise TypeError(f"packed_states must be a 2-d uint64 array (SampleResult.packed_states); got {words.dtype} "
                        f"of shape {words.shape}")
    n_chains = as_int(n_chains, "n_chains", minimum=0)
    if n_chains > 64 * words.shape[0]:
        raise ValueError(f"n_chains must be <= 64 * {words.shape[0]} words = {64 * words.shape[0]}; got {n_chains}")
    return engines.unpack(np.ascontiguousarray(words), n_chains)


def anneal(hamiltonian: Hamiltonian, schedule: Schedule | ArrayLike, *, n_sweeps: int = 1, n_chains: int | None = None,
           sampler: Any = None, seed: Seed | None = None, progress: bool | None = None,
           initial_states: ArrayLike | None = None) -> AnnealResult:
    """Simulated annealing: each read sweeps through ``schedule`` from its first beta to its last.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    schedule : Schedule or array_like of shape (k,)
        Non-decreasing betas (e.g. ``schedules.geometric(0.1, 5.0, 1000)``).
    n_sweeps : int, default 1
        Sweeps at each beta of the schedule (total sweeps = n_sweeps * len(schedule)).
    n_chains : int or None
        Independent reads (annealing runs), in parallel. None: as many as
        ``initial_states`` has, else 16, more than ``sample``'s 4 (annealing is judged by
        its best read, and the best of 16 is a useful answer where the best of 4 often is
        not), or 64 where the multi-spin engine runs (``result.engine``): one full word of
        64 reads costs what 16 would.
    sampler : Metropolis (default), HeatBath, Wolff, SwendsenWang or BlockGibbs
        (BlockGibbs for continuous or mixed unit types). Metropolis reaches lower energies
        than heat bath at the same schedule.
    seed : int, SeedSequence, Generator or None
    progress : bool or None
    initial_states : array_like of shape (n_chains, n), optional

    Returns
    -------
    AnnealResult
        Best state and energy per read, final states and energies, energy after each beta.

    References
    ----------
    S. Kirkpatrick, C. D. Gelatt and M. P. Vecchi, Science 220, 671 (1983).

    Examples
    --------
    Annealing a small SK instance finds its ground state (exact enumeration checks it):

    >>> import numpy as np, statmech
    >>> from statmech import schedules
    >>> from statmech.models import SherringtonKirkpatrick
    >>> H = SherringtonKirkpatrick(12, seed=3)
    >>> result = statmech.anneal(H, schedules.geometric(0.1, 5.0, 300), n_chains=8, seed=0, progress=False)
    >>> from statmech.exact import all_states
    >>> ground = H.energy(all_states(12, "spin")).min()
    >>> bool(np.isclose(result.best_energy.min(), ground))
    True
    """
    sampler = resolve_sampler(hamiltonian, sampler, default=Metropolis())
    schedule = as_schedule(schedule).require_increasing()
    n_sweeps = as_int(n_sweeps, "n_sweeps", minimum=1)
    if n_chains is None and initial_states is not None:
        n_chains = len(model_states(hamiltonian, initial_states))
    n_chains, plan = chains_and_plan(n_chains, 16, lambda k: sampler.plan(hamiltonian, k))
    run = Run("anneal", seed, progress, len(schedule), "annealing")
    state_seed, chain_seed = run.seed_sequence.spawn(2)
    engine = start_engine(plan, hamiltonian, initial_states, n_chains, np.full(n_chains, schedule[0]), state_seed,
                          chain_seed, other_bytes=8 * n_chains * (len(schedule) + hamiltonian.n))   # trace, best states
    reads = run.execute(_Annealing(engine, schedule.betas, n_sweeps))
    engine.exact_energies(reads.best_energy, reads.best_states)
    done = reads.position
    return AnnealResult(best_states=reads.best_states.astype(engine.get_states().dtype), best_energy=reads.best_energy,
                        final_states=engine.get_states(), final_energy=engine.energy.copy(),
                        energy=reads.trace[:, :done].copy(), betas=schedule.betas[:done].copy(),
                        n_sweeps=n_sweeps, sampler=repr(sampler), model=repr(hamiltonian),
                        seed=run.seed, elapsed=run.elapsed, interrupted=run.interrupted, engine=plan.name)


def anneal_batch(hamiltonians: Sequence[Hamiltonian], schedule: Schedule | ArrayLike, *, n_sweeps: int = 1,
                 n_chains: int | None = None, sampler: Any = None, seed: Seed | None = None,
                 progress: bool | None = None) -> list[AnnealResult]:
    """Simulated annealing of several models on one lattice at once, their reads sharing
    the bits of machine words: many disorder instances per word (multi-spin coding).

    Each model gets what :func:`anneal` would give it, ``n_chains`` reads of ``schedule``
    and its own record with the best state and energy of each read; the models must be
    ones :class:`MultiSpin` runs and packs alike (as for
    :func:`parallel_tempering_batch`: +-J Edwards-Anderson instances of one size, say).
    Model k's reads are chains k m .. (k + 1) m - 1, m = ``n_chains``, so 4 instances of 16
    reads fill a word, and 256 instances are annealed in 64 words, four words per SIMD
    sweep.

    Parameters
    ----------
    hamiltonians : sequence of PairwiseHamiltonian
    schedule, n_sweeps, progress
        As in :func:`anneal`.
    n_chains : int or None
        Reads per model. None: 16 as in :func:`anneal`, raised so that the batch fills
        whole words.
    sampler : MultiSpin, Metropolis or HeatBath, optional
        The acceptance rule of the packed sweeps; Metropolis by default (as in
        :func:`anneal`).
    seed : int, SeedSequence, Generator or None
        One seed for the batch; every record carries it, and it reproduces the batch (the
        same models in the same order) bit for bit.

    Returns
    -------
    list of AnnealResult
        One per model, in order.

    Examples
    --------
    Eight 2D +-J glasses annealed together, each record with its best reads:

    >>> import statmech
    >>> from statmech import schedules
    >>> from statmech.models import EdwardsAnderson
    >>> glasses = [EdwardsAnderson.square(6, couplings="pm1", seed=i) for i in range(8)]
    >>> runs = statmech.anneal_batch(glasses, schedules.geometric(0.1, 3.0, 200), n_chains=8, seed=0,
    ...                              progress=False)
    >>> len(runs), runs[0].best_states.shape, runs[0].engine
    (8, (8, 36), 'multispin')
    >>> bool(all((g.energy(r.best_states) == r.best_energy).all() for g, r in zip(glasses, runs)))
    True
    """
    hamiltonians, sampler = batch_models(hamiltonians, sampler, MultiSpin("metropolis"), "anneal")
    schedule = as_schedule(schedule).require_increasing()
    n_sweeps = as_int(n_sweeps, "n_sweeps", minimum=1)
    n_models, hamiltonian = len(hamiltonians), hamiltonians[0]
    n_chains, plan = chains_and_plan(n_chains, 16, lambda k: engines.select_batch(sampler, hamiltonians, n_models * k),
                                     n_models)
    n_total = n_models * n_chains
    run = Run("anneal_batch", seed, progress, len(schedule), "annealing")
    state_seed, chain_seed = run.seed_sequence.spawn(2)
    engine = start_engine(plan, hamiltonian, None, n_total, np.full(n_total, schedule[0]), state_seed, chain_seed,
                          other_bytes=8 * n_total * (len(schedule) + hamiltonian.n))
    reads = run.execute(_Annealing(engine, schedule.betas, n_sweeps))
    engine.exact_energies(reads.best_energy, reads.best_states)
    done, final_states = reads.position, engine.get_states()
    best_states = reads.best_states.astype(final_states.dtype)
    results = []
    for k, model in enumerate(hamiltonians):
        rows = slice(k * n_chains, (k + 1) * n_chains)
        results.append(AnnealResult(
            best_states=best_states[rows], best_energy=reads.best_energy[rows].copy(),
            final_states=final_states[rows], final_energy=engine.energy[rows].copy(),
            energy=reads.trace[rows, :done].copy(), betas=schedule.betas[:done].copy(), n_sweeps=n_sweeps,
            sampler=repr(sampler), model=repr(model), seed=run.seed, elapsed=run.elapsed,
            interrupted=run.interrupted, engine=plan.name))
    return results


class _Annealing(Loop):
    """anneal's reads: chunks of the schedule, one jitted call each, keeping every read's
    best state. ``position`` counts the betas done (anneal writes no checkpoint)."""

    def __init__(self, engine, betas, n_sweeps):
        self.engine, self.betas, self.n_sweeps = engine, betas, n_sweeps
        self.best_energy = engine.energy.copy()
        self.best_states = engine.get_states().astype(np.float64)
        self.trace = np.empty((len(engine.energy), len(betas)))

    def steps(self):
        return _chunks(len(self.betas), self.engine.sweep_seconds() * self.n_sweeps)

    def advance(self, step):
        offset, size = step
        self.engine.anneal(self.betas[offset:offset + size], self.n_sweeps, self.best_energy, self.best_states,
                           self.trace, offset)
        self.position = offset + size
