"""Ising ferromagnets on lattices and graphs, and the Curie-Weiss (mean-field) model."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from statmech import PairwiseHamiltonian
from statmech.lattice import Lattice
from statmech.validation import as_float, as_int, as_real_array

from ._lattice import couplings_from_edges

if TYPE_CHECKING:
    from statmech.typing import ArrayLike

__all__ = ["Ising", "CurieWeiss"]


class Ising(PairwiseHamiltonian):
    """Ising model E(s) = -sum_(i,j) J_ij s_i s_j - h sum_i s_i over the edges of a graph.

    Use the constructors :meth:`chain`, :meth:`square`, :meth:`cubic` (periodic by
    default) or :meth:`from_graph`.

    Attributes
    ----------
    edges : ndarray of shape (n_edges, 2)
    geometry : statmech.lattice.Lattice or None
        The lattice the spins sit on, for the lattice constructors (None for
        :meth:`from_graph`).
    J : float or None
        The coupling of every bond, when it is one number (else None: one per edge).
    h : float
        The uniform field.

    References
    ----------
    E. Ising, Z. Phys. 31, 253 (1925); L. Onsager, Phys. Rev. 65, 117 (1944).
    """

    values = ("J", "h", "edges", "geometry")
    changed_model_hint = ", e.g. Ising.square(L, J=..., h=...) (or lattice, chain, cubic, from_graph)"

    def __init__(self, n: int, edges: ArrayLike, couplings: ArrayLike = 1.0, h: ArrayLike = 0.0,
                 geometry: Lattice | None = None) -> None:
        n = as_int(n, "n", minimum=1)
        edges = np.asarray(edges)
        if edges.size and (edges.ndim != 2 or edges.shape[1] != 2 or not np.issubdtype(edges.dtype, np.integer)):
            raise ValueError(f"edges must be an integer array of shape (n_edges, 2); got {edges.shape} {edges.dtype}")
        edges = edges.reshape(-1, 2).astype(np.int64)
        if edges.size and (edges.min() < 0 or edges.max() >= n):
            raise ValueError(f"edges must index sites 0..{n - 1}; got indices in [{edges.min()}, {edges.max()}]")
        if np.any(edges[:, 0] == edges[:, 1]):
            raise ValueError("edges must not contain self-loops (i, i)")
        values = as_real_array(couplings, "couplings")
        if values.ndim > 1 or (values.ndim == 1 and values.shape[0] != edges.shape[0]):
            raise ValueError(f"couplings must be a scalar or have shape ({edges.shape[0]},); got {values.shape}")
        if geometry is not None and (not isinstance(geometry, Lattice) or geometry.n_sites != n
                                     or not np.array_equal(geometry.edges(), edges)):
            raise ValueError(f"geometry must be a statmech.lattice.Lattice of n = {n} sites whose edges() are the "
                             f"edges given; got {geometry!r}")
        self.h = as_float(h, "h")
        self.J = float(values) if values.ndim == 0 else None
        self.edges, self.geometry = edges, geometry
        super().__init__(couplings_from_edges(n, edges, values), np.full(n, self.h))

    @classmethod
    def lattice(cls, shape: tuple, J: float = 1.0, h: ArrayLike = 0.0, periodic: bool = True) -> Ising:
        """Nearest-neighbour ferromagnet (J > 0) on a hypercubic lattice of side lengths ``shape``
        (a tuple, e.g. (L,) for a chain, (L, M) for a square lattice)."""
        lattice = Lattice(shape, periodic)
        return cls(lattice.n_sites, lattice.edges(), as_float(J, "J"), h, lattice)

    @classmethod
    def chain(cls, n: int, J: float = 1.0, h: ArrayLike = 0.0, periodic: bool = True) -> Ising:
        """1D chain of n spins (a ring when periodic)."""
        return cls.lattice((as_int(n, "n", minimum=1),), J, h, periodic)

    @classmethod
    def square(cls, L: int, J: float = 1.0, h: ArrayLike = 0.0, periodic: bool = True) -> Ising:
        """L x L square lattice (a torus when periodic)."""
        L = as_int(L, "L", minimum=1)
        return cls.lattice((L, L), J, h, periodic)

    @classmethod
    def cubic(cls, L: int, J: float = 1.0, h: ArrayLike = 0.0, periodic: bool = True) -> Ising:
        """L x L x L simple cubic lattice."""
        L = as_int(L, "L", minimum=1)
        return cls.lattice((L, L, L), J, h, periodic)

    @classmethod
    def from_graph(cls, edges: ArrayLike, couplings: ArrayLike = 1.0, n: int | None = None,
                   h: ArrayLike = 0.0) -> Ising:
        """Ising model on any graph: one coupling per edge (scalar or shape (n_edges,))."""
        edges = np.asarray(edges)
        if n is None:
            n = int(edges.max()) + 1 if edges.size else 0
        return cls(n, edges, couplings, h)

    def __repr__(self):
        where = (f"shape={self.geometry.shape}, periodic={self.geometry.periodic}" if self.geometry is not None
                 else f"n={self.n}")
        return f"Ising({where}, h={self.h})"


class CurieWeiss(PairwiseHamiltonian):
    """Fully connected ferromagnet E(s) = -(J/n) sum_{i<j} s_i s_j - h sum_i s_i.

    Equivalently E = -(J / 2n)(M^2 - n) - h M with M = sum_i s_i, so every quantity is
    a sum over M; its n -> infinity limit is exactly the naive mean-field theory.

    References
    ----------
    P. Weiss, J. Phys. Theor. Appl. 6, 661 (1907); see e.g. H. Nishimori,
    *Statistical Physics of Spin Glasses and Information Processing* (2001), ch. 1.
    """

    # energy() below is the pairwise energy in closed form (O(n) rather than O(n^2)): the
    # structured kernels apply.
    structure = "pairwise"
    values = ("J", "h")
    changed_model_hint = ", e.g. CurieWeiss(n, J=..., h=...)"

    def __init__(self, n: int, J: float = 1.0, h: ArrayLike = 0.0) -> None:
        n = as_int(n, "n", minimum=1)
        self.J, self.h = as_float(J, "J"), as_float(h, "h")
        couplings = np.full((n, n), self.J / n)
        np.fill_diagonal(couplings, 0.0)
        super().__init__(couplings, np.full(n, self.h))

    def energy(self, states: ArrayLike) -> np.ndarray:
        m = self.magnetization(states)
        return -(self.J / (2 * self.n)) * (m * m - self.n) - self.h * m

    def __repr__(self):
        return f"CurieWeiss(n={self.n}, J={self.J}, h={self.h})"
