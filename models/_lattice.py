"""Hypercubic lattices as edge lists, shared by the Ising and Edwards-Anderson models."""
import numpy as np
import scipy.sparse as sp

from statmech.validation import as_int


def lattice_edges(shape, periodic=True):
    """Nearest-neighbour edges of a hypercubic lattice, sites numbered in C order.

    Parameters
    ----------
    shape : tuple of int
        Side lengths, e.g. (L,) for a chain, (L, L) for a square lattice.
    periodic : bool
        Wrap around every axis (a torus). A periodic axis of length 2 gives each
        pair two bonds, as on the 2-site torus in Kaufman's formula; length 1 none.

    Returns
    -------
    ndarray of shape (n_edges, 2), int64
    """
    shape = tuple(as_int(s, "L", minimum=1) for s in shape)
    sites = np.arange(int(np.prod(shape))).reshape(shape)
    edges = []
    for axis, length in enumerate(shape):
        if periodic and length > 1:
            neighbours = np.roll(sites, -1, axis=axis)
            edges.append(np.stack([sites.ravel(), neighbours.ravel()], axis=1))
        elif length > 1:
            lo = np.take(sites, np.arange(length - 1), axis=axis)
            hi = np.take(sites, np.arange(1, length), axis=axis)
            edges.append(np.stack([lo.ravel(), hi.ravel()], axis=1))
    return np.concatenate(edges) if edges else np.zeros((0, 2), np.int64)


def couplings_from_edges(n, edges, values):
    """Symmetric sparse coupling matrix with J_ij = J_ji = value for each edge (i, j).

    Repeated edges add up.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), (edges.shape[0],))
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    return sp.csr_matrix((np.concatenate([values, values]), (rows, cols)), shape=(n, n))
