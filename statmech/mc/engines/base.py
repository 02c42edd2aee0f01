"""What every engine shares: :class:`ChainEngine`, the chain state of ``n_chains`` chains
(states, energies, betas, one random stream per chain, acceptance counts) with the
interface of :class:`statmech.mc.engines.Engine`, and the consistency check of a
restored checkpoint."""
from typing import ClassVar

import numpy as np

from ...hamiltonian import checked_energy, convert_states
from ...jit import threads_for
from ...rng import random_streams
from ...runloop import Field, at_least, finite, streams

__all__ = ["ChainEngine", "disagreement"]


def disagreement(name: str, saved: np.ndarray, exact: np.ndarray, rtol: float = 1e-6) -> tuple[str, str] | None:
    """None, or (name, message) when ``saved`` (energies or local fields carried along a
    run, which accumulate rounding) is not ``exact`` (computed from the states) within
    ``rtol`` of the largest magnitude."""
    worst = float(np.max(np.abs(saved - exact), initial=0.0))
    if worst <= rtol * max(1.0, float(np.max(np.abs(exact), initial=0.0))):
        return None
    return name, f"disagrees with the states it belongs to by {worst:.3g}"


class ChainEngine:
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

    arrays: ClassVar[tuple[str, ...]] = ("states", "energy", "betas", "rng", "accepted")
    #: What records report as the engine that ran.
    name = "generic"
    #: Bytes of chain state per chain and variable of the model (float64 states).
    bytes_per_variable: ClassVar[float] = 8
    #: Per-chain state that moves with its chain when a population is resampled
    #: (random streams stay with their slot, so no two chains ever share one).
    chain_arrays: ClassVar[tuple[str, ...]] = ("states", "energy")
    #: Chains that share one machine word (packed engines): the drivers' default
    #: numbers of chains fill the words (``statmech.mc.drivers.chains_and_plan``).
    chains_per_word: ClassVar[int] = 1
    #: Seconds per attempted move on one thread: a rough, fixed figure (from
    #: ``benchmarks/``) by which drivers size their calls and calls choose their threads.
    seconds_per_attempt: ClassVar[float] = 5e-9

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        self.hamiltonian = hamiltonian
        self.sampler = sampler
        self.low = hamiltonian.low
        self.states = np.ascontiguousarray(states, dtype=np.float64)
        self.betas = np.zeros(self.states.shape[0])
        self.set_betas(betas)
        self.energy = checked_energy(hamiltonian, states).copy()
        self.rng = random_streams(seed_sequence, (self.states.shape[0],))
        self.accepted = np.zeros(self.states.shape[0], np.int64)

    @property
    def attempts_per_sweep(self):
        return self.states.shape[1]

    def sweep_seconds(self):
        """A rough one-thread estimate of the seconds of one sweep of every chain, from
        ``seconds_per_attempt``."""
        return len(self.energy) * self.attempts_per_sweep * self.seconds_per_attempt

    def threads(self, sweeps, n_units=None):
        """:class:`~statmech.jit.threads_for` a call of ``sweeps`` sweeps of every chain in
        ``n_units`` independent pieces (default: one per chain), by :meth:`sweep_seconds`."""
        n_chains = len(self.energy)
        return threads_for(n_chains if n_units is None else n_units, sweeps * self.sweep_seconds())

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
        rules = self.value_rules()
        return {name: Field.like(array, rules[name]) for name, array in self.snapshot().items()}

    def value_rules(self):
        """{array name: rule on its values} for :meth:`snapshot_fields` (engines add theirs)."""
        return {"states": self.valid_states, "energy": finite, "local": finite, "betas": at_least(0.0),
                "accepted": at_least(0), "rng": streams()}

    def valid_states(self, states):
        """Rule: states of the model (``check_states``)."""
        try:
            self.hamiltonian.check_states(states)
        except ValueError as error:
            return f"holds a state the model does not have ({error})"
        return None

    def check_state(self):
        """After :meth:`restore`: None, or (array, what is wrong) when the arrays disagree
        with each other (energies that are not those of the states)."""
        name = "lane_energy" if "lane_energy" in self.arrays else "energy"
        return disagreement(name, self.energy, checked_energy(self.hamiltonian, self.get_states()))

    def states_of(self, chains):
        """The states of the chains ``chains`` (an index array): ``get_states()[chains]``."""
        return self.get_states()[chains]

    def site_overlaps(self, first, second):
        """q_i = s_i s'_i (spin form) between chains ``first`` and ``second`` (index arrays
        of one shape): int8 of that shape + (n,). Their mean is the overlap q."""
        states = self.get_states()
        spins = states if self.hamiltonian.domain == "spin" else convert_states(states, "spin")
        return spins[first] * spins[second]

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        raise NotImplementedError

    def flip_state(self):
        """None: only engines that keep local fields offer single-flip kernels their arrays."""
        return None

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
