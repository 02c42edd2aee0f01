"""The project's one numba entry point.

Every kernel is compiled through :func:`njit`, which turns on numba's on-disk cache
unless the environment variable ``STATMECH_NUMBA_CACHE`` is ``0``. Threads are set
in one place, :func:`set_num_threads`, and a parallel kernel runs on as many of them as
its call has work for (:func:`threads_for`).

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

__all__ = ["njit", "prange", "set_num_threads", "get_num_threads", "limit_threads", "threads_for"]

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


#: Seconds of one-thread work a parallel call must give each thread before threads pay:
#: on idle cores a region of any size gains, but beside a busy process a descheduled
#: thread stalls the whole region for a time slice of the OS scheduler, so shorter calls
#: run on one thread. ``benchmarks/bench_threads.py`` measures both.
SECONDS_PER_THREAD = 0.01


class threads_for:
    """Inside (``with threads_for(...) as used:``): numba's parallel kernels use only as
    many threads as the call has work for.

    That is min(the threads set, ``n_units``, ``seconds // seconds_per_thread``), at least
    one. Results do not depend on it: every kernel gives each chain (or word, or row) its
    own random stream.

    Parameters
    ----------
    n_units : int
        Independent pieces of the call (chains, words, rows): no thread beyond them.
    seconds : float
        The call's work: an estimate of its seconds on one thread.
    seconds_per_thread : float, default SECONDS_PER_THREAD
        The least work per thread at which threads pay.

    Examples
    --------
    >>> from statmech.jit import SECONDS_PER_THREAD, threads_for
    >>> with threads_for(n_units=8, seconds=0.1 * SECONDS_PER_THREAD) as used:
    ...     used                      # too little work for a second thread
    1
    """

    __slots__ = ("used", "previous")

    def __init__(self, n_units: int, seconds: float, seconds_per_thread: float = SECONDS_PER_THREAD) -> None:
        current = numba.get_num_threads()
        self.used = int(max(1, min(current, n_units, seconds // seconds_per_thread)))
        self.previous = current if self.used != current else 0

    def __enter__(self) -> int:
        if self.previous:
            numba.set_num_threads(self.used)
        return self.used

    def __exit__(self, *exc_info: Any) -> None:
        if self.previous:
            numba.set_num_threads(self.previous)
