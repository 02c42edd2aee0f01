"""The cluster engine: Wolff single-cluster and Swendsen-Wang updates of zero-field Ising
ferromagnets (J_ij >= 0), one chain per thread."""
import numpy as np
import scipy.sparse as sp

from ...hamiltonian import PairwiseHamiltonian, csr_arrays, has_structure, structure_hint
from ...jit import njit, prange
from ...rng import uniform
from .base import ChainEngine

__all__ = ["ClusterEngine", "require_ferromagnet", "KERNELS"]


@njit
def _csr_energy(state, indptr, indices, data, fields, offset):
    e = offset
    for i in range(state.size):
        f = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            f += data[k] * state[indices[k]]
        e -= state[i] * (0.5 * f + fields[i])
    return e


@njit(parallel=True)
def wolff_sample(states, betas, n_records, thin, indptr, indices, data, rng, flipped,
                 energy_trace, mag_trace, offset):
    """Wolff single-cluster updates of a zero-field ferromagnet (J_ij >= 0), spins +-1.

    A bond to an aligned neighbour joins the cluster with probability 1 - exp(-2 beta J_ij);
    the cluster is flipped (it was grown flipping). ``thin`` clusters per record;
    ``flipped`` counts flipped spins.
    """
    n_chains, n = states.shape
    for c in prange(n_chains):
        stack = np.empty(n, np.int64)
        state = states[c]
        for r in range(n_records):
            for _ in range(thin):
                seed = int(uniform(rng[c]) * n)
                spin = state[seed]
                state[seed] = -spin
                stack[0] = seed
                top = 1
                while top > 0:
                    top -= 1
                    i = stack[top]
                    for k in range(indptr[i], indptr[i + 1]):
                        j = indices[k]
                        if state[j] == spin and uniform(rng[c]) < -np.expm1(-2.0 * betas[c] * data[k]):
                            state[j] = -spin
                            stack[top] = j
                            top += 1
                            flipped[c] += 1
                flipped[c] += 1
            energy_trace[c, offset + r] = _csr_energy(state, indptr, indices, data, np.zeros(n), 0.0)
            mag_trace[c, offset + r] = state.sum()


@njit
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(parallel=True)
def swendsen_wang_sample(states, betas, n_records, thin, indptr, indices, data, rng, flipped,
                         energy_trace, mag_trace, offset):
    """Swendsen-Wang sweeps: activate each aligned bond with probability 1 - exp(-2 beta J),
    then flip every connected cluster with probability 1/2 (union-find)."""
    n_chains, n = states.shape
    for c in prange(n_chains):
        parent = np.empty(n, np.int64)
        flip = np.empty(n, np.int8)
        state = states[c]
        for r in range(n_records):
            for _ in range(thin):
                for i in range(n):
                    parent[i] = i
                for i in range(n):
                    for k in range(indptr[i], indptr[i + 1]):
                        j = indices[k]
                        if j > i and state[j] == state[i] and \
                                uniform(rng[c]) < -np.expm1(-2.0 * betas[c] * data[k]):
                            a, b = _find(parent, i), _find(parent, j)
                            if a != b:
                                parent[max(a, b)] = min(a, b)
                for i in range(n):
                    flip[i] = -1
                for i in range(n):
                    root = _find(parent, i)
                    if flip[root] < 0:
                        flip[root] = 1 if uniform(rng[c]) < 0.5 else 0
                    if flip[root] == 1:
                        state[i] = -state[i]
                        flipped[c] += 1
            energy_trace[c, offset + r] = _csr_energy(state, indptr, indices, data, np.zeros(n), 0.0)
            mag_trace[c, offset + r] = state.sum()


#: The kernel of each cluster algorithm (the samplers' ``algorithm``).
KERNELS = {"wolff": wolff_sample, "swendsen-wang": swendsen_wang_sample}


def require_ferromagnet(hamiltonian, name):
    """The couplings as CSR, or the error of a model that is not a zero-field Ising
    ferromagnet (TypeError: not pairwise; ValueError: its values)."""
    if not has_structure(hamiltonian, PairwiseHamiltonian):
        raise TypeError(f"{name} needs a pairwise Ising ferromagnet; got {hamiltonian!r}{structure_hint(hamiltonian)}")
    if hamiltonian.domain != "spin":
        raise ValueError(f"{name} needs spins (domain 'spin'); got domain {hamiltonian.domain!r}")
    if np.any(hamiltonian.fields != 0):
        raise ValueError(f"{name} needs zero fields; got max |h| = {np.abs(hamiltonian.fields).max():.3g}")
    couplings = sp.csr_matrix(hamiltonian.couplings)
    if couplings.nnz and couplings.data.min() < 0:
        raise ValueError(f"{name} needs ferromagnetic couplings J_ij >= 0; got min J = {couplings.data.min():.3g}")
    return couplings


class ClusterEngine(ChainEngine):
    name = "cluster"
    bytes_per_variable = 8      # float64 states

    def set_hamiltonian(self, hamiltonian):
        raise TypeError(f"{type(self.sampler).__name__} cannot follow a path of Hamiltonians; use Metropolis()")

    def __init__(self, hamiltonian, sampler, states, betas, seed_sequence):
        couplings = require_ferromagnet(hamiltonian, type(sampler).__name__)
        super().__init__(hamiltonian, sampler, states, betas, seed_sequence)
        self.kernel = KERNELS[sampler.algorithm]
        self.csr_args = csr_arrays(couplings)

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        with self.threads(n_records * thin):
            self.kernel(self.states, self.betas, n_records, thin, *self.csr_args, self.rng, self.accepted,
                        energy_trace, mag_trace, offset)
        energy_trace[:, offset:offset + n_records] += self.hamiltonian.offset
        self.energy[:] = energy_trace[:, offset + n_records - 1]
