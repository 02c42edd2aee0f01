"""Record infrastructure: value +- error (:class:`Estimate`), and save/load of records
to ``.npz`` with their scalar parameters as JSON metadata, written atomically (a
temporary file renamed into place). A leaf module: every package's records build on it.
"""
import json
import os
import tempfile
from dataclasses import dataclass, fields

import numpy as np

from .validation import seed_from_json, seed_to_json

__all__ = ["Estimate", "Saveable", "save_npz", "load_npz", "remove_partial", "xarray_attrs"]


def save_npz(path, arrays, metadata):
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


def remove_partial(path):
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


def load_npz(path):
    """(arrays, metadata) from a file written by :func:`save_npz`."""
    with np.load(os.fspath(path), allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "__metadata__"}
        metadata = json.loads(str(data["__metadata__"]))
    return arrays, metadata


def xarray_attrs(record, names):
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
        attrs[name] = value
    return attrs


class Saveable:
    """save/load for dataclass records: ndarray fields go to the archive, the rest to JSON
    (a SeedSequence as its entropy, spawn key and pool size)."""

    def save(self, path):
        arrays, metadata = {}, {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                arrays[f.name] = value
            elif isinstance(value, np.random.SeedSequence):
                metadata[f.name] = {"__seed_sequence__": seed_to_json(value)}
            else:
                metadata[f.name] = value
        save_npz(path, arrays, metadata)

    @classmethod
    def load(cls, path):
        arrays, metadata = load_npz(path)
        for key, value in metadata.items():
            if isinstance(value, dict) and "__seed_sequence__" in value:
                metadata[key] = seed_from_json(value["__seed_sequence__"])
        return cls(**arrays, **metadata)


@dataclass(frozen=True)
class Estimate:
    """A value with its standard error (floats, or arrays of one shape).

    Attributes
    ----------
    value, error : float or ndarray
    """

    value: object
    error: object

    def __iter__(self):
        raise TypeError("an Estimate is a record: use .value and .error")

    def __float__(self):
        """The value, for a scalar estimate (``float(estimate)``)."""
        return float(self.value)
