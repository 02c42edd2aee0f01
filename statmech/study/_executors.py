"""Executors a study runs on: the default local process pool (loky's, the one joblib and
scikit-learn use: tasks defined in a notebook cell, a REPL or ``python -c`` travel by value
with cloudpickle, and a worker that dies is named with its exit code), any
``concurrent.futures.Executor``, ``"serial"`` (in the calling process), or a
``dask.distributed.Client``. One small adapter each: submit, wait for the first results,
cancel, close. No scheduler of our own."""
from __future__ import annotations

from typing import Any

import concurrent.futures as cf
import os
import pickle

import cloudpickle

from ..runloop import sigint_count
from ._task import initialize_worker, run_point

__all__ = ["adapter"]


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class _Futures:
    """concurrent.futures executors."""

    limit_threads = False

    def __init__(self, executor, owned, workers):
        self.executor = executor
        self.owned = owned
        self.workers = workers

    def submit(self, task, index, kwargs):
        return self.executor.submit(run_point, task, index, kwargs, self.limit_threads)

    def wait(self, futures, timeout):
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    @staticmethod
    def outcome(future):
        """The PointResult, or the exception that kept the worker from making one."""
        exc = future.exception()
        return exc if exc is not None else future.result()

    def cancel(self, futures):
        for future in futures:
            future.cancel()

    def close(self, interrupted):
        if not self.owned:
            return
        if _is_loky(self.executor):
            # Workers ignore SIGINT (the driver owns Ctrl-C): stop the tasks in flight.
            self.executor.shutdown(wait=True, kill_workers=interrupted)
            return
        if interrupted and isinstance(self.executor, cf.ProcessPoolExecutor):
            # Workers ignore SIGINT (the driver owns Ctrl-C): stop the tasks in flight.
            if hasattr(self.executor, "terminate_workers"):       # Python >= 3.14
                self.executor.terminate_workers()
            else:
                for process in list(getattr(self.executor, "_processes", {}).values()):
                    process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def describe(self):
        kind = "loky.ProcessPoolExecutor" if _is_loky(self.executor) else type(self.executor).__name__
        return f"{kind}({self.workers} workers)"


def _is_loky(executor):
    return type(executor).__module__.split(".")[0] == "loky"


class _Serial(cf.Executor):
    """Runs each task when submitted, in the calling process. A point during which Ctrl-C
    arrived is not kept (a statmech driver inside the task may have returned early): the
    KeyboardInterrupt stops the study and the point runs again on resume."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        before = sigint_count()
        result = fn(*args, **kwargs)
        if sigint_count() != before:
            raise KeyboardInterrupt
        future.set_result(result)
        return future


class _Dask(_Futures):
    """A dask.distributed Client: tasks go to its workers (which run no initializer, so
    each limits its threads on its first point)."""

    limit_threads = True

    def __init__(self, client):
        workers = sum(client.nthreads().values()) or 1
        super().__init__(client, owned=False, workers=workers)

    def submit(self, task, index, kwargs):
        return self.executor.submit(run_point, task, index, kwargs, True, pure=False)

    def wait(self, futures, timeout):
        from distributed import wait

        try:
            wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except (TimeoutError, cf.TimeoutError):
            pass
        return {f for f in futures if f.done()}

    @staticmethod
    def outcome(future):
        if future.status == "error":
            return future.exception()
        if future.status == "cancelled":
            return cf.CancelledError(f"dask cancelled {future.key}")
        return future.result()

    def describe(self):
        return f"dask.distributed.Client({self.workers} threads)"


def adapter(executor: Any, task: Any) -> Any:
    """The adapter for ``executor`` (None: a process pool with one worker per core)."""
    if executor is None:
        from loky import ProcessPoolExecutor

        _check_picklable(task, cloudpickle.dumps)
        workers = _cores()
        return _Futures(ProcessPoolExecutor(workers, initializer=initialize_worker), owned=True, workers=workers)
    if isinstance(executor, str):
        if executor != "serial":
            raise ValueError(f"executor must be None, 'serial', a concurrent.futures.Executor or a "
                             f"dask.distributed.Client; got {executor!r}")
        runner = _Futures(_Serial(), owned=True, workers=1)
        runner.describe = lambda: "serial"           # type: ignore[method-assign]
        return runner
    if type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "nthreads"):
        return _Dask(executor)
    if isinstance(executor, cf.Executor):
        if _is_loky(executor):
            _check_picklable(task, cloudpickle.dumps)
        elif isinstance(executor, cf.ProcessPoolExecutor):
            _check_picklable(task, pickle.dumps)
        workers = getattr(executor, "_max_workers", None) or _cores()
        return _Futures(executor, owned=False, workers=workers)
    raise TypeError(f"executor must be None, 'serial', a concurrent.futures.Executor or a "
                    f"dask.distributed.Client; got {type(executor).__name__}")


def _check_picklable(task, dumps):
    """Refuse, before anything runs, a task the pool could not send to its workers."""
    try:
        dumps(task)
    except Exception as exc:   # noqa: BLE001 -- pickling raises many kinds; each means "cannot send"
        hint = ("" if dumps is cloudpickle.dumps else
                " A concurrent.futures.ProcessPoolExecutor sends functions by reference: define the task at the "
                "top level of a module, or use the default executor (loky), which sends notebook and "
                "interactively defined functions by value.")
        raise TypeError(f"the task cannot be sent to the pool's worker processes: {type(exc).__name__}: {exc}."
                        f"{hint} A task that holds an unpicklable object (an open file, a lock, a client) runs "
                        f"with executor='serial' or a ThreadPoolExecutor") from None
