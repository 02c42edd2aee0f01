"""Executors a study runs on: the default local process pool, any
``concurrent.futures.Executor``, ``"serial"`` (in the calling process), or a
``dask.distributed.Client``. One small adapter each: submit, wait for the first results,
cancel, close. No scheduler of our own."""
from __future__ import annotations

from typing import Any

import concurrent.futures as cf
import multiprocessing
import os
import pickle

from ..runloop import sigint_count
from ._task import initialize_worker, run_point

__all__ = ["adapter"]


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _start_method():
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


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
        if interrupted and isinstance(self.executor, cf.ProcessPoolExecutor):
            # Workers ignore SIGINT (the driver owns Ctrl-C): stop the tasks in flight.
            if hasattr(self.executor, "terminate_workers"):       # Python >= 3.14
                self.executor.terminate_workers()
            else:
                for process in list(getattr(self.executor, "_processes", {}).values()):
                    process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def describe(self):
        return f"{type(self.executor).__name__}({self.workers} workers)"


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
        _check_picklable(task)
        workers = _cores()
        pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(_start_method()),
                                      initializer=initialize_worker)
        return _Futures(pool, owned=True, workers=workers)
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
        if isinstance(executor, cf.ProcessPoolExecutor):
            _check_picklable(task)
        workers = getattr(executor, "_max_workers", None) or _cores()
        return _Futures(executor, owned=False, workers=workers)
    raise TypeError(f"executor must be None, 'serial', a concurrent.futures.Executor or a "
                    f"dask.distributed.Client; got {type(executor).__name__}")


def _check_picklable(task):
    try:
        pickle.dumps(task)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TypeError(f"the task must be picklable to run in a process pool (a function defined at the top "
                        f"level of a module; in a script, guard the run with `if __name__ == '__main__':`); "
                        f"{exc}. Lambdas and notebook functions run with executor='serial', a "
                        f"ThreadPoolExecutor or a dask Client") from None
