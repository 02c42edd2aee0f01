"""Per-chain random streams: xoshiro256** (Blackman & Vigna, 2018), four uint64 words per
stream, spawned from one SeedSequence (:func:`random_streams`), and the jitted draws every
kernel uses: uniforms and Bernoulli units (the block-Gibbs and CD/PCD sampling step).
A kernel loops in parallel only over objects that own a stream, so a seed gives
bit-identical results for any number of threads.

Internal infrastructure shared by the samplers, AIS and learning.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._simd import vand, vmul, vnot, vor, vshl, vshr, vsplat, vxor
from .jit import njit, prange

__all__ = ["random_streams", "xoshiro_step", "xoshiro_vector_step", "next_uint64", "uniform", "uniform_53",
           "uniform_53_open", "uniform_32_high", "uniform_32_low", "uniform_32_nonzero", "sample_units",
           "sample_units_serial"]


def random_streams(seed_sequence: np.random.SeedSequence, shape: tuple) -> np.ndarray:
    """Independent xoshiro256** stream states of the given shape: uint64 array (*shape, 4)."""
    count = int(np.prod(shape))
    words = seed_sequence.generate_state(4 * count, np.uint64)
    return words.reshape(tuple(shape) + (4,))


@njit
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit
def xoshiro_step(s0: Any, s1: Any, s2: Any, s3: Any) -> tuple:
    """xoshiro256** (Blackman & Vigna, 2018): (output, new state words)."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(inline="always")
def _vector_rotl(x, k, complement):
    return vor(vshl(x, k), vshr(x, complement))


@njit
def xoshiro_vector_step(s0: Any, s1: Any, s2: Any, s3: Any) -> tuple:
    """:func:`xoshiro_step` of as many streams at once as the ``U64Vec`` state words hold,
    one per element. Returns (output, new state words)."""
    result = vmul(_vector_rotl(vmul(s1, vsplat(5, s1)), 7, 57), vsplat(9, s1))  # type: ignore[call-arg]
    t = vshl(s1, 17)
    n2 = vxor(s2, s0)
    n3 = vxor(s3, s1)
    n1 = vxor(s1, n2)
    n0 = vxor(s0, n3)
    n2 = vxor(n2, t)
    n3 = _vector_rotl(n3, 45, 19)
    return result, n0, n1, n2, n3


@njit
def next_uint64(rng: Any) -> Any:
    """One output of the stream whose four state words are the array ``rng``."""
    result, rng[0], rng[1], rng[2], rng[3] = xoshiro_step(rng[0], rng[1], rng[2], rng[3])
    return result


# Random bits become uniforms here only, in three conventions, each for its reason.
_TO_UNIT_53 = 2.0 ** -53
_TO_UNIT_32 = 2.0 ** -32


@njit(inline="always")
def uniform_53(bits: Any) -> float:
    """[0, 1) on the 2**-53 grid from the top 53 bits of a 64-bit output: every double
    an acceptance decision ``u < p`` can tell apart (p is used to 53 binary digits)."""
    return (bits >> np.uint64(11)) * _TO_UNIT_53


@njit(inline="always")
def uniform_53_open(bits: Any) -> float:
    """(0, 1): the 2**-53 grid shifted by half a step, never 0 nor 1, for inverse CDFs
    (``ndtri``, ``log``) that diverge at the ends of the interval."""
    return ((bits >> np.uint64(11)) + 0.5) * _TO_UNIT_53


@njit(inline="always")
def uniform_32_high(bits: Any) -> float:
    """[0, 1) on the 2**-32 grid from the high 32 bits: with :func:`uniform_32_low`, two
    uniforms per output where the coarser grid is harmless (lattice and lane sweeps: it
    moves an acceptance probability by less than 2.4e-10; all of xoshiro256**'s bits are
    of full quality)."""
    return (bits >> np.uint64(32)) * _TO_UNIT_32


@njit(inline="always")
def uniform_32_low(bits: Any) -> float:
    """[0, 1) on the 2**-32 grid from the low 32 bits (see :func:`uniform_32_high`)."""
    return (bits & np.uint64(0xFFFFFFFF)) * _TO_UNIT_32


@njit(inline="always")
def uniform_32_nonzero(bits: Any) -> float:
    """(0, 1] on the 2**-32 grid from the low 32 bits: never 0, so its logarithm is finite
    (Wang-Landau compares ln u with a difference of ln g)."""
    return ((bits & np.uint64(0xFFFFFFFF)) + 1.0) * _TO_UNIT_32


@njit
def uniform(rng: Any) -> float:
    """A double uniform in [0, 1) from the stream ``rng`` (:func:`uniform_53`)."""
    return uniform_53(next_uint64(rng))


@njit
def _sample_row(probabilities, low, stream, out):
    """out[j] = 1 with probability probabilities[j], else low: the numbers of ``uniform``
    with the stream's words kept in registers along the row."""
    s0, s1, s2, s3 = stream[0], stream[1], stream[2], stream[3]
    for j in range(probabilities.size):
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        out[j] = 1.0 if uniform_53(bits) < probabilities[j] else low
    stream[0], stream[1], stream[2], stream[3] = s0, s1, s2, s3


@njit(parallel=True)
def sample_units(probabilities: np.ndarray, low: float, rng: Any, out: np.ndarray) -> None:
    """out[c, j] = 1 with probability probabilities[c, j], else low; one stream per row c."""
    for c in prange(probabilities.shape[0]):
        _sample_row(probabilities[c], low, rng[c], out[c])


@njit
def sample_units_serial(probabilities: np.ndarray, low: float, rng: Any, out: np.ndarray) -> None:
    """sample_units on one thread (same numbers): small batches, where starting threads costs more."""
    for c in range(probabilities.shape[0]):
        _sample_row(probabilities[c], low, rng[c], out[c])
