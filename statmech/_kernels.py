"""Core numba kernels: single-unit conditionals, streaming moment accumulation and
exact enumeration by Gray code.

A kernel and the helpers it calls live in this one file (numba's cache does not see
changes across files). The conditionals at the top are the project's one copy of
the formulas for a unit with local field ``field`` whose energy term is
``-field * s`` with ``s`` in ``{low, 1}`` (``low`` = -1 for spins, 0 for binary
units); they work on scalars and on arrays, under numba and plain numpy alike.
"""
import numpy as np

from ._numba import njit, prange

# Layout of one row of accumulated moments (see _accumulate):
# log-weight reference, energy reference, then weighted sums of
# 1, (E - E_ref), (E - E_ref)^2, M, M^2, |M|.
N_MOMENTS = 8


@njit
def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@njit
def softplus(x):
    """ln(1 + exp(x)), stable for large |x|."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@njit
def unit_up_probability(field, beta, low):
    """P(s = 1) for a unit with energy -field*s, s in {low, 1}, at inverse temperature beta.

    Binary units (low = 0) give sigmoid(beta*field); spins (low = -1) give
    sigmoid(2*beta*field) = (1 + tanh(beta*field)) / 2.
    """
    return sigmoid(beta * (1.0 - low) * field)


@njit
def unit_mean(field, beta, low):
    """<s> for a unit with energy -field*s: sigmoid(beta*field) or tanh(beta*field)."""
    return low + (1.0 - low) * unit_up_probability(field, beta, low)


@njit
def unit_log_partition(field, beta, low):
    """ln(exp(beta*field*low) + exp(beta*field)), the log partition function of one unit."""
    return beta * field + softplus(-beta * (1.0 - low) * field)


@njit
def _accumulate(log_weight, energy, energy_var, mag, mag_var, abs_mag, out):
    """Weighted moments of a block of states (or of conditional ensembles).

    Entry t carries a log Boltzmann weight, a mean energy and its variance, a mean
    magnetization and its variance, and a mean |magnetization| (the variances are 0
    for single states and positive when a layer was summed out analytically).
    Writes one row of N_MOMENTS into ``out``, scaled by the largest weight.
    """
    ref = log_weight.max()
    energy_ref = energy[0]
    s0 = s1 = s2 = sm = sm2 = sa = 0.0
    for t in range(log_weight.size):
        w = np.exp(log_weight[t] - ref)
        d = energy[t] - energy_ref
        s0 += w
        s1 += w * d
        s2 += w * (d * d + energy_var[t])
        sm += w * mag[t]
        sm2 += w * (mag[t] * mag[t] + mag_var[t])
        sa += w * abs_mag[t]
    out[0] = ref
    out[1] = energy_ref
    out[2] = s0
    out[3] = s1
    out[4] = s2
    out[5] = sm
    out[6] = sm2
    out[7] = sa


@njit
def _merge(acc, row):
    """Merge a row of moments into ``acc`` in place (log-sum-exp with energy shift)."""
    top = max(acc[0], row[0])
    fa = np.exp(acc[0] - top)
    fb = np.exp(row[0] - top)
    shift = row[1] - acc[1]
    b0, b1, b2 = row[2], row[3], row[4]
    acc[0] = top
    acc[2] = fa * acc[2] + fb * b0
    acc[3] = fa * acc[3] + fb * (b1 + shift * b0)
    acc[4] = fa * acc[4] + fb * (b2 + 2.0 * shift * b1 + shift * shift * b0)
    for k in range(5, N_MOMENTS):
        acc[k] = fa * acc[k] + fb * row[k]


@njit
def _merge_blocks(rows):
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
def _add_coupling_row(local, i, amount, couplings, indptr, indices, data, dense):
    """local += amount * J[i, :] (dense row or CSR row)."""
    if dense:
        row = couplings[i]
        for j in range(local.size):
            local[j] += amount * row[j]
    else:
        for k in range(indptr[i], indptr[i + 1]):
            local[indices[k]] += amount * data[k]


@njit
def _pairwise_gray_block(prefix, n_low, couplings, indptr, indices, data, dense,
                         fields, offset, low, state, local, energy, mag):
    """Energies and magnetizations of the 2**n_low states sharing ``prefix``, in Gray order.

    One variable changes per step, so the energy changes by -delta * local_field and
    the local fields by delta * J[i, :]: O(n) (dense) or O(degree) (sparse) per state.
    """
    _set_prefix(state, prefix, n_low, low)
    local[:] = fields
    for i in range(state.size):
        if state[i] != 0.0:
            _add_coupling_row(local, i, state[i], couplings, indptr, indices, data, dense)
    e = offset
    m = 0.0
    for i in range(state.size):
        e -= 0.5 * state[i] * (local[i] + fields[i])
        m += state[i]
    energy[0] = e
    mag[0] = m
    for t in range(1, 1 << n_low):
        i = _trailing_zeros(t)
        delta = (1.0 - low) if state[i] == low else (low - 1.0)
        e -= delta * local[i]
        m += delta
        state[i] += delta
        _add_coupling_row(local, i, delta, couplings, indptr, indices, data, dense)
        energy[t] = e
        mag[t] = m


@njit(parallel=True)
def _exact_pairwise(couplings, indptr, indices, data, dense, fields, offset, low,
                    betas, n_low, n_blocks):
    """Moments of every state of a pairwise model, one row per beta."""
    n = fields.size
    n_chunks = 1 << (n - n_low)
    per_block = n_chunks // n_blocks
    size = 1 << n_low
    rows = np.empty((n_blocks, betas.size, N_MOMENTS))
    for blk in prange(n_blocks):
        state = np.empty(n)
        local = np.empty(n)
        energy = np.empty(size)
        mag = np.empty(size)
        abs_mag = np.empty(size)
        zeros = np.zeros(size)
        log_weight = np.empty(size)
        row = np.empty(N_MOMENTS)
        for c in range(per_block):
            prefix = blk * per_block + c
            _pairwise_gray_block(prefix, n_low, couplings, indptr, indices, data, dense,
                                 fields, offset, low, state, local, energy, mag)
            for t in range(size):
                abs_mag[t] = abs(mag[t])
            for b in range(betas.size):
                for t in range(size):
                    log_weight[t] = -betas[b] * energy[t]
                if c == 0:
                    _accumulate(log_weight, energy, zeros, mag, zeros, abs_mag, rows[blk, b])
                else:
                    _accumulate(log_weight, energy, zeros, mag, zeros, abs_mag, row)
                    _merge(rows[blk, b], row)
    return _merge_blocks(rows)


@njit(parallel=True)
def _energy_histogram_pairwise(couplings, indptr, indices, data, dense, fields, offset,
                               low, n_low, n_blocks, energy_min, resolution, n_bins):
    """Exact counts of states per energy bin; also the largest distance of E/resolution
    from an integer (a check that the energies really lie on the grid)."""
    n = fields.size
    n_chunks = 1 << (n - n_low)
    per_block = n_chunks // n_blocks
    size = 1 << n_low
    counts = np.zeros((n_blocks, n_bins), np.int64)
    off_grid = np.zeros(n_blocks)
    for blk in prange(n_blocks):
        state = np.empty(n)
        local = np.empty(n)
        energy = np.empty(size)
        mag = np.empty(size)
        for c in range(per_block):
            _pairwise_gray_block(blk * per_block + c, n_low, couplings, indptr, indices, data,
                                 dense, fields, offset, low, state, local, energy, mag)
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
def _exact_bipartite(weights, bias_enum, bias_other, offset, low, betas, n_low, n_blocks):
    """Moments of a bipartite model: the layer of size k = bias_enum.size is enumerated
    (weights has shape (k, m)), the other summed out analytically, unit by unit."""
    k = bias_enum.size
    m = bias_other.size
    n_chunks = 1 << (k - n_low)
    per_block = n_chunks // n_blocks
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
            prefix = blk * per_block + c
            for b in range(betas.size):
                beta = betas[b]
                _set_prefix(state, prefix, n_low, low)
                phi[:] = bias_other
                e_fixed = offset
                m_fixed = 0.0
                for i in range(k):
                    if state[i] != 0.0:
                        phi += state[i] * weights[i]
                    e_fixed -= bias_enum[i] * state[i]
                    m_fixed += state[i]
                for t in range(size):
                    if t > 0:
                        i = _trailing_zeros(t)
                        delta = (1.0 - low) if state[i] == low else (low - 1.0)
                        state[i] += delta
                        e_fixed -= delta * bias_enum[i]
                        m_fixed += delta
                        phi += delta * weights[i]
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
                    _accumulate(log_weight, e_mean, e_var, m_mean, m_var, m_abs, rows[blk, b])
                else:
                    _accumulate(log_weight, e_mean, e_var, m_mean, m_var, m_abs, row)
                    _merge(rows[blk, b], row)
    return _merge_blocks(rows)
