"""A study's zarr store: labelled arrays on the grid's coordinates, one writer.

Layout (zarr v3, readable by ``xarray.open_zarr``): one coordinate array per grid axis;
``done`` (bool) and ``elapsed`` (task seconds) over the grid; one array per result
variable over the grid's dims followed by its own dims, chunked by up to 64 points along
the grid's last axis (``POINTS_PER_CHUNK``); every chunk carries a CRC-32C checksum. The
root attributes hold the package version, the task, the grid, the declared dtypes, the
study seed, the runs and the repairs. The ``_study`` group holds the result schema, the
failures and (as plain files) the tasks' checkpoints.

One writer: a process writes the store only while it holds the store's lock
(``_study/lock``, an operating-system file lock taken with filelock, so the lock of a
killed process is released by the system); ``_study/writer.json`` says who holds it, and
another process is refused with that.

Crash safety: zarr's local store writes every chunk and metadata file to a temporary
file and renames it into place, and a point's ``done`` flag is written only after all
its values, so the ``done`` points of a store whose writer was killed are whole. An
extension killed between arrays is undone when the store is next opened for writing;
a widening of a variable's dtype is staged whole and renamed into place. A chunk that
was lost or damaged afterwards (a missing file, a checksum that does not match) is found
by :meth:`Store.verify`, which marks its points not done, so that the next run computes
them again.

Dtypes: a result variable is stored as bool, int64 or float64, the kind of its values,
never narrower; a result of a wider kind (a float after ints) widens the stored array,
converting what is there exactly, so what a store holds does not depend on the order in
which points finished. A value that does not fit exactly (2**60 + 1 as a float, 0.5 as
an int) is its point's failure. ``dtypes={"name": dtype}`` declares a dtype instead:
values must then fit it (floats may round, not overflow).
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import socket
import sys
import time
import warnings
from typing import Any, TYPE_CHECKING

import numpy as np

from ..errors import StoreLockedError
from ._grid import Grid

if TYPE_CHECKING:
    import xarray

    from statmech.typing import PathLike

__all__ = ["Store", "Damage", "convert"]

_INTERNAL = "_study"
_LOCK, _WRITER = os.path.join(_INTERNAL, "lock"), os.path.join(_INTERNAL, "writer.json")
_WIDEN = os.path.join(_INTERNAL, "widen")

# Points per chunk along the grid's last axis (1 along the others): writing a chunk costs
# about a millisecond whatever its size, and points finish roughly in grid order, so
# grouping them cuts writes and files by up to this factor. At most ~1 MB per chunk.
POINTS_PER_CHUNK = 64
CHUNK_BYTES = 2 ** 20
#: The dtype each kind of result is stored as; ``_WIDER`` orders them.
_STORED = {"b": np.dtype(bool), "i": np.dtype(np.int64), "u": np.dtype(np.int64), "f": np.dtype(np.float64)}
_WIDER = "bif"


def _fill_value(dtype):
    return np.nan if dtype.kind == "f" else np.zeros((), dtype)[()]


def _chunks(grid_ndim, item_shape, itemsize):
    per_point = max(int(np.prod(item_shape, dtype=np.int64)) * itemsize, 1)
    points = int(np.clip(CHUNK_BYTES // per_point, 1, POINTS_PER_CHUNK))
    return (1,) * (grid_ndim - 1) + (points,) + tuple(item_shape)


def _compressors():
    from zarr.codecs import Crc32cCodec, ZstdCodec

    return [ZstdCodec(), Crc32cCodec()]


def _encoding(chunks):
    return {"chunks": chunks, "compressors": _compressors()}


def convert(values: Any, dtype: Any, *, rounding: float = False) -> Any:
    """``values`` as ``dtype``, or None when they do not fit: exactly, or (``rounding``, a
    float dtype) to the nearest float without overflow. NaN fits a float dtype."""
    values = np.asarray(values)
    dtype = np.dtype(dtype)
    if values.dtype.kind in "iu" and dtype.kind in "iu":
        info = np.iinfo(dtype)
        if values.size and (int(values.min()) < info.min or int(values.max()) > info.max):
            return None
    with np.errstate(all="ignore"):
        converted = values.astype(dtype)
        if rounding and dtype.kind == "f":
            return converted if np.array_equal(np.isfinite(converted), np.isfinite(values)) else None
        back = converted.astype(values.dtype)
    if values.dtype.kind in "iu" and dtype.kind == "f" and not np.all(np.isfinite(converted)):
        return None
    return converted if np.array_equal(back, values, equal_nan=values.dtype.kind == "f") else None


class Damage:
    """A chunk file of the store that is missing or unreadable, and the points it held.

    Attributes
    ----------
    variable : str
    path : str
        The chunk file.
    problem : str
    points : list of tuple
        Grid indices of the done points whose values it held.
    """

    def __init__(self, variable: Any, path: PathLike, problem: Any, points: Any) -> None:
        self.variable, self.path, self.problem, self.points = variable, path, problem, points

    def __repr__(self):
        return f"Damage({self.path!r}: {self.problem}; {len(self.points)} points)"


class Store:
    """The zarr store of one study (see the module docstring). ``path``: a folder."""

    def __init__(self, path: PathLike) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"store must be a path (str or os.PathLike); got {type(path).__name__} {path!r}")
        self.path = os.fspath(path)
        self._arrays: dict[str, Any] = {}
        self._schema: dict[str, Any] | None = None
        self._lock: Any = None

    # -- one writer -----------------------------------------------------------------------
    def check_path(self) -> None:
        """Refuse, before anything is created, a path that cannot become or be this store."""
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise ValueError(f"store {self.path!r}: folder {parent!r} does not exist")
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise ValueError(f"store {self.path!r} exists and is not a folder; pass a new path")
        if os.path.isdir(self.path) and not self.exists() and set(os.listdir(self.path)) - {_INTERNAL}:
            raise ValueError(f"store {self.path!r} exists and is not a statmech study store; pass a new path")

    @contextlib.contextmanager
    def writer(self) -> Any:
        """Hold the store's lock for the block, or raise StoreLockedError naming the
        process that holds it. Re-entrant within this Store."""
        if self._lock is not None:
            yield
            return
        import filelock

        os.makedirs(os.path.join(self.path, _INTERNAL), exist_ok=True)
        lock = filelock.FileLock(os.path.join(self.path, _LOCK))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            raise StoreLockedError(f"store {self.path!r} is being written by {self.holder()}: a store has one "
                                   f"writer. Wait for it to finish (or stop it), then run again") from None
        self._lock = lock
        try:
            with open(os.path.join(self.path, _WRITER), "w") as handle:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(), "argv": sys.argv[:4],
                           "since": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")},
                          handle)
            yield
        finally:
            self._lock = None
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.path, _WRITER))
            lock.release()

    def holder(self, patience: float = 1.0) -> Any:
        """Who holds the lock, as ``writer.json`` says once the holder has written it (a
        holder that has just taken the lock writes it a moment later, over that of a
        holder that died)."""
        deadline = time.monotonic() + patience
        while True:
            try:
                with open(os.path.join(self.path, _WRITER)) as handle:
                    who = json.load(handle)
                if who["host"] != socket.gethostname() or _alive(who["pid"]):
                    return (f"process {who['pid']} on {who['host']} (since {who['since']}, "
                            f"{' '.join(map(str, who['argv']))})")
            except (OSError, ValueError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline:
                return "another process"
            time.sleep(0.05)

    # -- creation and checks ------------------------------------------------------------
    def exists(self) -> bool:
        return os.path.exists(os.path.join(self.path, "zarr.json"))

    def create(self, grid: Any, attrs) -> None:
        """Create the store (under the lock). Its ``statmech_study`` attribute is written
        last: a creation that failed or was killed leaves a store :meth:`half_made` finds."""
        import xarray as xr

        shape = grid.shape
        ds = xr.Dataset({"done": (grid.names, np.zeros(shape, bool)),
                         "elapsed": (grid.names, np.full(shape, np.nan))},
                        coords={name: grid.coordinate_array(name) for name in grid.names}, attrs=attrs)
        chunks = _chunks(len(shape), (), 8)
        try:
            with warnings.catch_warnings():      # the lock's folder, _study, is not a zarr group yet
                warnings.filterwarnings("ignore", "Object at _study is not recognized")
                ds.to_zarr(self.path, mode="a", consolidated=False, write_empty_chunks=True,
                           encoding={"done": _encoding(chunks), "elapsed": _encoding(chunks)})
            self.ensure_internal()
        except BaseException:
            self.remove_contents()
            raise
        self.update_attrs(statmech_study=1)

    def half_made(self, grid_names: Any) -> bool:
        """Whether the folder holds only what a creation that did not finish leaves (then
        :meth:`create` may start again)."""
        if not os.path.isdir(self.path) or "statmech_study" in (self.attrs if self.exists() else {}):
            return False
        ours = {"zarr.json", _INTERNAL, "done", "elapsed", *grid_names}
        return set(os.listdir(self.path)) <= ours

    def remove_contents(self) -> None:
        """Everything of the store but its lock (under the lock)."""
        for entry in os.listdir(self.path):
            target = os.path.join(self.path, entry)
            if entry == _INTERNAL:
                for inner in os.listdir(target):
                    if os.path.join(_INTERNAL, inner) not in (_LOCK, _WRITER):
                        path = os.path.join(target, inner)
                        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
            else:
                shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)
        self._arrays.clear()
        self._schema = None

    def ensure_internal(self) -> None:
        """The ``_study`` group and the checkpoint folder (created after the arrays, so a
        store killed in between gets them when it is opened again)."""
        root = self._root("r+")
        if _INTERNAL not in root:
            root.create_group(_INTERNAL).attrs.update({"schema": {}, "failures": {}})
        os.makedirs(self.checkpoint_folder, exist_ok=True)

    def check_layout(self, grid: Any, repair: bool = False) -> None:
        """Check the arrays against the recorded ``grid``: each array's length along each
        grid dimension, and the coordinate values. With ``repair`` (under the lock), undo
        an extension that was killed before it recorded its grid (arrays longer than the
        grid, with nothing done beyond it) and rewrite coordinates from the grid; else a
        ValueError names the store, the array and what differs."""
        root = self._root("r+" if repair else "r")
        sizes = dict(zip(grid.names, grid.shape))
        for name in self._array_names(root):
            array = self._open(root, name)
            dims = array.metadata.dimension_names or ()
            expected = tuple(sizes.get(dim, length) for dim, length in zip(dims, array.shape))
            if array.shape == expected:
                continue
            longer = all(a >= e for a, e in zip(array.shape, expected))
            if not (repair and longer and self._nothing_done_beyond(root, grid)):
                raise ValueError(f"store {self.path!r} is damaged: array {name!r} has shape {array.shape} where "
                                 f"the recorded grid {dict(sizes)} gives {expected}; restore it from a backup or "
                                 f"use a new store")
            array.resize(expected)
        for name in grid.names:
            expected = grid.coordinate_array(name)
            coordinate = self._open(root, name)
            try:
                stored = np.asarray(coordinate[...])
            except Exception as error:   # noqa: BLE001 -- a damaged chunk: zarr's checksum or codec errors
                if not repair:
                    raise ValueError(f"store {self.path!r} is damaged: coordinate {name!r} cannot be read "
                                     f"({_problem(error)})") from None
                stored = None
            if stored is None or stored.shape != expected.shape or not np.array_equal(stored, expected):
                if not repair:
                    raise ValueError(f"store {self.path!r} is damaged: its coordinate {name!r} is not the recorded "
                                     f"grid's {list(expected)}")
                coordinate[...] = expected      # the recorded grid has them
        self._arrays.clear()

    def _nothing_done_beyond(self, root, grid):
        done = self._open(root, "done")
        region = tuple(slice(0, n) for n in done.shape)
        flags = np.asarray(done[region], dtype=bool)
        inside = flags[tuple(slice(0, n) for n in grid.shape)]
        return flags.sum() == inside.sum()

    def recover(self) -> None:
        """Finish or drop a dtype widening a killed writer left half done (under the lock)."""
        staging = os.path.join(self.path, _WIDEN)
        if not os.path.isdir(staging):
            return
        for entry in sorted(os.listdir(staging)):
            path = os.path.join(staging, entry)
            if entry.endswith(".old"):
                shutil.rmtree(path)
            elif entry.endswith(".complete"):
                name = entry[:-len(".complete")]
                target = os.path.join(self.path, name)
                if not os.path.exists(target) and os.path.isdir(os.path.join(staging, name)):
                    os.rename(os.path.join(staging, name), target)
                os.remove(path)
        for entry in os.listdir(staging):                    # staged arrays never completed
            shutil.rmtree(os.path.join(staging, entry), ignore_errors=True)
        self._arrays.clear()

    @property
    def checkpoint_folder(self) -> str:
        return os.path.join(self.path, _INTERNAL, "checkpoints")

    def checkpoint_path(self, key: Any) -> str:
        return os.path.join(self.checkpoint_folder, key + ".npz")

    def remove_partial_files(self) -> None:
        """Temporary files of checkpoints whose writer was stopped mid-write (under the lock)."""
        if os.path.isdir(self.checkpoint_folder):
            for entry in os.listdir(self.checkpoint_folder):
                if entry.startswith(".") and ".tmp" in entry:
                    with contextlib.suppress(OSError):
                        os.remove(os.path.join(self.checkpoint_folder, entry))

    def _root(self, mode="r"):
        import zarr

        try:
            return zarr.open_group(self.path, mode=mode)
        except Exception as exc:   # noqa: BLE001 -- whatever zarr raises, the store is unreadable
            raise ValueError(f"store {self.path!r} is not a readable zarr store ({type(exc).__name__}: {exc}); "
                             f"its {os.path.join(self.path, 'zarr.json')!r} may be damaged") from None

    def _open(self, root, name):
        """Array ``name``, writing every chunk it touches (a chunk of fill values too: a done
        point's chunk must exist, so that a missing one is damage)."""
        try:
            return root[name].with_config({"write_empty_chunks": True})
        except Exception as exc:   # noqa: BLE001
            raise ValueError(f"store {self.path!r} is damaged: array {name!r} cannot be opened "
                             f"({type(exc).__name__}: {exc}); check {os.path.join(self.path, name, 'zarr.json')!r}") \
                from None

    def _array_names(self, root):
        names = []
        for entry in sorted(os.listdir(self.path)):
            if entry != _INTERNAL and os.path.isdir(os.path.join(self.path, entry)):
                names.append(entry)
        return names

    @property
    def attrs(self) -> dict:
        return dict(self._root().attrs)

    def update_attrs(self, **attrs: Any) -> None:
        self._root("r+").attrs.update(attrs)

    def _internal(self, mode="r"):
        root = self._root(mode)
        if _INTERNAL not in root:
            raise ValueError(f"store {self.path!r} is a zarr store but not a statmech study (no {_INTERNAL} group)")
        return root[_INTERNAL]

    @property
    def schema(self) -> Any:
        if not self._schema:
            self._schema = dict(self._internal().attrs["schema"])
        return self._schema

    def extend(self, grid: Any, names: Any) -> None:
        """Grow the arrays along the axes ``names`` to ``grid`` (under the lock): metadata
        only (new points hold the fill value), new coordinate values and the new points'
        done flags (False) written; the caller records the grid afterwards."""
        root = self._root("r+")
        sizes = dict(zip(grid.names, grid.shape))
        done_before = self._open(root, "done").shape
        for name in self._array_names(root):
            array = self._open(root, name)
            dims = array.metadata.dimension_names or ()
            if any(dim in names for dim in dims):
                array.resize(tuple(sizes[dim] if dim in names else n for dim, n in zip(dims, array.shape)))
        for name in names:
            root[name][...] = grid.coordinate_array(name)
        done = self._open(root, "done")
        for axis, (dim, old) in enumerate(zip(done.metadata.dimension_names, done_before)):
            if dim in names:           # every chunk of done exists, so a missing one is damage
                done[(slice(None),) * axis + (slice(old, None),)] = False
        self._arrays.clear()

    # -- state ----------------------------------------------------------------------------
    def done(self) -> np.ndarray:
        """ndarray of bool of the grid's shape."""
        return np.asarray(self._array("done")[...], dtype=bool)

    def _array(self, name):
        if name not in self._arrays:
            self._arrays[name] = self._open(self._root("r+"), name)
        return self._arrays[name]

    def conform(self, variables: Any, dtypes: Any) -> Any:
        """The values of a point's ``variables`` as the store keeps them: ({name: array},
        {name: dtype the stored array must widen to first}), creating the schema from the
        first result; or a message saying why they do not fit. ``dtypes``: declared ones."""
        schema = self.schema
        if not schema:
            problem = self._create_schema(variables, dtypes)
            if problem is not None:
                return problem
            schema = self.schema
        if set(variables) != set(schema):
            return (f"the task returned variables {sorted(variables)}; earlier points returned "
                    f"{sorted(schema)} (every point must return the same variables)")
        values, widen = {}, {}
        for name, var in variables.items():
            expected = schema[name]
            if list(var.dims) != expected["dims"] or list(var.values.shape) != expected["shape"]:
                return (f"result {name!r} has dims {var.dims} and shape {var.values.shape}; earlier points "
                        f"gave dims {tuple(expected['dims'])} and shape {tuple(expected['shape'])}")
            for dim, coordinate in var.coords.items():
                stored = expected["coords"].get(dim)
                if stored is not None and not np.array_equal(np.asarray(stored), coordinate):
                    return f"result {name!r} has coordinate {dim!r} = {coordinate}; earlier points gave {stored}"
            stored_dtype = self._array(name).dtype
            if name in dtypes:
                target, rounding = stored_dtype, True
            else:
                own = _STORED[var.values.dtype.kind]
                target, rounding = max(own, stored_dtype, key=lambda d: _WIDER.index(d.kind)), False
                if target != stored_dtype:
                    widen[name] = target
            converted = convert(var.values, target, rounding=rounding)
            if converted is None:
                how = "declared as" if name in dtypes else "stored as"
                return (f"result {name!r} = {var.values.ravel()[:4]}{'...' if var.values.size > 4 else ''} does "
                        f"not fit {target} exactly, the dtype {name!r} is {how}"
                        + ("" if name in dtypes else " (a study never narrows a result; declare dtypes={...} to "
                                                     "store it otherwise)"))
            values[name] = converted
        return values, widen

    def _create_schema(self, variables, dtypes):
        import xarray as xr

        root_attrs = self.attrs
        grid = Grid(root_attrs["grid"])
        clash = [d for var in variables.values() for d in var.dims if d in grid.names]
        reserved = [name for name in variables if name in (*grid.names, "done", "elapsed")]
        if clash or reserved:
            return (f"result names and dims must differ from the grid's coordinates and from done/elapsed; "
                    f"got {sorted(set(clash + reserved))}")
        unknown = sorted(set(dtypes) - set(variables))
        if unknown:
            return f"dtypes declares {unknown}, which the task does not return (it returns {sorted(variables)})"
        data, coords, encoding, schema = {}, {}, {}, {}
        for name, var in variables.items():
            shape = grid.shape + var.values.shape
            dtype = np.dtype(dtypes[name]) if name in dtypes else _STORED[var.values.dtype.kind]
            data[name] = (grid.names + var.dims, np.full(shape, _fill_value(dtype), dtype=dtype), var.attrs)
            encoding[name] = _encoding(_chunks(len(grid.shape), var.values.shape, dtype.itemsize))
            for dim, values in var.coords.items():
                if dim in coords and not np.array_equal(coords[dim], values):
                    return f"results disagree on coordinate {dim!r}"
                coords[dim] = values
            schema[name] = {"dims": list(var.dims), "shape": list(var.values.shape),
                            "coords": {d: v.tolist() for d, v in var.coords.items()}}
        coords.update({name: grid.coordinate_array(name) for name in grid.names})
        xr.Dataset(data, coords=coords, attrs=root_attrs).to_zarr(self.path, mode="a", consolidated=False,
                                                                  write_empty_chunks=True, encoding=encoding)
        # Written after the arrays: a store killed in between has arrays but no schema,
        # and the next first result creates them again.
        self._internal("r+").attrs["schema"] = schema
        self._schema = schema
        self._arrays.clear()
        return None

    def widen(self, name: str, dtype: Any) -> Any:
        """Store variable ``name`` as ``dtype`` from now on (under the lock): its values
        converted exactly, staged as a whole array and renamed into place. Returns the
        grid indices of the done points whose value does not fit (the caller marks them
        failed; until then they stay done with their old value)."""
        import zarr

        old = self._array(name)
        values = np.asarray(old[...])
        done = self.done()
        grid_ndim = done.ndim
        with np.errstate(all="ignore"):         # bool -> int64 -> float64: exact unless back differs
            converted = values.astype(dtype)
            fits = (converted.astype(values.dtype) == values).reshape(done.shape + (-1,)).all(-1)
        misfits = [tuple(int(i) for i in index) for index in zip(*np.nonzero(done & ~fits))]
        converted[~(done & fits)] = _fill_value(np.dtype(dtype))      # as a store born with this dtype
        staging = os.path.join(self.path, _WIDEN)
        os.makedirs(staging, exist_ok=True)
        staged = os.path.join(staging, name)
        shutil.rmtree(staged, ignore_errors=True)
        item_shape = values.shape[grid_ndim:]
        array = zarr.create_array(staged, shape=values.shape, dtype=dtype,
                                  chunks=_chunks(grid_ndim, item_shape, np.dtype(dtype).itemsize),
                                  fill_value=_fill_value(np.dtype(dtype)), compressors=_compressors(),
                                  dimension_names=old.metadata.dimension_names, attributes=dict(old.attrs),
                                  config={"write_empty_chunks": True})  # type: ignore[arg-type]
        array[...] = converted
        open(staged + ".complete", "w").close()
        os.rename(os.path.join(self.path, name), staged + ".old")
        os.rename(staged, os.path.join(self.path, name))
        os.remove(staged + ".complete")
        shutil.rmtree(staged + ".old")
        self._arrays.clear()
        return misfits

    def write(self, results: Any) -> None:
        """Write ``results`` [(grid index, {name: values}, elapsed)]: values, then
        elapsed, then done flags (last: a done point is whole)."""
        if not results:
            return
        index = tuple(np.array([r[0][k] for r in results]) for k in range(len(results[0][0])))
        for name in results[0][1]:
            values = np.stack([r[1][name] for r in results])
            trailing = values.shape[1:]
            k = len(trailing) + 1
            selection = tuple(i.reshape((-1,) + (1,) * (k - 1)) for i in index)
            selection += tuple(np.arange(n).reshape((1,) * (j + 1) + (n,) + (1,) * (k - j - 2))
                               for j, n in enumerate(trailing))
            if trailing:
                selection = np.broadcast_arrays(*selection)
            self._array(name).vindex[tuple(selection)] = values
        self._array("elapsed").vindex[index] = np.array([r[2] for r in results])
        self._array("done").vindex[index] = True

    def mark_not_done(self, points: Any, clear=False) -> None:
        """Points (grid indices) not done; with ``clear`` their values back to fill values
        too, as if never written."""
        if not points:
            return
        index = tuple(np.array([p[k] for p in points]) for k in range(len(points[0])))
        self._array("done").vindex[index] = False
        for name in (["elapsed"] + sorted(self.schema)) if clear else ():
            array = self._array(name)
            for point in points:
                array[point] = _fill_value(array.dtype)

    # -- damage ---------------------------------------------------------------------------
    def verify(self, repair: bool = False) -> list:
        """Every chunk that holds a done point, read back: a missing file or a checksum that
        does not match is a :class:`Damage`. With ``repair`` (under the lock) its points are
        marked not done and the damaged file removed, so that they are computed again.

        Returns
        -------
        list of Damage
        """
        done_array = self._array("done")
        grid_shape = done_array.shape
        done, damage = np.zeros(grid_shape, bool), []
        for block, region in self._blocks(done_array, len(grid_shape)):
            path = self._chunk_file("done", block)
            every = [tuple(int(i) + s.start for i, s in zip(p, region))    # unknown which were done: all
                     for p in np.ndindex(*(s.stop - s.start for s in region))]
            if not os.path.exists(path):                # every chunk of done is written (create, extend)
                damage.append(Damage("done", path, "is missing", every))
                continue
            try:
                done[region] = np.asarray(done_array.get_block_selection(block), dtype=bool)
            except Exception as error:   # noqa: BLE001 -- zarr's checksum and decoding errors
                damage.append(Damage("done", path, _problem(error), every))
        for name in ["elapsed"] + sorted(self.schema):
            array = self._array(name)
            for block, region in self._blocks(array, len(grid_shape)):
                points = [tuple(int(i) + s.start for i, s in zip(p, region)) for p in zip(*np.nonzero(done[region]))]
                if not points:
                    continue
                path = self._chunk_file(name, block + (0,) * (array.ndim - len(grid_shape)))
                if not os.path.exists(path):
                    damage.append(Damage(name, path, "is missing", points))
                    continue
                try:
                    array.get_block_selection(block + (0,) * (array.ndim - len(grid_shape)))
                except Exception as error:   # noqa: BLE001
                    damage.append(Damage(name, path, _problem(error), points))
        if repair and damage:
            for item in damage:         # first: marking points rewrites chunks, which must not be damaged ones
                with contextlib.suppress(OSError):
                    os.remove(item.path)
            self.mark_not_done(sorted({p for d in damage for p in d.points}))
            self._arrays.clear()
        return damage

    @staticmethod
    def _blocks(array, grid_ndim):
        """(block index over the grid dims, the region of the grid it covers) of every chunk."""
        chunks = array.chunks[:grid_ndim]
        counts = [-(-n // c) for n, c in zip(array.shape[:grid_ndim], chunks)]
        for block in np.ndindex(*counts):
            region = tuple(slice(b * c, min((b + 1) * c, n)) for b, c, n in zip(block, chunks, array.shape))
            yield tuple(int(b) for b in block), region

    def _chunk_file(self, name, block):
        return os.path.join(self.path, name, "c", *map(str, block))

    # -- failures -------------------------------------------------------------------------
    def failures(self) -> dict:
        return dict(self._internal().attrs["failures"])

    def set_failures(self, failures: Any) -> None:
        self._internal("r+").attrs["failures"] = failures

    # -- reading --------------------------------------------------------------------------
    def dataset(self) -> xarray.Dataset:
        import xarray as xr

        try:
            with xr.open_zarr(self.path, consolidated=False, chunks=None) as ds:
                return ds.load()
        except Exception as error:   # noqa: BLE001 -- say where, whatever zarr or xarray raised
            damage = self.verify()
            where = "; ".join(f"{d.path} {d.problem} ({len(d.points)} points)" for d in damage)
            raise ValueError(f"store {self.path!r} could not be read ({_problem(error)})"
                             + (f": {where}. Study.run() computes those points again" if damage else "")) from None


def _alive(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True            # exists, not ours to signal
    return True


def _problem(error):
    return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
