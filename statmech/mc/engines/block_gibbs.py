"""The block-Gibbs engine: bipartite models of any unit types, a layer at a time from the
unit types' conditionals (two-state units of one kind through the fused
probability-and-draw kernels of :mod:`statmech.gibbs`)."""
import numpy as np

from ...gibbs import layer_probability, sample_from_fields, sample_layer
from .base import ChainEngine

__all__ = ["BlockGibbsEngine"]


class BlockGibbsEngine(ChainEngine):
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
        with self.threads(0.5):         # one parallel region per half-step: about half a sweep's work
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
