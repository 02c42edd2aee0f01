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
def unit_up_probability(field, beta, low):
    """P(s = 1) for a unit with energy -field*s, s in {low, 1}, at inverse temperature beta.

    Binary units (low = 0) give sigmoid(beta*field); spins (low = -1) give
    sigmoid(2*beta*field) = (1 + tanh(beta*field)) / 2. Written with tanh, it never
    overflows. Its array form for hot loops over large arrays is ``logistic`` (the same
    function through a vectorised exp, equal to ~1e-16).
    """
    return 0.5 * (1.0 + np.tanh((0.5 * beta * (1.0 - low)) * field))


@njit
def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)) (unit_up_probability of a binary unit at beta = 1)."""
    return unit_up_probability(x, 1.0, 0.0)


@njit
def softplus(x):
    """ln(1 + exp(x)), stable for large |x|."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@njit
def unit_mean(field, beta, low):
    """<s> for a unit with energy -field*s: sigmoid(beta*field) or tanh(beta*field)."""
    return low + (1.0 - low) * unit_up_probability(field, beta, low)


def unit_up_probability_array(field, beta, low, out=None):
    """``unit_up_probability`` for float arrays through the vectorised ``logistic`` (numpy
    callers: samplers, learning): logistic(beta (1 - low) field); ``beta`` may be an array
    that broadcasts (one per chain). float32 fields stay float32. ``out`` as in ``logistic``
    (may be ``field``)."""
    scale = beta * (1.0 - low)
    field = np.asarray(field)
    if np.ndim(scale) == 0 and scale == 1.0:
        return logistic(field, out)
    return logistic(scale * field, out)


def unit_mean_array(field, beta, low, out=None):
    """``unit_mean`` for float arrays (numpy callers: solvers, networks):
    low + (1 - low) * unit_up_probability_array(field, beta, low); ``out`` as there."""
    mean = unit_up_probability_array(field, beta, low, out)
    if low != 0.0:
        mean *= 1.0 - low
        mean += low
    return mean


@njit
def unit_log_partition(field, beta, low):
    """ln(exp(beta*field*low) + exp(beta*field)), the log partition function of one unit."""
    return beta * field + softplus(-beta * (1.0 - low) * field)


@njit
def unit_variance(mean, low):
    """Variance of a unit with mean ``mean``: (m - low)(1 - m), i.e. 1 - m**2 for spins and
    m (1 - m) for binary units. Its derivative in m is ``1 + low - 2 m``, and the third
    cumulant is their product (see ``statmech.meanfield``)."""
    return (mean - low) * (1.0 - mean)


@njit
def unit_variance_slope(mean, low):
    """d unit_variance / d mean = 1 + low - 2 m."""
    return 1.0 + low - 2.0 * mean


@njit
def add_reaction_fields(field, bias, s, onsager, onsager_coefficient, third, third_coefficient, low, order):
    """The elementwise part of the mean-field/TAP effective field, in place on ``field``
    (rows, n_out) holding x W (see ``statmech.meanfield._plefka.effective_field``):

        field += bias + c2 v'(s) (v(x) W2) + c3 (v'(s)^2 - 2 v(s)) (k(x) W3)

    with c2 = ``onsager_coefficient`` (beta / 2), c3 = ``third_coefficient`` (beta^2 / 6),
    ``onsager`` = v(x) W2 and ``third`` = k(x) W3 (rows, n_out) used when order >= 2 / 3,
    s (rows, n_out) the updated units' magnetizations. One pass, no temporaries.
    """
    for r in range(field.shape[0]):
        for j in range(field.shape[1]):
            f = field[r, j] + bias[j]
            if order >= 2:
                slope = unit_variance_slope(s[r, j], low)
                f += onsager_coefficient * slope * onsager[r, j]
                if order >= 3:
                    f += third_coefficient * (slope * slope - 2.0 * unit_variance(s[r, j], low)) * third[r, j]
            field[r, j] = f


@njit
def unit_entropy(mean, low):
    """Entropy of a unit with mean ``mean`` (nats): -p ln p - (1 - p) ln(1 - p) with
    p = P(s = 1) = (m - low) / (1 - low); 0 at the ends."""
    p = np.minimum(np.maximum((mean - low) / (1.0 - low), 0.0), 1.0)
    q = 1.0 - p
    return -(p * np.log(np.where(p > 0.0, p, 1.0)) + q * np.log(np.where(q > 0.0, q, 1.0)))


@njit
def unit_field(mean, beta, low):
    """Inverse of ``unit_mean``: the field f with unit_mean(f, beta, low) = mean (so
    beta * f = -d unit_entropy / d mean): atanh(m) / beta for spins, logit(m) / beta for bits."""
    p = (mean - low) / (1.0 - low)
    return (np.log(p) - np.log1p(-p)) / ((1.0 - low) * beta)


_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490          # ln 2 split so that k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0              # 1.5 * 2**52: adding it rounds to an integer
_SHIFTER_BITS = 0x4338000000000000         # its IEEE-754 bit pattern


@njit
def _exp_nonpositive(x, out):
    """out[t] = exp(x[t]) for x[t] <= 0, in loops the compiler vectorises.

    np.exp is a libm call per element; this is the same function by range reduction
    x = k ln 2 + r, |r| <= ln 2 / 2, a degree-12 Taylor polynomial for e^r (truncation
    < 2e-16 relative) and 2^k assembled from its exponent bits. Arguments below -708.39
    are clamped there (e^-708.39 ~ 2.2e-308, the smallest normal double).
    ``out`` may be ``x``.
    """
    _exp_nonpositive_scratch(x, out, np.empty(x.size), np.empty(x.size, np.int64))


@njit(error_model="numpy", fastmath={"contract"})
def logistic_scratch(x, out, e, shifted, power_bits):
    """out[t] = 1 / (1 + exp(-x[t])) for arrays, vectorised: with e = exp(-|x|) (from
    ``_exp_nonpositive_scratch``), 1 / (1 + e) for x >= 0 and e / (1 + e) below. The array
    form of ``unit_up_probability(x, 1, 0)`` (equal to ~1e-16), for hot loops; ``e``,
    ``shifted`` (float64) and ``power_bits`` (int64) are scratch of x's size; ``out`` may
    be float32. numpy's error model: numba's default checks every division for a zero
    divisor, which keeps the loop from vectorising (1 + e >= 1 here)."""
    _exp_nonpositive_scratch(x, e, shifted, power_bits)        # exp(-|x|)
    for t in range(x.size):
        out[t] = (1.0 if x[t] >= 0.0 else e[t]) / (1.0 + e[t])


# float32 constants of the single-precision logistic (Cody-Waite split of ln 2 as in Cephes)
_F32 = np.float32
_LOG2E_32, _SHIFTER_32 = _F32(_LOG2E), _F32(12582912.0)          # 1.5 * 2**23
_LN2_HI_32, _LN2_LO_32 = _F32(0.693359375), _F32(-2.12194440e-4)
_SHIFTER_BITS_32 = np.int32(0x4B400000)
_ZERO_32, _HALF_32, _ONE_32 = _F32(0.0), _F32(0.5), _F32(1.0)
_MIN_EXP_ARG_32 = _F32(-87.33)                   # e^-87.33 is just above float32's smallest normal
_C3_32, _C4_32, _C5_32, _C6_32, _C7_32 = (_F32(1.0 / 6.0), _F32(1.0 / 24.0), _F32(1.0 / 120.0),
                                          _F32(1.0 / 720.0), _F32(1.0 / 5040.0))


@njit(error_model="numpy", fastmath={"contract"})
def _logistic32_scratch(x, out, e, shifted, power_bits):
    """``logistic_scratch`` in single precision (float32 x, out, e, shifted; int32
    power_bits), twice the SIMD width: exp(-|x|) by the same range reduction with a
    degree-7 Taylor polynomial (truncation < 1e-8 relative, below float32's 6e-8);
    results within ~2 ulp of the exact logistic. exp(-|x|) below e^-87.33 (the end of
    float32's normal range) is taken as zero."""
    n = x.size
    for t in range(n):
        xc = max(-abs(x[t]), _MIN_EXP_ARG_32)
        s = xc * _LOG2E_32 + _SHIFTER_32
        shifted[t] = s
        k = s - _SHIFTER_32
        e[t] = (xc - k * _LN2_HI_32) - k * _LN2_LO_32
    exponent_bits = shifted.view(np.int32)
    for t in range(n):
        power_bits[t] = (exponent_bits[t] - _SHIFTER_BITS_32 + np.int32(127)) << np.int32(23)
    power = power_bits.view(np.float32)
    for t in range(n):
        r = e[t]
        p = _C7_32 * r + _C6_32
        p = p * r + _C5_32
        p = p * r + _C4_32
        p = p * r + _C3_32
        p = p * r + _HALF_32
        p = p * r + _ONE_32
        p = p * r + _ONE_32
        e[t] = p * power[t] if -abs(x[t]) > _MIN_EXP_ARG_32 else _ZERO_32
    for t in range(n):
        out[t] = (_ONE_32 if x[t] >= _ZERO_32 else e[t]) / (_ONE_32 + e[t])


#: elements per block of ``logistic``: its scratch stays in L1 and is allocated once
_LOGISTIC_BLOCK = 512


@njit
def _logistic64_blocks(x, out):
    e, shifted = np.empty(_LOGISTIC_BLOCK), np.empty(_LOGISTIC_BLOCK)
    power_bits = np.empty(_LOGISTIC_BLOCK, np.int64)
    for start in range(0, x.size, _LOGISTIC_BLOCK):
        m = min(_LOGISTIC_BLOCK, x.size - start)
        logistic_scratch(x[start:start + m], out[start:start + m], e[:m], shifted[:m], power_bits[:m])


@njit
def _logistic32_blocks(x, out):
    e, shifted = np.empty(_LOGISTIC_BLOCK, np.float32), np.empty(_LOGISTIC_BLOCK, np.float32)
    power_bits = np.empty(_LOGISTIC_BLOCK, np.int32)
    for start in range(0, x.size, _LOGISTIC_BLOCK):
        m = min(_LOGISTIC_BLOCK, x.size - start)
        _logistic32_scratch(x[start:start + m], out[start:start + m], e[:m], shifted[:m], power_bits[:m])


def logistic(x, out=None):
    """1 / (1 + exp(-x)) elementwise, vectorised: ndarray of x's shape.

    The array form of ``unit_up_probability(x, 1, 0)`` (``logistic_scratch``) for numpy
    callers. float32 input is computed in float32 (``_logistic32_scratch``, ~2 ulp);
    anything else in float64 (~1e-16). ``out`` (same shape and float dtype as the
    result, C-contiguous; may be ``x``) receives it without allocating.
    """
    x = np.asarray(x)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    x = np.ascontiguousarray(x, dtype=dtype)
    if out is None:
        out = np.empty_like(x)
    elif out.shape != x.shape or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {np.dtype(dtype).name} array of shape {x.shape}; got "
                         f"{out.dtype.name} {out.shape}")
    blocks = _logistic32_blocks if dtype == np.float32 else _logistic64_blocks
    blocks(x.reshape(-1), out.reshape(-1))
    return out


@njit(fastmath={"contract"})
def _exp_nonpositive_scratch(x, out, shifted, power_bits):
    """_exp_nonpositive with caller-owned scratch (float64 and int64 arrays of x's size),
    for hot loops that call it many times on short arrays. It computes exp(-|x|), which is
    exp(x) on the arguments x <= 0 it is meant for (and what ``logistic_scratch`` needs)."""
    size = x.size
    for t in range(size):
        xc = max(-abs(x[t]), -708.39)
        s = xc * _LOG2E + _SHIFTER
        shifted[t] = s
        k = s - _SHIFTER
        out[t] = (xc - k * _LN2_HI) - k * _LN2_LO      # the reduced argument r
    exponent_bits = shifted.view(np.int64)
    for t in range(size):
        power_bits[t] = (exponent_bits[t] - _SHIFTER_BITS + 1023) << 52
    power = power_bits.view(np.float64)
    for t in range(size):
        r = out[t]
        p = 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        out[t] = p * power[t]


@njit
def _add_scaled(w, alpha, g):
    for t in range(w.size):
        w[t] += alpha * g[t]


@njit
def _add_scaled_product(w, alpha, f, g):
    for t in range(w.size):
        w[t] += alpha * f[t] * g[t]


def _flat_views(w, *others):
    """Flat views of arrays of one shape if all are C-contiguous floats (else None)."""
    arrays = (w,) + others
    if all(a.shape == w.shape and a.flags.c_contiguous and a.dtype.kind == "f" for a in arrays):
        return [a.reshape(-1) for a in arrays]
    return None


def add_scaled(w, alpha, g):
    """w += alpha * g in place, in one pass without temporaries (numpy for other layouts)."""
    flat = _flat_views(w, g)
    if flat is None:
        w += alpha * g
    else:
        _add_scaled(flat[0], alpha, flat[1])


def add_scaled_product(w, alpha, f, g):
    """w += alpha * f * g (elementwise) in place, in one pass without temporaries."""
    flat = _flat_views(w, f, g)
    if flat is None:
        w += alpha * f * g
    else:
        _add_scaled_product(flat[0], alpha, flat[1], flat[2])


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
def _accumulate(log_weight, energy, energy_var, mag, mag_var, abs_mag, out):
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
    _exp_nonpositive(log_weight, log_weight)
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
            _add_coupling_row(local, i, low, couplings, indptr, indices, data, dense)
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
        _add_coupling_row(local, i, delta, couplings, indptr, indices, data, dense)
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
            _add_coupling_row(high_field, n_low + k, x, couplings, indptr, indices, data, dense)
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
def _exact_pairwise(couplings, indptr, indices, data, dense, fields, offset, low,
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
def _exact_bipartite(weights, bias_enum, bias_other, offset, low, betas, n_low, n_blocks, first, per_block):
    """Moments of a bipartite model: the layer of size k = bias_enum.size is enumerated
    (weights has shape (k, m)), the other summed out analytically, unit by unit; prefixes
    first .. first + n_blocks * per_block - 1 as in ``_exact_pairwise``."""
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
                    _accumulate(log_weight, e_mean, e_var, m_mean, m_var, m_abs, rows[blk, b])
                else:
                    _accumulate(log_weight, e_mean, e_var, m_mean, m_var, m_abs, row)
                    _merge(rows[blk, b], row)
    return _merge_blocks(rows)
