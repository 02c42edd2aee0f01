"""Sampler configurations (frozen, hashable) and the chain state each one runs on a model.

A configuration says *how* to move; ``configuration.engine(hamiltonian, ...)`` checks
that the model has the structure the move needs and returns an engine holding the
chain state (arrays) that the numba kernels update in place.
"""
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from ..gibbs import layer_probability, sample_from_fields, sample_layer
from ..rng import random_streams
from ..validation import LOW_VALUE
from ..errors import SlowPathWarning
from ..runloop import Field, all_of, at_least, finite, one_of, streams
from ..hamiltonian import (BipartiteHamiltonian, Hamiltonian, PairwiseHamiltonian, checked_energy, convert_states,
                           csr_arrays, has_structure, structure_hint)
from . import _kernels, _multispin

__all__ = ["Metropolis", "HeatBath", "MultiSpin", "Wolff", "SwendsenWang", "BlockGibbs"]

_warned_slow = set()


class _Sampler:
    """What every sampler configuration shares: ``plan`` decides which engine runs the
    model (before any chain state exists, so that drivers can check memory first), and
    ``engine`` builds it on initial states."""

    def plan(self, hamiltonian, n_chains, *, path=False):
        """The :class:`EnginePlan` for ``n_chains`` chains on ``hamiltonian``, or a
        TypeError/ValueError saying why this sampler cannot run it; with ``path=True`` one
        that can follow a path of models (``set_hamiltonian``: AIS from a base, learning),
        so no layout tied to one model is chosen automatically."""
        raise NotImplementedError

    def engine(self, hamiltonian, states, betas, seed_sequence, *, path=False):
        """The chain state of ``states`` (n_chains, n) at ``betas`` on ``hamiltonian``."""
        return self.plan(hamiltonian, len(states), path=path).build(hamiltonian, states, betas, seed_sequence)


@dataclass(frozen=True)
class EnginePlan:
    """Which engine runs a model, decided before any chain state is allocated.

    Attributes
    ----------
    engine : type
        The engine class; ``engine.name`` is what records report, ``engine.bytes_per_variable``
        the memory a chain needs per variable of the model.
    sampler : sampler configuration
    args : tuple
        What the engine needs besides the model and chains (MultiSpin's packed lattice).
    """

    engine: type
    sampler: object
    args: tuple = ()

    @property
    def name(self):
        return self.engine.name

    def with_sampler(self, sampler):
        return EnginePlan(self.engine, sampler, self.args)

    def build(self, hamiltonian, states, betas, seed_sequence):
        return self.engine(hamiltonian, self.sampler, states, betas, seed_sequence, *self.args)


@dataclass(frozen=True)
class Metropolis(_Sampler):
    """Single-variable Metropolis updates, accepted with min(1, exp(-beta Delta E)).

    One sweep visits the variables in order 0..n-1 (each update obeys detailed balance;
    the sweep leaves the Boltzmann distribution stationary). Pairwise models keep local
    fields up to date incrementally; a square-lattice Ising model (``H.square_lattice``)
    is swept in checkerboard order; any other Hamiltonian goes through its own
    ``delta_energy`` (slow; warns once).

    A move of Delta E = 0 is accepted with probability 1/2, not 1 as in the textbook
    rule: with every tie accepted, a fixed-order sweep is deterministic at beta = 0 (every
    variable flips) and carries a domain wall of a periodic chain round the ring, so
    that the chain never reaches the Boltzmann distribution (on the 16-spin ring at
    beta = 0.5 it gave <E> = -0.54 for the exact -7.39). The tie rule keeps detailed
    balance. Close to beta = 0 on models without ties (e.g. SK) nearly every move is
    still accepted and the chain mixes slowly; :class:`HeatBath`, the drivers' default,
    does not have that problem.

    Parameters
    ----------
    checkerboard : bool or None
        None: checkerboard sweeps when the model offers them and its rows have at least
        32 sites (shorter rows run faster through the general kernel); True: require
        them; False: never.
    lanes : bool or None
        Update 32 chains at once as SIMD lanes (the same sweep, with a vectorised exp
        and branch-free flips; 2-3x faster per chain on sparse models, e.g. 22 -> 8-10 ns
        per attempt on a 16 x 16 torus). None: for sparse couplings when there are at
        least 32 chains; True: for any pairwise model
        (dense couplings cost O(n) per variable per chain then, flipped or not); False:
        never. Either way a seed gives the same result for any thread count; the
        random numbers are drawn differently, so lanes on and off give different
        (equally valid) chains.
    precision : {"float64", "float32"}
        Precision of the coupling rows and local fields of the pairwise kernel (float32
        halves the memory each accepted flip streams: dense models anneal faster). The
        fields then carry float32 rounding (relative ~1e-6) into the energy changes along
        the run; the energies each ``sample`` chunk ends with, and the final and best
        energies of ``anneal``, are recomputed exactly in float64. Only for the pairwise
        kernel.
    multispin : bool or None
        Run 64 chains in the bits of each word (:class:`MultiSpin`, with this acceptance
        rule). None: when the model qualifies (spins, z <= 7 neighbours each, couplings
        +-J, uniform field), the other two options are None and there are at least
        ``MULTISPIN_MIN_CHAINS`` chains (``MULTISPIN_MIN_CHAINS_CHECKERBOARD`` where
        checkerboard sweeps would run); True: require it; False: never.

    References
    ----------
    N. Metropolis, A. W. Rosenbluth, M. N. Rosenbluth, A. H. Teller and E. Teller,
    J. Chem. Phys. 21, 1087 (1953).
    """

    checkerboard: Optional[bool] = None
    lanes: Optional[bool] = None
    multispin: Optional[bool] = None
    precision: str = "float64"
    rule = _kernels.METROPOLIS

    def __post_init__(self):
        for name in ("checkerboard", "lanes", "multispin"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be True, False or None; got {type(value).__name__} {value!r}")
        if sum(bool(getattr(self, name)) for name in ("checkerboard", "lanes", "multispin")) > 1:
            raise ValueError(f"checkerboard, lanes and multispin exclude each other; choose one "
                             f"(got {self!r})")
        if self.precision not in ("float64", "float32"):
            raise ValueError(f"precision must be 'float64' or 'float32'; got {self.precision!r}")
        if self.precision == "float32" and (self.checkerboard or self.lanes or self.multispin):
            raise ValueError("precision='float32' is for the pairwise kernel's coupling rows; it excludes "
                             "checkerboard, lanes and multispin")

    def plan(self, hamiltonian, n_chains, *, path=False):
        pairwise = has_structure(hamiltonian, PairwiseHamiltonian)
        if self.multispin:
            return MultiSpin(self._acceptance).plan(hamiltonian, n_chains, path=path).with_sampler(self)
        if self.precision == "float32":
            if not pairwise or isinstance(hamiltonian, BipartiteHamiltonian):
                raise ValueError(f"precision='float32' needs a PairwiseHamiltonian; got {hamiltonian!r}"
                                 f"{structure_hint(hamiltonian)}")
            return EnginePlan(_PairwiseEngine, self)
        lattice = hamiltonian.square_lattice if pairwise else None
        if self.checkerboard and lattice is None:
            raise ValueError(f"checkerboard=True needs a periodic square-lattice Ising model with even "
                             f"sides and uniform J and h; got {hamiltonian!r}")
        if self.checkerboard and path:
            raise ValueError("checkerboard=True cannot follow a path of models (AIS from a base, learning); "
                             "use checkerboard=None")
        # Rows shorter than 32 sites are faster through the general kernel (measured).
        auto = self.checkerboard is None and not self.lanes and not path and lattice is not None and lattice[1] >= 32
        unset = self.checkerboard is None and self.lanes is None and self.multispin is None and not path
        fewest = MULTISPIN_MIN_CHAINS_CHECKERBOARD if auto else MULTISPIN_MIN_CHAINS
        packed = _packed(hamiltonian) if unset and n_chains >= fewest else None
        if packed is not None:
            return EnginePlan(_MultiSpinEngine, self, (packed,))
        if self.checkerboard or auto:
            return EnginePlan(_CheckerboardEngine, self)
        if self.lanes and not pairwise:
            raise ValueError(f"lanes=True needs a PairwiseHamiltonian; got {hamiltonian!r}{structure_hint(hamiltonian)}")
        if pairwise:
            many_sparse = sp.issparse(hamiltonian.couplings) and n_chains >= _kernels.LANES
            if self.lanes or (self.lanes is None and many_sparse):
                return EnginePlan(_LaneEngine, self)
            return EnginePlan(_PairwiseEngine, self)
        return EnginePlan(_GenericEngine, self)

    @property
    def _acceptance(self):
        return "metropolis" if self.rule == _kernels.METROPOLIS else "heat_bath"


@dataclass(frozen=True)
class HeatBath(Metropolis):
    """Single-variable heat-bath (Glauber) updates: flip with probability 1 / (1 + exp(beta Delta E)).

    References
    ----------
    R. J. Glauber, J. Math. Phys. 4, 294 (1963).
    """

    rule = _kernels.HEAT_BATH


_RULES = {"metropolis": _kernels.METROPOLIS, "heat_bath": _kernels.HEAT_BATH}
#: Fewest chains for which Metropolis and HeatBath choose MultiSpin by themselves, and on
#: square lattices where they would run checkerboard sweeps (measured, one thread: from 4
#: chains MultiSpin is ~2x faster than the pairwise kernel, from 16 ~1.5x faster than the
#: checkerboard; ``benchmarks/bench_multispin.py``).
MULTISPIN_MIN_CHAINS = 4
MULTISPIN_MIN_CHAINS_CHECKERBOARD = 16


def _packed(hamiltonian):
    """The model's PackedLattice, or None when multi-spin coding cannot run it."""
    if not has_structure(hamiltonian, PairwiseHamiltonian) or isinstance(hamiltonian, BipartiteHamiltonian):
        return None
    if not sp.issparse(hamiltonian.couplings) and hamiltonian.n - 1 > _multispin.MAX_DEGREE:
        return None                                # dense couplings: z = n - 1 or irregular
    try:
        return _multispin.packed_lattice(hamiltonian)
    except ValueError:
        return None


@dataclass(frozen=True)
class MultiSpin(_Sampler):
    """Multi-spin coded single-flip sweeps: 64 chains in the bits of each 64-bit word.

    For spin models whose variables all have the same number z <= 7 of neighbours, whose
    couplings are all +J or -J (one magnitude) and whose field is uniform: square and
    cubic Ising ferromagnets, +-J Edwards-Anderson glasses, with or without a field.
    Chain c is bit c % 64 of word c // 64 at every site. One sweep visits sites 0..n-1 as
    :class:`Metropolis` does; at each site the bonds of all 64 chains are compared with
    XOR, their unsatisfied bonds counted in bit-sliced adders, and each chain's flip drawn
    with the acceptance probability of its own energy change and beta (``acceptance``, the
    same rule as Metropolis or HeatBath). The flips are drawn per chain, not shared: the
    uniform of chain l is built bit by bit from bit l of successive random words and compared
    with the chain's acceptance probability digit by digit, stopping when every chain is
    decided, about log2(64) + 2 words per site for 64 chains; p is used to 53 binary
    digits, as with 53-bit uniforms. Without a field only moves with u <= z / 2 unsatisfied
    bonds are drawn: Metropolis accepts the others (downhill) outright, and heat bath draws
    a move with u > z / 2 with the probability of its mirror image z - u (energy change
    -dE) and flips on a no, since its own probability is 1 minus the mirror's.
    So every chain is an independent Markov chain with the Boltzmann distribution of its
    beta, and error bars over chains are those of independent chains. Each word has its own
    random stream: a seed gives the same chains for any number of threads (words run in
    parallel). From four words (256 chains) on, words go four at a time through one SIMD
    sweep (the last group padded with idle words), each drawing from its own stream what it
    would draw alone: the chains do not depend on the grouping, and a sweep costs about
    half as much per chain as a lone word's.

    ``statmech.sample``, ``anneal`` and ``parallel_tempering`` choose it for Metropolis and
    HeatBath (``multispin=None``) when the model qualifies and there are enough chains
    (``MULTISPIN_MIN_CHAINS``); ``Metropolis(multispin=False)`` opts out.

    Parameters
    ----------
    acceptance : {"heat_bath", "metropolis"}
        Heat bath 1 / (1 + exp(beta dE)), or Metropolis min(1, exp(-beta dE)) with ties
        accepted with probability 1/2 (see :class:`Metropolis`).

    References
    ----------
    L. Jacobs and C. Rebbi, J. Comput. Phys. 41, 203 (1981) (multi-spin coding);
    G. Bhanot, D. Duke and R. Salvador, J. Stat. Phys. 44, 985 (1986) (independent systems
    in the bits of a word); H. Watanabe, S. Morita, S. Todo and N. Kawashima (2019), fast
    algorithms for random bit strings (the finite-digit method, here evaluated lazily, lane
    by lane).
    """

    acceptance: str = "heat_bath"

    def __post_init__(self):
        if self.acceptance not in _RULES:
            raise ValueError(f"acceptance must be one of {sorted(_RULES)}; got {self.acceptance!r}")

    @property
    def rule(self):
        return _RULES[self.acceptance]

    def plan(self, hamiltonian, n_chains, *, path=False):
        _refuse_path(self, path)
        if not has_structure(hamiltonian, PairwiseHamiltonian) or isinstance(hamiltonian, BipartiteHamiltonian):
            raise TypeError(f"MultiSpin needs a PairwiseHamiltonian of spins; got {hamiltonian!r}"
                            f"{structure_hint(hamiltonian)}")
        return EnginePlan(_MultiSpinEngine, self, (_multispin.packed_lattice(hamiltonian),))  # or why not

    def batch_plan(self, hamiltonians, n_chains):
        """Chains of several models on one lattice in shared words: chain c of the
        ``n_chains`` runs ``hamiltonians[c // (n_chains // len(hamiltonians))]``."""
        for k, hamiltonian in enumerate(hamiltonians):
            if not has_structure(hamiltonian, PairwiseHamiltonian) or isinstance(hamiltonian, BipartiteHamiltonian):
                raise TypeError(f"MultiSpin needs PairwiseHamiltonians of spins; hamiltonians[{k}] is {hamiltonian!r}"
                                f"{structure_hint(hamiltonian)}")
        return EnginePlan(_MultiSpinEngine, self, (_multispin.packed_batch(hamiltonians, n_chains // len(hamiltonians)),))


def _disagreement(name, saved, exact, rtol=1e-6):
    """None, or (name, message) when ``saved`` (energies or local fields carried along a
    run, which accumulate rounding) is not ``exact`` (computed from the states) within
    ``rtol`` of the largest magnitude."""
    worst = float(np.max(np.abs(saved - exact), initial=0.0))
    if worst <= rtol * max(1.0, float(np.max(np.abs(exact), initial=0.0))):
        return None
    return name, f"disagrees with the states it belongs to by {worst:.3g}"


def _require_ferromagnet(hamiltonian, name):
    if not has_structure(hamiltonian, PairwiseHamiltonian) or isinstance(hamiltonian, BipartiteHamiltonian):
        raise TypeError(f"{name} needs a pairwise Ising ferromagnet; got {hamiltonian!r}{structure_hint(hamiltonian)}")
    if hamiltonian.domain != "spin":
        raise ValueError(f"{name} needs spins (domain 'spin'); got domain {hamiltonian.domain!r}")
    if np.any(hamiltonian.fields != 0):
        raise ValueError(f"{name} needs zero fields; got max |h| = {np.abs(hamiltonian.fields).max():.3g}")
    couplings = sp.csr_matrix(hamiltonian.couplings)
    if couplings.nnz and couplings.data.min() < 0:
        raise ValueError(f"{name} needs ferromagnetic couplings J_ij >= 0; got min J = {couplings.data.min():.3g}")
    return couplings


def _refuse_path(sampler, path):
    if path:
        raise ValueError(f"{type(sampler).__name__} cannot follow a path of models (AIS from a base, learning); "
                         f"use HeatBath() or Metropolis()")


@dataclass(frozen=True)
class Wolff(_Sampler):
    """Wolff single-cluster updates of zero-field Ising ferromagnets (J_ij >= 0).

    One "sweep" is one cluster flip. Rejects other models with a clear error.

    References
    ----------
    U. Wolff, Phys. Rev. Lett. 62, 361 (1989).
    """

    def plan(self, hamiltonian, n_chains, *, path=False):
        _refuse_path(self, path)
        return EnginePlan(_ClusterEngine, self, (_kernels.wolff_sample,))


@dataclass(frozen=True)
class SwendsenWang(_Sampler):
    """Swendsen-Wang cluster sweeps of zero-field Ising ferromagnets (J_ij >= 0).

    References
    ----------
    R. H. Swendsen and J.-S. Wang, Phys. Rev. Lett. 58, 86 (1987).
    """

    def plan(self, hamiltonian, n_chains, *, path=False):
        _refuse_path(self, path)
        return EnginePlan(_ClusterEngine, self, (_kernels.swendsen_wang_sample,))


@dataclass(frozen=True)
class BlockGibbs(_Sampler):
    """Block Gibbs sampling of bipartite models: h ~ p(h | v), then v ~ p(v | h).

    Uses the model's own conditionals (matrix products over all chains at once).
    """

    def plan(self, hamiltonian, n_chains, *, path=False):
        if not has_structure(hamiltonian, BipartiteHamiltonian):
            raise TypeError(f"BlockGibbs needs a BipartiteHamiltonian (e.g. an RBM); got {hamiltonian!r}"
                            f"{structure_hint(hamiltonian)}")
        return EnginePlan(_BlockGibbsEngine, self)


class _Engine:
    """Chain state of ``n_chains`` chains and the one interface every engine implements
    (``tests/test_engines.py`` checks each):

    - ``run(n_records, thin, energy_trace, mag_trace, offset)``: advance every chain by
      ``n_records * thin`` sweeps at its beta, recording E and M every ``thin`` sweeps in
      columns ``offset ..`` of the (n_chains, n_steps) traces;
    - ``get_states()`` (n_chains, n) int8 and ``energy`` (n_chains,), always in agreement;
    - ``betas`` and ``set_betas(betas)`` (a scalar or one per chain);
    - ``take(indices)``: chain c becomes chain indices[c] (population resampling; random
      streams stay with their slot, so no two chains ever share one);
    - ``snapshot()`` / ``restore(arrays)``: every array a checkpoint needs to continue
      bit-identically (named in ``arrays``); ``snapshot_fields()`` what a checkpoint's
      copy of each must be, and ``check_state()`` after a restore whether the arrays
      agree with each other (energies and local fields those of the states);
    - ``overlaps(first, second)``: the spin overlap q of chain pairs;
    - ``exact_energies(best_energy, best_states)``: after annealing, energies recomputed
      where the engine's are approximate (float32 fields);
    - ``set_hamiltonian(h)``: continue under another model on the same variables (AIS
      paths; cluster and checkerboard engines refuse);
    - ``accepted`` and ``attempts_per_sweep`` for acceptance rates.
    """

    arrays = ("states", "energy", "betas", "rng", "accepted")
    #: What records report as the engine that ran.
    name = "generic"
    #: Bytes of chain state per chain and variable of the model (float64 states).
    bytes_per_variable = 8
    #: Per-chain state that moves with its chain when a population is resampled
    #: (random streams stay with their slot, so no two chains ever share one).
    chain_arrays = ("states", "energy")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        self.hamiltonian = hamiltonian
        self.sampler = sampler
        self.low = None if hamiltonian.domain is None else float(LOW_VALUE[hamiltonian.domain])
        self.states = np.ascontiguousarray(states, dtype=np.float64)
        self.betas = np.zeros(self.states.shape[0])
        self.set_betas(betas)
        self.energy = checked_energy(hamiltonian, states).copy()
        self.rng = random_streams(seed_sequence, (self.states.shape[0],))
        self.accepted = np.zeros(self.states.shape[0], np.int64)

    @property
    def attempts_per_sweep(self):
        return self.states.shape[1]

    def get_states(self):
        """int8 states, or float64 for continuous or mixed unit types (``low`` None)."""
        return self.states.copy() if self.low is None else self.states.astype(np.int8)

    def set_betas(self, betas):
        self.betas[:] = betas

    def snapshot(self):
        return {name: getattr(self, name).copy() for name in self.arrays}

    def take(self, indices):
        """Replace chain c by chain indices[c] (population resampling)."""
        for name in self.chain_arrays:
            array = getattr(self, name)
            array[...] = array[indices]

    def set_hamiltonian(self, hamiltonian):
        """Continue the chains under another Hamiltonian with the same variables (AIS paths)."""
        self.hamiltonian = hamiltonian
        self.energy[:] = checked_energy(hamiltonian, self.get_states())

    def restore(self, arrays):
        for name in self.arrays:
            getattr(self, name)[...] = arrays[name]

    def snapshot_fields(self):
        """The :class:`~statmech.runloop.Field` of each array of :meth:`snapshot`: its dtype
        and shape here, and a rule on its values (states of the model, finite energies and
        fields, betas finite and >= 0, generator states alive, counts >= 0)."""
        rules = {"states": self._valid_states, "lane_states": lambda states: self._valid_lane_states(states),
                 "black": one_of(-1, 1), "white": one_of(-1, 1), "spins": None,
                 "energy": finite, "lane_energy": finite, "local": finite, "lane_local": finite,
                 "betas": at_least(0.0), "lane_betas": at_least(0.0),
                 "accepted": at_least(0), "lane_accepted": at_least(0), "rng": self._valid_streams}
        return {name: Field.like(array, rules[name]) for name, array in self.snapshot().items()}

    _valid_streams = staticmethod(streams())

    def _valid_states(self, states):
        try:
            self.hamiltonian.check_states(states)
        except ValueError as error:
            return f"holds a state the model does not have ({error})"
        return None

    def check_state(self):
        """After :meth:`restore`: None, or (array, what is wrong) when the arrays disagree
        with each other (energies that are not those of the states)."""
        name = "lane_energy" if "lane_energy" in self.arrays else "energy"
        return _disagreement(name, self.energy, checked_energy(self.hamiltonian, self.get_states()))

    def overlaps(self, first, second):
        """q = (1/n) sum_i s_i s'_i (spin form) between chains ``first`` and ``second``
        (index arrays of one shape); an array of that shape."""
        states = self.get_states()
        spins = (states if self.hamiltonian.domain == "spin" else convert_states(states, "spin")).astype(np.float64)
        return (spins[first] * spins[second]).mean(-1)

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        raise NotImplementedError

    def exact_energies(self, best_energy, best_states):
        """Called once after annealing; engines whose energies are approximate recompute them."""

    def anneal(self, schedule, n_sweeps, best_energy, best_states, trace, offset):
        """Generic annealing: one kernel call per beta (engines may do better)."""
        scratch_e = np.empty((self.energy.shape[0], 1))
        scratch_m = np.empty_like(scratch_e)
        for k, beta in enumerate(schedule):
            self.set_betas(beta)
            self.run(1, n_sweeps, scratch_e, scratch_m, 0)
            trace[:, offset + k] = self.energy
            better = self.energy < best_energy
            if better.any():
                best_energy[better] = self.energy[better]
                best_states[better] = self.get_states()[better]


class _PairwiseEngine(_Engine):
    name = "pairwise"
    bytes_per_variable = 16      # states and local fields, float64

    arrays = _Engine.arrays + ("local",)
    chain_arrays = _Engine.chain_arrays + ("local",)

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self._set_couplings(hamiltonian)

    def set_hamiltonian(self, hamiltonian):
        super().set_hamiltonian(hamiltonian)
        self._set_couplings(hamiltonian)

    def _set_couplings(self, hamiltonian):
        dtype = np.dtype(getattr(self.sampler, "precision", "float64"))
        self.dense, matrix, indptr, indices, data = hamiltonian.kernel_couplings()
        self.coupling_args = (matrix.astype(dtype, copy=False), indptr, indices, data.astype(dtype, copy=False))
        self.states = self.states.astype(dtype, copy=False)
        self.local = np.ascontiguousarray(hamiltonian.local_fields(self.get_states()), dtype=dtype)

    @property
    def _approximate(self):
        """float32 fields: the energies the kernel accumulates carry their rounding."""
        return self.local.dtype != np.float64

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        kernel = _kernels.pairwise_sample_dense if self.dense else _kernels.pairwise_sample_sparse
        kernel(self.states, self.local, self.energy, self.betas, n_records, thin, self.sampler.rule,
               *self.coupling_args, self.low, self.rng, self.accepted, energy_trace, mag_trace, offset)
        if self._approximate:
            self._recompute()
            energy_trace[:, offset + n_records - 1] = self.energy

    def _recompute(self):
        """float32 fields: energies and local fields recomputed from the states, so that the
        rounding they accumulate is bounded by one call's flips (and a checkpoint's fields
        are a function of its states)."""
        states = self.get_states()
        self.energy[:] = checked_energy(self.hamiltonian, states)
        self.local[...] = self.hamiltonian.local_fields(states)

    def check_state(self):
        # float32 fields are recomputed after every call (_recompute): a checkpoint's agree too
        return super().check_state() or _disagreement("local", self.local,
                                                       self.hamiltonian.local_fields(self.get_states()))

    def anneal(self, schedule, n_sweeps, best_energy, best_states, trace, offset):
        kernel = _kernels.pairwise_anneal_dense if self.dense else _kernels.pairwise_anneal_sparse
        kernel(self.states, self.local, self.energy, np.asarray(schedule, np.float64), n_sweeps,
               self.sampler.rule, *self.coupling_args, self.low, self.rng, best_energy, best_states,
               trace, offset)
        if self._approximate:
            self._recompute()

    def exact_energies(self, best_energy, best_states):
        """After annealing: the chains' energies and ``best_energy`` recomputed in float64
        from the states (float32 fields round the energy changes they accumulate)."""
        if self._approximate:
            self.energy[:] = checked_energy(self.hamiltonian, self.get_states())
            best_energy[:] = checked_energy(self.hamiltonian, best_states.astype(np.int8))


class _LaneEngine(_Engine):
    """Sparse pairwise models with many chains: LANES chains per SIMD vector (``lanes_sample``).

    Chains are padded to a multiple of LANES and stored variable-major by block,
    (n_blocks, n, LANES); ``energy``, ``betas`` and ``accepted`` are views of the first
    n_chains entries of the padded arrays, so drivers see the usual per-chain arrays.
    """

    name = "lanes"
    bytes_per_variable = 16      # states and local fields, float64, in SIMD lanes

    arrays = ("lane_states", "lane_local", "lane_energy", "lane_betas", "rng", "lane_accepted")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self.n_chains, n = self.states.shape
        lanes = _kernels.LANES
        n_blocks = -(-self.n_chains // lanes)
        padded = n_blocks * lanes
        self.lane_states = np.empty((n_blocks, n, lanes))
        self.lane_local = np.empty_like(self.lane_states)
        self.lane_energy = np.zeros((n_blocks, lanes))
        self.lane_betas = np.zeros((n_blocks, lanes))
        self.lane_accepted = np.zeros((n_blocks, lanes), np.int64)
        streams = random_streams(seed_sequence, (padded,))       # chain c keeps stream c
        self.rng = np.ascontiguousarray(streams.reshape(n_blocks, lanes, 4).transpose(0, 2, 1))
        self.energy = self.lane_energy.reshape(-1)[:self.n_chains]
        self.betas = self.lane_betas.reshape(-1)[:self.n_chains]
        self.accepted = self.lane_accepted.reshape(-1)[:self.n_chains]
        self.energy[:] = hamiltonian.energy(states)
        self.betas[:] = betas
        self.lane_states[...] = self.low       # padding lanes: all down, beta = 0
        self._put(self.lane_states, self.states)
        del self.states
        self._set_couplings(hamiltonian)

    def _put(self, lane_array, chain_major):
        """Write (n_chains or padded, n) values into the lane layout."""
        n_blocks, n, lanes = lane_array.shape
        flat = lane_array.transpose(0, 2, 1).reshape(n_blocks * lanes, n)     # a copy
        flat[:len(chain_major)] = chain_major
        lane_array[...] = flat.reshape(n_blocks, lanes, n).transpose(0, 2, 1)

    def _get(self, lane_array, padding=False):
        """(n_chains, n) values (with the padding lanes: (n_blocks * LANES, n)), a copy."""
        n_blocks, n, lanes = lane_array.shape
        flat = lane_array.transpose(0, 2, 1).reshape(n_blocks * lanes, n)
        return flat if padding else flat[:self.n_chains]

    def _set_couplings(self, hamiltonian):
        states = self._get(self.lane_states, padding=True).astype(np.int8)
        self._put(self.lane_local, hamiltonian.local_fields(states))
        self.csr_args = csr_arrays(hamiltonian.couplings)

    _valid_streams = staticmethod(streams(axis=1))          # (n_blocks, 4 words, LANES)

    def _valid_lane_states(self, lane_states):
        n_blocks, n, lanes = lane_states.shape
        return self._valid_states(lane_states.transpose(0, 2, 1).reshape(n_blocks * lanes, n))

    def check_state(self):
        states = self._get(self.lane_states, padding=True)
        return (super().check_state()
                or _disagreement("lane_local", self._get(self.lane_local, padding=True),
                                 self.hamiltonian.local_fields(states.astype(np.int8))))

    @property
    def attempts_per_sweep(self):
        return self.lane_states.shape[1]

    def get_states(self):
        return self._get(self.lane_states).astype(np.int8)

    def set_hamiltonian(self, hamiltonian):
        self.hamiltonian = hamiltonian
        self.energy[:] = hamiltonian.energy(self.get_states())
        self._set_couplings(hamiltonian)

    def take(self, indices):
        indices = np.asarray(indices, np.int64)
        _kernels.lanes_take(self.lane_states, indices)
        _kernels.lanes_take(self.lane_local, indices)
        self.energy[...] = self.energy[indices]

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        _kernels.lanes_sample(self.lane_states, self.lane_local, self.lane_energy, self.lane_betas, n_records,
                              thin, self.sampler.rule, *self.csr_args, self.low, self.rng, self.lane_accepted,
                              energy_trace, mag_trace, offset)


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


class _CheckerboardEngine(_Engine):
    name = "checkerboard"
    bytes_per_variable = 1      # int8 spins by sublattice

    arrays = ("black", "white", "energy", "betas", "rng", "accepted")
    chain_arrays = ("black", "white", "energy")

    def set_hamiltonian(self, hamiltonian):
        raise TypeError("checkerboard sweeps cannot follow a path of Hamiltonians; "
                        "use Metropolis(checkerboard=False)")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self.L, self.M, self.J, self.h = hamiltonian.square_lattice
        grid = self.states.reshape(-1, self.L, self.M).astype(np.int8)
        self.black, self.white = split_colours(grid)
        self.rng = random_streams(seed_sequence, (grid.shape[0], self.L))

    def get_states(self):
        return join_colours(self.black, self.white).reshape(self.black.shape[0], -1)

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        _kernels.checkerboard_sample(self.black, self.white, self.betas, float(self.J), float(self.h),
                                     self.sampler.rule, n_records, thin, self.rng, self.accepted,
                                     energy_trace, mag_trace, offset)
        self.energy[:] = energy_trace[:, offset + n_records - 1]


class _MultiSpinEngine(_Engine):
    """64 chains per uint64 word (``_multispin``): chain c is bit c % 64 of ``spins[c // 64]``;
    ``energy``, ``betas`` and ``accepted`` are views of the first n_chains lanes."""

    name = "multispin"
    bytes_per_variable = 0.125      # one bit: 64 chains per word

    arrays = ("spins", "lane_energy", "lane_betas", "rng", "lane_accepted")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence, lattice):
        self.hamiltonian, self.sampler, self.low, self.lattice = hamiltonian, sampler, -1.0, lattice
        self.n_chains = len(states)
        self.spins = states.words if isinstance(states, _multispin.PackedStates) else _multispin.pack(states)
        n_words = self.spins.shape[0]
        lanes = np.arange(n_words * 64).reshape(n_words, 64) < self.n_chains
        self.active = (lanes.astype(np.uint64) << np.arange(64, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
        self.lane_energy = np.zeros(n_words * 64)
        self.lane_betas = np.zeros((n_words, 64))
        self.lane_accepted = np.zeros((n_words, 64), np.int64)
        self.energy = self.lane_energy[:self.n_chains]
        self.betas = self.lane_betas.reshape(-1)[:self.n_chains]
        self.accepted = self.lane_accepted.reshape(-1)[:self.n_chains]
        self.rng = random_streams(seed_sequence, (n_words,))
        self.constants = np.array([lattice.magnitude, lattice.field, lattice.offset])
        self.set_betas(betas)
        self._advance(1, 0, np.empty((self.n_chains, 1)), np.empty((self.n_chains, 1)), 0)      # the energies

    @property
    def attempts_per_sweep(self):
        return self.lattice.n

    def get_states(self):
        return _multispin.unpack(self.spins, self.n_chains)

    def set_betas(self, betas):
        self.betas[:] = betas
        self.planes = _multispin.class_planes(self.lattice, self.lane_betas, self.sampler.rule, self.active,
                                              getattr(self, "planes", None))
        self.plan, self.fold = _multispin.sweep_plan(self.lattice, self.sampler.rule, self.planes[1], self.active)

    def restore(self, arrays):
        super().restore(arrays)
        self.set_betas(self.betas)

    def check_state(self):
        """Energies counted again from the packed states (each lane with its own bonds)."""
        saved = self.energy.copy()
        self._advance(1, 0, np.empty((self.n_chains, 1)), np.empty((self.n_chains, 1)), 0)
        return _disagreement("lane_energy", saved, self.energy)

    def take(self, indices):
        self.spins[...] = _multispin.pack(self.get_states()[indices])
        self.energy[...] = self.energy[indices]

    def set_hamiltonian(self, hamiltonian):
        raise TypeError("MultiSpin cannot follow a path of models; use Metropolis(multispin=False)")

    def overlaps(self, first, second):
        first, second = np.broadcast_arrays(np.asarray(first, np.int64), np.asarray(second, np.int64))
        out = np.empty(first.shape)
        _multispin.packed_overlaps(self.spins, first.ravel(), second.ravel(), out.reshape(-1))
        return out

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        self._advance(n_records, thin, energy_trace, mag_trace, offset)

    def _advance(self, n_records, thin, energy_trace, mag_trace, offset):
        lattice = self.lattice
        _multispin.multispin_run(self.spins, lattice.neighbours, lattice.anti, lattice.frustrated, self.plan, self.fold,
                                 self.constants, *self.planes, self.rng, self.lane_accepted,
                                 n_records, thin, self.energy, energy_trace, mag_trace, offset)


class _ClusterEngine(_Engine):
    name = "cluster"
    bytes_per_variable = 8      # float64 states

    def set_hamiltonian(self, hamiltonian):
        raise TypeError(f"{type(self.sampler).__name__} cannot follow a path of Hamiltonians; use Metropolis()")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence, kernel):
        couplings = _require_ferromagnet(hamiltonian, type(sampler).__name__)
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self.kernel = kernel
        self.csr_args = csr_arrays(couplings)

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        self.kernel(self.states, self.betas, n_records, thin, *self.csr_args, self.rng, self.accepted,
                    energy_trace, mag_trace, offset)
        energy_trace[:, offset:offset + n_records] += self.hamiltonian.offset
        self.energy[:] = energy_trace[:, offset + n_records - 1]


class _BlockGibbsEngine(_Engine):
    """Layer by layer from the unit types' conditionals; two-state units of one kind
    through the fused probability-and-draw kernels."""

    name = "block-gibbs"
    bytes_per_variable = 24      # float64 states and a layer of conditionals

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        self._check_normalisable(hamiltonian)
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)

    @staticmethod
    def _check_normalisable(hamiltonian):
        if all(u.name == "gaussian" for u in hamiltonian.unit_types):
            hamiltonian.gaussian_precision()        # chains would diverge: refuse

    def set_hamiltonian(self, hamiltonian):
        self._check_normalisable(hamiltonian)
        super().set_hamiltonian(hamiltonian)

    def set_betas(self, betas):
        continuous = [u.name for u in self.hamiltonian.unit_types if not u.discrete]
        if continuous and np.any(np.asarray(betas) <= 0):
            raise ValueError(f"beta must be > 0 for {continuous[0]} units (their Boltzmann weight has no "
                             f"normalisation at beta = 0); got {np.min(betas)}")
        super().set_betas(betas)

    def _half_step(self, source, weights, bias, units, out, beta):
        if self.low is None:
            sample_from_fields(source @ weights + bias, units, self.rng, beta, out=out, parallel=True)
        else:
            sample_layer(layer_probability(source, weights, bias, beta, self.low), self.low, self.rng, out=out,
                         parallel=True)

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        hamiltonian = self.hamiltonian
        n_visible = hamiltonian.n_visible
        visible_units, hidden_units = hamiltonian.unit_types
        beta = self.betas[:, None]
        for r in range(n_records):
            for _ in range(thin):
                before = self.states.copy()
                visible, hidden = self.states[:, :n_visible], self.states[:, n_visible:]
                # The one block-Gibbs half-step, with one beta per chain.
                self._half_step(visible, hamiltonian.weights, hamiltonian.hidden_bias, hidden_units, hidden, beta)
                self._half_step(hidden, hamiltonian.weights.T, hamiltonian.visible_bias, visible_units, visible,
                                beta)
                self.accepted += (self.states != before).sum(axis=1)
            self.energy[:] = hamiltonian.energy(self.states)
            energy_trace[:, offset + r] = self.energy
            mag_trace[:, offset + r] = self.states.sum(axis=1)


class _GenericEngine(_Engine):
    """Any Hamiltonian, through its own vectorised ``delta_energy`` (one call per variable)."""

    name = "generic"
    bytes_per_variable = 9      # float64 and int8 states

    chain_arrays = ("int_states", "energy")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        if not isinstance(hamiltonian, Hamiltonian):
            raise TypeError(f"hamiltonian must be a statmech.Hamiltonian; got {type(hamiltonian).__name__}")
        key = type(hamiltonian)
        if key not in _warned_slow:
            _warned_slow.add(key)
            advice = structure_hint(hamiltonian) or (". Subclass PairwiseHamiltonian when the energy has that "
                                                     "form")
            warnings.warn(f"{key.__name__} has no numba kernel; {type(sampler).__name__} calls its "
                          f"delta_energy once per variable per sweep, vectorised over chains (slow){advice}.",
                          SlowPathWarning, stacklevel=5)
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self.int_states = self.states.astype(np.int8)

    def get_states(self):
        return self.int_states.copy()

    def snapshot(self):
        self.states[:] = self.int_states
        return super().snapshot()

    def restore(self, arrays):
        super().restore(arrays)
        self.int_states[:] = self.states

    def _delta_energy(self, i):
        """The model's delta_energy of flipping i in every chain, checked like its energy."""
        result = self.hamiltonian.delta_energy(self.int_states, i)
        delta = np.asarray(result, np.float64) if np.ndim(result) else np.full(len(self.int_states), np.nan)
        if delta.shape != (len(self.int_states),) or not np.all(np.isfinite(delta)):
            raise ValueError(f"{type(self.hamiltonian).__name__}.delta_energy must return finite energy changes "
                             f"of shape ({len(self.int_states)},) for states of shape {self.int_states.shape}; "
                             f"got {result!r:.80}")
        return delta

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        n_chains, n = self.int_states.shape
        uniforms = np.empty(n_chains)
        probabilities = np.empty(n_chains)
        flip = np.int8(LOW_VALUE[self.hamiltonian.domain] + 1)
        for r in range(n_records):
            for _ in range(thin):
                for i in range(n):
                    delta_energy = self._delta_energy(i)
                    _kernels.acceptance_probabilities(self.sampler.rule, self.betas * delta_energy,
                                                      probabilities)
                    _kernels.generic_uniforms(self.rng, uniforms)
                    accepted = uniforms < probabilities
                    self.int_states[accepted, i] = flip - self.int_states[accepted, i]
                    self.energy[accepted] += delta_energy[accepted]
                    self.accepted += accepted
            energy_trace[:, offset + r] = self.energy
            mag_trace[:, offset + r] = self.int_states.sum(axis=1)
