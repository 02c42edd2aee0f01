"""Partition functions by Monte Carlo: annealed importance sampling and population
annealing (Wang-Landau's density of states is :mod:`statmech.mc.wang_landau`). Each says
how wrong it may be: an error bar on ln Z."""
from __future__ import annotations

import json
import warnings
from typing import Any, TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..errors import EffectiveSampleSizeWarning
from ..estimators import kish_effective_sample_size, log_mean_exp
from ..gibbs import sample_from_fields
from ..hamiltonian import BipartiteHamiltonian, PairwiseHamiltonian, has_structure, pairwise_form, structure_hint
from ..rng import random_streams
from ..runloop import Field, Loop, Run, between, finite, generator_state, prefixed
from ..schedules import as_schedule
from ..unit_types import unit_up_probability
from ..unit_types import UNIT_TYPES
from ..validation import as_int
from .drivers import initial_states_or_random, resolve_sampler, restore_engine, start_engine
from .records import FreeEnergyResult
from .samplers import BlockGibbs

if TYPE_CHECKING:
    from statmech.hamiltonian import Hamiltonian
    from statmech.schedules import Schedule
    from statmech.typing import ArrayLike, PathLike, Seed

__all__ = ["ais", "population_annealing", "MIN_ESS_FRACTION"]

#: AIS warns when its final weights' effective sample size falls below this fraction of
#: its chains (or below 2): the delta-method error bar then rests on a handful of weights
#: and does not measure the error (found: RBM weights ~1e3, 64 chains, ESS 1.0003,
#: ln Z low by 17 error bars).
MIN_ESS_FRACTION = 0.05


def _weights_summary(log_w):
    """(ln mean w, its delta-method standard error, Kish ESS) of importance weights."""
    ess = kish_effective_sample_size(log_w)
    # Var(w) / (N mean(w)^2) = (N / ESS - 1) / N: the delta-method error of ln mean(w).
    return log_mean_exp(log_w), float(np.sqrt(max(1.0 / ess - 1.0 / log_w.size, 0.0))), ess


def _beta_path(schedule):
    schedule = as_schedule(schedule).require_increasing()
    betas = schedule.betas
    return betas if betas[0] == 0 else np.concatenate([[0.0], betas])


def _independent_base(base, target):
    """Validate a base model for a base-to-target path: same kind, n and domain, no couplings."""
    kind = next((k for k in (PairwiseHamiltonian, BipartiteHamiltonian) if has_structure(target, k)), None)
    if kind is None:
        raise TypeError(f"a base-to-target path needs a PairwiseHamiltonian or BipartiteHamiltonian; "
                        f"got {type(target).__name__}{structure_hint(target)}")
    bipartite = kind is BipartiteHamiltonian
    if not has_structure(base, kind):
        raise TypeError(f"base must be a Hamiltonian of the target's kind ({kind.__name__}); "
                        f"got {type(base).__name__}{structure_hint(base)}")
    if base.n != target.n or base.domain != target.domain:
        raise ValueError(f"base must have the target's n = {target.n} and domain {target.domain!r}; "
                         f"got n = {base.n}, domain {base.domain!r}")
    if bipartite:
        if base.unit_types != target.unit_types:
            raise ValueError(f"base must have the target's unit types {target.unit_types}; got {base.unit_types}")
        if base.weights.shape != target.weights.shape or np.any(base.weights != 0):
            raise ValueError("base must have zero weights (independent units) and the target's layer sizes")
    else:
        couplings = base.couplings
        if (sp.issparse(couplings) and couplings.count_nonzero()) or (not sp.issparse(couplings) and np.any(couplings)):
            raise ValueError("base must have zero couplings (independent units), so that its ln Z and "
                             "samples are exact")


def _interpolate(base, target, t):
    """The Hamiltonian (1 - t) E_base + t E_target, of the target's kind."""
    if has_structure(target, BipartiteHamiltonian):
        return BipartiteHamiltonian(t * target.weights, (1 - t) * base.visible_bias + t * target.visible_bias,
                                    (1 - t) * base.hidden_bias + t * target.hidden_bias,
                                    (1 - t) * base.offset + t * target.offset, visible=target.visible_units,
                                    hidden=target.hidden_units)
    return PairwiseHamiltonian(target.couplings * t, (1 - t) * base.fields + t * target.fields,
                               (1 - t) * base.offset + t * target.offset, target.domain)


class _EnginePath:
    """An AIS path walked by a sampler engine on the full state: along beta from 0 (no
    base) or along E_t = (1 - t) E_base + t E_target at beta = 1."""

    def __init__(self, engine, target, base, n_sweeps):
        self.engine, self.target, self.base, self.n_sweeps = engine, target, base, n_sweeps
        self.energy = engine.energy
        self._scratch = np.empty((len(engine.energy), 1))

    def log_weight_step(self, t_before, t):
        """ln w increment of each chain at its state: -(E_t - E_t_before)."""
        if self.base is None:
            return -(t - t_before) * self.engine.energy
        current = self.engine.get_states()
        return -(t - t_before) * (self.target.energy(current) - self.base.energy(current))

    def move(self, t):
        """n_sweeps at t; the chains' energies E_t afterwards."""
        if self.base is None:
            self.engine.set_betas(t)
        else:
            self.engine.set_hamiltonian(_interpolate(self.base, self.target, t))
        self.engine.run(1, self.n_sweeps, self._scratch, self._scratch.copy(), 0)
        return self.engine.energy


class _MarginalPath:
    """The path p_t(v) = sum_h exp(-E_t(v, h)) / Z_t of a bipartite model with its hidden
    layer summed (or integrated) out, E_t = (1 - t) E_base + t E_target (the base has no
    weights): ln p*_t(v) = a_t.v - sum_i e(v_i) + sum_j A(b_t + t v W)_j - offset_t, with
    A the hidden unit's log-partition and a_t, b_t, offset_t interpolated. The chains carry
    v; the transition at t is one block-Gibbs sweep h | v, v | h of p_t, and v W is
    computed once per step for the weight and the sweep. Same interface as ``_EnginePath``."""

    def __init__(self, base, target, v, n_sweeps, streams):
        self.base, self.target, self.n_sweeps, self.streams = base, target, n_sweeps, streams
        self.visible_units, self.hidden_units = target.unit_types
        self.weights = np.ascontiguousarray(target.weights)
        self.v, self.v_weights = v, v @ self.weights
        h = self.sample(self.hidden_units, base.hidden_bias + np.zeros((len(v), target.n_hidden)))
        self.energy = base.energy(np.hstack([v, h]))

    def _biases(self, t):
        return ((1 - t) * self.base.visible_bias + t * self.target.visible_bias,
                (1 - t) * self.base.hidden_bias + t * self.target.hidden_bias,
                (1 - t) * self.base.offset + t * self.target.offset)

    def _log_unnormalised(self, t):
        """ln p*_t(v) of the chains' v."""
        a, b, offset = self._biases(t)
        return (self.v @ a - self.visible_units.self_energy(self.v).sum(axis=1)
                + self.hidden_units.log_partition(b + t * self.v_weights).sum(axis=1) - offset)

    def log_weight_step(self, t_before, t):
        return self._log_unnormalised(t) - self._log_unnormalised(t_before)

    def sample(self, units, field):
        """A layer drawn from p(layer | field) at beta = 1 from the chains' streams (rows = chains)."""
        return sample_from_fields(field, units, self.streams)

    def move(self, t):
        """n_sweeps h | v, v' | h of p_t; the joint energies E_t(v', h) afterwards."""
        a, b, offset = self._biases(t)
        for _ in range(self.n_sweeps):
            h = self.sample(self.hidden_units, b + t * self.v_weights)
            h_weights = h @ self.weights.T
            self.v = self.sample(self.visible_units, a + t * h_weights)
            self.v_weights = self.v @ self.weights
        return (-(self.v @ a) - h @ b - t * np.einsum("ij,ij->i", self.v, h_weights) + offset
                + self.visible_units.self_energy(self.v).sum(axis=1) + self.hidden_units.self_energy(h).sum(axis=1))


def _independent_draws(base, n_chains, seed_sequence):
    """(ln Z, n_chains exact draws) of a model with independent units (no couplings)."""
    if has_structure(base, BipartiteHamiltonian) and base.domain is None:
        layers = list(zip(base.unit_types, (base.visible_bias, base.hidden_bias)))
        log_z = sum(float(units.log_partition(bias).sum()) for units, bias in layers) - base.offset
        streams = random_streams(seed_sequence, (n_chains,))
        draws = [units.sample(np.tile(bias, (n_chains, 1)), 1.0, streams) for units, bias in layers]
        return log_z, base.check_states(np.hstack(draws))
    low = base.low
    fields = pairwise_form(base).fields
    log_z = float(UNIT_TYPES[base.domain].log_partition(fields).sum()) - base.offset
    up = np.random.default_rng(seed_sequence).random((n_chains, base.n)) < unit_up_probability(fields, 1.0, low)
    return log_z, np.where(up, 1, int(low)).astype(np.int8)


def ais(hamiltonian: Hamiltonian, schedule: Schedule | ArrayLike, *, n_chains: int = 256, n_sweeps: int = 1,
        base: Hamiltonian | None = None, sampler: Any = None, seed: Seed | None = None,
        progress: bool | None = None) -> FreeEnergyResult:
    """Annealed importance sampling of ln Z.

    Without ``base``: the path runs in beta from 0 (uniform states, ln Z = n ln 2) through
    ``schedule`` (a 0 is prepended if missing). With ``base`` (a model of the target's
    kind with no couplings, e.g. an RBM with W = 0 and visible biases from data as in
    Salakhutdinov & Murray 2008): the path is E_t = (1 - t) E_base + t E_target at
    beta = 1, t along ``schedule`` from 0 to 1. Each step multiplies the weight of a chain
    by exp(-(E_k - E_(k-1))) at its state, then moves it by ``n_sweeps`` sweeps at step k.
    For a bipartite target with a base and the default sampler, the hidden layer is summed
    out as Salakhutdinov & Murray do: the chains carry v, the weights use the marginal
    p*_t(v), and a step costs two matrix products (one block-Gibbs sweep h | v, v | h).
    Bipartite models with Gaussian or rectified units need a base of the same unit types
    (their beta = 0 end is not normalisable); its ln Z is the units' log-partitions.

    Z-hat = Z_0 mean(w) is unbiased, so ln Z-hat is biased *low* (Jensen): by about
    Var(w) / (2 N mean(w)^2) when the weights are well behaved. The record carries the
    effective sample size of the weights at every step; when the final one is below
    ``MIN_ESS_FRACTION`` of the chains (or below 2) the weights have collapsed onto a few
    chains, the error bar no longer measures the error, and an
    :class:`~statmech.errors.EffectiveSampleSizeWarning` says so.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    schedule : Schedule or array_like
        Non-decreasing betas (or t in [0, 1] with ``base``); many small steps are better.
    n_chains : int, default 256
        Independent chains, each with its importance weight. Many more than ``sample``'s 4:
        ln Z is a log-mean of the weights, whose bias and error fall as 1 / n_chains and
        whose effective sample size needs many chains to be meaningful.
    n_sweeps : int
        Sweeps of ``sampler`` per step.
    base : Hamiltonian, optional
        Of the target's kind, size and unit types, with no couplings.
    sampler : sampler configuration, default HeatBath() (BlockGibbs for bipartite with base)
    seed : int, SeedSequence, Generator or None
    progress : bool or None

    Returns
    -------
    FreeEnergyResult
        ``log_z`` and ``log_z_err`` at every step of the schedule (ln Z of the model at
        that beta, or of E_t).

    References
    ----------
    R. M. Neal, Statistics and Computing 11, 125 (2001); R. Salakhutdinov and
    I. Murray, ICML (2008), sec. 4.

    Examples
    --------
    ln Z of a 4 x 4 Ising torus by annealing from beta = 0, within its error bar of Kaufman's:

    >>> import statmech
    >>> from statmech import mc, schedules
    >>> from statmech.models import Ising
    >>> from statmech.analysis.exact_results import ising_square_torus
    >>> r = mc.ais(Ising.square(4), schedules.linear(0.0, 0.4, 200), n_chains=256, seed=0, progress=False)
    >>> bool(abs(r.log_z - ising_square_torus(4, 0.4).log_z) < 4 * r.log_z_err)
    True
    """
    n_chains = as_int(n_chains, "n_chains", minimum=2)
    n_sweeps = as_int(n_sweeps, "n_sweeps", minimum=1)
    marginal = sampler is None and base is not None and has_structure(hamiltonian, BipartiteHamiltonian)
    if marginal:
        sampler = BlockGibbs()
    sampler = resolve_sampler(hamiltonian, sampler)
    if base is None and hamiltonian.domain is None:
        raise ValueError(f"base is required for {hamiltonian!r}: the path from beta = 0 needs two-state units "
                         f"(continuous units have no normalisable beta = 0 end); pass a model with zero weights "
                         f"and the same unit types")
    path = _beta_path(schedule) if base is None else as_schedule(schedule).require_increasing().betas
    run = Run("ais", seed, progress, path.size - 1, "AIS")
    state_seed, chain_seed = run.seed_sequence.spawn(2)
    if base is None:
        states = initial_states_or_random(hamiltonian, None, n_chains, state_seed)
        log_z0 = hamiltonian.n * np.log(2.0)
        walk = _EnginePath(sampler.engine(hamiltonian, states, np.zeros(n_chains), chain_seed), hamiltonian, None,
                           n_sweeps)
    else:
        _independent_base(base, hamiltonian)
        if path[0] != 0 or path[-1] != 1:
            raise ValueError(f"with base, schedule must run from t = 0 to t = 1; got {path[0]} .. {path[-1]}")
        log_z0, states = _independent_draws(base, n_chains, state_seed)
        if marginal:
            n_visible = hamiltonian.n_visible  # type: ignore[attr-defined]  # marginal: a bipartite model
            walk = _MarginalPath(base, hamiltonian, states[:, :n_visible].astype(np.float64), n_sweeps,
                                 random_streams(chain_seed, (n_chains,)))
        else:
            engine = sampler.engine(base, states, np.ones(n_chains), chain_seed, path=True)
            walk = _EnginePath(engine, hamiltonian, base, n_sweeps)
    chains = run.execute(_Importance(walk, path, log_z0))
    done = chains.position
    if done == path.size:
        _warn_if_collapsed(chains.ess[-1], n_chains, chains.log_z[-1], chains.log_z_err[-1])
    return FreeEnergyResult(
        schedule=path[:done].copy(), log_z_path=chains.log_z[:done], log_z_err_path=chains.log_z_err[:done],
        effective_sample_size=chains.ess[:done], energy=chains.energy[:done], log_weights=chains.log_w,
        family_rho=None, method="ais" if base is None else "ais-base",
        sampler=repr(sampler) + (" (hidden layer summed out)" if marginal else ""), model=repr(hamiltonian),
        n_chains=n_chains, seed=run.seed, elapsed=run.elapsed, interrupted=run.interrupted,
        engine="marginal" if isinstance(walk, _MarginalPath) else walk.engine.name)


class _Importance(Loop):
    """AIS's chains and their log-weights along ``path``: a step reweights and moves every
    chain at the next point of the path; Ctrl-C is acted on between steps (AIS writes no
    checkpoint). ``position`` counts the points done, from 1 (the chains start exact at
    the first)."""

    def __init__(self, walk, path, log_z0):
        n_chains = len(walk.energy)
        self.walk, self.path, self.log_z0 = walk, path, log_z0
        self.log_w = np.zeros(n_chains)
        self.log_z = np.full(path.size, log_z0)
        self.log_z_err = np.zeros(path.size)
        self.ess = np.full(path.size, float(n_chains))
        self.energy = np.empty(path.size)
        self.energy[0] = walk.energy.mean()
        self.position, self.n_steps = 1, path.size

    @property
    def work(self):
        return self.position - 1

    def advance(self, k):
        self.log_w += self.walk.log_weight_step(self.path[k - 1], self.path[k])
        mean_w, self.log_z_err[k], self.ess[k] = _weights_summary(self.log_w)
        self.log_z[k] = self.log_z0 + mean_w
        chain_energy = self.walk.move(self.path[k])
        w = np.exp(self.log_w - self.log_w.max())
        self.energy[k] = float(w @ chain_energy / w.sum())
        self.position = k + 1


def _warn_if_collapsed(ess, n_chains, log_z, log_z_err):
    if ess < max(2.0, MIN_ESS_FRACTION * n_chains):
        warnings.warn(f"AIS's importance weights collapsed onto a few chains: effective sample size {ess:.3g} of "
                      f"{n_chains}, so ln Z = {log_z:.6g} +- {log_z_err:.3g} does not carry a meaningful error bar "
                      f"(ln Z is then likely too low). Use more steps (a finer schedule near the end), more sweeps "
                      f"per step, or more chains", EffectiveSampleSizeWarning, stacklevel=3)


def _systematic_resample(log_w, rng):
    """Indices of a systematic resampling by weight (one uniform per population)."""
    w = np.exp(log_w - log_w.max())
    cumulative = np.cumsum(w / w.sum())
    cumulative[-1] = 1.0
    points = (rng.random() + np.arange(w.size)) / w.size
    return np.searchsorted(cumulative, points)


def population_annealing(hamiltonian: Hamiltonian, schedule: Schedule | ArrayLike, *, n_chains: int = 1000,
                         n_sweeps: int = 1, n_populations: int = 10, sampler: Any = None, seed: Seed | None = None,
                         progress: bool | None = None, checkpoint: PathLike | None = None,
                         checkpoint_every: int = 10) -> FreeEnergyResult:
    """Population annealing: ln Z along a beta schedule from 0, with resampling.

    ``n_populations`` independent populations of ``n_chains // n_populations``
    replicas start uniform at beta = 0 (a 0 is prepended to the schedule if missing). At
    each step every replica gets weight w = exp(-(beta_k - beta_(k-1)) E), ln Z grows
    by ln mean(w), the population is resampled in proportion to w (systematic
    resampling), and every replica makes ``n_sweeps`` sweeps at beta_k. Z is averaged
    over the populations (unbiased) and the spread of their ln Z gives the error.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    schedule : Schedule or array_like
        Non-decreasing betas.
    n_chains : int, default 1000
        Total replicas R (the population, over all independent populations). Population
        annealing's resampling biases ln Z by O(1 / R) per population, so each of the
        ``n_populations`` needs about a hundred replicas.
    n_sweeps : int
    n_populations : int, default 10
        Independent populations (>= 2); their spread is the error bar, itself uncertain by
        about 1 / sqrt(2 (n_populations - 1)), so use no fewer than about 10.
    sampler : sampler configuration, default HeatBath()
    seed : int, SeedSequence, Generator or None
    progress : bool or None
    checkpoint : path or None
        If given, the run saves its state there every ``checkpoint_every`` steps, on
        Ctrl-C and at the end, and resumes from it when it exists (same arguments and
        model), ending bit-identical to an uninterrupted run.
    checkpoint_every : int, default 10

    Returns
    -------
    FreeEnergyResult
        With ``family_rho``, the family-size diagnostic of the final population.

    References
    ----------
    J. Machta, Phys. Rev. E 82, 026704 (2010); W. Wang, J. Machta and H. G. Katzgraber,
    Phys. Rev. E 92, 013303 (2015) (family statistics).

    Examples
    --------
    >>> from statmech import mc, schedules
    >>> from statmech.models import Ising
    >>> from statmech.analysis.exact_results import ising_square_torus
    >>> r = mc.population_annealing(Ising.square(4), schedules.linear(0.0, 0.4, 100), n_chains=500, seed=0,
    ...                             progress=False)
    >>> bool(abs(r.log_z - ising_square_torus(4, 0.4).log_z) < 4 * r.log_z_err)
    True
    """
    sampler = resolve_sampler(hamiltonian, sampler)
    path = _beta_path(schedule)
    n_populations = as_int(n_populations, "n_populations", minimum=2)
    size = as_int(n_chains, "n_chains", minimum=2 * n_populations) // n_populations
    n_chains = size * n_populations
    n_sweeps = as_int(n_sweeps, "n_sweeps", minimum=1)
    run = Run("population_annealing", seed, progress, path.size - 1, "population annealing", checkpoint,
              checkpoint_every, {"n": hamiltonian.n, "schedule": path.tolist(), "n_chains": n_chains,
                                 "n_populations": n_populations, "n_sweeps": n_sweeps, "sampler": repr(sampler),
                                 "model": None if checkpoint is None else hamiltonian.content_hash()})
    state_seed, chain_seed, resample_seed = run.seed_sequence.spawn(3)
    plan = sampler.plan(hamiltonian, n_chains)
    engine = start_engine(plan, hamiltonian, None, n_chains, np.zeros(n_chains), state_seed, chain_seed,
                          other_bytes=8 * n_chains * path.size)
    population = run.execute(_Populations(engine, path, n_populations, n_sweeps, hamiltonian.n, resample_seed))
    done, family = population.position, population.family
    log_z_pop = population.log_z_pop[:done]
    family_sizes = np.bincount(family, minlength=n_chains)
    return FreeEnergyResult(
        schedule=path[:done].copy(), log_z_path=log_mean_exp(log_z_pop, axis=1),
        log_z_err_path=log_z_pop.std(axis=1, ddof=1) / np.sqrt(n_populations),
        effective_sample_size=population.ess[:done], energy=population.energy[:done], log_weights=None,
        family_rho=float(n_chains * np.sum((family_sizes / n_chains) ** 2)), method="population annealing",
        sampler=repr(sampler), model=repr(hamiltonian), n_chains=n_chains,
        seed=run.seed, elapsed=run.elapsed, interrupted=run.interrupted, engine=plan.name)


class _Populations(Loop):
    """population_annealing's replicas: ``n_populations`` blocks of ``size`` replicas. A
    step reweights, resamples and moves every replica at the next beta of ``path``;
    Ctrl-C is acted on between steps. ``position`` counts the betas done (from 1: beta = 0
    is where the replicas start)."""

    def __init__(self, engine, path, n_populations, n_sweeps, n, resample_seed):
        n_chains = len(engine.energy)
        self.engine, self.path, self.n_populations, self.n_sweeps = engine, path, n_populations, n_sweeps
        self.size = n_chains // n_populations
        self.rng = np.random.default_rng(resample_seed)
        self.family = np.arange(n_chains)
        self.log_z_pop = np.full((path.size, n_populations), n * np.log(2.0))
        self.ess = np.full(path.size, float(n_chains))
        self.energy = np.empty(path.size)
        self.energy[0] = engine.energy.mean()
        self.scratch = np.empty((n_chains, 1))
        self.position, self.n_steps = 1, path.size

    @property
    def work(self):
        return self.position - 1

    def advance(self, k):
        path, size, engine = self.path, self.size, self.engine
        log_w = -(path[k] - path[k - 1]) * engine.energy
        indices = np.empty(len(log_w), np.int64)
        for p in range(self.n_populations):
            block = slice(p * size, (p + 1) * size)
            self.log_z_pop[k, p] = self.log_z_pop[k - 1, p] + log_mean_exp(log_w[block])
            indices[block] = p * size + _systematic_resample(log_w[block], self.rng)
        self.ess[k] = _weights_summary(log_w)[2]
        engine.take(indices)
        self.family = self.family[indices]
        engine.set_betas(path[k])
        engine.run(1, self.n_sweeps, self.scratch, self.scratch.copy(), 0)
        self.energy[k] = engine.energy.mean()
        self.position = k + 1

    def fields(self, done):
        n_chains = len(self.family)
        return {**prefixed("engine", self.engine.snapshot_fields()),
                "log_z_pop": Field(np.float64, (done, self.n_populations), finite),
                "ess": Field(np.float64, (done,), between(1.0, n_chains * (1 + 1e-9))),
                "energy": Field(np.float64, (done,), finite),
                "family": Field(np.int64, (n_chains,), between(0, n_chains - 1)),
                "resample_rng": Field(str, (), generator_state)}

    def restore(self, saved, run):
        done = run.resumed_step
        if done > self.path.size:
            raise run.damaged("step", f"{done} is beyond the schedule's {self.path.size} betas")
        restore_engine(run, self.engine, saved, self.path[done - 1],
                       (done - 1) * self.n_sweeps * self.engine.attempts_per_sweep)
        self.log_z_pop[:done], self.ess[:done], self.energy[:done] = saved["log_z_pop"], saved["ess"], saved["energy"]
        self.family[:] = saved["family"]
        self.rng.bit_generator.state = json.loads(str(saved["resample_rng"]))
        self.position = done

    def snapshot(self):
        done = self.position
        arrays = prefixed("engine", self.engine.snapshot())
        arrays.update(log_z_pop=self.log_z_pop[:done], ess=self.ess[:done], energy=self.energy[:done],
                      family=self.family, resample_rng=np.array(json.dumps(self.rng.bit_generator.state)))
        return arrays
