"""Coupling matrices from edge lists, shared by the Ising and Edwards-Anderson models."""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from statmech.typing import ArrayLike



def couplings_from_edges(n: int, edges: ArrayLike, values: Any) -> Any:
    """Symmetric sparse coupling matrix with J_ij = J_ji = value for each edge (i, j).

    Repeated edges add up.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), (edges.shape[0],))
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    return sp.csr_matrix((np.concatenate([values, values]), (rows, cols)), shape=(n, n))
