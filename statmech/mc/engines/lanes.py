"""The lane engine: sparse pairwise models with many chains, ``LANES`` chains per SIMD
vector: the same sweep as the pairwise engine, with a vectorised exp and branch-free
flips, the chains stored variable-major by block (n_blocks, n, LANES)."""
import numpy as np

from ...hamiltonian import csr_arrays, pairwise_form
from ...jit import njit, prange
from ...rng import random_streams, uniform_32_high, xoshiro_step
from ...runloop import at_least, finite, streams
from ...fastmath import exp_nonpositive_scratch, logistic_scratch
from ..acceptance import METROPOLIS, METROPOLIS_TIE
from .base import ChainEngine, disagreement

__all__ = ["LaneEngine", "LANES", "lanes_take"]


#: Chains updated together by the lane kernels (a multiple of every SIMD width in use).
LANES = 32


@njit
def _lane_uniforms(rng, out):
    """out[c] = a uniform on the 2**-32 grid from lane c's stream; rng (4, lanes) holds
    the lanes' xoshiro256** words by row, so the loop over lanes vectorises."""
    s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
    for c in range(out.size):
        bits, s0[c], s1[c], s2[c], s3[c] = xoshiro_step(s0[c], s1[c], s2[c], s3[c])
        out[c] = uniform_32_high(bits)


@njit
def _lane_sweep(state, local, energy, beta, rule, indptr, indices, data, low, rng, accepted,
                arg, prob, unif, change, shifted, power_bits):
    """One sweep i = 0..n-1 of single-variable updates of ``lanes`` independent chains at once.

    The same Markov chain as ``_sweep`` (same order, same acceptance probability), with
    the chains as SIMD lanes: state, local (n, lanes), energy, beta, accepted (lanes,),
    rng (4, lanes). Per variable, every lane computes beta Delta E, its acceptance
    probability (``acceptance_probability`` written with a vectorised exp), draws a
    uniform and applies its flip or not without a branch; the coupling row then updates
    the neighbours' local fields in every lane by the (possibly zero) change.
    """
    metropolis = rule == METROPOLIS
    for i in range(state.shape[0]):
        s_i = state[i]
        h_i = local[i]
        if metropolis:                          # min(1, e^-x), x = beta * Delta E of the flip
            for c in range(s_i.size):
                arg[c] = min(((1.0 + low) - 2.0 * s_i[c]) * h_i[c] * beta[c], 0.0)
            exp_nonpositive_scratch(arg, prob, shifted, power_bits)
            for c in range(s_i.size):           # the tie x = 0: acceptance_probability's
                prob[c] = METROPOLIS_TIE if h_i[c] * beta[c] == 0.0 else prob[c]
        else:                                   # 1 / (1 + e^x) = logistic(-x)
            for c in range(s_i.size):
                arg[c] = ((1.0 + low) - 2.0 * s_i[c]) * h_i[c] * beta[c]
            logistic_scratch(arg, prob, change, shifted, power_bits)
        _lane_uniforms(rng, unif)
        for c in range(s_i.size):
            delta = (1.0 + low) - 2.0 * s_i[c]
            d = delta if unif[c] < prob[c] else 0.0
            change[c] = d
            s_i[c] += d
            energy[c] -= d * h_i[c]
        for c in range(s_i.size):
            accepted[c] += change[c] != 0.0
        for k in range(indptr[i], indptr[i + 1]):
            h_j = local[indices[k]]
            w = data[k]
            for c in range(s_i.size):
                h_j[c] += change[c] * w


@njit(parallel=True)
def lanes_sample(states, local, energy, betas, n_records, thin, rule, indptr, indices, data, low, rng,
                 accepted, energy_trace, mag_trace, offset):
    """pairwise_sample_sparse with chains in blocks of LANES SIMD lanes.

    states, local : (n_blocks, n, LANES); energy, betas, accepted : (n_blocks, LANES);
    rng : (n_blocks, 4, LANES). Chain b * LANES + c is lane c of block b; traces
    (n_chains, n_steps) are written for chains < n_chains (the rest are padding).
    """
    n_blocks, n, lanes = states.shape
    n_chains = energy_trace.shape[0]
    for b in prange(n_blocks):
        arg = np.empty(lanes)
        prob = np.empty(lanes)
        unif = np.empty(lanes)
        change = np.empty(lanes)
        shifted = np.empty(lanes)
        power_bits = np.empty(lanes, np.int64)
        for r in range(n_records):
            for _ in range(thin):
                _lane_sweep(states[b], local[b], energy[b], betas[b], rule, indptr, indices, data, low,
                            rng[b], accepted[b], arg, prob, unif, change, shifted, power_bits)
            for c in range(min(lanes, n_chains - b * lanes)):
                magnetization = 0.0
                for i in range(n):
                    magnetization += states[b, i, c]
                energy_trace[b * lanes + c, offset + r] = energy[b, c]
                mag_trace[b * lanes + c, offset + r] = magnetization


@njit(parallel=True)
def lanes_take(array, indices):
    """array[chain t] = old array[chain indices[t]] for lane-layout arrays (n_blocks, n, LANES)
    (population resampling); chains past indices.size (padding) are left alone."""
    n_blocks, n, lanes = array.shape
    source = array.copy()           # a slice copy inside prange costs seconds of compilation
    for b in prange(n_blocks):
        width = min(lanes, indices.size - b * lanes)
        for i in range(n):
            for c in range(width):
                t = indices[b * lanes + c]
                array[b, i, c] = source[t // lanes, i, t % lanes]


class LaneEngine(ChainEngine):
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
        lanes = LANES
        n_blocks = -(-self.n_chains // lanes)
        padded = n_blocks * lanes
        self.lane_states = np.empty((n_blocks, n, lanes))
        self.lane_local = np.empty_like(self.lane_states)
        self.lane_energy = np.zeros((n_blocks, lanes))
        self.lane_betas = np.zeros((n_blocks, lanes))
        self.lane_accepted = np.zeros((n_blocks, lanes), np.int64)
        words = random_streams(seed_sequence, (padded,))       # chain c keeps stream c
        self.rng = np.ascontiguousarray(words.reshape(n_blocks, lanes, 4).transpose(0, 2, 1))
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
        self.csr_args = csr_arrays(pairwise_form(hamiltonian).couplings)

    def value_rules(self):
        return {"lane_states": self.valid_lane_states, "lane_local": finite, "lane_energy": finite,
                "lane_betas": at_least(0.0), "rng": streams(axis=1),          # (n_blocks, 4 words, LANES)
                "lane_accepted": at_least(0)}

    def valid_lane_states(self, lane_states):
        """Rule: the states of every lane, padding included, are states of the model."""
        n_blocks, n, lanes = lane_states.shape
        return self.valid_states(lane_states.transpose(0, 2, 1).reshape(n_blocks * lanes, n))

    def check_state(self):
        states = self._get(self.lane_states, padding=True)
        return (super().check_state()
                or disagreement("lane_local", self._get(self.lane_local, padding=True),
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
        lanes_take(self.lane_states, indices)
        lanes_take(self.lane_local, indices)
        self.energy[...] = self.energy[indices]

    def run(self, n_records, thin, energy_trace, mag_trace, offset):
        with self.threads(n_records * thin, n_units=self.lane_states.shape[0]):
            lanes_sample(self.lane_states, self.lane_local, self.lane_energy, self.lane_betas, n_records, thin,
                         self.sampler.rule, *self.csr_args, self.low, self.rng, self.lane_accepted, energy_trace,
                         mag_trace, offset)
