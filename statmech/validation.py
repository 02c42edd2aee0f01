"""Validation at the boundary: every public function checks its input here,
before any jitted code runs, and names the parameter and what it got."""
from __future__ import annotations

import numbers
import os
from typing import Any, TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from statmech.typing import ArrayLike, Seed

DOMAINS = ("spin", "binary")
# The value a variable takes when it is "down" in each domain; "up" is always 1.
class _LowValues(dict):
    """{"spin": -1, "binary": 0}; looking up a model whose layers are not two-state units
    of one kind (domain None) is a ValueError that says which algorithms take it."""

    def __missing__(self, domain):
        if domain is None:
            raise ValueError("this algorithm needs two-state units of one kind (both binary or both spin); the "
                             "model's layers have other unit types (exact, BlockGibbs sampling, AIS from a "
                             "base, mean_field 'naive'/'tap2', unroll and learning take every unit type)")
        raise KeyError(domain)


LOW_VALUE = _LowValues({"spin": -1, "binary": 0})


def check_domain(domain: Any, name: str = "domain") -> str:
    if not isinstance(domain, str):
        raise TypeError(f"{name} must be 'spin' or 'binary'; got {type(domain).__name__} {domain!r}")
    if domain not in DOMAINS:
        raise ValueError(f"{name} must be 'spin' or 'binary'; got {domain!r}")
    return domain


def as_int(value: Any, name: str, minimum: Any = None) -> int:
    """An integer parameter (bools and floats are rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return value


def as_float(value: Any, name: str, minimum: Any = None, allow_equal=True) -> float:
    """A finite real scalar parameter."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if minimum is not None and (value < minimum or (not allow_equal and value == minimum)):
        relation = ">=" if allow_equal else ">"
        raise ValueError(f"{name} must be {relation} {minimum}; got {value}")
    return value


def as_real_array(value: Any, name: str, shape: tuple | None = None, ndim: int | None = None) -> np.ndarray:
    """A finite float64 array; ``shape`` entries of None match any length."""
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged input and the like
        raise TypeError(f"{name} must be array-like of real numbers; got {type(value).__name__}") from exc
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be array-like of real numbers; got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real; got dtype {array.dtype}")
    array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {array.shape}")
    if shape is not None:
        if array.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, array.shape)):
            expected = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {expected}; got {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(f"{name} must be finite; got {array[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
    return array


def as_beta(beta: Any, name: str = "beta") -> tuple[np.ndarray, bool]:
    """Inverse temperature(s): finite and >= 0 (beta = 0 is infinite temperature).

    Returns
    -------
    betas : ndarray of shape (k,)
    scalar : bool
        Whether the input was a scalar, so results can be returned as scalars.
    """
    scalar = np.ndim(beta) == 0
    if np.asarray(beta).dtype == bool:
        raise TypeError(f"{name} must be a real number or an array of them; got {type(beta).__name__} {beta!r}")
    betas = as_real_array(beta, name)
    if betas.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-d array; got shape {betas.shape}")
    betas = np.atleast_1d(betas)
    if betas.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(betas < 0):
        raise ValueError(f"{name} must be >= 0; got {betas[betas < 0][0]}")
    return betas, scalar


def as_scalar_beta(beta: float, name: str = "beta", hint: str = "") -> float:
    """One inverse temperature, finite and >= 0, as a float."""
    betas, scalar = as_beta(beta, name)
    if not scalar:
        raise ValueError(f"{name} must be a scalar; got shape {np.shape(beta)}{hint}")
    return float(betas[0])


#: Elements per block when checking states (a few hundred MB of states in a large run).
_CHECK_BLOCK = 1 << 16


def as_states(states: ArrayLike, n: int, domain: str, name: str = "states") -> np.ndarray:
    """States of shape (..., n) in ``domain``, returned as int8."""
    array = np.asarray(states)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers; got dtype {array.dtype}")
    if array.ndim == 0 or array.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}); got {array.shape}")
    low = LOW_VALUE[domain]
    flat = array.reshape(-1)
    for start in range(0, flat.size, _CHECK_BLOCK):       # blocks: the masks stay in cache
        block = flat[start:start + _CHECK_BLOCK]
        valid = (block == low) | (block == 1)
        if not valid.all():
            bad = block[~valid][0].item()
            allowed = "+1/-1" if domain == "spin" else "0/1"
            raise ValueError(f"{name} must take values {allowed} in the {domain!r} domain; got {bad!r}")
    return array.astype(np.int8, copy=False)


def as_generator(seed: Seed, name: str = "seed") -> np.random.Generator:
    """A numpy Generator from an int, a SeedSequence, a Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int, a numpy SeedSequence or Generator, or None; "
                        f"got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be non-negative; got {seed}")
    return np.random.default_rng(int(seed))


def as_seed_sequence(seed: Seed, name: str = "seed") -> np.random.SeedSequence:
    """A fresh SeedSequence from an int, a SeedSequence, a Generator (one draw) or None
    (fresh entropy from the operating system).

    A SeedSequence passed in is copied by its entropy, spawn key and pool size, so the
    children a run spawns do not depend on what was spawned from it before: the same
    SeedSequence (a spawned child included) given twice gives the same run twice.
    Results record :func:`fresh_seed_sequence` of it, which reproduces the run.
    """
    if isinstance(seed, np.random.SeedSequence):
        return fresh_seed_sequence(seed)
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2 ** 63)))
    if seed is None:
        return np.random.SeedSequence()
    as_generator(seed, name)   # type and sign checks
    return np.random.SeedSequence(int(seed))


def fresh_seed_sequence(seed_sequence: np.random.SeedSequence) -> np.random.SeedSequence:
    """A SeedSequence with the entropy, spawn key and pool size of ``seed_sequence`` and no
    children spawned yet: what a result records as its ``seed``."""
    return np.random.SeedSequence(seed_sequence.entropy, spawn_key=tuple(seed_sequence.spawn_key),
                                  pool_size=seed_sequence.pool_size)


def seed_to_json(seed_sequence: np.random.SeedSequence) -> dict:
    """The JSON form of a recorded seed (entropy may be an int or a list of ints)."""
    entropy: Any = seed_sequence.entropy
    entropy = [int(e) for e in entropy] if np.ndim(entropy) else int(entropy)
    return {"entropy": entropy, "spawn_key": [int(k) for k in seed_sequence.spawn_key],
            "pool_size": int(seed_sequence.pool_size)}


def seed_from_json(data: Any) -> np.random.SeedSequence:
    """Inverse of :func:`seed_to_json`."""
    return np.random.SeedSequence(data["entropy"], spawn_key=tuple(data["spawn_key"]), pool_size=data["pool_size"])


def check_on_failure(on_failure: str) -> str:
    """The one non-convergence policy: "raise" (ConvergenceError with the last iterate) or "warn"."""
    if on_failure not in ("raise", "warn"):
        raise ValueError(f"on_failure must be 'raise' or 'warn'; got {on_failure!r}")
    return on_failure


def machine_memory() -> tuple:
    """(available, total) bytes of memory: ``MemAvailable`` and ``MemTotal`` of
    /proc/meminfo on Linux; elsewhere the physical memory for both (None when unknown)."""
    try:
        with open("/proc/meminfo") as handle:
            info = dict(line.split(":", 1) for line in handle)
        return int(info["MemAvailable"].split()[0]) * 1024, int(info["MemTotal"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        try:
            total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None, None
        return total, total


def check_memory(needed: float, what: str, advice) -> None:
    """Refuse (MemoryError) what needs more than the machine's memory, and warn
    (MemoryWarning) when it needs more than is available now; ``what`` and ``advice``
    complete the messages."""
    from .errors import MemoryWarning

    available, total = machine_memory()
    if total is None:
        return
    gb = 1024 ** 3
    if needed > total:
        raise MemoryError(f"{what} needs about {needed / gb:.1f} GB; this machine has {total / gb:.1f} GB. {advice}")
    if needed > available:
        import warnings

        warnings.warn(f"{what} needs about {needed / gb:.1f} GB; {available / gb:.1f} GB are available now (of "
                      f"{total / gb:.1f} GB), so it may swap. {advice}", MemoryWarning, stacklevel=4)
