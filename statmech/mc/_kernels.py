"""Monte Carlo kernels: per-chain random streams, single-variable sweeps of pairwise
models (dense or sparse, with incrementally updated local fields), checkerboard sweeps
of the square-lattice Ising model, Wolff and Swendsen-Wang clusters, block-Gibbs
sampling of bipartite models, and replica-exchange rounds.

Every kernel takes explicit random-stream state (xoshiro256**, four uint64 words per
stream) and loops in parallel only over objects that own a stream (chains, or lattice
rows), so a seed gives bit-identical results for any number of threads.
"""
import numpy as np
# Shared with exact enumeration: the one sigmoid and the one local-field row update.
from ..units import _add_coupling_row, _exp_nonpositive_scratch, logistic_scratch, sigmoid
from ..jit import njit, prange
from ..rng import _TO_UNIT_32, uniform, xoshiro_step

METROPOLIS = 0
HEAT_BATH = 1


@njit
def acceptance_probability(rule, beta_delta_energy):
    """Probability of accepting a move that changes beta*E by ``beta_delta_energy``.

    Metropolis: min(1, exp(-x)) for x != 0 and 1/2 at x = 0; heat bath (Glauber):
    1 / (1 + exp(x)). Both satisfy detailed balance p(x) / p(-x) = exp(-x). Accepting
    every x = 0 move (the textbook min(1, 1)) makes fixed-order sweeps deterministic at
    beta = 0 and on moves that recur along the sweep (a domain wall on a periodic chain
    rides the sweep round the ring); the tie accepted with 1/2 keeps balance and breaks that.
    """
    if rule == METROPOLIS:
        if beta_delta_energy < 0.0:
            return 1.0
        return 0.5 if beta_delta_energy == 0.0 else np.exp(-beta_delta_energy)
    return sigmoid(-beta_delta_energy)


@njit
def accept(rule, beta_delta_energy, rng):
    """Draw the accept/reject decision (Metropolis skips the draw for downhill moves)."""
    if rule == METROPOLIS and beta_delta_energy < 0.0:
        return True
    u = uniform(rng)
    if rejects_without_exp(u, beta_delta_energy):
        return False
    return u < acceptance_probability(rule, beta_delta_energy)


@njit
def rejects_without_exp(u, beta_delta_energy):
    """True only where ``u >= acceptance_probability(rule, beta_delta_energy)`` under both
    rules, decided without an exp: e^x >= 1 + x + x^2 / 2 for x >= 0, so u (1 + x + x^2 / 2) >= 1
    means u >= e^-x (> heat bath's 1 / (1 + e^x)). From x = 1/64 on, the bound is below 1 by
    more than 6e-7 relative, far beyond the rounding of either side, so ``accept`` makes the
    same decision from the same draw as the exact comparison. Most uphill moves at low
    temperature end here."""
    x = beta_delta_energy
    return x >= 0.015625 and u * (1.0 + x * (1.0 + 0.5 * x)) >= 1.0


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
            _add_coupling_row(local, i, delta, couplings, indptr, indices, data, dense)
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


#: Chains updated together by the lane kernels (a multiple of every SIMD width in use).
LANES = 32


@njit
def _lane_uniforms(rng, out):
    """out[c] = a uniform on the 2**-32 grid from lane c's stream; rng (4, lanes) holds
    the lanes' xoshiro256** words by row, so the loop over lanes vectorises."""
    s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
    for c in range(out.size):
        bits, s0[c], s1[c], s2[c], s3[c] = xoshiro_step(s0[c], s1[c], s2[c], s3[c])
        out[c] = (bits >> np.uint64(32)) * _TO_UNIT_32


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
            _exp_nonpositive_scratch(arg, prob, shifted, power_bits)
            for c in range(s_i.size):           # the tie x = 0 is accepted with 1/2
                prob[c] = 0.5 if h_i[c] * beta[c] == 0.0 else prob[c]
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


@njit(parallel=True)
def generic_uniforms(rng, out):
    """One uniform per stream (for samplers whose energy is evaluated in Python)."""
    for c in prange(rng.shape[0]):
        out[c] = uniform(rng[c])


@njit
def acceptance_probabilities(rule, beta_delta_energy, out):
    for c in range(out.size):
        out[c] = acceptance_probability(rule, beta_delta_energy[c])


@njit
def _checkerboard_table(table, rule, beta, J, h):
    """table[5a + k]: acceptance of flipping spin s = 2a - 1 with neighbour sum 2k - 4,
    Delta E = 2 s (J * sum + h)."""
    for a in range(2):
        s = 2.0 * a - 1.0
        for k in range(5):
            table[5 * a + k] = acceptance_probability(rule, beta * 2.0 * s * (J * (2.0 * k - 4.0) + h))


@njit
def _neighbour_sums(sums, up, down, beside, shift):
    """sums[k] = up[k] + down[k] + beside[k - 1 + shift] + beside[k + shift] (periodic).

    The two shifts get a loop each: a constant offset lets the compiler vectorise.
    """
    K = sums.size
    if shift == 0:
        for k in range(1, K):
            sums[k] = up[k] + down[k] + beside[k - 1] + beside[k]
    else:
        for k in range(0, K - 1):
            sums[k] = up[k] + down[k] + beside[k] + beside[k + 1]
    for k in (0, K - 1):
        sums[k] = up[k] + down[k] + beside[(k - 1 + shift) % K] + beside[(k + shift) % K]


@njit
def _fill_uniforms(uniforms, stream):
    """Uniforms in [0, 1) on a 2**-32 grid, two per 64-bit output (all of xoshiro256**'s bits
    are of full quality). The grid moves an acceptance probability by < 2.4e-10."""
    s0, s1, s2, s3 = stream[0], stream[1], stream[2], stream[3]
    for k in range(0, uniforms.size - 1, 2):
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        uniforms[k] = (bits >> np.uint64(32)) * _TO_UNIT_32
        uniforms[k + 1] = (bits & np.uint64(0xFFFFFFFF)) * _TO_UNIT_32
    if uniforms.size % 2:
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        uniforms[uniforms.size - 1] = (bits >> np.uint64(32)) * _TO_UNIT_32
    stream[0], stream[1], stream[2], stream[3] = s0, s1, s2, s3


@njit
def _flip_sites(target, sums, uniforms, table):
    # Acceptance by selects on x = s * sum rather than a table gather, so the loop vectorises.
    up_m4, up_m2, up_0, up_2, up_4 = table[5], table[6], table[7], table[8], table[9]
    dn_m4, dn_m2, dn_0, dn_2, dn_4 = table[4], table[3], table[2], table[1], table[0]
    accepted = 0
    for k in range(target.size):
        s = target[k]
        x = s * sums[k]
        p_up = up_m4 if x == -4 else (up_m2 if x == -2 else (up_0 if x == 0 else (up_2 if x == 2 else up_4)))
        p_down = dn_m4 if x == -4 else (dn_m2 if x == -2 else (dn_0 if x == 0 else (dn_2 if x == 2 else dn_4)))
        p = p_up if s > 0 else p_down
        flip = np.int8(uniforms[k] < p)
        target[k] = s * np.int8(1 - 2 * flip)
        accepted += flip
    return accepted


@njit
def _checkerboard_row(target, up, down, beside, shift, table, stream, sums, uniforms):
    """Update one row of one colour of the torus, stored by sublattice.

    The colours are kept apart (see ``split_colours``): ``target`` holds the K sites of
    one colour in a row, ``up``/``down`` the other colour in the rows above and below
    (same k), ``beside`` the other colour in the same row, whose neighbours of target[k]
    are beside[k - 1 + shift] and beside[k + shift]. Neighbour sums, uniforms and
    branch-free flips are three loops, two of which vectorise. Returns accepted flips.
    """
    _neighbour_sums(sums, up, down, beside, shift)
    _fill_uniforms(uniforms, stream)
    return _flip_sites(target, sums, uniforms, table)


@njit
def _colour_sweep(black, white, x, colour, table, stream, sums, uniforms):
    """Sites of ``colour`` in row x: black (x + y even) sit at y = 2k + x % 2, white at
    y = 2k + 1 - x % 2."""
    L = black.shape[0]
    parity = x % 2
    if colour == 0:
        return _checkerboard_row(black[x], white[(x - 1) % L], white[(x + 1) % L], white[x], parity,
                                 table, stream, sums, uniforms)
    return _checkerboard_row(white[x], black[(x - 1) % L], black[(x + 1) % L], black[x], 1 - parity,
                             table, stream, sums, uniforms)


@njit
def _lattice_energy(black, white, J, h):
    """E = -J sum_bonds s s' - h sum s: every bond has one black end, with 4 white neighbours."""
    L, K = black.shape
    bonds = 0.0
    magnetization = 0.0
    for x in range(L):
        parity = x % 2
        up, down, row = white[(x - 1) % L], white[(x + 1) % L], white[x]
        for k in range(K):
            neighbours = up[k] + down[k] + row[(k - 1 + parity) % K] + row[(k + parity) % K]
            bonds += black[x, k] * neighbours
            magnetization += black[x, k] + white[x, k]
    return -J * bonds - h * magnetization, magnetization


@njit(parallel=True)
def checkerboard_sample(black, white, betas, J, h, rule, n_records, thin, rng, accepted,
                        energy_trace, mag_trace, offset):
    """Checkerboard sweeps of the ferromagnetic Ising model on periodic L x M tori.

    black, white : (n_chains, L, M // 2) int8, the two sublattices (L, M even);
    rng : (n_chains, L, 4), one stream per row. Sites of one colour are independent, so
    the result does not depend on the order rows are visited: several chains run in
    parallel over chains, a single chain in parallel over its rows, with the same
    streams and the same result.
    """
    n_chains, L, K = black.shape
    if n_chains > 1:
        for c in prange(n_chains):
            table = np.empty(10)
            _checkerboard_table(table, rule, betas[c], J, h)
            sums = np.empty(K, np.int8)
            uniforms = np.empty(K)
            for r in range(n_records):
                for _ in range(thin):
                    for colour in range(2):
                        for x in range(L):
                            accepted[c] += _colour_sweep(black[c], white[c], x, colour, table, rng[c, x],
                                                         sums, uniforms)
                energy_trace[c, offset + r], mag_trace[c, offset + r] = _lattice_energy(black[c], white[c], J, h)
    else:
        table = np.empty(10)
        _checkerboard_table(table, rule, betas[0], J, h)
        counts = np.zeros(L, np.int64)
        for r in range(n_records):
            for _ in range(thin):
                for colour in range(2):
                    for x in prange(L):
                        counts[x] += _colour_sweep(black[0], white[0], x, colour, table, rng[0, x],
                                                   np.empty(K, np.int8), np.empty(K))
            energy_trace[0, offset + r], mag_trace[0, offset + r] = _lattice_energy(black[0], white[0], J, h)
        accepted[0] += counts.sum()


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


@njit
def swap_round(energy, chain_at_beta, ladder, parity, rng, accepted, attempted, direction, round_trips):
    """One round of replica-exchange attempts between neighbouring betas b, b+1 (b = parity,
    parity + 2, ...) in each replica set, accepted with min(1, exp((beta_b - beta_b+1)(E_b - E_b+1))).

    chain_at_beta : (n_sets, n_beta) chain index now at each beta. direction[chain] is +1
    after visiting the hottest end (index 0), -1 after the coldest; arriving at the
    hottest end with -1 completes a round trip.
    """
    n_sets, n_beta = chain_at_beta.shape
    for r in range(n_sets):
        for b in range(parity, n_beta - 1, 2):
            ci, cj = chain_at_beta[r, b], chain_at_beta[r, b + 1]
            # The exchange changes -ln(weight) by -(beta_b - beta_b+1)(E_b - E_b+1).
            x = (ladder[b] - ladder[b + 1]) * (energy[ci] - energy[cj])
            attempted[r, b] += 1
            if accept(METROPOLIS, -x, rng[r]):
                chain_at_beta[r, b], chain_at_beta[r, b + 1] = cj, ci
                accepted[r, b] += 1
        hot, cold = chain_at_beta[r, 0], chain_at_beta[r, n_beta - 1]
        if direction[hot] == -1:
            round_trips[r] += 1
        direction[hot] = 1
        if n_beta > 1:
            direction[cold] = -1


@njit
def _flip_proposal(bits, state, field, flip, inverse):
    """A single-variable flip drawn from the high 32 bits of ``bits`` (multiply-shift):
    (variable i, its change delta, the energy change, that change in energy bins)."""
    i = int(((bits >> np.uint64(32)) * np.uint64(state.size)) >> np.uint64(32))
    delta = flip - 2.0 * state[i]           # new value = flip - old, flip = 1 + low
    de = -delta * field[i]
    return i, delta, de, int(np.rint(de * inverse))


@njit(parallel=True)
def wang_landau_walk(states, local, energy, n_steps, log_g, hist, log_f, energy_min, resolution, window,
                     couplings, indptr, indices, data, dense, low, rng):
    """n_steps single-variable Wang-Landau moves per walker (one walker per row).

    A uniformly random variable is proposed (random, not sweep order: with a flat g
    every move is accepted and a fixed order would cycle deterministically); one 64-bit
    draw gives the variable (high 32 bits, multiply-shift) and a uniform u in (0, 1]
    (low 32 bits). A flip from energy bin a to bin b is accepted with min(1, g(a) / g(b))
    if b lies in the closed bin range ``window`` = (first, last), and rejected otherwise;
    tested as ln u <= ln g(a) - ln g(b): ln u depends on the random stream alone, so it
    is computed off the chain of dependent loads, and the update is branch-free (a
    rejected move adds zero). A bin the walker has never visited (ln g still exactly 0)
    starts at the ln g of the bin it is entered from, so a late-found bin cannot trap the
    walker while small increments fill it. After every move the current bin's ln g rises
    by log_f[w] and its histogram count by one. The stream's four words are held in
    registers for the call (walkers' rows of ``rng`` share cache lines).
    """
    inverse = 1.0 / resolution
    flip = 1.0 + low                # new value = flip - old, for spins and bits alike
    for w in prange(states.shape[0]):
        state, field, g, h = states[w], local[w], log_g[w], hist[w]
        e = energy[w]
        current = int(np.rint((e - energy_min) * inverse))
        add = log_f[w]
        first, last = window
        s0, s1, s2, s3 = rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3]
        for _ in range(n_steps):
            bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
            i, delta, de, shift = _flip_proposal(bits, state, field, flip, inverse)
            log_u = np.log(((bits & np.uint64(0xFFFFFFFF)) + 1.0) * _TO_UNIT_32)
            target = current + shift
            inside = (target >= first) & (target <= last)
            if g[target] == 0.0 and inside:
                g[target] = g[current]
            accept = (g[current] - g[target] >= log_u) & inside
            amount = delta if accept else 0.0
            state[i] += amount
            e += de if accept else 0.0
            current = target if accept else current
            if not dense:   # a sparse row update costs less than a mispredicted branch
                _add_coupling_row(field, i, amount, couplings, indptr, indices, data, False)
            elif accept:
                _add_coupling_row(field, i, amount, couplings, indptr, indices, data, True)
            g[current] += add
            h[current] += 1
        rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3] = s0, s1, s2, s3
        energy[w] = e


@njit(parallel=True)
def wang_landau_enter(states, local, energy, max_steps, energy_min, resolution, window,
                      couplings, indptr, indices, data, dense, low, rng):
    """Bring walkers into the energy bins ``window`` = (first, last) by descent.

    Random single-variable moves (drawn as in ``wang_landau_walk``) are accepted when they
    do not increase the distance, in bins, from the walker's energy to the window; a walker
    stops as soon as it is inside. Returns whether each walker got inside in ``max_steps``.
    """
    inverse = 1.0 / resolution
    flip = 1.0 + low
    first, last = window
    inside = np.zeros(states.shape[0], np.bool_)
    for w in prange(states.shape[0]):
        state, field = states[w], local[w]
        e = energy[w]
        current = int(np.rint((e - energy_min) * inverse))
        distance = max(first - current, current - last, 0)
        s0, s1, s2, s3 = rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3]
        for _ in range(max_steps):
            if distance == 0:
                break
            bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
            i, delta, de, shift = _flip_proposal(bits, state, field, flip, inverse)
            target = current + shift
            new_distance = max(first - target, target - last, 0)
            if new_distance <= distance:
                state[i] += delta
                e += de
                current, distance = target, new_distance
                _add_coupling_row(field, i, delta, couplings, indptr, indices, data, dense)
        rng[w, 0], rng[w, 1], rng[w, 2], rng[w, 3] = s0, s1, s2, s3
        energy[w] = e
        inside[w] = distance == 0
    return inside
