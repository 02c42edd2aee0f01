"""D-Wave Ocean (dimod) interface: binary quadratic models to and from statmech models,
and dimod samplers over statmech's drivers (``pip install "statmech[dimod]"``).

dimod writes E = sum_i a_i x_i + sum_{i<j} b_ij x_i x_j + c; statmech writes
E = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i + offset. So ``to_bqm`` and ``from_bqm`` map
a = -h, b = -J and c = offset exactly, SPIN to the spin domain and BINARY to the binary
one, and every energy agrees. Variable i of ``from_bqm(bqm)`` is ``list(bqm.variables)[i]``.

The samplers take dwave-samplers' parameter names where they overlap (``num_reads``,
``num_sweeps``, ``num_sweeps_per_beta``, ``beta_range``, ``beta_schedule_type``,
``beta_schedule``, ``seed``, ``initial_states``, ``initial_states_generator``,
``interrupt_function``, ``proposal_acceptance_criteria``) and add ``time_limit``:

- :class:`SimulatedAnnealingSampler`: ``statmech.anneal`` (MultiSpin where the model
  packs: 64 reads cost what one does);
- :class:`ParallelTemperingSampler`: ``statmech.parallel_tempering``; the samples are the
  coldest replica of each ladder;
- :class:`BoltzmannSampler`: independent chains at one fixed beta, ``statmech.sample``;
- :class:`ExactGroundStateSolver`: every ground state, by enumeration.
"""
from __future__ import annotations

import math
import time
from typing import Any

import dimod
import numpy as np
import scipy.sparse as sp

from .exact import all_states
from .hamiltonian import PairwiseHamiltonian, has_structure
from .mc import HeatBath, Metropolis, anneal, parallel_tempering, sample
from .schedules import as_schedule, geometric, linear
from .validation import as_float, as_int, as_seed_sequence

__all__ = ["to_bqm", "from_bqm", "SimulatedAnnealingSampler", "ParallelTemperingSampler", "BoltzmannSampler",
           "ExactGroundStateSolver"]

_VARTYPE = {"spin": dimod.SPIN, "binary": dimod.BINARY}


def to_bqm(hamiltonian: Any, variables: Any = None) -> dimod.BinaryQuadraticModel:
    """The dimod model of a pairwise model of spin or binary variables.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian
        (A bipartite model of two-state units: ``hamiltonian.to_pairwise()`` first.)
    variables : sequence of hashable, optional
        The label of each variable (default 0 .. n-1).

    Returns
    -------
    dimod.BinaryQuadraticModel
        Linear biases -h, quadratic biases -J_ij (i < j, the nonzero ones), offset, vartype
        SPIN or BINARY: its energy of every state is the model's.

    Examples
    --------
    >>> import numpy as np
    >>> from statmech.dimod import from_bqm, to_bqm
    >>> from statmech.models import Ising
    >>> H = Ising.chain(3, J=1.0, h=0.5)
    >>> bqm = to_bqm(H, variables=["a", "b", "c"])
    >>> float(bqm.energy({"a": 1, "b": 1, "c": 1})) == float(H.energy(np.ones((1, 3)))[0])
    True
    >>> from_bqm(bqm).n
    3
    """
    if not has_structure(hamiltonian, PairwiseHamiltonian) or hamiltonian.domain not in _VARTYPE:
        raise TypeError(f"to_bqm takes a pairwise model of spin or binary variables; got {hamiltonian!r}"
                        + (" (a bipartite model: to_bqm(H.to_pairwise()))" if hasattr(hamiltonian, "to_pairwise")
                           else ""))
    n = hamiltonian.n
    labels = list(range(n)) if variables is None else list(variables)
    if len(labels) != n or len(set(labels)) != n:
        raise ValueError(f"variables must be {n} distinct labels, one per variable; got {len(labels)} "
                         f"({len(set(labels))} distinct)")
    upper = sp.triu(sp.coo_matrix(hamiltonian.couplings), 1).tocoo()
    keep = upper.data != 0
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        -np.asarray(hamiltonian.fields, dtype=float), (upper.row[keep], upper.col[keep], -upper.data[keep]),
        float(hamiltonian.offset), _VARTYPE[hamiltonian.domain], variable_order=labels)


def from_bqm(bqm: Any) -> PairwiseHamiltonian:
    """The statmech model of a binary quadratic model: variable i is
    ``list(bqm.variables)[i]``; SPIN -> spin domain, BINARY -> binary domain; J = -b,
    h = -a, offset = c (dense couplings when more than half the pairs interact, as in SK;
    else sparse, which lattices need for the multi-spin engine)."""
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel; got {type(bqm).__name__}")
    labels = list(bqm.variables)
    n = len(labels)
    vectors = bqm.to_numpy_vectors(variable_order=labels)
    linear, (rows, cols, quadratic), offset = vectors[0], vectors[1], vectors[2]
    fields, biases = -np.asarray(linear, dtype=float), -np.asarray(quadratic, dtype=float)
    if not (np.all(np.isfinite(fields)) and np.all(np.isfinite(biases)) and np.isfinite(offset)):
        raise ValueError("bqm has a bias or offset that is not finite (NaN or inf)")
    couplings = sp.coo_matrix((np.concatenate([biases, biases]), (np.concatenate([rows, cols]),
                                                                   np.concatenate([cols, rows]))), shape=(n, n)).tocsr()
    if n and couplings.nnz > 0.5 * n * n:
        couplings = couplings.toarray()
    offset = float(offset)
    domain = "spin" if bqm.vartype is dimod.SPIN else "binary"
    return PairwiseHamiltonian(couplings, fields, offset, domain=domain)


def _sampleset(states, labels, bqm, info):
    return dimod.SampleSet.from_samples_bqm((np.asarray(states, dtype=np.int8), labels), bqm, info=info)


def _empty(bqm, num_reads, info):
    return dimod.SampleSet.from_samples_bqm((np.empty((num_reads, 0), np.int8), []), bqm, info=info)


def default_beta_range(hamiltonian: PairwiseHamiltonian) -> tuple:
    """(hot, cold) betas for annealing a model: at the hot end the spin with the largest
    possible field flips against it with probability 1/2; at the cold end one excitation
    by the smallest nonzero bias happens with probability 1% over all n variables (the
    rule dwave-samplers' default follows, in its simplest form)."""
    couplings = abs(sp.csr_matrix(hamiltonian.couplings))
    fields = np.abs(np.asarray(hamiltonian.fields, dtype=float))
    scale = 2.0 if hamiltonian.domain == "spin" else 1.0           # a flip changes s by 2, x by 1
    largest = scale * float(np.max(fields + np.asarray(couplings.sum(axis=1)).ravel(), initial=0.0))
    nonzero = np.concatenate([fields[fields > 0], couplings.data[couplings.data > 0]])
    if largest == 0 or nonzero.size == 0:
        return 0.1, 1.0
    smallest = scale * float(nonzero.min())
    return math.log(2) / largest, math.log(100 * max(hamiltonian.n, 1)) / smallest


def _rule(proposal_acceptance_criteria):
    rules = {"Metropolis": Metropolis, "Gibbs": HeatBath}
    if proposal_acceptance_criteria not in rules:
        raise ValueError(f"proposal_acceptance_criteria must be 'Metropolis' or 'Gibbs'; "
                         f"got {proposal_acceptance_criteria!r}")
    return rules[proposal_acceptance_criteria]()


def _count(value, name, default):
    return default if value is None else as_int(value, name, minimum=1)


class _Sampler(dimod.Sampler, dimod.Initialized):
    """What the samplers share: conversion, initial states, reads in batches for
    ``interrupt_function`` and ``time_limit``, and ``info``."""

    _parameters: dict = {}

    @property
    def parameters(self) -> dict:
        return dict(self._parameters)

    @property
    def properties(self) -> dict:
        return {"beta_schedule_options": ("linear", "geometric", "custom"), "statmech": True}

    def _states(self, bqm, hamiltonian, num_reads, initial_states, initial_states_generator, seeds):
        """The initial states (num_reads, n) int8 in the model's variable order, or None."""
        if initial_states is None and initial_states_generator == "random":
            return None, num_reads
        parsed = self.parse_initial_states(bqm, num_reads=num_reads, initial_states=initial_states,
                                           initial_states_generator=initial_states_generator,
                                           seed=int(seeds.generate_state(1)[0]))
        states = parsed.initial_states
        order = [states.variables.index(v) for v in bqm.variables]
        return np.ascontiguousarray(states.record.sample[:, order], dtype=np.int8), len(states)

    @staticmethod
    def _batches(num_reads, interrupt_function, time_limit, width):
        """Read counts of the calls: all at once, or in batches of ``width`` when the run
        may stop early (every read returned is a whole run)."""
        if interrupt_function is None and time_limit is None:
            return [num_reads]
        return [min(width, num_reads - start) for start in range(0, num_reads, width)]

    def _run(self, bqm, hamiltonian, kwargs, run_batch, info, width=64):
        """Run the batches of ``run_batch(hamiltonian, size, states, seed) -> (states,
        engine)`` and build the SampleSet (``hamiltonian`` None for an empty BQM)."""
        start = time.perf_counter_ns()
        labels = list(bqm.variables)
        seeds = as_seed_sequence(kwargs.pop("seed", None))
        interrupt_function, time_limit = kwargs.pop("interrupt_function", None), kwargs.pop("time_limit", None)
        if time_limit is not None:
            time_limit = as_float(time_limit, "time_limit", minimum=0)
        if interrupt_function is not None and not callable(interrupt_function):
            raise TypeError(f"interrupt_function must be callable; got {type(interrupt_function).__name__}")
        initial_states, generator = kwargs.pop("initial_states", None), kwargs.pop("initial_states_generator", "random")
        num_reads = kwargs.pop("num_reads", None)
        if num_reads is not None:
            num_reads = as_int(num_reads, "num_reads", minimum=1)
        info = {"seed": seeds.entropy, **info}
        if hamiltonian is None:
            return _empty(bqm, num_reads or 1, info)
        states, num_reads = self._states(bqm, hamiltonian, num_reads or (None if initial_states is not None else 1),
                                         initial_states, generator, seeds)
        prepared = time.perf_counter_ns()
        found, begin, engine = [], time.perf_counter(), None
        sizes = self._batches(num_reads, interrupt_function, time_limit, width)
        for k, (size, batch_seed) in enumerate(zip(sizes, seeds.spawn(len(sizes)))):
            offset = sum(sizes[:k])
            batch, engine = run_batch(hamiltonian, size, None if states is None else states[offset:offset + size],
                                      batch_seed)
            found.append(batch)
            if (interrupt_function is not None and interrupt_function()) or \
                    (time_limit is not None and time.perf_counter() - begin >= time_limit):
                break
        sampled = time.perf_counter_ns()
        result = np.concatenate(found)
        info.update(engine=engine, num_reads=len(result),
                    timing={"preprocessing_ns": prepared - start, "sampling_ns": sampled - prepared})
        sampleset = _sampleset(result, labels, bqm, info)
        info["timing"]["postprocessing_ns"] = time.perf_counter_ns() - sampled
        return sampleset


def _schedule(hamiltonian, beta_range, num_sweeps, num_sweeps_per_beta, beta_schedule_type, beta_schedule):
    """The betas, one per num_sweeps_per_beta sweeps, and the range they span."""
    if beta_schedule_type == "custom":
        if beta_schedule is None:
            raise ValueError("beta_schedule_type='custom' needs beta_schedule")
        if beta_range is not None:
            raise ValueError("beta_range and a custom beta_schedule exclude each other")
        betas = as_schedule(beta_schedule, "beta_schedule").betas
        return betas, (float(betas[0]), float(betas[-1]))
    if beta_schedule is not None:
        raise ValueError(f"beta_schedule is for beta_schedule_type='custom'; got {beta_schedule_type!r}")
    if beta_schedule_type not in ("linear", "geometric"):
        raise ValueError(f"beta_schedule_type must be 'linear', 'geometric' or 'custom'; got {beta_schedule_type!r}")
    hot, cold = default_beta_range(hamiltonian) if beta_range is None else _range(beta_range)
    if num_sweeps % num_sweeps_per_beta:
        raise ValueError(f"num_sweeps ({num_sweeps}) must be a multiple of num_sweeps_per_beta ({num_sweeps_per_beta})")
    steps = num_sweeps // num_sweeps_per_beta
    betas = (geometric if beta_schedule_type == "geometric" else linear)(hot, cold, steps).betas
    return betas, (hot, cold)


def _range(beta_range):
    values = np.asarray(beta_range, dtype=float)
    if values.shape != (2,) or not np.all(np.isfinite(values)) or values[0] <= 0 or values[1] < values[0]:
        raise ValueError(f"beta_range must be (hot, cold) with 0 < hot <= cold; got {beta_range!r}")
    return float(values[0]), float(values[1])



def _sample_doc(summary):
    """The docstring of a sampler's ``sample``: its summary line, then the parameters and
    return value every sampler here shares."""
    def decorate(method):
        method.__doc__ = f"""{summary}

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
        **kwargs
            The parameters the class description lists (``parameters`` names them).

        Returns
        -------
        dimod.SampleSet
            Lowest energy first.
        """
        return method
    return decorate


class SimulatedAnnealingSampler(_Sampler):
    """Simulated annealing (``statmech.anneal``) behind dimod's interface.

    ``sample(bqm, **parameters)`` returns a SampleSet of the final state of each read.
    Parameters (dwave-samplers' names): ``num_reads`` (default 1, or the number of initial
    states; the multi-spin engine runs 64 reads at the cost of one), ``num_sweeps`` (1000),
    ``num_sweeps_per_beta`` (1), ``beta_range`` ((hot, cold); default
    :func:`default_beta_range`), ``beta_schedule_type`` ("geometric", "linear" or "custom"
    with ``beta_schedule``), ``seed``, ``initial_states`` (a SampleSet, samples-like or
    array), ``initial_states_generator`` ("random", "tile", "none"),
    ``proposal_acceptance_criteria`` ("Metropolis" or "Gibbs"), and ``interrupt_function``
    and ``time_limit`` (seconds): with either, reads run in batches of 64 (a word of the
    multi-spin engine) and no batch starts after the function returns True or the time is
    up; every read returned is a whole anneal. ``info`` holds the beta range and schedule
    type, the seed, the engine and dwave-samplers' timing keys.

    Examples
    --------
    >>> from statmech.dimod import SimulatedAnnealingSampler, to_bqm
    >>> from statmech.models import EdwardsAnderson
    >>> bqm = to_bqm(EdwardsAnderson.square(4, "pm1", seed=3))
    >>> sampleset = SimulatedAnnealingSampler().sample(bqm, num_reads=64, num_sweeps=500, seed=1)
    >>> len(sampleset), sampleset.info["engine"]
    (64, 'multispin')
    """

    _parameters = {"num_reads": [], "num_sweeps": [], "num_sweeps_per_beta": [], "beta_range": [],
                   "beta_schedule_type": ["beta_schedule_options"], "beta_schedule": [], "seed": [],
                   "initial_states": [], "initial_states_generator": [], "interrupt_function": [],
                   "time_limit": [], "proposal_acceptance_criteria": []}

    @_sample_doc("Anneal ``num_reads`` reads of ``bqm`` through the schedule.")
    def sample(self, bqm: Any, *, num_sweeps: int | None = None, num_sweeps_per_beta: int = 1,
               beta_range: Any = None, beta_schedule_type: str = "geometric", beta_schedule: Any = None,
               proposal_acceptance_criteria: str = "Metropolis", **kwargs: Any) -> dimod.SampleSet:
        num_sweeps_per_beta = as_int(num_sweeps_per_beta, "num_sweeps_per_beta", minimum=1)
        num_sweeps = _count(num_sweeps, "num_sweeps", 1000)
        rule = _rule(proposal_acceptance_criteria)
        _check_keywords(kwargs, self._parameters)
        if not len(bqm.variables):
            return self._run(bqm, None, kwargs, None, {})
        hamiltonian = from_bqm(bqm)
        betas, (hot, cold) = _schedule(hamiltonian, beta_range, num_sweeps, num_sweeps_per_beta, beta_schedule_type,
                                       beta_schedule)

        def run(h, size, states, seed):
            result = anneal(h, betas, n_sweeps=num_sweeps_per_beta, n_chains=size, sampler=rule, seed=seed,
                            progress=False, initial_states=states)
            return result.final_states, result.engine

        info = {"beta_range": (hot, cold), "beta_schedule_type": beta_schedule_type,
                "num_sweeps": len(betas) * num_sweeps_per_beta}
        return self._run(bqm, hamiltonian, kwargs, run, info)


class ParallelTemperingSampler(_Sampler):
    """Parallel tempering (``statmech.parallel_tempering``) behind dimod's interface: the
    samples are the final states of the coldest replica of each of ``num_reads`` ladders.

    Parameters: ``num_reads`` (ladders, default 1), ``num_sweeps`` (1000), ``num_replicas``
    (betas per ladder, geometric over ``beta_range``, default 16), ``beta_range``,
    ``swap_every`` (1), ``seed``, ``proposal_acceptance_criteria``, ``interrupt_function``,
    ``time_limit`` (as :class:`SimulatedAnnealingSampler`'s). Initial states are not taken
    (a ladder starts at random).

    Examples
    --------
    >>> import dimod
    >>> from statmech.dimod import ExactGroundStateSolver, ParallelTemperingSampler
    >>> bqm = dimod.generators.ran_r(1, 12, seed=0)
    >>> best = ParallelTemperingSampler().sample(bqm, num_reads=4, num_sweeps=500, seed=0).first.energy
    >>> bool(best == ExactGroundStateSolver().sample(bqm).first.energy)
    True
    """

    _parameters = {"num_reads": [], "num_sweeps": [], "num_replicas": [], "beta_range": [], "swap_every": [],
                   "seed": [], "interrupt_function": [], "time_limit": [], "proposal_acceptance_criteria": []}

    @_sample_doc("Run ``num_reads`` tempering ladders on ``bqm``; each gives its coldest replica.")
    def sample(self, bqm: Any, *, num_sweeps: int | None = None, num_replicas: int = 16, beta_range: Any = None,
               swap_every: int = 1, proposal_acceptance_criteria: str = "Metropolis",
               **kwargs: Any) -> dimod.SampleSet:
        num_sweeps = _count(num_sweeps, "num_sweeps", 1000)
        num_replicas = as_int(num_replicas, "num_replicas", minimum=2)
        rule = _rule(proposal_acceptance_criteria)
        _check_keywords(kwargs, self._parameters)
        if not len(bqm.variables):
            return self._run(bqm, None, kwargs, None, {})
        hamiltonian = from_bqm(bqm)
        hot, cold = default_beta_range(hamiltonian) if beta_range is None else _range(beta_range)
        betas = geometric(hot, cold, num_replicas).betas

        def run(h, size, states, seed):
            result = parallel_tempering(h, betas, n_sweeps=num_sweeps, n_chains=size, swap_every=swap_every,
                                        sampler=rule, observables=(), seed=seed, progress=False)   # states only
            return result.states[:, -1], result.engine

        return self._run(bqm, hamiltonian, kwargs, run, {"beta_range": (hot, cold), "num_replicas": num_replicas,
                                                         "num_sweeps": num_sweeps})


class BoltzmannSampler(_Sampler):
    """Samples of the Boltzmann distribution p(x) ~ exp(-beta E(x)) at one fixed ``beta``
    (dwave-system issue 553): ``num_reads`` independent chains (``statmech.sample``), each
    run ``num_sweeps`` sweeps (default 1000) from its initial state, and its final state
    one sample. Parameters: ``beta`` (default 1), ``num_reads``, ``num_sweeps``, ``seed``,
    ``initial_states``, ``initial_states_generator``, ``proposal_acceptance_criteria``
    ("Gibbs", heat bath, by default), ``interrupt_function``, ``time_limit``.

    Examples
    --------
    Samples at beta = 0.5 of a two-variable BQM, against the Boltzmann weights:

    >>> import numpy as np, dimod
    >>> from statmech.dimod import BoltzmannSampler
    >>> bqm = dimod.BQM({"a": 0.0, "b": 0.0}, {("a", "b"): -1.0}, 0.0, "SPIN")
    >>> s = BoltzmannSampler().sample(bqm, beta=0.5, num_reads=4000, seed=0)
    >>> aligned = float((s.record.sample[:, 0] == s.record.sample[:, 1]).mean())
    >>> bool(abs(aligned - 1 / (1 + np.exp(-1.0))) < 0.03)    # p(aligned) = e / (e + 1/e)
    True
    """

    _parameters = {"beta": [], "num_reads": [], "num_sweeps": [], "seed": [], "initial_states": [],
                   "initial_states_generator": [], "interrupt_function": [], "time_limit": [],
                   "proposal_acceptance_criteria": []}

    @_sample_doc("Draw ``num_reads`` samples of the Boltzmann distribution of ``bqm`` at ``beta``.")
    def sample(self, bqm: Any, *, beta: float = 1.0, num_sweeps: int | None = None,
               proposal_acceptance_criteria: str = "Gibbs", **kwargs: Any) -> dimod.SampleSet:
        beta = as_float(beta, "beta", minimum=0)
        num_sweeps = _count(num_sweeps, "num_sweeps", 1000)
        rule = _rule(proposal_acceptance_criteria)
        _check_keywords(kwargs, self._parameters)

        def run(h, size, states, seed):
            result = sample(h, beta, sampler=rule, n_sweeps=num_sweeps, thin=num_sweeps, n_chains=size, seed=seed,
                            progress=False, initial_states=states)
            return result.states, result.engine

        return self._run(bqm, from_bqm(bqm) if len(bqm.variables) else None, kwargs, run,
                         {"beta": beta, "num_sweeps": num_sweeps})


class ExactGroundStateSolver(dimod.Sampler):
    """Every ground state of a BQM, by enumerating all 2**n states (n <= 30); the
    SampleSet holds one row per ground state, lowest energies within ``atol`` (default
    1e-9 times the largest bias) of the minimum.

    Examples
    --------
    >>> import dimod
    >>> from statmech.dimod import ExactGroundStateSolver
    >>> bqm = dimod.BQM({}, {("a", "b"): 1.0}, 0.0, "SPIN")   # antiferromagnetic: two ground states
    >>> s = ExactGroundStateSolver().sample(bqm)
    >>> len(s), float(s.first.energy)
    (2, -1.0)
    """

    @property
    def parameters(self) -> dict:
        return {"atol": []}

    @property
    def properties(self) -> dict:
        return {"max_num_variables": 30}

    @_sample_doc("Every ground state of ``bqm`` (states within ``atol`` of the lowest energy), by enumeration.")
    def sample(self, bqm: Any, *, atol: float | None = None, **kwargs: Any) -> dimod.SampleSet:
        _check_keywords(kwargs, {})
        labels = list(bqm.variables)
        if not labels:
            return _empty(bqm, 1, {})
        hamiltonian = from_bqm(bqm)
        n = hamiltonian.n
        if n > 30:
            raise ValueError(f"ExactGroundStateSolver enumerates all 2**n states; n = {n} exceeds 30")
        scale = max([abs(b) for b in bqm.linear.values()] + [abs(b) for b in bqm.quadratic.values()] + [1.0])
        atol = 1e-9 * scale if atol is None else as_float(atol, "atol", minimum=0)
        best = np.inf
        found: list[np.ndarray] = []
        chunk = 1 << 16
        for start in range(0, 1 << n, chunk):
            states = all_states(n, hamiltonian.domain, start, min(start + chunk, 1 << n))
            energy = hamiltonian.energy(states)
            low = energy.min()
            if low < best - atol:
                best, found = low, []
            if low <= best + atol:
                found.append(states[energy <= best + atol])
        states = np.concatenate(found)
        states = states[hamiltonian.energy(states) <= best + atol]
        return _sampleset(states, labels, bqm, {"ground_state_energy": float(best) + 0.0})


def _check_keywords(kwargs, parameters):
    unknown = sorted(set(kwargs) - set(parameters))
    if unknown:
        raise TypeError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; this sampler takes "
                        f"{', '.join(sorted(parameters)) or 'none'}")
