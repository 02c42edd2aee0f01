"""What parallel tempering records from its configurations besides energy and M: the
overlaps of replica pairs (q, the link overlap q_l, the Fourier-mode overlaps of a lattice
model) and the spins' own Fourier modes. One object per run, built from the model before
the first sweep; it sees the engine only through the site overlaps and states it hands over.

Conventions (Ballesteros et al. 2000; Katzgraber, Koerner and Young 2006): with q_i = s_i^a
s_i^b (spin form) and x_i the lattice position of site i,

- ``overlap``               q = (1/n) sum_i q_i
- ``link_overlap``          q_l = (1/N_b) sum_{(i, j) bonds} q_i q_j
- ``fourier_overlap``       ``|q(k_mu)|^2``, q(k) = (1/n) sum_i q_i exp(i k . x_i), per axis mu
- ``fourier_magnetization`` ``|M(k_mu)|^2``, M(k) = sum_i s_i exp(i k . x_i), per axis mu

with k_mu = (2 pi / L_mu) e_mu, the smallest non-zero wavevector along axis mu.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..hamiltonian import Hamiltonian, PairwiseHamiltonian, has_structure
from ..jit import njit
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
        self.n = n = hamiltonian.n
        self.link = "link_overlap" in self.names
        self.bond_ptr, self.bond_to, self.bond_weight = np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32)
        self.n_bonds, self.complete = 0, False
        if self.link:
            self.bond_ptr, self.bond_to, self.bond_weight, self.n_bonds, self.complete = _bonds(hamiltonian, self.lattice)
        self.coordinates, self.cos, self.sin = np.zeros((0, n), np.int64), np.zeros((0, 0)), np.zeros((0, 0))
        if self.lattice is not None:
            shape = self.lattice.shape
            self.k_min = 2 * np.pi / np.array(shape, dtype=np.float64)
            self.coordinates = np.ascontiguousarray(self.lattice.coordinates().T)      # (axis, site)
            x = np.arange(max(shape))
            self.cos = np.cos(self.k_min[:, None] * x[None, :])
            self.sin = np.sin(self.k_min[:, None] * x[None, :])

    @property
    def dimension(self) -> int:
        return 0 if self.lattice is None else self.lattice.dimension

    def of_pairs(self, site_overlaps: np.ndarray) -> dict[str, np.ndarray]:
        """{name: values} from q_i of shape (..., n) (int8 +-1): ``overlap`` (...), and of
        the recorded ones ``link_overlap`` (...) and ``fourier_overlap`` (..., dimension)."""
        lead = site_overlaps.shape[:-1]
        q = np.ascontiguousarray(site_overlaps.reshape(-1, self.n).T)         # site-major
        overlap, link = np.empty(q.shape[1]), np.empty(q.shape[1])
        fourier = np.empty((q.shape[1], self.dimension if "fourier_overlap" in self.names else 0))
        _sums(q, self.link, self.complete, self.bond_ptr, self.bond_to, self.bond_weight, self.n_bonds,
              self.coordinates, self.cos, self.sin, 1.0 / self.n ** 2, overlap, link, fourier)
        values = {"overlap": (overlap / self.n).reshape(lead)}
        if self.link:
            values["link_overlap"] = link.reshape(lead)
        if fourier.shape[1]:
            values["fourier_overlap"] = fourier.reshape(lead + (self.dimension,))
        return values

    def of_chains(self, spins: np.ndarray) -> dict[str, np.ndarray]:
        """{name: values} of the chain observables from spins of shape (..., n) (int8 +-1):
        ``fourier_magnetization`` (..., dimension)."""
        if "fourier_magnetization" not in self.names:
            return {}
        s = np.ascontiguousarray(spins.reshape(-1, self.n).T)
        fourier, unused = np.empty((s.shape[1], self.dimension)), np.empty(s.shape[1])
        _sums(s, False, False, self.bond_ptr, self.bond_to, self.bond_weight, 0, self.coordinates, self.cos,
              self.sin, 1.0, unused, unused, fourier)
        return {"fourier_magnetization": fourier.reshape(spins.shape[:-1] + (self.dimension,))}


def _bonds(hamiltonian, lattice):
    """The bonds as CSR rows of an upper-triangular matrix of multiplicities (i < j), their
    number, and whether every pair is a bond (then sum_{i<j} q_i q_j = ((sum q)^2 - n) / 2
    needs no list). A lattice's bonds are its edges (a periodic side of 2 gives a pair
    two); otherwise the non-zero couplings."""
    n = hamiltonian.n
    if lattice is not None:
        edges = lattice.edges()
        i, j = np.minimum(edges[:, 0], edges[:, 1]), np.maximum(edges[:, 0], edges[:, 1])
        upper = sp.csr_matrix((np.ones(len(edges)), (i, j)), shape=(n, n))      # duplicates add up
        n_bonds = len(edges)
    else:
        upper = sp.triu(sp.csr_matrix(hamiltonian.couplings), k=1, format="csr")
        upper.eliminate_zeros()
        upper.data[:] = 1.0
        n_bonds = upper.nnz
    complete = n_bonds == n * (n - 1) // 2 and lattice is None
    if complete:
        upper = sp.csr_matrix((n, n))
    return (upper.indptr.astype(np.int64), upper.indices.astype(np.int32), upper.data.astype(np.int32), n_bonds,
            complete)


@njit
def _sums(values, link, complete, bond_ptr, bond_to, bond_weight, n_bonds, coordinates, cos, sin, scale,
          total, link_out, fourier_out):
    """Per column k of values (int8 +-1, site-major (n, k), so that every loop below runs
    along k in contiguous memory): total[k] = sum_i v_ik; link_out[k] = (1/N_b) sum over
    bonds of v_ik v_jk (``link``); fourier_out[k, mu] = scale |sum_i v_ik exp(i k_mu
    x_i,mu)|^2 for mu < fourier_out.shape[1], from the sums over the planes x_mu = const."""
    n, m = values.shape
    d = fourier_out.shape[1]
    sums = np.zeros(m, np.int64)
    bonds = np.zeros(m, np.int64)
    planes = np.zeros((d, cos.shape[1] if d else 0, m), np.int64)
    partial = np.zeros(m, np.int64)
    for i in range(n):
        row = values[i]
        for k in range(m):
            sums[k] += row[k]
        if link and not complete and bond_ptr[i + 1] > bond_ptr[i]:
            partial[:] = 0
            for p in range(bond_ptr[i], bond_ptr[i + 1]):
                other, w = values[bond_to[p]], bond_weight[p]
                for k in range(m):
                    partial[k] += w * other[k]
            for k in range(m):
                bonds[k] += row[k] * partial[k]
        for a in range(d):
            plane = planes[a, coordinates[a, i]]
            for k in range(m):
                plane[k] += row[k]
    for k in range(m):
        total[k] = sums[k]
        if link:
            if n_bonds == 0:
                link_out[k] = 0.0
            elif complete:
                link_out[k] = (sums[k] * sums[k] - n) / 2.0 / n_bonds
            else:
                link_out[k] = bonds[k] / n_bonds
        for a in range(d):
            re = 0.0
            im = 0.0
            for x in range(planes.shape[1]):
                re += planes[a, x, k] * cos[a, x]
                im += planes[a, x, k] * sin[a, x]
            fourier_out[k, a] = scale * (re * re + im * im)
