"""What runs on a worker: one point of a study, its result normalised to labelled arrays,
or its exception with the traceback (a task that raises never stops the study)."""
from __future__ import annotations

import inspect
import os
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..jit import limit_threads

__all__ = ["PointResult", "Variable", "normalise", "run_point", "task_parameters"]

_THREADS_LIMITED = False


@dataclass(frozen=True)
class Variable:
    """One result variable of one point: dims, values and the coordinates of its own dims."""

    dims: tuple
    values: np.ndarray
    coords: dict
    attrs: dict


@dataclass(frozen=True)
class PointResult:
    """What a worker sends back: ``variables`` (name -> Variable) or the error and traceback."""

    index: Any
    variables: Any
    error: Any
    traceback: Any
    elapsed: float


def task_parameters(task: Any, grid_names: Any) -> bool:
    """Check that ``task`` takes the grid's names and ``seed`` as keywords; True when it
    also takes ``checkpoint``."""
    if not callable(task):
        raise TypeError(f"task must be callable; got {type(task).__name__} {task!r}")
    try:
        signature = inspect.signature(task)
    except (TypeError, ValueError):
        return False
    parameters = signature.parameters
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    keywords = {name for name, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    missing = [name for name in (*grid_names, "seed") if name not in keywords and not var_keyword]
    if missing:
        raise TypeError(f"task {_name(task)} must accept the grid's coordinates and seed as keywords; "
                        f"it has no parameter {', '.join(map(repr, missing))}")
    unfilled = [name for name, p in parameters.items()
                if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                and name not in (*grid_names, "seed", "checkpoint")]
    if unfilled:
        raise TypeError(f"task {_name(task)} has required parameters the grid does not give: "
                        f"{', '.join(map(repr, unfilled))} (add them to the grid, or bind them with functools.partial)")
    return "checkpoint" in keywords


def _name(task):
    return f"{getattr(task, '__module__', '?')}.{getattr(task, '__qualname__', type(task).__name__)}"


def normalise(result: Any) -> dict:
    """A task's return value as {name: Variable}.

    Accepted: a dict of scalars, arrays or ``xarray.DataArray``; an ``xarray.Dataset``;
    a named DataArray; or any record with ``to_xarray()``. Values must be numbers
    (bool, int, float).
    """
    import xarray as xr

    if hasattr(result, "to_xarray") and not isinstance(result, (xr.DataArray, xr.Dataset)):
        result = result.to_xarray()
    if isinstance(result, xr.DataArray):
        if result.name is None:
            raise TypeError("a task that returns a DataArray must name it (or return a dict or Dataset)")
        result = result.to_dataset()
    if isinstance(result, xr.Dataset):
        items = result.data_vars.items()
    elif isinstance(result, Mapping):
        items = result.items()
    else:
        raise TypeError(f"a task must return a dict, an xarray Dataset or DataArray, or a record with "
                        f"to_xarray(); got {type(result).__name__}")
    variables = {}
    for name, value in items:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"result names must be identifiers; got {name!r}")
        if isinstance(value, xr.DataArray):
            dims = tuple(str(d) for d in value.dims)
            values = np.asarray(value.values)
            coords = {d: np.asarray(value.coords[d].values) for d in dims if d in value.coords}
            attrs = dict(value.attrs)
        else:
            values = np.asarray(value)
            dims = tuple(f"{name}_dim_{k}" for k in range(values.ndim))
            coords, attrs = {}, {}
        if values.dtype.kind not in "biuf":
            raise TypeError(f"result {name!r} must hold numbers (bool, int or float); got dtype {values.dtype}")
        variables[name] = Variable(dims, values, coords, attrs)
    if not variables:
        raise ValueError("the task returned no results")
    return variables


def run_point(task: Any, index: int, kwargs: Any, limit: float = False) -> PointResult:
    """Call ``task(**kwargs)`` and normalise its result; an Exception becomes the point's
    error with its traceback (KeyboardInterrupt and SystemExit propagate).

    ``limit``: first limit this process's numba and BLAS threads to one (workers of a
    Dask cluster, which run no initializer).
    """
    global _THREADS_LIMITED
    if limit and not _THREADS_LIMITED:
        limit_threads(1)
        _THREADS_LIMITED = True
    start = time.perf_counter()
    try:
        variables = normalise(task(**kwargs))
    except Exception as exc:   # noqa: BLE001 -- the study records any error of a task and goes on
        return PointResult(index, None, f"{type(exc).__name__}: {exc}", traceback.format_exc(),
                           time.perf_counter() - start)
    return PointResult(index, variables, None, None, time.perf_counter() - start)


def initialize_worker() -> None:
    """Initializer of the default process pool: one numba and BLAS thread per worker,
    Ctrl-C left to the driver (which stops the workers itself), and a watchdog that ends the
    worker as soon as the driver is gone, however it ended (found: after a driver was
    killed, its forkserver and workers, ~400 MB, ran on for an hour; a pool's own
    machinery only notices a driver that closes it)."""
    import multiprocessing
    import signal
    import threading
    from multiprocessing.connection import wait

    global _THREADS_LIMITED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(1)
    _THREADS_LIMITED = True
    driver = multiprocessing.parent_process()
    sentinel = getattr(driver, "sentinel", None)
    parent = os.getppid()

    def watch():
        if sentinel is not None:
            wait([sentinel])                # readable once the driver's end of the pipe closes
        else:                               # loky's workers have no sentinel: the parent changes
            while os.getppid() == parent:
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="statmech-driver-watchdog", daemon=True).start()
