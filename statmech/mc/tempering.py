"""Parallel tempering (replica exchange) on a beta ladder, of one model or of many disorder
instances at once in shared words, and a ladder tuned to even swap rates; the swap round
is the kernel here."""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np

from ..hamiltonian import Hamiltonian, checked_energy, convert_states
from ..jit import njit
from ..rng import random_streams
from ..runloop import Field, Loop, Progress, Run, at_least, between, finite, one_of, prefixed, streams
from ..schedules import as_schedule, from_array
from ..validation import as_int, as_seed_sequence
from . import engines
from .acceptance import METROPOLIS, accept
from .drivers import batch_models, chains_and_plan, require_multiple, resolve_sampler, restore_engine, start_engine
from .observables import ReplicaObservables
from .records import TemperingResult
from .samplers import MultiSpin

if TYPE_CHECKING:
    from collections.abc import Sequence

    from statmech.schedules import Schedule
    from statmech.typing import ArrayLike, PathLike, Seed

__all__ = ["parallel_tempering", "parallel_tempering_batch", "adaptive_ladder"]

def parallel_tempering(hamiltonian: Hamiltonian, betas: ArrayLike, *, n_sweeps: int = 1000, n_chains: int | None = None,
                       swap_every: int = 1, sampler: Any = None, observables: Sequence[str] | None = None,
                       seed: Seed | None = None, checkpoint: PathLike | None = None, checkpoint_every: int = 100,
                       progress: bool | None = None) -> TemperingResult:
    """Parallel tempering (replica exchange) on a ladder of betas.

    ``n_chains`` independent ladders each hold one configuration per beta; after every
    ``swap_every`` sweeps, neighbouring betas try to exchange
    configurations (even pairs, then odd pairs, alternately), accepted with
    min(1, exp((beta_k - beta_k+1)(E_k - E_k+1))). Two sets give the overlap q needed
    for P(q), so the default is 2 (with 1 there is no overlap to record). Every round
    records, at each beta, E and M of every ladder, the overlaps of ladders 2p and 2p + 1
    (q, the link overlap q_l and, on a lattice, the Fourier-mode overlaps ``|q(k_min)|^2`` from
    which :func:`statmech.estimators.correlation_length` estimates xi_L), and keeps the
    lowest-energy state each ladder visited.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    betas : Schedule or array_like of shape (n_beta,)
        Strictly increasing.
    n_sweeps : int
        Total sweeps per configuration; a trace entry per swap round.
    n_chains : int or None
        Independent ladders (replica sets). None: two, the fewest that give the replica
        overlap q between ladders (``overlap``), which spin-glass observables need; where
        the multi-spin engine runs (``result.engine``), as many as fill the words that two
        need (a ladder takes one lane per beta: 4 ladders of 16 betas in one word of 64).
    swap_every : int, default 1
    sampler : HeatBath (default) or any sampler the model accepts
    observables : sequence of str or None
        What to record besides E, M and q, from :data:`statmech.mc.OBSERVABLES`:
        ``"link_overlap"`` (pairwise models), ``"fourier_overlap"`` and
        ``"fourier_magnetization"`` (models with a lattice ``geometry``). None: the first
        two wherever the model has them (the spin-glass observables); the spins' Fourier
        modes, the ferromagnet's, only when asked for. ``()``: none.
    seed : int, SeedSequence, Generator or None
    checkpoint : path or None
        If given, the run saves its full state there every ``checkpoint_every`` rounds,
        on Ctrl-C and at the end; if the file exists, the run resumes from it (the same
        arguments, with n_sweeps at least the checkpoint's) and ends bit-identical to
        an uninterrupted run.
    checkpoint_every : int, default 100
    progress : bool or None

    Returns
    -------
    TemperingResult

    References
    ----------
    K. Hukushima and K. Nemoto, J. Phys. Soc. Jpn. 65, 1604 (1996).

    Examples
    --------
    A ladder of eight betas on an SK instance; the coldest rung's mean energy against exact:

    >>> import numpy as np, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> H = SherringtonKirkpatrick(10, seed=1)
    >>> betas = np.geomspace(0.2, 1.5, 8)
    >>> r = statmech.parallel_tempering(H, betas, n_sweeps=4000, n_chains=2, seed=0, progress=False)
    >>> r.energy.shape                                     # (ladder, beta, round)
    (2, 8, 4000)
    >>> cold = r.energy[:, -1, 400:]
    >>> error = statmech.estimators.blocking_error(cold)
    >>> bool(abs(cold.mean() - statmech.exact(H, betas[-1]).energy) < 4 * error)
    True
    """
    sampler = resolve_sampler(hamiltonian, sampler)
    return _tempering([hamiltonian], betas, sampler, n_sweeps, n_chains, swap_every, observables, seed, checkpoint,
                      checkpoint_every, progress, packed=False)[0]


def parallel_tempering_batch(hamiltonians: Sequence[Hamiltonian], betas: ArrayLike, *, n_sweeps: int = 1000,
                             n_chains: int | None = None, swap_every: int = 1, sampler: Any = None,
                             observables: Sequence[str] | None = None, seed: Seed | None = None,
                             checkpoint: PathLike | None = None, checkpoint_every: int = 100,
                             progress: bool | None = None) -> list:
    """Parallel tempering of several models on one lattice at once, their chains sharing
    the bits of machine words: many disorder instances per word (multi-spin coding).

    Each model gets what :func:`parallel_tempering` would give it: ``n_chains`` ladders of
    ``betas``, swaps only between its own configurations, its own record. The models must
    be ones :class:`MultiSpin` runs and pack alike: spins on the same lattice (same
    neighbours, J, h and offset), bonds differing only in sign, e.g. +-J Edwards-Anderson
    instances of one size. Model k's chains are chains k m .. (k + 1) m - 1, m = n_chains
    * len(betas), so with 2 ladders of 16 betas two instances fill a word: a glass of a
    few hundred spins is swept 64 chains per word and 256 per SIMD group instead of one
    instance at a time (``benchmarks/bench_multispin.py`` measures the gain).

    Parameters
    ----------
    hamiltonians : sequence of PairwiseHamiltonian
    betas, n_sweeps, n_chains, swap_every, observables, checkpoint, checkpoint_every, progress
        As in :func:`parallel_tempering`; one checkpoint holds the whole batch (and checks
        every model's content on resuming).
    sampler : MultiSpin, HeatBath or Metropolis, optional
        The acceptance rule of the packed sweeps; HeatBath by default.
    seed : int, SeedSequence, Generator or None
        One seed for the batch. Every record carries it; it reproduces the batch run (the
        same models in the same order) bit for bit, not a run of one model alone.

    Returns
    -------
    list of TemperingResult
        One per model, in order.

    Examples
    --------
    Four disorder instances of a 3D +-J glass run together, one record each:

    >>> import numpy as np, statmech
    >>> from statmech.models import EdwardsAnderson
    >>> glasses = [EdwardsAnderson.cubic(3, couplings="pm1", seed=i) for i in range(4)]
    >>> results = statmech.parallel_tempering_batch(glasses, np.linspace(0.3, 1.2, 8), n_sweeps=200, seed=0,
    ...                                             progress=False)
    >>> len(results), results[0].energy.shape[1]           # one TemperingResult per instance; 8 betas
    (4, 8)
    >>> results[0].fourier_overlap.shape                   # (pair, beta, draw, axis): |q(k_min)|^2 per axis
    (1, 8, 200, 3)
    """
    hamiltonians, sampler = batch_models(hamiltonians, sampler, MultiSpin(), "parallel_tempering")
    return _tempering(hamiltonians, betas, sampler, n_sweeps, n_chains, swap_every, observables, seed, checkpoint,
                      checkpoint_every, progress, packed=True)


def _tempering(hamiltonians, betas, sampler, n_sweeps, n_chains, swap_every, observables, seed, checkpoint,
               checkpoint_every, progress, *, packed):
    """parallel_tempering of the models in one engine (``packed``: the models' chains in
    shared words, ``MultiSpin.batch_plan``; else one model): rows k * n_chains + r of the
    bookkeeping and traces are ladder r of model k. One record per model."""
    ladder = as_schedule(betas, "betas").require_increasing("betas", strict=True).betas
    n_sweeps = as_int(n_sweeps, "n_sweeps", minimum=1)
    swap_every = as_int(swap_every, "swap_every", minimum=1)
    checkpoint_every = as_int(checkpoint_every, "checkpoint_every", minimum=1)
    require_multiple(n_sweeps, swap_every, "swap_every", "rounds of sweeps between swaps")
    hamiltonian, n_models = hamiltonians[0], len(hamiltonians)
    n_beta, n = ladder.size, hamiltonian.n
    n_sets, plan = chains_and_plan(          # independent ladders, of each model
        n_chains, 2, lambda k: (engines.select_batch(sampler, hamiltonians, n_models * k * n_beta) if packed
                                else sampler.plan(hamiltonian, k * n_beta)), n_models * n_beta)
    n_rows = n_models * n_sets              # ladders
    n_total = n_rows * n_beta
    n_rounds = n_sweeps // swap_every
    n_pairs = n_sets // 2 if hamiltonian.domain is not None else 0    # no overlap of continuous units
    recorded = ReplicaObservables(hamiltonian, observables, pairs=n_pairs > 0)
    if checkpoint is None:
        content = None
    else:               # every model of a batch; one model's hash as before (its checkpoints still resume)
        content = [h.content_hash() for h in hamiltonians] if packed else hamiltonian.content_hash()
    run = Run("parallel_tempering", seed, progress, n_rounds, "tempering", checkpoint, checkpoint_every,
              {"n": n, "betas": ladder.tolist(), "n_chains": n_sets, "swap_every": swap_every,
               "sampler": repr(sampler), "model": content, "observables": list(recorded.names)})
    if run.resumed_step > n_rounds:
        raise ValueError(f"checkpoint {run.store.path!r} already holds {run.resumed_step} swap rounds; "
                         f"n_sweeps asks for only {n_rounds}")
    state_seed, chain_seed, swap_seed = run.seed_sequence.spawn(3)
    per_round = n_total * (2 + recorded.dimension * ("fourier_magnetization" in recorded.names)) + \
        n_models * n_pairs * n_beta * (1 + len(recorded.names) + recorded.dimension)
    engine = start_engine(plan, hamiltonian, None, n_total, np.tile(ladder, n_rows), state_seed, chain_seed,
                          other_bytes=8 * per_round * n_rounds)      # traces (random spins: any model of a batch)
    ladders = run.execute(_Ladders(engine, ladder, hamiltonians, n_sets, n_pairs, n_rounds, swap_every, swap_seed,
                                   recorded))
    done, bookkeeping, traces = ladders.position, ladders.bookkeeping, ladders.traces
    acceptance = (bookkeeping["swap_accepted"] / np.maximum(bookkeeping["swap_attempted"], 1))[:, :n_beta - 1]
    states = engine.get_states()[ladders.chain_at_beta]
    pair_traces = ("overlap",) + tuple(name for name in ("link_overlap", "fourier_overlap") if name in traces)
    k_min = recorded.k_min.copy() if recorded.lattice is not None else None
    results = []
    for k, model in enumerate(hamiltonians):
        rows, pairs = slice(k * n_sets, (k + 1) * n_sets), slice(k * n_pairs, (k + 1) * n_pairs)
        kept = {name: traces[name][rows, :, :done].copy() for name in traces if name not in pair_traces}
        kept.update({name: traces[name][pairs, :, :done].copy() if n_pairs else None for name in pair_traces})
        results.append(TemperingResult(
            betas=ladder.copy(), **kept, k_min=k_min, swap_acceptance=acceptance[rows].copy(),
            round_trips=bookkeeping["round_trips"][rows].copy(), states=states[rows],
            best_states=bookkeeping["best_states"][rows].copy(), best_energy=bookkeeping["best_energy"][rows].copy(),
            n=n, n_sweeps=done * swap_every, swap_every=swap_every, sampler=repr(sampler), model=repr(model),
            seed=run.seed, elapsed=run.elapsed, interrupted=run.interrupted, engine=plan.name))
    return results


class _Ladders(Loop):
    """The ladders of a tempering run: rows k * n_sets + r of the bookkeeping and traces
    are ladder r of model k, ``chain_at_beta[row, b]`` the chain at beta b. One step is a
    round of ``swap_every`` sweeps, swaps and trace entries: Ctrl-C is acted on between
    rounds, so the state, counters and traces saved always belong to the same round."""

    def __init__(self, engine, ladder, models, n_sets, n_pairs, n_rounds, swap_every, swap_seed, recorded):
        self.engine, self.ladder, self.swap_every, self.recorded = engine, ladder, swap_every, recorded
        self.models, self.n_sets, self.n = models, n_sets, models[0].n
        n_models = len(models)
        n_rows, n_beta = n_models * n_sets, ladder.size
        n_total = n_rows * n_beta
        self.chain_at_beta = np.arange(n_total).reshape(n_rows, n_beta)
        lowest = self.chain_at_beta[np.arange(n_rows), np.argmin(engine.energy[self.chain_at_beta], axis=1)]
        self.bookkeeping = {
            "chain_at_beta": self.chain_at_beta, "swap_rng": random_streams(swap_seed, (n_rows,)),
            "swap_accepted": np.zeros((n_rows, max(n_beta - 1, 1)), np.int64),
            "swap_attempted": np.zeros((n_rows, max(n_beta - 1, 1)), np.int64),
            "direction": np.zeros(n_total, np.int64), "round_trips": np.zeros(n_rows, np.int64),
            "best_energy": engine.energy[lowest].copy(), "best_states": engine.states_of(lowest)}
        # the overlaps of each model's ladders 2p and 2p + 1
        self.pair_rows = (np.arange(n_models)[:, None] * n_sets + 2 * np.arange(n_pairs)).ravel()
        d, n_pair_rows = recorded.dimension, n_models * n_pairs
        shapes = {"energy": (n_rows, n_beta), "magnetization": (n_rows, n_beta), "overlap": (n_pair_rows, n_beta),
                  "link_overlap": (n_pair_rows, n_beta), "fourier_overlap": (n_pair_rows, n_beta, d),
                  "fourier_magnetization": (n_rows, n_beta, d)}
        kept = ("energy", "magnetization", "overlap") + recorded.names
        self.traces = {name: np.empty(shapes[name][:2] + (n_rounds,) + shapes[name][2:]) for name in kept}
        self.scratch_e, self.scratch_m = np.empty((n_total, 1)), np.empty((n_total, 1))
        self.n_steps = n_rounds

    def advance(self, step):
        engine, chain_at_beta, book, traces = self.engine, self.chain_at_beta, self.bookkeeping, self.traces
        engine.run(1, self.swap_every, self.scratch_e, self.scratch_m, 0)
        swap_round(engine.energy, chain_at_beta, self.ladder, step % 2, book["swap_rng"], book["swap_accepted"],
                   book["swap_attempted"], book["direction"], book["round_trips"])
        engine.set_betas(_betas_of_chains(self.ladder, chain_at_beta))
        energy = traces["energy"][..., step] = engine.energy[chain_at_beta]
        traces["magnetization"][..., step] = self.scratch_m[chain_at_beta, 0]
        lowest = np.argmin(energy, axis=1)
        better = np.flatnonzero(energy[np.arange(len(energy)), lowest] < book["best_energy"])
        if better.size:
            book["best_energy"][better] = energy[better, lowest[better]]
            book["best_states"][better] = engine.states_of(chain_at_beta[better, lowest[better]])
        if len(self.pair_rows):
            pairs = self.pair_rows
            site = engine.site_overlaps(chain_at_beta[pairs], chain_at_beta[pairs + 1])
            for name, values in self.recorded.of_pairs(site).items():
                traces[name][:, :, step] = values
        if "fourier_magnetization" in traces:
            spins = engine.states_of(chain_at_beta)
            if engine.hamiltonian.domain != "spin":
                spins = convert_states(spins, "spin")
            traces["fourier_magnetization"][:, :, step] = self.recorded.of_chains(spins)["fourier_magnetization"]
        self.position = step + 1

    def fields(self, done):
        book, traces, n = self.bookkeeping, self.traces, self.n
        fields = prefixed("engine", self.engine.snapshot_fields())
        fields.update(chain_at_beta=Field.like(book["chain_at_beta"], at_least(0)),
                      swap_rng=Field.like(book["swap_rng"], streams()),
                      swap_accepted=Field.like(book["swap_accepted"], between(0, done)),
                      swap_attempted=Field.like(book["swap_attempted"], between(0, done)),
                      direction=Field.like(book["direction"], one_of(-1, 0, 1)),
                      round_trips=Field.like(book["round_trips"], between(0, done)),
                      best_energy=Field.like(book["best_energy"], finite),
                      best_states=Field.like(book["best_states"], self.engine.valid_states))
        rules = {"energy": finite, "magnetization": between(-n, n), "overlap": between(-1, 1),
                 "link_overlap": between(-1, 1), "fourier_overlap": between(0, 1),
                 "fourier_magnetization": between(0, n * n)}
        for name, trace in traces.items():
            fields[name] = Field(np.float64, trace.shape[:2] + (done,) + trace.shape[3:], rules[name])
        return fields

    def restore(self, saved, run):
        done = run.resumed_step
        _check_ladders(run, saved, self.ladder.size, done)
        best_states, m = saved["best_states"], self.n_sets
        exact = np.concatenate([checked_energy(model, best_states[k * m:(k + 1) * m])
                                for k, model in enumerate(self.models)])
        problem = engines.disagreement("best_energy", saved["best_energy"], exact)
        if problem is not None:
            raise run.damaged(*problem)
        for key, value in self.bookkeeping.items():
            value[...] = saved[key]
        for key, value in self.traces.items():
            value[:, :, :done] = saved[key]
        restore_engine(run, self.engine, saved, _betas_of_chains(self.ladder, self.chain_at_beta),
                       done * self.swap_every * self.engine.attempts_per_sweep)
        self.position = done

    def snapshot(self):
        arrays = dict(prefixed("engine", self.engine.snapshot()), **self.bookkeeping)
        arrays.update({k: v[:, :, :self.position] for k, v in self.traces.items()})
        return arrays


def _check_ladders(run, saved, n_beta, done):
    """Each ladder's configurations are a permutation of its own chains, and no pair
    accepted more swaps than it attempted, nor attempted other than every other round."""
    chain_at_beta = saved["chain_at_beta"]
    own = np.arange(chain_at_beta.size).reshape(chain_at_beta.shape)
    if not np.array_equal(np.sort(chain_at_beta, axis=1), own):
        raise run.damaged("chain_at_beta", "is not a permutation of each ladder's own chains")
    if np.any(saved["swap_accepted"] > saved["swap_attempted"]):
        raise run.damaged("swap_accepted", "counts more swaps than swap_attempted")
    pairs = np.arange(saved["swap_attempted"].shape[1])
    rounds = (done + 1 - pairs % 2) // 2 if n_beta > 1 else np.zeros_like(pairs)     # pair k: rounds of parity k % 2
    if np.any(saved["swap_attempted"] != rounds):
        raise run.damaged("swap_attempted", f"is not every other round of the {done} the checkpoint holds")


def _betas_of_chains(ladder, chain_at_beta):
    """betas[c] of every chain from the permutation chain_at_beta[set, k]."""
    betas = np.empty(chain_at_beta.size)
    betas[chain_at_beta] = ladder[None, :]
    return betas


@njit
def swap_round(energy: np.ndarray, chain_at_beta: np.ndarray, ladder: np.ndarray, parity: int, rng: np.ndarray,
               accepted: np.ndarray, attempted: np.ndarray, direction: np.ndarray, round_trips: np.ndarray) -> None:
    """One round of replica-exchange attempts between neighbouring betas b, b+1 (b = parity,
    parity + 2, ...) in each replica set, accepted with min(1, exp((beta_b - beta_b+1)(E_b - E_b+1))).

    chain_at_beta : (n_sets, n_beta) chain index now at each beta. direction[chain] is +1
    after visiting the hottest end (index 0), -1 after the coldest; arriving at the
    hottest end with -1 completes a round trip.
    """
    n_sets, n_beta = chain_at_beta.shape
    for r in range(n_sets):
        for b in range(parity, n_beta - 1, 2):
            ci, cj = chain_at_beta[r, b], chain_at_beta[r, b + 1]
            # The exchange changes -ln(weight) by -(beta_b - beta_b+1)(E_b - E_b+1).
            x = (ladder[b] - ladder[b + 1]) * (energy[ci] - energy[cj])
            attempted[r, b] += 1
            if accept(METROPOLIS, -x, rng[r]):
                chain_at_beta[r, b], chain_at_beta[r, b + 1] = cj, ci
                accepted[r, b] += 1
        hot, cold = chain_at_beta[r, 0], chain_at_beta[r, n_beta - 1]
        if direction[hot] == -1:
            round_trips[r] += 1
        direction[hot] = 1
        if n_beta > 1:
            direction[cold] = -1


def adaptive_ladder(hamiltonian: Hamiltonian, betas: ArrayLike, *, n_sweeps: int = 200, n_rounds: int = 8,
                    sampler: Any = None, seed: Seed | None = None, progress: bool | None = None) -> Schedule:
    """A parallel-tempering ladder whose neighbouring swap acceptances are made equal.

    Starts from ``betas``, then repeats: run short parallel tempering, measure the swap
    acceptance A_k of each pair, and move the betas so that each gap shrinks where A_k
    was low (gap_k proportional to gap_k * (A_k + 0.05)), keeping the endpoints and the
    number of betas.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    betas : Schedule or array_like of shape (n_beta,)
        The starting ladder, increasing, at least two betas (e.g.
        ``schedules.geometric(0.2, 3.0, 16)``).
    n_sweeps, n_rounds : int
        Sweeps of each trial run, and number of feedback rounds.
    sampler : sampler configuration, optional
        As in :func:`parallel_tempering`.
    seed : int, SeedSequence, Generator or None
    progress : bool or None
        A progress bar over the rounds (None: only on a terminal).

    Returns
    -------
    Schedule

    References
    ----------
    H. G. Katzgraber, S. Trebst, D. A. Huse and M. Troyer, J. Stat. Mech. P03018 (2006)
    (feedback on replica flow); here the simpler feedback on acceptance rates.

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import mc
    >>> from statmech.models import SherringtonKirkpatrick
    >>> ladder = mc.adaptive_ladder(SherringtonKirkpatrick(16, seed=0), np.linspace(0.2, 2.0, 8), n_sweeps=100,
    ...                             n_rounds=2, seed=0, progress=False)
    >>> len(ladder.betas), round(float(ladder.betas[0]), 9), round(float(ladder.betas[-1]), 9)   # the ends stay
    (8, 0.2, 2.0)
    """
    ladder = as_schedule(betas, "betas").require_increasing("betas", strict=True).betas.copy()
    if ladder.size < 2:
        raise ValueError(f"betas must hold at least two betas; got {ladder.size}")
    seeds = as_seed_sequence(seed).spawn(as_int(n_rounds, "n_rounds", minimum=1))
    with Progress(len(seeds), "tuning the ladder", progress) as bar:
        for round_seed in seeds:
            result = parallel_tempering(hamiltonian, ladder, n_sweeps=n_sweeps, n_chains=1,
                                        seed=round_seed, progress=False,
                                        **({} if sampler is None else {"sampler": sampler}))
            acceptance = result.swap_acceptance.mean(axis=0)
            gaps = np.diff(ladder) * (acceptance + 0.05)
            ladder = ladder[0] + np.concatenate([[0.0], np.cumsum(gaps)]) * (ladder[-1] - ladder[0]) / gaps.sum()
            bar.update(1)
    return from_array(ladder)
