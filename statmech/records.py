"""Record infrastructure: value +- error (:class:`Estimate`), and save/load of records
to ``.npz`` with their scalar parameters as JSON metadata, written atomically (a
temporary file renamed into place). A leaf module: every package's records build on it.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TYPE_CHECKING

import numpy as np

from .validation import seed_from_json, seed_to_json

if TYPE_CHECKING:
    from typing_extensions import Self
    import xarray

    from statmech.typing import PathLike

__all__ = ["Record", "RunRecord", "Estimate", "save_npz", "load_npz", "remove_partial", "xarray_attrs", "inference_data"]


def save_npz(path: PathLike, arrays: dict, metadata: dict | None) -> None:
    """Write ``arrays`` and JSON ``metadata`` to ``path`` (.npz) atomically: into a
    temporary file beside it (named after it, so :func:`remove_partial` finds one a killed
    writer left), renamed into place."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike; got {type(path).__name__} {path!r}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"path {path!r} is a directory; pass a file name, e.g. {os.path.join(path, 'record.npz')!r}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ValueError(f"path {path!r}: its folder {directory!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=_partial_prefix(path), suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, __metadata__=np.array(json.dumps(metadata)), **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _partial_prefix(path):
    return f".{os.path.basename(path)}.tmp-"


def remove_partial(path: PathLike) -> None:
    """Remove the temporary files :func:`save_npz` of ``path`` left when its writer was
    killed mid-write (a second Ctrl-C, SIGKILL, a worker stopped)."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = _partial_prefix(path)
    for entry in os.listdir(directory):
        if entry.startswith(prefix) and entry.endswith(".npz"):
            try:
                os.remove(os.path.join(directory, entry))
            except OSError:
                pass


def load_npz(path: PathLike) -> tuple[dict[str, np.ndarray], Any]:
    """(arrays, metadata) from a file written by :func:`save_npz`."""
    with np.load(os.fspath(path), allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "__metadata__"}
        metadata = json.loads(str(data["__metadata__"]))
    return arrays, metadata


def xarray_attrs(record: Any, names: Any) -> dict[str, Any]:
    """The scalar fields ``names`` of a record as attributes an xarray object can carry to
    netCDF or zarr: a SeedSequence as its JSON form (a string), a bool as 0/1, None left out."""
    attrs = {}
    for name in names:
        value = getattr(record, name)
        if value is None:
            continue
        if isinstance(value, np.random.SeedSequence):
            value = json.dumps(seed_to_json(value))
        elif isinstance(value, (bool, np.bool_)):
            value = int(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, np.generic):
            value = value.item()
        attrs[name] = value
    return attrs


@dataclass(frozen=True, eq=False)
class Record:
    """The base of every record: a frozen dataclass that saves to ``.npz`` and loads back
    equal, without pickle, and converts to xarray.

    Arrays go to the archive; scalars, strings, None, tuples, seeds (a SeedSequence as its
    entropy, spawn key and pool size) and scalar :class:`Estimate` fields to its JSON
    metadata; array estimates and dicts of arrays to the archive under ``name.part``.
    ``dims`` names the axes of each array field for :meth:`to_xarray` (an axis not named
    is ``<field>_<axis>``), and ``coords`` maps the fields that are coordinates to their
    names ("betas" -> "beta").
    """

    dims: ClassVar[dict] = {}
    coords: ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:      # dataclass(repr=True) writes one only where none is
            cls.__repr__ = Record.__repr__        # type: ignore[method-assign]

    def __repr__(self) -> str:
        """One line per few fields: small values in full, arrays as dtype and shape (a
        record of 64 chains' traces is not a wall of numbers in a notebook)."""
        parts = [f"{f.name}={_short(getattr(self, f.name))}" for f in fields(self) if f.repr]
        text = f"{type(self).__name__}(" + ", ".join(parts) + ")"
        if len(text) <= 100:
            return text
        return f"{type(self).__name__}(\n" + "".join(f"    {part},\n" for part in parts) + ")"

    def save(self, path: PathLike) -> None:
        """Write the record to ``path`` (.npz), atomically."""
        arrays: dict[str, np.ndarray] = {}
        metadata: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                arrays[f.name] = value
            elif isinstance(value, Estimate) and (np.ndim(value.value) or np.ndim(value.error)):
                arrays[f.name + ".value"], arrays[f.name + ".error"] = np.asarray(value.value), np.asarray(value.error)
                metadata[f.name] = {"__estimate_arrays__": None}
            elif isinstance(value, dict):
                for key, array in value.items():
                    arrays[f"{f.name}.{key}"] = np.asarray(array)
                metadata[f.name] = {"__arrays__": list(value)}
            else:
                metadata[f.name] = _to_json(value, f"{type(self).__name__}.{f.name}")
        save_npz(path, arrays, metadata)

    @classmethod
    def load(cls, path: PathLike) -> Self:
        """The record :meth:`save` wrote to ``path``."""
        arrays, metadata = load_npz(path)
        values: dict[str, Any] = {name: array for name, array in arrays.items() if "." not in name}
        for name, value in metadata.items():
            if isinstance(value, dict) and "__estimate_arrays__" in value:
                values[name] = Estimate(arrays[name + ".value"], arrays[name + ".error"])
            elif isinstance(value, dict) and "__arrays__" in value:
                values[name] = {key: arrays[f"{name}.{key}"] for key in value["__arrays__"]}
            else:
                values[name] = _from_json(value)
        return cls(**values)

    def to_xarray(self) -> xarray.Dataset:
        """An ``xarray.Dataset``: every array field a variable on its axes (``dims``), the
        fields in ``coords`` coordinates, array estimates as ``name`` and ``name_error``,
        and the scalar fields attributes (a seed as JSON, a bool as 0/1)."""
        import xarray as xr

        data: dict[str, Any] = {}
        coords: dict[str, Any] = {}
        scalars: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Estimate) and np.ndim(value.value):
                data[f.name] = (self._axes(f.name, value.value), np.asarray(value.value))
                data[f.name + "_error"] = (self._axes(f.name, value.error), np.asarray(value.error))
            elif isinstance(value, Estimate):
                data[f.name], data[f.name + "_error"] = float(value.value), float(value.error)
            elif isinstance(value, np.ndarray) and f.name in self.coords:
                coords[self.coords[f.name]] = (self._axes(f.name, value), value)
            elif isinstance(value, np.ndarray):
                data[f.name] = (self._axes(f.name, value), value)
            elif isinstance(value, dict):
                for key, array in value.items():
                    data[f"{f.name}_{key}"] = (self._axes(f"{f.name}.{key}", array), np.asarray(array))
            else:
                scalars.append(f.name)
        return xr.Dataset(data, coords=coords, attrs=xarray_attrs(self, scalars))

    def _axes(self, name, array):
        named = self.dims.get(name, ())
        return tuple(named[:np.ndim(array)]) + tuple(f"{name}_{axis}" for axis in range(len(named), np.ndim(array)))


@dataclass(frozen=True, eq=False, kw_only=True)
class RunRecord(Record):
    """The base of the record of a run: what every driver's record carries besides its
    results.

    Attributes
    ----------
    seed : numpy.random.SeedSequence or None
        Reproduces the run bit for bit when passed back as ``seed`` (None for a
        deterministic run).
    elapsed : float or None
        Wall-clock seconds.
    interrupted : bool
        True when Ctrl-C stopped the run: the record holds what was done.
    """

    seed: Any = None
    elapsed: Any = None
    interrupted: bool = False


def inference_data(dataset: Any) -> Any:
    """An ``arviz.InferenceData`` of the variables of ``dataset`` that have dims chain and
    draw, as its ``posterior`` group."""
    try:
        import arviz
    except ImportError:
        raise ImportError("to_inference_data needs ArviZ: pip install arviz (to_xarray() gives the same traces "
                          "as an xarray.Dataset)") from None
    traces = dataset[[name for name, variable in dataset.data_vars.items() if {"chain", "draw"} <= set(variable.dims)]]
    return arviz.convert_to_inference_data(traces, group="posterior")


def _short(value):
    """A field's value for :meth:`Record.__repr__`."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, precision=6, separator=", ").replace("\n", "")
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, Estimate) and not (np.ndim(value.value) or np.ndim(value.error)):
        return f"{float(value.value):.6g} ± {float(value.error):.2g}"
    if isinstance(value, np.random.SeedSequence):
        return f"SeedSequence({value.entropy}" + (f", spawn_key={value.spawn_key}" if value.spawn_key else "") + ")"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_short(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{type(value).__name__} of {len(value)}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _to_json(value, label):
    if isinstance(value, np.random.SeedSequence):
        return {"__seed_sequence__": seed_to_json(value)}
    if isinstance(value, Estimate):
        return {"__estimate__": [_to_json(value.value, label), _to_json(value.error, label)]}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v, label) for v in value]}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_to_json(v, label) for v in value]
    raise TypeError(f"{label} is a {type(value).__name__}, which a record cannot save; records hold arrays, "
                    f"scalars, strings, seeds and estimates")


def _from_json(value):
    if isinstance(value, dict) and "__seed_sequence__" in value:
        return seed_from_json(value["__seed_sequence__"])
    if isinstance(value, dict) and "__estimate__" in value:
        return Estimate(*(_from_json(v) for v in value["__estimate__"]))
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_from_json(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Estimate(Record):
    """A value with its standard error (floats, or arrays of one shape).

    Attributes
    ----------
    value, error : float or ndarray

    Examples
    --------
    >>> from statmech.results import Estimate
    >>> e = Estimate(1.25, 0.05)
    >>> e.value, e.error
    (1.25, 0.05)
    >>> e / 5                          # scaling by an exact number scales both (xi_L / L, per spin)
    Estimate(value=0.25, error=0.01)
    """

    value: Any
    error: Any

    def __iter__(self):
        raise TypeError("an Estimate is a record: use .value and .error")

    def _scaled(self, factor):
        if isinstance(factor, Estimate) or not np.isscalar(factor) or isinstance(factor, (str, bool)):
            return NotImplemented
        return Estimate(value=self.value * factor, error=self.error * abs(factor))

    def __mul__(self, factor: float) -> Estimate:
        """The estimate times an exact number: value * c, error * |c|."""
        return self._scaled(factor)

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Estimate:
        """The estimate over an exact number: value / c, error / |c|."""
        return NotImplemented if not np.isscalar(divisor) or isinstance(divisor, (str, bool)) \
            else self._scaled(1.0 / divisor)

    def __float__(self):
        """The value, for a scalar estimate (``float(estimate)``)."""
        return float(self.value)

    def to_xarray(self) -> xarray.Dataset:
        """An ``xarray.Dataset`` with the variables ``value`` and ``error`` (0-d for a scalar
        estimate) and the other fields as the default conversion gives them."""
        dataset = super().to_xarray()
        for name in ("value", "error"):
            if name in dataset.attrs:
                dataset[name] = ((), float(dataset.attrs.pop(name)))
        return dataset
