"""The project's one numba entry point.

Every kernel is compiled through :func:`njit`, which turns on numba's on-disk cache
unless the environment variable ``STATMECH_NUMBA_CACHE`` is ``0``. Threads are set
in one place, :func:`set_num_threads`.

Kernels of one module call jitted helpers of others (the engines in ``statmech/mc/engines/``
and the enumeration kernels of ``statmech/exact/gray_code.py`` call the unit formulas of
``statmech/unit_types.py`` and the arithmetic of ``statmech/fastmath.py``). numba's cache
keys a function on its own file only, so after editing or moving a shared helper, delete
the ``__pycache__/*.nbi`` files or run once with ``STATMECH_NUMBA_CACHE=0``.
"""
from __future__ import annotations

import os
from typing import Any

import numba

__all__ = ["njit", "prange", "set_num_threads", "get_num_threads", "limit_threads"]

CACHE = os.environ.get("STATMECH_NUMBA_CACHE", "1") != "0"
prange = numba.prange


def njit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit`` with ``cache`` on by default (see module docstring)."""
    kwargs.setdefault("cache", CACHE)
    if args and callable(args[0]):
        return numba.njit(**kwargs)(args[0])
    return numba.njit(*args, **kwargs)


def set_num_threads(n_threads: int) -> None:
    """Set the number of threads numba's parallel kernels use (at most the cores)."""
    numba.set_num_threads(int(n_threads))


def limit_threads(n_threads: int = 1) -> None:
    """Set numba's threads and the BLAS/OpenMP pools' (through threadpoolctl) to
    ``n_threads`` for the rest of this process: what each worker of a study runs first, so
    that w workers on w cores do not start w * cores threads.
    """
    from threadpoolctl import threadpool_limits

    set_num_threads(min(int(n_threads), numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    threadpool_limits(int(n_threads))


def get_num_threads() -> int:
    """The number of threads numba's parallel kernels use now."""
    return numba.get_num_threads()
