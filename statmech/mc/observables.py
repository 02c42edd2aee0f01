"""What parallel tempering records from its configurations besides energy and M: the
overlaps of replica pairs (q, the link overlap q_l, the Fourier-mode overlaps of a lattice
model) and the spins' own Fourier modes. One object per run, built from the model before
the first sweep; it sees the engine only through the site overlaps and states it hands over.

Conventions (Ballesteros et al. 2000; Katzgraber, Koerner and Young 2006): with q_i = s_i^a
s_i^b (spin form) and x_i the lattice position of site i,

- ``overlap``               q = (1/n) sum_i q_i
- ``link_overlap``          q_l = (1/N_b) sum_{(i, j) bonds} q_i q_j
- ``fourier_overlap``       |q(k_mu)|^2, q(k) = (1/n) sum_i q_i exp(i k . x_i), per axis mu
- ``fourier_magnetization`` |M(k_mu)|^2, M(k) = sum_i s_i exp(i k . x_i), per axis mu

with k_mu = (2 pi / L_mu) e_mu, the smallest non-zero wavevector along axis mu.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..hamiltonian import Hamiltonian, PairwiseHamiltonian, has_structure
from ..lattice import Lattice

__all__ = ["OBSERVABLES", "ReplicaObservables"]

#: The observables tempering can record besides energy, magnetization and overlap.
OBSERVABLES = ("link_overlap", "fourier_overlap", "fourier_magnetization")
_DEFAULT = ("link_overlap", "fourier_overlap")


class ReplicaObservables:
    """The observables of one tempering run for ``hamiltonian``.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    observables : sequence of str or None
        Names from :data:`OBSERVABLES`. None: every one of ``"link_overlap"`` (pairwise
        models) and ``"fourier_overlap"`` (models with a lattice ``geometry``) the model
        has; ``"fourier_magnetization"`` only when asked for. A name the model cannot give
        is a ValueError.
    pairs : bool
        Whether the run has replica pairs (two ladders or more, two-state units); the pair
        observables are left out (and may not be asked for) without them.
    """

    def __init__(self, hamiltonian: Hamiltonian, observables: Any, pairs: bool) -> None:
        geometry = getattr(hamiltonian, "geometry", None)
        self.lattice = geometry if isinstance(geometry, Lattice) and geometry.n_sites == hamiltonian.n else None
        pairwise = has_structure(hamiltonian, PairwiseHamiltonian)
        why_not = {"link_overlap": None if pairwise else "it has no pairwise couplings",
                   "fourier_overlap": None if self.lattice is not None else "it declares no lattice geometry",
                   "fourier_magnetization": None if self.lattice is not None else "it declares no lattice geometry"}
        if not pairs:
            for name in ("link_overlap", "fourier_overlap"):
                why_not[name] = why_not[name] or "the run has no replica pairs (n_chains < 2, or continuous units)"
        if observables is None:
            self.names = tuple(name for name in _DEFAULT if why_not[name] is None)
        else:
            if isinstance(observables, str) or not all(isinstance(o, str) for o in observables):
                raise TypeError(f"observables must be a sequence of names from {OBSERVABLES} or None; "
                                f"got {observables!r}")
            for name in observables:
                if name not in OBSERVABLES:
                    raise ValueError(f"observables must be names from {OBSERVABLES}; got {name!r}")
                if why_not[name] is not None:
                    raise ValueError(f"observables asks for {name!r}, which {hamiltonian!r} cannot give: "
                                     f"{why_not[name]}")
            self.names = tuple(name for name in OBSERVABLES if name in observables)
        self.n = hamiltonian.n
        if "link_overlap" in self.names:
            self.bonds = _bonds(hamiltonian, self.lattice)
        if self.lattice is not None:
            self.k_min = 2 * np.pi / np.array(self.lattice.shape, dtype=np.float64)
            self.phases = [np.exp(1j * k * np.arange(side)) for k, side in zip(self.k_min, self.lattice.shape)]

    @property
    def dimension(self) -> int:
        return 0 if self.lattice is None else self.lattice.dimension

    def of_pairs(self, site_overlaps: np.ndarray) -> dict[str, np.ndarray]:
        """{name: values} of the pair observables from q_i of shape (..., n) (int8 +-1):
        ``link_overlap`` (...), ``fourier_overlap`` (..., dimension)."""
        values = {}
        if "link_overlap" in self.names:
            values["link_overlap"] = link_overlap(site_overlaps, *self.bonds)
        if "fourier_overlap" in self.names:
            values["fourier_overlap"] = self._fourier_power(site_overlaps) / self.n ** 2
        return values

    def of_chains(self, spins: np.ndarray) -> dict[str, np.ndarray]:
        """{name: values} of the chain observables from spins of shape (..., n) (int8 +-1):
        ``fourier_magnetization`` (..., dimension)."""
        if "fourier_magnetization" not in self.names:
            return {}
        return {"fourier_magnetization": self._fourier_power(spins)}

    def _fourier_power(self, values):
        """|sum_i v_i exp(i k_mu x_i)|^2 for each axis mu: the sums over the planes x_mu =
        const first (integers), then one phase per plane. Shape (..., dimension)."""
        lattice = self.lattice
        grid = values.reshape(values.shape[:-1] + lattice.shape)
        lead = values.ndim - 1
        out = np.empty(values.shape[:-1] + (lattice.dimension,))
        for axis in range(lattice.dimension):
            others = tuple(lead + a for a in range(lattice.dimension) if a != axis)
            planes = grid.sum(axis=others, dtype=np.int64)
            out[..., axis] = np.abs(planes @ self.phases[axis]) ** 2
        return out


def _bonds(hamiltonian, lattice):
    """(upper, n_bonds): the bonds as an upper-triangular 0/1 matrix (None when every pair
    is a bond) and their number. A lattice's bonds are its edges (a periodic side of 2 gives
    a pair two); otherwise the non-zero couplings."""
    n = hamiltonian.n
    if lattice is not None:
        edges = lattice.edges()
        i, j = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
        upper = sp.csr_matrix((np.ones(len(edges)), (i, j)), shape=(n, n))      # duplicates add up
        return upper, len(edges)
    upper = sp.triu(sp.csr_matrix(hamiltonian.couplings), k=1, format="csr")
    upper.eliminate_zeros()
    upper.data[:] = 1.0
    n_bonds = upper.nnz
    return (None if n_bonds == n * (n - 1) // 2 else upper), n_bonds


def link_overlap(site_overlaps: np.ndarray, upper: Any, n_bonds: int) -> np.ndarray:
    """q_l = (1/N_b) sum over bonds of q_i q_j, from q_i of shape (..., n) and the bonds as
    an upper-triangular 0/1 matrix (None: every pair, where sum_{i<j} q_i q_j =
    ((sum_i q_i)^2 - n) / 2)."""
    if n_bonds == 0:
        return np.zeros(site_overlaps.shape[:-1])
    q = site_overlaps.astype(np.float64)
    if upper is None:
        n = q.shape[-1]
        return (q.sum(-1) ** 2 - n) / 2 / n_bonds
    flat = q.reshape(-1, q.shape[-1])
    return (np.asarray(upper.dot(flat.T)).T * flat).sum(-1).reshape(q.shape[:-1]) / n_bonds
