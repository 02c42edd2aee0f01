"""The generic engine: any Hamiltonian, through its own vectorised ``delta_energy`` (one
call per variable per sweep, vectorised over chains); slow, and it says so once."""
import warnings

import numpy as np

from ...errors import SlowPathWarning
from ...hamiltonian import Hamiltonian, structure_hint
from ...jit import njit
from ...rng import uniform
from ..acceptance import acceptance_probabilities
from .base import ChainEngine

__all__ = ["GenericEngine"]

_warned_slow: set = set()


@njit
def generic_uniforms(rng, out):
    """One uniform per stream (for samplers whose energy is evaluated in Python; one per
    chain is too little work for threads)."""
    for c in range(rng.shape[0]):
        out[c] = uniform(rng[c])


class GenericEngine(ChainEngine):
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
        flip = np.int8(self.hamiltonian.low + 1)
        for r in range(n_records):
            for _ in range(thin):
                for i in range(n):
                    delta_energy = self._delta_energy(i)
                    acceptance_probabilities(self.sampler.rule, self.betas * delta_energy,
                                                      probabilities)
                    generic_uniforms(self.rng, uniforms)
                    accepted = uniforms < probabilities
                    self.int_states[accepted, i] = flip - self.int_states[accepted, i]
                    self.energy[accepted] += delta_energy[accepted]
                    self.accepted += accepted
            energy_trace[:, offset + r] = self.energy
            mag_trace[:, offset + r] = self.int_states.sum(axis=1)
