"""Kernels of exact enumeration (``statmech.exact``): streaming moment accumulation and
Gray-code enumeration of pairwise and bipartite models. The unit formulas and the
local-field update they share with the samplers live in ``statmech.unit_types`` and
``statmech.fastmath``.
"""
import numpy as np

from ..jit import njit, prange
from ..fastmath import add_coupling_row, exp_nonpositive
from ..unit_types import unit_log_partition, unit_up_probability

# Layout of one row of accumulated moments (see accumulate):
# log-weight reference, energy reference, then weighted sums of
# 1, (E - E_ref), (E - E_ref)^2, M, M^2, |M|.
N_MOMENTS = 8


@njit(fastmath={"reassoc", "contract"})
def _weighted_sums(w, energy, energy_ref, energy_var, mag, mag_var, abs_mag, out):
    """out[2:] = sums of w * (1, d, d^2 + Var E, M, M^2 + Var M, |M|), d = E - energy_ref.

    Reassociation lets the compiler vectorise the six reductions; the order is fixed by
    the compiled code, never by the number of threads.
    """
    s0 = s1 = s2 = sm = sm2 = sa = 0.0
    for t in range(w.size):
        d = energy[t] - energy_ref
        s0 += w[t]
        s1 += w[t] * d
        s2 += w[t] * (d * d + energy_var[t])
        sm += w[t] * mag[t]
        sm2 += w[t] * (mag[t] * mag[t] + mag_var[t])
        sa += w[t] * abs_mag[t]
    out[2] = s0
    out[3] = s1
    out[4] = s2
    out[5] = sm
    out[6] = sm2
    out[7] = sa


@njit
def accumulate(log_weight, energy, energy_var, mag, mag_var, abs_mag, out):
    """Weighted moments of a block of states (or of conditional ensembles).

    Entry t carries a log Boltzmann weight, a mean energy and its variance, a mean
    magnetization and its variance, and a mean |magnetization| (the variances are 0
    for single states and positive when a layer was summed out analytically).
    Writes one row of N_MOMENTS into ``out``, scaled by the largest weight.
    ``log_weight`` is overwritten with the scaled weights.
    """
    top = np.argmax(log_weight)
    ref = log_weight[top]
    for t in range(log_weight.size):
        log_weight[t] -= ref
    exp_nonpositive(log_weight, log_weight)
    out[0] = ref
    out[1] = energy[top]      # deviations from the heaviest state: no cancellation when cold
    _weighted_sums(log_weight, energy, energy[top], energy_var, mag, mag_var, abs_mag, out)


@njit
def _merge(acc, row):
    """Merge a row of moments into ``acc`` in place (log-sum-exp with energy shift).

    The merged energy reference is that of the heavier row, so that at low temperature
    the variance is computed from small deviations (no cancellation).
    """
    top = max(acc[0], row[0])
    fa = np.exp(acc[0] - top)
    fb = np.exp(row[0] - top)
    energy_ref = row[1] if row[0] > acc[0] else acc[1]
    da = acc[1] - energy_ref
    db = row[1] - energy_ref
    a0, a1, a2 = acc[2], acc[3], acc[4]
    b0, b1, b2 = row[2], row[3], row[4]
    acc[0] = top
    acc[1] = energy_ref
    acc[2] = fa * a0 + fb * b0
    acc[3] = fa * (a1 + da * a0) + fb * (b1 + db * b0)
    acc[4] = fa * (a2 + 2.0 * da * a1 + da * da * a0) + fb * (b2 + 2.0 * db * b1 + db * db * b0)
    for k in range(5, N_MOMENTS):
        acc[k] = fa * acc[k] + fb * row[k]


@njit
def merge_blocks(rows):
    """Merge rows of shape (n_blocks, n_beta, N_MOMENTS) in a fixed order."""
    acc = rows[0].copy()
    for blk in range(1, rows.shape[0]):
        for b in range(rows.shape[1]):
            _merge(acc[b], rows[blk, b])
    return acc


@njit
def _trailing_zeros(t):
    i = 0
    while (t >> i) & 1 == 0:
        i += 1
    return i


@njit
def _set_prefix(state, prefix, n_low, low):
    """All low bits down; bit k of ``prefix`` sets variable n_low + k."""
    for i in range(state.size):
        state[i] = low
    for k in range(state.size - n_low):
        if (prefix >> k) & 1:
            state[n_low + k] = 1.0


@njit
def _gray_table(n_low, couplings, indptr, indices, data, dense, fields, low):
    """The reflected Gray-code walk over variables 0..n_low-1, starting all down.

    Returns, for each step t < 2**n_low, the variable flipped and its signed change
    (step 0 flips nothing), and the energy and magnetization of the sub-model of
    those variables alone (their mutual couplings and fields): E_low(t), M_low(t).
    Energy changes by -delta * local_field per step: O(n) per step, once per call.
    """
    size = 1 << n_low
    flip_index = np.zeros(size, np.int64)
    flip_delta = np.zeros(size)
    table_energy = np.empty(size)
    table_mag = np.empty(size)
    state = np.full(n_low, low)
    local = fields.copy()
    if low != 0.0:
        for i in range(n_low):
            add_coupling_row(local, i, low, couplings, indptr, indices, data, dense)
    e = 0.0
    for i in range(n_low):
        e -= 0.5 * low * (local[i] + fields[i])
    table_energy[0] = e
    table_mag[0] = low * n_low
    for t in range(1, size):
        i = _trailing_zeros(t)
        delta = (1.0 - low) if state[i] == low else (low - 1.0)
        e -= delta * local[i]
        state[i] += delta
        add_coupling_row(local, i, delta, couplings, indptr, indices, data, dense)
        flip_index[t] = i
        flip_delta[t] = delta
        table_energy[t] = e
        table_mag[t] = table_mag[t - 1] + delta
    return flip_index, flip_delta, table_energy, table_mag


@njit
def _block_energies(prefix, n_low, couplings, indptr, indices, data, dense, fields, offset,
                    low, flip_index, flip_delta, table_energy, table_mag, high_field,
                    energy, mag):
    """Energies and magnetizations of the 2**n_low states whose high variables spell ``prefix``.

    With x = (x_low, x_high): E = E_high + E_low(x_low) - x_low . g, g = J_low,high x_high.
    E_low comes from the Gray table, so each state costs O(1): one update of the
    cross term -x_low . g when one low variable flips. ``high_field`` is scratch of size n.
    """
    n = fields.size
    high_field[:] = 0.0
    for k in range(n - n_low):
        x = 1.0 if (prefix >> k) & 1 else low
        if x != 0.0:
            add_coupling_row(high_field, n_low + k, x, couplings, indptr, indices, data, dense)
    e_high = offset
    m_high = 0.0
    for k in range(n - n_low):
        j = n_low + k
        x = 1.0 if (prefix >> k) & 1 else low
        e_high -= x * (0.5 * high_field[j] + fields[j])
        m_high += x
    cross = 0.0
    for i in range(n_low):
        cross -= low * high_field[i]
    energy[0] = e_high + table_energy[0] + cross
    mag[0] = m_high + table_mag[0]
    for t in range(1, 1 << n_low):
        cross -= flip_delta[t] * high_field[flip_index[t]]
        energy[t] = e_high + table_energy[t] + cross
        mag[t] = m_high + table_mag[t]


@njit(parallel=True)
def exact_pairwise(couplings, indptr, indices, data, dense, fields, offset, low,
                    betas, n_low, n_blocks, first, per_block):
    """Moments of the states whose high bits (the prefix) run over first ..
    first + n_blocks * per_block - 1, one row per beta; n_blocks parallel blocks of
    per_block prefixes of 2**n_low Gray-code states each."""
    n = fields.size
    size = 1 << n_low
    flip_index, flip_delta, table_energy, table_mag = _gray_table(
        n_low, couplings, indptr, indices, data, dense, fields, low)
    rows = np.empty((n_blocks, betas.size, N_MOMENTS))
    for blk in prange(n_blocks):
        high_field = np.empty(n)
        energy = np.empty(size)
        mag = np.empty(size)
        abs_mag = np.empty(size)
        zeros = np.zeros(size)
        log_weight = np.empty(size)
        row = np.empty(N_MOMENTS)
        for c in range(per_block):
            _block_energies(first + blk * per_block + c, n_low, couplings, indptr, indices, data, dense,
                            fields, offset, low, flip_index, flip_delta, table_energy, table_mag,
                            high_field, energy, mag)
            for t in range(size):
                abs_mag[t] = abs(mag[t])
            for b in range(betas.size):
                for t in range(size):
                    log_weight[t] = -betas[b] * energy[t]
                if c == 0:
                    accumulate(log_weight, energy, zeros, mag, zeros, abs_mag, rows[blk, b])
                else:
                    accumulate(log_weight, energy, zeros, mag, zeros, abs_mag, row)
                    _merge(rows[blk, b], row)
    return merge_blocks(rows)


@njit(parallel=True)
def energy_histogram_pairwise(couplings, indptr, indices, data, dense, fields, offset,
                               low, n_low, n_blocks, energy_min, resolution, n_bins):
    """Exact counts of states per energy bin; also the largest distance of E/resolution
    from an integer (a check that the energies really lie on the grid)."""
    n = fields.size
    n_chunks = 1 << (n - n_low)
    per_block = n_chunks // n_blocks
    size = 1 << n_low
    flip_index, flip_delta, table_energy, table_mag = _gray_table(
        n_low, couplings, indptr, indices, data, dense, fields, low)
    counts = np.zeros((n_blocks, n_bins), np.int64)
    off_grid = np.zeros(n_blocks)
    for blk in prange(n_blocks):
        high_field = np.empty(n)
        energy = np.empty(size)
        mag = np.empty(size)
        for c in range(per_block):
            _block_energies(blk * per_block + c, n_low, couplings, indptr, indices, data, dense,
                            fields, offset, low, flip_index, flip_delta, table_energy, table_mag,
                            high_field, energy, mag)
            for t in range(size):
                x = (energy[t] - energy_min) / resolution
                k = np.rint(x)
                off_grid[blk] = max(off_grid[blk], abs(x - k))
                k = min(max(k, 0.0), n_bins - 1.0)
                counts[blk, int(k)] += 1
    return counts.sum(axis=0), off_grid.max()


@njit
def _poisson_binomial_abs_mean(p, base, dist):
    """E|base + sum_j s_j| for independent spins s_j = +1 with probability p_j, else -1."""
    m = p.size
    dist[:] = 0.0
    dist[0] = 1.0
    for j in range(m):
        for k in range(j + 1, 0, -1):
            dist[k] = dist[k] * (1.0 - p[j]) + dist[k - 1] * p[j]
        dist[0] *= 1.0 - p[j]
    total = 0.0
    for k in range(m + 1):
        total += dist[k] * abs(base + 2.0 * k - m)
    return total


@njit(parallel=True)
def exact_bipartite(weights, bias_enum, bias_other, offset, low, betas, n_low, n_blocks, first, per_block):
    """Moments of a bipartite model: the layer of size k = bias_enum.size is enumerated
    (weights has shape (k, m)), the other summed out analytically, unit by unit; prefixes
    first .. first + n_blocks * per_block - 1 as in ``exact_pairwise``."""
    k = bias_enum.size
    m = bias_other.size
    size = 1 << n_low
    rows = np.empty((n_blocks, betas.size, N_MOMENTS))
    for blk in prange(n_blocks):
        state = np.empty(k)
        phi = np.empty(m)
        p = np.empty(m)
        dist = np.empty(m + 1)
        log_weight = np.empty(size)
        e_mean = np.empty(size)
        e_var = np.empty(size)
        m_mean = np.empty(size)
        m_var = np.empty(size)
        m_abs = np.empty(size)
        row = np.empty(N_MOMENTS)
        for c in range(per_block):
            prefix = first + blk * per_block + c
            for b in range(betas.size):
                beta = betas[b]
                _set_prefix(state, prefix, n_low, low)
                phi[:] = bias_other
                e_fixed = offset
                m_fixed = 0.0
                for i in range(k):
                    if state[i] != 0.0:
                        for j in range(m):
                            phi[j] += state[i] * weights[i, j]
                    e_fixed -= bias_enum[i] * state[i]
                    m_fixed += state[i]
                for t in range(size):
                    if t > 0:
                        i = _trailing_zeros(t)
                        delta = (1.0 - low) if state[i] == low else (low - 1.0)
                        state[i] += delta
                        e_fixed -= delta * bias_enum[i]
                        m_fixed += delta
                        for j in range(m):
                            phi[j] += delta * weights[i, j]
                    lw = -beta * e_fixed
                    em = e_fixed
                    ev = 0.0
                    mm = m_fixed
                    mv = 0.0
                    for j in range(m):
                        pj = unit_up_probability(phi[j], beta, low)
                        p[j] = pj
                        var = (1.0 - low) * (1.0 - low) * pj * (1.0 - pj)
                        mean = low + (1.0 - low) * pj
                        lw += unit_log_partition(phi[j], beta, low)
                        em -= phi[j] * mean
                        ev += phi[j] * phi[j] * var
                        mm += mean
                        mv += var
                    log_weight[t] = lw
                    e_mean[t] = em
                    e_var[t] = ev
                    m_mean[t] = mm
                    m_var[t] = mv
                    if low == 0.0:
                        m_abs[t] = mm
                    else:
                        m_abs[t] = _poisson_binomial_abs_mean(p, m_fixed, dist)
                if c == 0:
                    accumulate(log_weight, e_mean, e_var, m_mean, m_var, m_abs, rows[blk, b])
                else:
                    accumulate(log_weight, e_mean, e_var, m_mean, m_var, m_abs, row)
                    _merge(rows[blk, b], row)
    return merge_blocks(rows)
