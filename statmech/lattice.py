"""Lattices: what a model on a hypercubic lattice declares about its geometry.

A model that lives on a lattice (``Ising.square``, ``EdwardsAnderson.cubic``, ...) carries
a frozen :class:`Lattice` as its ``geometry`` attribute; engines (checkerboard sweeps, the
neighbour table of multi-spin coding) and lattice observables read it, rather than infer a geometry from the couplings. Sites are
numbered in C order: site x = (x_0, ..., x_{d-1}) is ``np.ravel_multi_index(x, shape)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .validation import as_int

__all__ = ["Lattice"]


@dataclass(frozen=True)
class Lattice:
    """A hypercubic lattice of side lengths ``shape``, periodic (a torus) or open.

    Parameters
    ----------
    shape : tuple of int
        Side lengths, e.g. (L,) for a chain, (L, L) for a square lattice, (L, L, L) for
        a simple cubic one; any number of dimensions.
    periodic : bool, default True
        Wrap around every axis.

    Attributes
    ----------
    dimension : int
    n_sites : int
    degree : int or None
        Neighbours per site when every site has the same number (periodic, every side
        at least 3: 2 * dimension), else None.

    Examples
    --------
    >>> from statmech.lattice import Lattice
    >>> square = Lattice((4, 4))
    >>> square.n_sites, square.degree, square.edges().shape
    (16, 4, (32, 2))
    """

    shape: tuple
    periodic: bool = True

    def __post_init__(self):
        if np.ndim(self.shape) != 1 or len(self.shape) == 0:
            raise TypeError(f"shape must be a tuple of side lengths, e.g. (4, 4); got "
                            f"{type(self.shape).__name__} {self.shape!r}")
        object.__setattr__(self, "shape", tuple(as_int(side, "shape entries", minimum=1) for side in self.shape))
        if not isinstance(self.periodic, (bool, np.bool_)):
            raise TypeError(f"periodic must be True or False; got {type(self.periodic).__name__} {self.periodic!r}")
        object.__setattr__(self, "periodic", bool(self.periodic))

    @property
    def dimension(self) -> int:
        return len(self.shape)

    @property
    def n_sites(self) -> int:
        return int(np.prod(self.shape))

    @property
    def degree(self) -> int | None:
        if self.periodic and min(self.shape) >= 3:
            return 2 * self.dimension
        return None

    def edges(self) -> np.ndarray:
        """Nearest-neighbour bonds (i, j), axis by axis: ndarray of shape (n_edges, 2), int64.

        A periodic axis of length 2 gives each pair two bonds (as on the 2-site torus of
        Kaufman's formula); an axis of length 1 none.
        """
        return self._edges.copy()

    @cached_property
    def _edges(self):
        sites = np.arange(self.n_sites).reshape(self.shape)
        edges = []
        for axis, length in enumerate(self.shape):
            if length == 1:
                continue
            if self.periodic:
                neighbours = np.roll(sites, -1, axis=axis)
                edges.append(np.stack([sites.ravel(), neighbours.ravel()], axis=1))
            else:
                lower = np.take(sites, np.arange(length - 1), axis=axis)
                upper = np.take(sites, np.arange(1, length), axis=axis)
                edges.append(np.stack([lower.ravel(), upper.ravel()], axis=1))
        edges = np.concatenate(edges) if edges else np.zeros((0, 2), np.int64)
        edges.flags.writeable = False
        return edges

    def neighbours(self) -> np.ndarray:
        """The neighbours of every site, each row in increasing order: ndarray of shape
        (n_sites, degree), int32. Defined when every site has the same number of
        neighbours (``degree`` is not None); a ValueError otherwise."""
        if self.degree is None:
            raise ValueError(f"{self!r} has sites with different numbers of neighbours (an open lattice or a side "
                             f"shorter than 3); its bonds are edges()")
        return self._neighbours

    @cached_property
    def _neighbours(self):
        sites = np.arange(self.n_sites).reshape(self.shape)
        rows = [np.roll(sites, shift, axis=axis).ravel() for axis in range(self.dimension) for shift in (-1, 1)]
        table = np.sort(np.stack(rows, axis=1), axis=1).astype(np.int32)
        table.flags.writeable = False
        return table

    def coordinates(self) -> np.ndarray:
        """The position of every site: ndarray of shape (n_sites, dimension), int64."""
        return np.stack(np.unravel_index(np.arange(self.n_sites), self.shape), axis=1).astype(np.int64)

    def __repr__(self):
        return f"Lattice(shape={self.shape}, periodic={self.periodic})"
