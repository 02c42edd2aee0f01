"""The grid of a study: named coordinate axes, their points, and each point's seed and key."""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Set
import json
import math
import numbers
import re
from typing import Any, TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["RESERVED", "Grid"]

# Names a grid coordinate cannot take: the task's own parameters and the store's variables.
RESERVED = ("seed", "checkpoint", "done", "elapsed")


_INT64 = np.iinfo(np.int64)


def _python_scalar(value, name):
    """A grid value as a plain int, float, str or bool (what the task receives)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        if not _INT64.min <= int(value) <= _INT64.max:
            raise ValueError(f"grid[{name!r}] must hold integers that fit in 64 bits (the store's coordinate "
                             f"arrays); got {value}")
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"grid[{name!r}] must hold finite numbers; got {value}")
        return value
    if isinstance(value, str):
        return value
    raise TypeError(f"grid[{name!r}] must hold ints, floats, strings or bools; got {type(value).__name__} {value!r}")


class Grid:
    """Named coordinate axes whose Cartesian product is a study's points.

    Parameters
    ----------
    axes : dict of str to sequence
        ``{"L": [4, 6, 8], "instance": range(1000)}``: each name a coordinate (and a
        keyword of the task), each sequence non-empty, without repeats, of one kind
        (ints, floats, strings or bools).
    """

    def __init__(self, axes) -> None:
        if not isinstance(axes, dict) or not axes:
            raise TypeError(f"grid must be a non-empty dict of coordinate name -> values; got {axes!r}")
        self.axes = {}
        for name, values in axes.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"grid coordinate names must be Python identifiers (they are the task's "
                                 f"keywords); got {name!r}")
            if name in RESERVED:
                raise ValueError(f"grid coordinate {name!r} is reserved (the study hands the task its "
                                 f"seed and checkpoint, and records done and elapsed); rename it")
            if isinstance(values, (Set, Mapping)):
                raise TypeError(f"grid[{name!r}] must be an ordered sequence (a list, tuple, range or array): the "
                                f"order of a {type(values).__name__} changes from one process to the next, and a "
                                f"resumed study must find its points where it left them; got {values!r}")
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or np.ndim(values) == 0:
                raise TypeError(f"grid[{name!r}] must be a sequence of values; got {type(values).__name__} "
                                f"{values!r}")
            if np.ndim(values) > 1:
                raise ValueError(f"grid[{name!r}] must be one-dimensional; got shape {np.shape(values)}")
            values = [_python_scalar(v, name) for v in values]
            if not values:
                raise ValueError(f"grid[{name!r}] is empty")
            kinds = {type(v) for v in values}
            if kinds == {int, float}:
                values = [float(v) for v in values]
            elif len(kinds) > 1:
                raise TypeError(f"grid[{name!r}] mixes {sorted(k.__name__ for k in kinds)}; use one kind")
            if len(set(values)) != len(values):
                raise ValueError(f"grid[{name!r}] repeats values: {values}")
            self.axes[name] = values

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.axes.values())

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def coordinate_array(self, name: str) -> np.ndarray:
        return np.asarray(self.axes[name])

    def points(self) -> Iterator[Any]:
        """(index tuple, {name: value}) of every point, in C order."""
        for index in itertools.product(*(range(n) for n in self.shape)):
            yield index, self.coordinates(index)

    def coordinates(self, index: tuple) -> dict[str, Any]:
        return {name: self.axes[name][i] for name, i in zip(self.names, index)}

    def to_json(self) -> dict:
        return {name: list(values) for name, values in self.axes.items()}

    def extension_of(self, stored: Any) -> Any:
        """How this grid extends a stored one (its JSON form): the names of the axes that
        gained values at their end. A ValueError names what else differs."""
        if list(stored) != list(self.names):
            raise ValueError(f"the store was written for grid coordinates {list(stored)}; got {list(self.names)} "
                             f"(a changed grid needs a new store)")
        extended = []
        for name, old in stored.items():
            new = self.axes[name]
            if new == old:
                continue
            if len(new) > len(old) and new[:len(old)] == old and type(new[0]) is type(old[0]):
                extended.append(name)
                continue
            raise ValueError(f"grid[{name!r}] was {old} in the store; got {new}. A study may only be extended "
                             f"by new values appended at the end of a coordinate; anything else needs a new store")
        return extended


def point_seed(study_seed: Any, coordinates: Any) -> np.random.SeedSequence:
    """The SeedSequence of one point: the study seed's entropy, with a spawn key extended by
    a 128-bit digest of the point's coordinates (names and values, not indices), so a point
    keeps its seed when the grid grows and whatever executor runs it.

    Parameters
    ----------
    study_seed : numpy.random.SeedSequence
    coordinates : dict of str to int, float, str or bool
    """
    canonical = json.dumps([[name, value] for name, value in coordinates.items()], separators=(",", ":"))
    word = int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:16], "little")
    return np.random.SeedSequence(study_seed.entropy, spawn_key=tuple(study_seed.spawn_key) + (word,),
                                  pool_size=study_seed.pool_size)


_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")


def point_key(coordinates: Any) -> str:
    """A file-name-safe label of a point, ``"L=4,instance=17"`` (a digest is appended when
    characters had to be replaced, so that keys stay distinct)."""
    key = ",".join(f"{name}={value}" for name, value in coordinates.items())
    safe = _UNSAFE.sub("_", key)
    if safe != key:
        safe += "-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    return safe
