"""Arithmetic the kernels share: exp of non-positive arguments and the logistic function,
vectorised (a polynomial exp that numba's loops SIMD-vectorise, in float64 and float32),
scalars cast to an array's precision, and the local-field update of a flipped variable.
numba's cache keys a function on its own file only: after editing this file, delete the
``__pycache__/*.nbi`` files or run once with ``STATMECH_NUMBA_CACHE=0``.
"""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np
from numba.extending import overload

from .jit import njit

if TYPE_CHECKING:
    pass

__all__ = ["exp_nonpositive", "exp_nonpositive_scratch", "logistic", "logistic_scratch", "cast_like",
           "add_coupling_row"]


_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490          # ln 2 split so that k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0              # 1.5 * 2**52: adding it rounds to an integer
_SHIFTER_BITS = 0x4338000000000000         # its IEEE-754 bit pattern


@njit
def exp_nonpositive(x: np.ndarray, out: np.ndarray) -> None:
    """out[t] = exp(x[t]) for x[t] <= 0, in loops the compiler vectorises.

    np.exp is a libm call per element; this is the same function by range reduction
    x = k ln 2 + r, |r| <= ln 2 / 2, a degree-12 Taylor polynomial for e^r (truncation
    < 2e-16 relative) and 2^k assembled from its exponent bits. Arguments below -708.39
    are clamped there (e^-708.39 ~ 2.2e-308, the smallest normal double).
    ``out`` may be ``x``.
    """
    exp_nonpositive_scratch(x, out, np.empty(x.size), np.empty(x.size, np.int64))


@njit(error_model="numpy", fastmath={"contract"})
def logistic_scratch(x: np.ndarray, out: np.ndarray, e: np.ndarray, shifted: np.ndarray,
                     power_bits: np.ndarray) -> None:
    """out[t] = 1 / (1 + exp(-x[t])) for arrays, vectorised: with e = exp(-|x|) (from
    ``exp_nonpositive_scratch``), 1 / (1 + e) for x >= 0 and e / (1 + e) below. The array
    form of ``unit_up_probability(x, 1, 0)`` (equal to ~1e-16), for hot loops; ``e``,
    ``shifted`` (float64) and ``power_bits`` (int64) are scratch of x's size; ``out`` may
    be float32. numpy's error model: numba's default checks every division for a zero
    divisor, which keeps the loop from vectorising (1 + e >= 1 here)."""
    exp_nonpositive_scratch(x, e, shifted, power_bits)        # exp(-|x|)
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


def logistic(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
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
def exp_nonpositive_scratch(x: np.ndarray, out: np.ndarray, shifted: np.ndarray, power_bits: np.ndarray) -> None:
    """exp_nonpositive with caller-owned scratch (float64 and int64 arrays of x's size),
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


def cast_like(value: Any, array: np.ndarray) -> Any:
    """``value`` as a scalar of ``array``'s dtype (in jitted code: a float32 array keeps its
    arithmetic in float32 instead of promoting to float64)."""
    return array.dtype.type(value)


@overload(cast_like)
def _cast_like_jit(value, array):
    target = array.dtype
    return lambda value, array: target(value)


@njit
def add_coupling_row(local: np.ndarray, i: int, amount: float, couplings: np.ndarray, indptr: np.ndarray,
                     indices: np.ndarray, data: np.ndarray, dense: bool) -> None:
    """local += amount * J[i, :] (dense row or CSR row), in local's precision."""
    amount = cast_like(amount, local)
    if dense:
        row = couplings[i]
        for j in range(local.size):
            local[j] += amount * row[j]
    else:
        for k in range(indptr[i], indptr[i + 1]):
            local[indices[k]] += amount * data[k]
