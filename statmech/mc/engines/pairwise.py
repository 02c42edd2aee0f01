"""The pairwise engine: single-variable sweeps of a pairwise model (dense or CSR couplings)
with incrementally updated local fields, one chain per thread, for sampling and annealing.

Flipping variable i changes E by -delta * local[i] (delta = new - old value); on
acceptance the local fields move by delta * J[i, :] (``statmech.fastmath.add_coupling_row``,
shared with exact enumeration).
"""
from dataclasses import dataclass

import numpy as np

from ...hamiltonian import checked_energy, pairwise_form
from ...jit import njit, prange
from ...fastmath import add_coupling_row
from ..acceptance import accept
from .base import ChainEngine, disagreement

__all__ = ["PairwiseEngine", "FlipState"]


@dataclass(frozen=True)
class FlipState:
    """The arrays a single-flip kernel updates in place (``Engine.flip_state``): a flip of
    variable i of chain c by delta = (1 + low) - 2 s_i changes its energy by
    -delta * local[c, i], and the local fields by delta * J[i, :].

    Attributes
    ----------
    states, local : ndarray of shape (n_chains, n)
    energy : ndarray of shape (n_chains,)
    couplings : tuple
        (matrix, indptr, indices, data) as the kernels take them (``kernel_couplings``).
    dense : bool
    low : float
    rng : ndarray of shape (n_chains, 4), uint64
        One random stream per chain.
    """

    states: np.ndarray
    local: np.ndarray
    energy: np.ndarray
    couplings: tuple
    dense: bool
    low: float
    rng: np.ndarray


@njit
def _sweep(state, local, energy, beta, rule, couplings, indptr, indices, data, dense, low, rng):
    """One systematic sweep of single-variable updates over i = 0..n-1.

    Flipping i changes E by -delta * local[i] (delta = new - old value); on acceptance
    the local fields move by delta * J[i, :]. Returns (energy, accepted count).
    """
    accepted = 0
    for i in range(state.size):
        delta = (1.0 - low) if state[i] == low else (low - 1.0)
        de = -delta * local[i]
        if accept(rule, beta * de, rng):
            state[i] += delta
            energy += de
            accepted += 1
            add_coupling_row(local, i, delta, couplings, indptr, indices, data, dense)
    return energy, accepted


@njit
def _sample_chain(state, local, energy, beta, n_records, thin, rule, couplings, indptr, indices, data,
                  dense, low, rng, energy_trace, mag_trace, offset):
    """n_records * thin sweeps of one chain at fixed beta; returns (energy, accepted)."""
    accepted = 0
    for r in range(n_records):
        for _ in range(thin):
            energy, n_acc = _sweep(state, local, energy, beta, rule, couplings, indptr, indices, data,
                                   dense, low, rng)
            accepted += n_acc
        energy_trace[offset + r] = energy
        mag_trace[offset + r] = state.sum()
    return energy, accepted


@njit
def _anneal_chain(state, local, energy, schedule, n_sweeps, rule, couplings, indptr, indices, data,
                  dense, low, rng, best_energy, best_state, trace, offset):
    """Sweep one chain through the schedule; returns (energy, best energy)."""
    for k in range(schedule.size):
        for _ in range(n_sweeps):
            energy, _ = _sweep(state, local, energy, schedule[k], rule, couplings, indptr, indices,
                               data, dense, low, rng)
        trace[offset + k] = energy
        if energy < best_energy:
            best_energy = energy
            best_state[:] = state
    return energy, best_energy


# The dense and sparse drivers differ only in a constant, which the compiler folds into
# _sweep: the dense row update then vectorises (a runtime flag costs a factor ~5).
@njit(parallel=True)
def pairwise_sample_dense(states, local, energy, betas, n_records, thin, rule, couplings, indptr,
                          indices, data, low, rng, accepted, energy_trace, mag_trace, offset):
    """Run n_records * thin sweeps per chain at fixed betas, recording E and M every thin sweeps.

    states, local : (n_chains, n) float64, updated in place; energy, betas, accepted :
    (n_chains,); traces (n_chains, n_steps) written at columns offset .. offset + n_records - 1.
    """
    for c in prange(states.shape[0]):
        energy[c], n_acc = _sample_chain(states[c], local[c], energy[c], betas[c], n_records, thin, rule,
                                         couplings, indptr, indices, data, True, low, rng[c],
                                         energy_trace[c], mag_trace[c], offset)
        accepted[c] += n_acc


@njit(parallel=True)
def pairwise_sample_sparse(states, local, energy, betas, n_records, thin, rule, couplings, indptr,
                           indices, data, low, rng, accepted, energy_trace, mag_trace, offset):
    """pairwise_sample_dense for couplings in CSR form (indptr, indices, data)."""
    for c in prange(states.shape[0]):
        energy[c], n_acc = _sample_chain(states[c], local[c], energy[c], betas[c], n_records, thin, rule,
                                         couplings, indptr, indices, data, False, low, rng[c],
                                         energy_trace[c], mag_trace[c], offset)
        accepted[c] += n_acc


@njit(parallel=True)
def pairwise_anneal_dense(states, local, energy, schedule, n_sweeps, rule, couplings, indptr, indices,
                          data, low, rng, best_energy, best_states, trace, offset):
    """Anneal each chain through ``schedule`` (n_sweeps sweeps per beta), keeping its best state.

    trace[c, offset + k] is the energy after the sweeps at schedule[k].
    """
    for c in prange(states.shape[0]):
        energy[c], best_energy[c] = _anneal_chain(states[c], local[c], energy[c], schedule, n_sweeps, rule,
                                                  couplings, indptr, indices, data, True, low, rng[c],
                                                  best_energy[c], best_states[c], trace[c], offset)


@njit(parallel=True)
def pairwise_anneal_sparse(states, local, energy, schedule, n_sweeps, rule, couplings, indptr, indices,
                           data, low, rng, best_energy, best_states, trace, offset):
    """pairwise_anneal_dense for couplings in CSR form."""
    for c in prange(states.shape[0]):
        energy[c], best_energy[c] = _anneal_chain(states[c], local[c], energy[c], schedule, n_sweeps, rule,
                                                  couplings, indptr, indices, data, False, low, rng[c],
                                                  best_energy[c], best_states[c], trace[c], offset)


class PairwiseEngine(ChainEngine):
    name = "pairwise"
    bytes_per_variable = 16      # states and local fields, float64

    arrays = ChainEngine.arrays + ("local",)
    chain_arrays = ChainEngine.chain_arrays + ("local",)

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self._set_couplings(hamiltonian)

    @property
    def seconds_per_attempt(self):
        """Dense rows: an accepted flip updates n local fields."""
        return 3e-9 + (1e-10 * self.states.shape[1] if self.dense else 0.0)

    def set_hamiltonian(self, hamiltonian):
        super().set_hamiltonian(hamiltonian)
        self._set_couplings(hamiltonian)

    def _set_couplings(self, hamiltonian):
        dtype = np.dtype(getattr(self.sampler, "precision", "float64"))
        self.dense, matrix, indptr, indices, data = pairwise_form(hamiltonian).kernel_couplings()
        self.coupling_args = (matrix.astype(dtype, copy=False), indptr, indices, data.astype(dtype, copy=False))
        self.states = self.states.astype(dtype, copy=False)
        self.local = np.ascontiguousarray(hamiltonian.local_fields(self.get_states()), dtype=dtype)

    @property
    def _approximate(self):
        """float32 fields: the energies the kernel accumulates carry their rounding."""
        return self.local.dtype != np.float64

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        kernel = pairwise_sample_dense if self.dense else pairwise_sample_sparse
        with self.threads(n_records * thin):
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
        return super().check_state() or disagreement("local", self.local,
                                                       self.hamiltonian.local_fields(self.get_states()))

    def anneal(self, schedule, n_sweeps, best_energy, best_states, trace, offset):
        kernel = pairwise_anneal_dense if self.dense else pairwise_anneal_sparse
        with self.threads(len(schedule) * n_sweeps):
            kernel(self.states, self.local, self.energy, np.asarray(schedule, np.float64), n_sweeps,
                   self.sampler.rule, *self.coupling_args, self.low, self.rng, best_energy, best_states,
                   trace, offset)
        if self._approximate:
            self._recompute()

    def flip_state(self):
        """The chains' arrays for a single-flip kernel (:class:`FlipState`)."""
        return FlipState(self.states, self.local, self.energy, self.coupling_args, self.dense, self.low, self.rng)

    def exact_energies(self, best_energy, best_states):
        """After annealing: the chains' energies and ``best_energy`` recomputed in float64
        from the states (float32 fields round the energy changes they accumulate)."""
        if self._approximate:
            self.energy[:] = checked_energy(self.hamiltonian, self.get_states())
            best_energy[:] = checked_energy(self.hamiltonian, best_states.astype(np.int8))
