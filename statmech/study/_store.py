"""A study's zarr store: labelled arrays on the grid's coordinates, one writer.

Layout (zarr v3, readable by ``xarray.open_zarr``): one coordinate array per grid axis;
``done`` (bool) and ``elapsed`` (task seconds) over the grid; one array per result
variable over the grid's dims followed by its own dims, chunked by up to 64 points along
the grid's last axis (see ``POINTS_PER_CHUNK``); the root attributes hold the package version, the
task, the grid, the study seed and the runs' timings. The ``_study`` group holds the
result schema, the failures and (as plain files) the tasks' checkpoints.

Crash safety: zarr's local store writes every chunk and metadata file to a temporary file
and renames it into place, and a point's ``done`` flag is written only after all its
values; so a store whose writer was killed is readable, and its ``done`` points are whole.
The store's arrays and schema are created through xarray (``to_zarr``); a point's values
are written through zarr's coordinate selection, several points per call (an xarray
region write per point costs several times more).
"""
import os

import numpy as np

from ._grid import Grid

__all__ = ["Store"]

_INTERNAL = "_study"


# Points per chunk along the grid's last axis (1 along the others): writing a chunk costs
# about a millisecond whatever its size, and points finish roughly in grid order, so
# grouping them cuts writes and files by up to this factor. At most ~1 MB per chunk.
POINTS_PER_CHUNK = 64
CHUNK_BYTES = 2 ** 20


def _fill_value(dtype):
    return np.nan if dtype.kind == "f" else np.zeros((), dtype)[()]


def _chunks(grid_ndim, item_shape, itemsize):
    per_point = max(int(np.prod(item_shape, dtype=np.int64)) * itemsize, 1)
    points = int(np.clip(CHUNK_BYTES // per_point, 1, POINTS_PER_CHUNK))
    return (1,) * (grid_ndim - 1) + (points,) + tuple(item_shape)


class Store:
    """The zarr store of one study (see the module docstring). ``path``: a folder."""

    def __init__(self, path):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"store must be a path (str or os.PathLike); got {type(path).__name__} {path!r}")
        self.path = os.fspath(path)
        self._arrays = {}
        self._schema = None

    # -- creation and checks ------------------------------------------------------------
    def exists(self):
        return os.path.exists(os.path.join(self.path, "zarr.json"))

    def create(self, grid, attrs):
        import xarray as xr

        if os.path.exists(self.path) and (not os.path.isdir(self.path) or os.listdir(self.path)):
            raise ValueError(f"store {self.path!r} exists and is not a statmech study store; pass a new path")
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise ValueError(f"store {self.path!r}: folder {parent!r} does not exist")
        shape = grid.shape
        ds = xr.Dataset({"done": (grid.names, np.zeros(shape, bool)),
                         "elapsed": (grid.names, np.full(shape, np.nan))},
                        coords={name: grid.coordinate_array(name) for name in grid.names}, attrs=attrs)
        chunks = _chunks(len(shape), (), 8)
        ds.to_zarr(self.path, mode="w-", consolidated=False, write_empty_chunks=False,
                   encoding={"done": {"chunks": chunks}, "elapsed": {"chunks": chunks}})
        self.ensure_internal()

    def ensure_internal(self):
        """The ``_study`` group and the checkpoint folder (created after the arrays, so a
        store killed in between gets them when it is opened again)."""
        root = self._root("r+")
        if _INTERNAL not in root:
            root.create_group(_INTERNAL).attrs.update({"schema": {}, "failures": {}})
        os.makedirs(self.checkpoint_folder, exist_ok=True)

    @property
    def checkpoint_folder(self):
        return os.path.join(self.path, _INTERNAL, "checkpoints")

    def checkpoint_path(self, key):
        return os.path.join(self.checkpoint_folder, key + ".npz")

    def _root(self, mode="r"):
        import zarr

        try:
            return zarr.open_group(self.path, mode=mode)
        except Exception as exc:   # noqa: BLE001 -- whatever zarr raises, the store is unreadable
            raise ValueError(f"store {self.path!r} is not a readable zarr store ({type(exc).__name__}: {exc})") from None

    @property
    def attrs(self):
        return dict(self._root().attrs)

    def update_attrs(self, **attrs):
        self._root("r+").attrs.update(attrs)

    def _internal(self, mode="r"):
        root = self._root(mode)
        if _INTERNAL not in root:
            raise ValueError(f"store {self.path!r} is a zarr store but not a statmech study (no {_INTERNAL} group)")
        return root[_INTERNAL]

    @property
    def schema(self):
        if not self._schema:
            self._schema = dict(self._internal().attrs["schema"])
        return self._schema

    def extend(self, grid, names):
        """Append the new values of the axes ``names`` (fill values, not written as chunks)."""
        import xarray as xr

        for name in names:
            current = xr.open_zarr(self.path, consolidated=False, chunks=None)
            old = current.sizes[name]
            new_values = grid.coordinate_array(name)[old:]
            slab = {}
            for var_name, var in current.data_vars.items():
                if name not in var.dims:
                    continue
                shape = tuple(len(new_values) if d == name else current.sizes[d] for d in var.dims)
                slab[var_name] = (var.dims, np.full(shape, _fill_value(var.dtype), dtype=var.dtype))
            current.close()
            # to_zarr replaces the root attributes by the dataset's: carry them over.
            xr.Dataset(slab, coords={name: new_values}, attrs=self.attrs).to_zarr(
                self.path, append_dim=name, consolidated=False, write_empty_chunks=False)
        self._arrays.clear()

    # -- state ----------------------------------------------------------------------------
    def done(self):
        """ndarray of bool of the grid's shape."""
        return np.asarray(self._array("done")[...], dtype=bool)

    def _array(self, name):
        if name not in self._arrays:
            self._arrays[name] = self._root("r+")[name]
        return self._arrays[name]

    def conform(self, variables):
        """None when ``variables`` fit the schema (creating it from the first result), or a
        message saying what differs."""
        schema = self.schema
        if not schema:
            return self._create_schema(variables)
        if set(variables) != set(schema):
            return (f"the task returned variables {sorted(variables)}; earlier points returned "
                    f"{sorted(schema)} (every point must return the same variables)")
        for name, var in variables.items():
            expected = schema[name]
            if list(var.dims) != expected["dims"] or list(var.values.shape) != expected["shape"]:
                return (f"result {name!r} has dims {var.dims} and shape {var.values.shape}; earlier points "
                        f"gave dims {tuple(expected['dims'])} and shape {tuple(expected['shape'])}")
            if not np.can_cast(var.values.dtype, np.dtype(expected["dtype"]), "same_kind"):
                return (f"result {name!r} has dtype {var.values.dtype}; earlier points gave {expected['dtype']} "
                        f"(return the same type at every point, e.g. floats)")
            for dim, values in var.coords.items():
                stored = expected["coords"].get(dim)
                if stored is not None and not np.array_equal(np.asarray(stored), values):
                    return f"result {name!r} has coordinate {dim!r} = {values}; earlier points gave {stored}"
        return None

    def _create_schema(self, variables):
        import xarray as xr

        root_attrs = self.attrs
        grid = Grid(root_attrs["grid"])
        clash = [d for var in variables.values() for d in var.dims if d in grid.names]
        reserved = [name for name in variables if name in (*grid.names, "done", "elapsed")]
        if clash or reserved:
            return (f"result names and dims must differ from the grid's coordinates and from done/elapsed; "
                    f"got {sorted(set(clash + reserved))}")
        data, coords, encoding, schema = {}, {}, {}, {}
        for name, var in variables.items():
            shape = grid.shape + var.values.shape
            dtype = var.values.dtype if var.values.dtype.kind != "f" else np.result_type(var.values.dtype, np.float32)
            data[name] = (grid.names + var.dims, np.full(shape, _fill_value(dtype), dtype=dtype), var.attrs)
            encoding[name] = {"chunks": _chunks(len(grid.shape), var.values.shape, dtype.itemsize)}
            for dim, values in var.coords.items():
                if dim in coords and not np.array_equal(coords[dim], values):
                    return f"results disagree on coordinate {dim!r}"
                coords[dim] = values
            schema[name] = {"dims": list(var.dims), "shape": list(var.values.shape), "dtype": dtype.str,
                            "coords": {d: v.tolist() for d, v in var.coords.items()}}
        coords.update({name: grid.coordinate_array(name) for name in grid.names})
        xr.Dataset(data, coords=coords, attrs=root_attrs).to_zarr(self.path, mode="a", consolidated=False,
                                                 write_empty_chunks=False, encoding=encoding)
        # Written after the arrays: a store killed in between has arrays but no schema,
        # and the next first result creates them again.
        self._internal("r+").attrs["schema"] = schema
        self._schema = schema
        return None

    def write(self, results):
        """Write the values of ``results`` (PointResults that conform), then their
        elapsed, then their done flags (last: a done point is whole)."""
        if not results:
            return
        index = tuple(np.array([r.index[k] for r in results]) for k in range(len(results[0].index)))
        for name in results[0].variables:
            values = np.stack([r.variables[name].values for r in results])
            trailing = values.shape[1:]
            k = len(trailing) + 1
            selection = tuple(i.reshape((-1,) + (1,) * (k - 1)) for i in index)
            selection += tuple(np.arange(n).reshape((1,) * (j + 1) + (n,) + (1,) * (k - j - 2))
                               for j, n in enumerate(trailing))
            if trailing:
                selection = np.broadcast_arrays(*selection)
            array = self._array(name)
            array.vindex[tuple(selection)] = values.astype(array.dtype, copy=False)
        self._array("elapsed").vindex[index] = np.array([r.elapsed for r in results])
        self._array("done").vindex[index] = True

    # -- failures -------------------------------------------------------------------------
    def failures(self):
        return dict(self._internal().attrs["failures"])

    def set_failures(self, failures):
        self._internal("r+").attrs["failures"] = failures

    # -- reading --------------------------------------------------------------------------
    def dataset(self):
        import xarray as xr

        with xr.open_zarr(self.path, consolidated=False, chunks=None) as ds:
            return ds.load()
