"""Belief propagation and the Bethe free energy of pairwise models (spin form).

With cavity fields g_{j->i} (the field on s_j when s_i is removed), the messages are
u_{j->i} = atanh(tanh(beta J_ij) tanh(beta g_{j->i})) / beta and
g_{j->i} = h_j + sum_{k in dj \\ i} u_{k->j}. At a fixed point,

    ln Z_Bethe = sum_i ln sum_{s_i} e^{beta h_i s_i} prod_{j in di} 2 cosh(beta (J_ij s_i + g_{j->i}))
                 - sum_{(ij)} ln sum_{s_i, s_j} e^{beta (g_{i->j} s_i + J_ij s_i s_j + g_{j->i} s_j)}

which is exact on trees (Mezard & Montanari 2009, ch. 14).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .records import MeanFieldResult
from ..hamiltonian import pairwise_form
from .plefka import check_pairwise

if TYPE_CHECKING:
    from statmech.hamiltonian import Structured


def _log_2cosh(x):
    return np.logaddexp(x, -x)


def belief_propagation(hamiltonian: Structured, beta: float, damping: float, tol: float,
                       max_iter: int) -> MeanFieldResult:
    """Bethe solution of a pairwise model (any domain; computed in spin form)."""
    check_pairwise(hamiltonian, "bethe")
    form = pairwise_form(hamiltonian)
    assert form is not None                     # check_pairwise: two-state units of one kind
    spin: Any = form.to_domain("spin")
    J = sp.csr_matrix(spin.couplings, copy=True)       # tidied here, not in the model
    J.eliminate_zeros()
    J.sort_indices()
    n = spin.n
    rows = np.repeat(np.arange(n), np.diff(J.indptr))
    cols = J.indices.astype(np.int64)
    coupling = J.data
    # reverse[e] is the edge (j, i) of edge e = (i, j): CSR keys i * n + j are sorted.
    keys = rows * n + cols
    reverse = np.searchsorted(keys, cols * n + rows)
    h = spin.fields
    u = np.zeros(len(keys))            # u[e] = u_{j -> i} for e = (i, j): j's message to i
    t = np.tanh(beta * coupling)
    residuals = []
    converged = False
    for _ in range(max_iter):
        total = h + np.bincount(rows, u, minlength=n)
        cavity = total[cols] - u[reverse]                  # g_{j -> i}
        if beta > 0:
            new = np.arctanh(np.clip(t * np.tanh(beta * cavity), -1 + 1e-16, 1 - 1e-16)) / beta
        else:
            new = np.zeros_like(u)
        new = (1.0 - damping) * new + damping * u
        change = np.abs(new - u).max() if len(u) else 0.0
        u = new
        residuals.append(change)
        if change <= tol:
            converged = True
            break
    total = h + np.bincount(rows, u, minlength=n)
    cavity = total[cols] - u[reverse]
    m_spin = np.tanh(beta * total)
    site_terms = np.stack([beta * s * h + np.bincount(rows, _log_2cosh(beta * (coupling * s + cavity)), minlength=n)
                           for s in (-1.0, 1.0)])
    log_z = np.logaddexp(site_terms[0], site_terms[1]).sum()
    upper = rows < cols
    g_i, g_j, w = cavity[reverse][upper], cavity[upper], coupling[upper]   # g_{i->j}, g_{j->i}
    pair = [beta * (g_i * si + w * si * sj + g_j * sj) for si in (-1.0, 1.0) for sj in (-1.0, 1.0)]
    log_z -= np.logaddexp(np.logaddexp(pair[0], pair[1]), np.logaddexp(pair[2], pair[3])).sum()
    log_z -= beta * spin.offset
    m = m_spin if hamiltonian.domain == "spin" else 0.5 * (m_spin + 1.0)
    free_energy = -log_z / beta if beta > 0 else -np.inf
    return MeanFieldResult(m=m, free_energy=float(free_energy), log_z=float(log_z),
                           converged=converged, n_iter=len(residuals), residuals=np.array(residuals),
                           method="bethe", beta=beta, model=repr(hamiltonian))
