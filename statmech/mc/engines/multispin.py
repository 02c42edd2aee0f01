"""The multi-spin engine: 64 chains in the bits of each 64-bit word (the kernels are in
:mod:`statmech.mc.engines.multispin_kernels`)."""
import numpy as np

from ...rng import random_streams
from ...runloop import at_least, finite, streams
from . import multispin_kernels as kernels
from .base import ChainEngine, disagreement

__all__ = ["MultiSpinEngine"]


class MultiSpinEngine(ChainEngine):
    """64 chains per uint64 word (``multispin_kernels``): chain c is bit c % 64 of ``spins[c // 64]``;
    ``energy``, ``betas`` and ``accepted`` are views of the first n_chains lanes."""

    name = "multispin"
    bytes_per_variable = 0.125      # one bit: 64 chains per word
    chains_per_word = 64
    seconds_per_attempt = 5e-10

    arrays = ("spins", "lane_energy", "lane_betas", "rng", "lane_accepted")

    def value_rules(self):
        return {"spins": None, "lane_energy": finite, "lane_betas": at_least(0.0), "rng": streams(),
                "lane_accepted": at_least(0)}       # every bit pattern of the words is a state

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence, lattice):
        self.hamiltonian, self.sampler, self.low, self.lattice = hamiltonian, sampler, -1.0, lattice
        self.n_chains = len(states)
        self.spins = states.words if isinstance(states, kernels.PackedStates) else kernels.pack(states)
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
        return kernels.unpack(self.spins, self.n_chains)

    def set_betas(self, betas):
        self.betas[:] = betas
        self.planes = kernels.class_planes(self.lattice, self.lane_betas, self.sampler.rule, self.active,
                                              getattr(self, "planes", None))
        self.plan, self.fold = kernels.sweep_plan(self.lattice, self.sampler.rule, self.planes[1], self.active)

    def restore(self, arrays):
        super().restore(arrays)
        self.set_betas(self.betas)

    def check_state(self):
        """Energies counted again from the packed states (each lane with its own bonds)."""
        saved = self.energy.copy()
        self._advance(1, 0, np.empty((self.n_chains, 1)), np.empty((self.n_chains, 1)), 0)
        return disagreement("lane_energy", saved, self.energy)

    def take(self, indices):
        self.spins[...] = kernels.pack(self.get_states()[indices])
        self.energy[...] = self.energy[indices]

    def set_hamiltonian(self, hamiltonian):
        raise TypeError("MultiSpin cannot follow a path of models; use Metropolis(multispin=False)")

    def states_of(self, chains):
        """The chains' lanes alone unpacked."""
        chains = np.asarray(chains, np.int64)
        out = np.empty(chains.shape + (self.spins.shape[1],), np.int8)
        kernels.packed_site_overlaps(self.spins, chains.ravel(), None, out.reshape(-1, self.spins.shape[1]))
        return out

    def site_overlaps(self, first, second):
        """From the two chains' lanes, without unpacking the others."""
        first, second = np.broadcast_arrays(np.asarray(first, np.int64), np.asarray(second, np.int64))
        out = np.empty(first.shape + (self.spins.shape[1],), np.int8)
        kernels.packed_site_overlaps(self.spins, first.ravel(), second.ravel(), out.reshape(-1, self.spins.shape[1]))
        return out

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        self._advance(n_records, thin, energy_trace, mag_trace, offset)

    def anneal(self, schedule, n_sweeps, best_energy, best_states, trace, offset):
        """The whole chunk of ``schedule`` in one kernel call (planes of each beta built in
        it): the chains of one :meth:`run` per beta."""
        n_words = self.spins.shape[0]
        with self.threads(len(schedule) * n_sweeps, n_units=-(-n_words // kernels.group_width(n_words))):
            kernels.multispin_anneal(self.spins, self.lattice, self.sampler.rule, self.active, schedule,
                                     n_sweeps, self.rng, self.lane_accepted, self.energy, best_energy, best_states,
                                     trace, offset)
        self.set_betas(schedule[-1])

    def _advance(self, n_records, thin, energy_trace, mag_trace, offset):
        lattice = self.lattice
        n_words = self.spins.shape[0]
        with self.threads(n_records * thin, n_units=-(-n_words // kernels.group_width(n_words))):
            kernels.multispin_run(self.spins, lattice.neighbours, lattice.anti, lattice.frustrated, self.plan, self.fold,
                                  self.constants, *self.planes, self.rng, self.lane_accepted,
                                  n_records, thin, self.energy, energy_trace, mag_trace, offset)
