"""The Study: a task run at every point of a grid, on any executor, into a zarr store."""
from __future__ import annotations

import datetime
import functools
import hashlib
import inspect
import os
import traceback
import warnings
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from .. import __version__
from ..errors import StatmechWarning, StoreLockedError
from ..runloop import Progress, Stopwatch, interruptible
from ..validation import as_seed_sequence, seed_from_json, seed_to_json
from ._executors import adapter
from ._grid import Grid, point_key, point_seed
from ._store import Store
from ._task import PointResult, task_parameters

if TYPE_CHECKING:
    import xarray

    from statmech.typing import Seed

__all__ = ["Failure", "Study", "StudyRun"]

#: What a worker that died without a Python error usually means.
_BROKEN_POOL_HINT = (" (a worker process died without a Python error while this point ran or waited: the task "
                     "crashed the interpreter, e.g. a segmentation fault in compiled code, or the operating system "
                     "killed the worker, most often for exhausting memory; exit code -9 is SIGKILL. The point runs "
                     "again on the next run(). A concurrent.futures.ProcessPoolExecutor's workers also die so when "
                     "they re-import a script that runs the study unguarded: guard it with "
                     "`if __name__ == \"__main__\":`)")


@dataclass(frozen=True)
class StudyRun:
    """What one :meth:`Study.run` did.

    Attributes
    ----------
    n_points : int
        Points of the grid.
    n_done : int
        Points done in the store after the run (this run's and earlier runs').
    n_completed, n_failed : int
        Points this run wrote, and points whose task raised (or whose result did not fit
        the store) in this run.
    executor : str
    elapsed : float
        Wall-clock seconds.
    interrupted : bool
        True when Ctrl-C stopped the run; the points in flight were dropped and run again
        on the next ``run()``.
    """

    n_points: int
    n_done: int
    n_completed: int
    n_failed: int
    executor: str
    elapsed: float
    interrupted: bool = False


@dataclass(frozen=True)
class Failure:
    """A point whose task raised: its coordinates, the error and the worker's traceback."""

    coordinates: dict
    error: str
    traceback: str


def _check_dtypes(dtypes, grid_names):
    """Declared result dtypes as {name: numpy dtype} of bools, ints or floats."""
    if dtypes is None:
        return {}
    if not isinstance(dtypes, dict):
        raise TypeError(f"dtypes must be a dict of result name -> dtype; got {type(dtypes).__name__} {dtypes!r}")
    checked = {}
    for name, dtype in dtypes.items():
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dtypes[{name!r}] must be a numpy dtype; got {dtype!r}") from None
        if dtype.kind not in "biuf" or name in (*grid_names, "done", "elapsed"):
            raise ValueError(f"dtypes[{name!r}] must be a bool, integer or float dtype of a result variable; got "
                             f"{dtype}")
        checked[name] = dtype
    return checked


def _task_identity(task):
    """(qualified name, sha256 of the source or None) of a task; a functools.partial
    includes its bound arguments. The source is what ``inspect.getsource`` finds: a file,
    or a notebook or IPython cell (IPython keeps cell sources); None for ``python -c``, a
    plain REPL or a builtin (the Study then warns that changes go undetected)."""
    if isinstance(task, functools.partial):
        name, source = _task_identity(task.func)
        return f"functools.partial({name}, *{task.args!r}, **{task.keywords!r})", source
    name = f"{getattr(task, '__module__', None)}.{getattr(task, '__qualname__', type(task).__qualname__)}"
    try:
        source = hashlib.sha256(inspect.getsource(task).encode()).hexdigest()
    except (OSError, TypeError):
        source = None
    return name, source


class Study:
    """A task run at every point of a grid, with its results in a zarr store.

    Each point's result is written as soon as it arrives, by this process alone, into
    ``store`` (see :mod:`statmech.study._store` for the layout and why a killed run leaves
    it readable). Creating a Study on an existing store resumes it: points already done are
    skipped. The store refuses another task, another seed or a changed grid; a grid whose
    coordinates gained values at their ends extends the study.

    Parameters
    ----------
    store : str or os.PathLike
        A folder (conventionally ``*.zarr``): new, or the store of this study.
    task : callable
        Called as ``task(**coordinates, seed=seed)`` at each point, with
        ``checkpoint=path`` too when it takes a ``checkpoint`` parameter (a per-point file
        inside the store, so that a killed study resumes a long run from its own checkpoint;
        removed when the point is done). Returns a dict of numbers, arrays or
        ``xarray.DataArray`` (with named dims), an ``xarray.Dataset``, or a record with
        ``to_xarray()``; every point must return the same variables with the same shapes.
        The default pool (loky) and a Dask cluster take any function cloudpickle can send:
        one defined in a module, a notebook cell, a REPL or ``python -c``, a lambda, a
        ``functools.partial``; not one that holds an open file, a lock or a client. A
        ``concurrent.futures.ProcessPoolExecutor`` passed in takes only module-level
        functions (by reference).
    grid : dict of str to sequence
        Coordinate name -> values; the points are their Cartesian product. ``seed``,
        ``checkpoint``, ``done`` and ``elapsed`` are reserved names.
    seed : int, SeedSequence or None
        The study seed. Point ``x`` gets ``SeedSequence(entropy, spawn_key=(..., h(x)))``
        with ``h`` a 128-bit digest of the point's coordinate names and values: the same
        on every executor and in any completion order, and unchanged when the grid grows.
        None: fresh entropy, recorded in the store (a resumed study uses the recorded seed).
    dtypes : dict of str to dtype, optional
        Dtypes to store result variables as. By default a variable is stored as bool,
        int64 or float64, the widest kind any point returned (a float after ints widens
        it, converting what is stored exactly), never narrower: a value that does not fit
        exactly is its point's failure, whichever point finished first. A declared dtype
        takes values that fit it (floats may round, e.g. to float32, but not overflow).

    Notes
    -----
    A store has one writer: creating or extending a store, and :meth:`run`, hold its lock
    (an operating-system file lock, released when its process ends, however it ends), and
    another process that tries is refused with a :class:`~statmech.errors.StoreLockedError`
    naming the holder. A Study on a store that another process is running may still read
    it (:meth:`results`) if it asks for no new points. Every :meth:`run` first checks the
    store against its grid and reads back every chunk that holds a done point (each
    carries a checksum): the points of a missing or damaged chunk are computed again.

    Examples
    --------
    A task takes the grid's coordinates and a ``seed`` and returns named numbers or arrays
    (here the SK model's exact energy per spin, one disorder instance per point):

    >>> import tempfile, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> def energy(n, instance, seed):
    ...     return {"e": statmech.exact(SherringtonKirkpatrick(n, seed=instance), 1.0).energy / n}
    >>> s = Study(tempfile.mkdtemp() + "/sk.zarr", energy, grid={"n": [6, 8], "instance": range(4)}, seed=0)
    >>> s.run(executor="serial").n_failed           # default: a process pool, one worker per core
    0
    >>> s.results().e.dims                           # an xarray.Dataset on the grid, with ``done``
    ('n', 'instance')

    On a cluster, pass a ``dask.distributed.Client``: ``s.run(executor=Client(cluster))``
    with ``cluster = dask_jobqueue.SLURMCluster(...); cluster.scale(jobs=20)`` (SLURM/PBS
    through dask-jobqueue), or ``Client("tcp://scheduler:8786")`` for a scheduler started
    by ``dask scheduler`` and ``dask worker`` on many machines. The driver (and its store)
    stays on the machine that calls ``run``.
    """

    def __init__(self, store: Any, task: Any, *, grid: Any, seed: Seed | None = None, dtypes: Any = None) -> None:
        self.grid = Grid(grid)
        self.dtypes = _check_dtypes(dtypes, self.grid.names)
        self.takes_checkpoint = task_parameters(task, self.grid.names)
        self.task = task
        self.store = Store(store)
        self.store.check_path()
        self._identity = _task_identity(task)
        if self._identity[1] is None:
            warnings.warn(f"task {self._identity[0]} has no source to digest (it was defined in `python -c` or a "
                          f"plain REPL): the store records its name only, so a change to the task under the same "
                          f"name will not be detected on resume. Define it in a file or a notebook cell (IPython "
                          f"keeps cell sources)", StatmechWarning, stacklevel=2)
        if self.store.exists() and not self.store.half_made(self.grid.names):
            self._adopt(seed, self.store.attrs)
            try:
                with self.store.writer():
                    self._open()
            except StoreLockedError:
                if self.grid.extension_of(self.store.attrs["grid"]):
                    raise
                # Another process runs the study: this one may read it, and may run once that one is done.
            return
        with self.store.writer():
            if self.store.half_made(self.grid.names):       # a creation that was killed: start again
                self.store.remove_contents()
            if self.store.exists():         # created by another process since
                self._adopt(seed, self.store.attrs)
                self._open()
            else:
                self.seed = as_seed_sequence(seed)
                name, source = self._identity
                self.store.create(self.grid, {"statmech_version": __version__, "task": name,
                                              "task_source_sha256": source, "grid": self.grid.to_json(),
                                              "dtypes": {k: str(v) for k, v in self.dtypes.items()},
                                              "seed": seed_to_json(self.seed), "runs": []})

    def _adopt(self, seed, attrs):
        """Check that the store holds this study (task, its source, seed, dtypes) and take
        its recorded seed."""
        name, source = self._identity
        if "statmech_study" not in attrs:
            raise ValueError(f"store {self.store.path!r} is a zarr store but not a statmech study; pass a new path")
        if attrs["task"] != name:
            raise ValueError(f"store {self.store.path!r} holds results of task {attrs['task']}; got {name} "
                             f"(another task needs a new store)")
        if attrs.get("task_source_sha256") != source:
            raise ValueError(f"the source of task {name} changed since store {self.store.path!r} was written; "
                             f"results of two versions of a task do not belong in one store: use a new store "
                             f"(or restore the task's code)")
        if seed is not None and seed_to_json(as_seed_sequence(seed)) != attrs["seed"]:
            raise ValueError(f"store {self.store.path!r} was written with seed {attrs['seed']}; got "
                             f"{seed_to_json(as_seed_sequence(seed))} (pass seed=None or the same seed to resume)")
        recorded_dtypes = attrs.get("dtypes", {})
        if recorded_dtypes != {k: str(v) for k, v in self.dtypes.items()}:
            raise ValueError(f"store {self.store.path!r} was written with dtypes {recorded_dtypes}; got "
                             f"{ {k: str(v) for k, v in self.dtypes.items()} } (a changed dtype needs a new store)")
        self.grid.extension_of(attrs["grid"])          # or a ValueError saying what differs
        self.seed = seed_from_json(attrs["seed"])

    def _open(self, extend=True):
        """Under the lock: finish what a killed writer left, check the store against its
        recorded grid, and (``extend``) extend it to this Study's grid."""
        store = self.store
        store.recover()
        store.ensure_internal()
        recorded = Grid(store.attrs["grid"])
        store.check_layout(recorded, repair=True)
        extended = self.grid.extension_of(recorded.to_json()) if extend else []
        if extended:
            store.extend(self.grid, extended)
            store.update_attrs(grid=self.grid.to_json())
        store.remove_partial_files()

    def point_seed(self, **coordinates: Any) -> np.random.SeedSequence:
        """The SeedSequence the task gets at the point with these coordinates."""
        return point_seed(self.seed, {name: coordinates[name] for name in self.grid.names})

    def run(self, executor: Any = None, progress: bool | None = None, *, retry_failed: bool = True) -> StudyRun:
        """Run the task at every point not done yet.

        Parameters
        ----------
        executor : None, "serial", concurrent.futures.Executor or dask.distributed.Client
            None: a process pool (loky's) with one worker per core, numba and BLAS limited
            to one thread in each (no oversubscription), closed at the end; tasks travel by
            value (cloudpickle), and a worker that dies fails the points it held with its
            exit code (they run again on the next run). "serial": in this
            process, one point after another. An executor or client passed in is used as
            it is and left open.
        progress : bool or None
            A tqdm bar over points (None: on a terminal or in a notebook).
        retry_failed : bool, default True
            Run the points that failed before again.

        Returns
        -------
        StudyRun
            Warns (RuntimeWarning) when points failed; :meth:`failures` has their tracebacks.
        """
        clock = Stopwatch()
        utc = datetime.timezone.utc   # noqa: UP017 -- datetime.UTC needs Python 3.11
        started = datetime.datetime.now(utc).isoformat(timespec="seconds")
        with self.store.writer():
            failures = self._check_store()
            done = self.store.done()
            pending = [(index, coords) for index, coords in self.grid.points()
                       if not done[index] and (retry_failed or point_key(coords) not in failures)]
            runner = adapter(executor, self.task) if pending else None
            interrupted = runner is not None and self._execute(runner, pending, failures, progress)
            # Counted from the store: a point written and then failed (its value did not fit a
            # variable another point widened) is a failure, not a completed point.
            now = self.store.done()
            completed = sum(bool(now[index]) for index, _ in pending)
            attempted = {point_key(coords) for _, coords in pending}
            failed = sum(1 for index, coords in self.grid.points() if point_key(coords) in failures
                         and (point_key(coords) in attempted or (done[index] and not now[index])))
            record = StudyRun(self.grid.size, int(now.sum()), completed, failed,
                              runner.describe() if runner else "none", clock.elapsed, interrupted)
            if runner is not None:
                runs = list(self.store.attrs.get("runs", []))
                runs.append({"started": started, "elapsed": record.elapsed, "completed": completed, "failed": failed,
                             "executor": record.executor, "interrupted": interrupted})
                self.store.update_attrs(runs=runs)
            self.store.remove_partial_files()
        if failed:
            warnings.warn(f"{failed} of {completed + failed} points failed in this run; Study.failures() has "
                          f"their errors and tracebacks", RuntimeWarning, stacklevel=2)
        return record

    def _check_store(self):
        """Before a run, under the lock: the store as this Study's grid expects it (another
        process may have extended it since), whole (:meth:`verify`); its failures."""
        recorded = Grid(self.store.attrs["grid"])
        try:        # the store's grid: this Study's, or one another process extended it to since
            recorded.extension_of(self.grid.to_json())
        except ValueError:
            raise ValueError(f"store {self.store.path!r} records grid {recorded.to_json()}, not this Study's "
                             f"{self.grid.to_json()} or an extension of it: create the Study again") from None
        self._open(extend=False)
        self.verify(repair=True)
        return self.store.failures()

    def verify(self, repair: bool = False) -> list:
        """Read back every chunk of the store that holds a done point (each carries a
        checksum); :meth:`run` does so first, with ``repair``.

        Parameters
        ----------
        repair : bool, default False
            Mark the points of a missing or damaged chunk not done (the next run computes
            them again), remove the damaged file, and record the repair in the store's
            ``repairs`` attribute. Takes the store's lock.

        Returns
        -------
        list of Damage
            Each missing or damaged chunk file, what is wrong with it and the grid indices
            of the done points it held; empty for a whole store. A repair warns too.
        """
        if not repair:
            return self.store.verify()
        with self.store.writer():
            damage = self.store.verify(repair=True)
            if damage:
                utc = datetime.timezone.utc   # noqa: UP017
                repairs = list(self.store.attrs.get("repairs", []))
                repairs += [{"when": datetime.datetime.now(utc).isoformat(timespec="seconds"), "file": d.path,
                             "problem": d.problem, "points": len(d.points)} for d in damage]
                self.store.update_attrs(repairs=repairs)
                warnings.warn(f"store {self.store.path!r}: " + "; ".join(
                    f"{d.path} {d.problem}" for d in damage) + f"; its {len({p for d in damage for p in d.points})} "
                    f"points will be computed again", RuntimeWarning, stacklevel=3)
        return damage

    def _execute(self, runner, pending, failures, progress):
        """Submit ``pending`` points to ``runner``, a bounded number in flight, and record
        them as they finish; whether Ctrl-C stopped it."""
        interrupted = False
        in_flight = {}
        limit = 2 * runner.workers + 2
        queue = iter(pending)
        try:
            with Progress(len(pending), "study", progress) as bar, interruptible() as stop:
                while True:
                    while not stop.requested and len(in_flight) < limit:
                        item = next(queue, None)
                        if item is None:
                            break
                        future = runner.submit(self.task, item[0], self._kwargs(item[1]))
                        in_flight[future] = item
                    if not in_flight or stop.requested:
                        break
                    finished = runner.wait(in_flight, timeout=0.25)
                    bar.update(self._record(runner, finished, in_flight, failures))
                interrupted = stop.requested
                if interrupted:     # keep what finished meanwhile
                    self._record(runner, {f for f in in_flight if f.done()}, in_flight, failures)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            runner.cancel(list(in_flight))
            runner.close(interrupted or bool(in_flight))
        return interrupted

    def _kwargs(self, coordinates):
        kwargs = dict(coordinates, seed=point_seed(self.seed, coordinates))
        if self.takes_checkpoint:
            kwargs["checkpoint"] = self.store.checkpoint_path(point_key(coordinates))
        return kwargs

    def _record(self, runner, finished, in_flight, failures):
        """Write the finished points (values, then done flags) and record failures; how
        many points finished."""
        good, bad = {}, {}
        for future in finished:
            index, coordinates = in_flight.pop(future)
            outcome = runner.outcome(future)
            key = point_key(coordinates)
            if not isinstance(outcome, PointResult):
                message = f"{type(outcome).__name__}: {outcome}"
                if isinstance(outcome, BrokenProcessPool):
                    message += _BROKEN_POOL_HINT
                bad[key] = (coordinates, message, "".join(traceback.format_exception(outcome)))
            elif outcome.error is not None:
                bad[key] = (coordinates, outcome.error, outcome.traceback)
            else:
                good[key] = (index, coordinates, outcome)
        rows = self._conformed(good, bad)
        self.store.write(rows)
        changed = bool(bad) or any(key in failures for key in good)
        for key in good:
            failures.pop(key, None)
            if self.takes_checkpoint:
                path = self.store.checkpoint_path(key)
                if os.path.exists(path):
                    os.remove(path)
        for key, (coordinates, error, trace) in bad.items():
            failures[key] = {"coordinates": coordinates, "error": error, "traceback": trace}
        if changed:
            self.store.set_failures(failures)
        return len(finished)

    def _conformed(self, good, bad):
        """The rows to write of the ``good`` points, {key: (index, coordinates, PointResult)}:
        their values as the store keeps them, the stored variables widened first where a
        point needs a wider kind. Points that do not fit, and done points whose stored value
        does not fit a widened variable, move to ``bad``."""
        while True:
            rows, widen = [], {}
            for key, (index, coordinates, outcome) in list(good.items()):
                conformed = self.store.conform(outcome.variables, self.dtypes)
                if isinstance(conformed, str):
                    bad[key] = (coordinates, f"ValueError: the result does not fit the store: {conformed}", "")
                    del good[key]
                    continue
                values, wider = conformed
                rows.append((index, values, outcome.elapsed))
                for name, dtype in wider.items():
                    widen[name] = max(widen.get(name, dtype), dtype, key=lambda d: "bif".index(d.kind))
            if not widen:
                return rows
            for name, dtype in widen.items():
                misfits = self.store.widen(name, dtype)
                recorded = Grid(self.store.attrs["grid"])        # it may extend this Study's
                for index in misfits:
                    coordinates = recorded.coordinates(index)
                    bad[point_key(coordinates)] = (coordinates, f"ValueError: the result does not fit the store: "
                                                                f"its {name!r} does not fit {dtype} exactly, which "
                                                                f"{name!r} became when another point returned a "
                                                                f"{dtype.kind == 'f' and 'float' or 'int'}", "")
                self.store.mark_not_done(misfits, clear=True)

    def results(self) -> xarray.Dataset:
        """The store as an ``xarray.Dataset`` (loaded into memory) on the grid's coordinates:
        every result variable, ``done`` (bool) and ``elapsed`` (seconds of each point's task);
        points not done hold NaN (floats) or 0 (ints, bools). Attributes: the package
        version, the task, its source digest, the grid, the study seed and the runs."""
        return self.store.dataset()

    def failures(self) -> list:
        """The points whose task failed (and has not succeeded since), in grid order.

        Returns
        -------
        list of Failure
        """
        stored = self.store.failures()
        order = {point_key(coords): i for i, (_, coords) in enumerate(self.grid.points())}
        return [Failure(v["coordinates"], v["error"], v["traceback"])
                for k, v in sorted(stored.items(), key=lambda kv: order.get(kv[0], len(order)))]

    def __repr__(self):
        shape = " x ".join(f"{n}={len(v)}" for n, v in self.grid.axes.items())
        return f"Study({self.store.path!r}, {_task_identity(self.task)[0]}, grid {shape})"
