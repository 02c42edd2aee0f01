"""Naive mean field and TAP: the Plefka expansion of the Gibbs free energy and its
fixed-point iteration, for pairwise and bipartite Hamiltonians in either domain.

For E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i + c, the Gibbs free energy at
magnetizations m (the Legendre transform of -ln Z / beta, Plefka 1982) expanded in
powers of beta J is, with v_i = unit_variance(m_i) and k_i = v_i v_i' the third
cumulant of unit i (v' = dv/dm = 1 + low - 2m),

    beta G(m) = -sum_i S(m_i) - beta (sum_{i<j} J_ij m_i m_j + sum_i h_i m_i - c)
                - (beta^2 / 2) sum_{i<j} J_ij^2 v_i v_j                         (TAP2, Onsager)
                - (beta^3 / 6) sum_{i<j} J_ij^3 k_i k_j                         (TAP3, one edge)

(Georges & Yedidia 1991, eqs. 20-22; for binary units Gabrie, Tramel & Krzakala 2015,
eq. 6). The third-order term of a general graph also has a triangle term
beta^3 sum J_ij J_jk J_ki v_i v_j v_k; a bipartite graph has no triangles, so "tap3"
is offered for bipartite models only. Stationarity dG/dm_i = 0 reads

    m_i = unit_mean(h_i + sum_j J_ij m_j + (beta/2) v'(m_i) sum_j J_ij^2 v_j
                    + (beta^2/6) k'(m_i) sum_j J_ij^3 k_j,  beta)

with k' = v'^2 - 2v: the same conditional that gives p(h | v) of an RBM, fed an
effective field. ``mean_field_step`` is that map; the solvers iterate it and the
unrolled networks (``statmech.unroll``) are made of it.
"""
import numpy as np
import scipy.sparse as sp

from ..units import (add_reaction_fields, unit_entropy, unit_field, unit_mean_array, unit_variance,
                       unit_variance_slope)
from ..validation import LOW_VALUE
from ..hamiltonian import BipartiteHamiltonian, PairwiseHamiltonian

ORDERS = {"naive": 1, "tap2": 2, "tap3": 3}


def effective_field(x, s, weights, bias, beta, low, order=1):
    """The field in the fixed-point map (module docstring) of a group of units.

    x W + bias + (beta/2) v'(s) (v(x) W2) + (beta^2/6) k'(s) (k(x) W3).

    Parameters
    ----------
    x : ndarray of shape (..., n_in)
        Magnetizations of the units coupled to the updated ones (the layer input).
    s : ndarray of shape (..., n_out) or None
        The updated units' own current magnetizations, which enter the reaction terms
        (a skip connection in the unrolled network); unused when order == 1.
    weights : sequence of (n_in, n_out) matrices
        (W, W**2, W**3)[:order], elementwise powers, dense or scipy.sparse.
    bias : ndarray of shape (n_out,)
    beta : float
    low : float
        -1 for spins, 0 for binary units.
    order : {1, 2, 3}

    Returns
    -------
    ndarray of shape (..., n_out)
    """
    # the products are fresh arrays: the terms are added to x W in place, in one pass
    field = np.asarray(x @ weights[0])
    field = field if field.dtype.kind == "f" else field.astype(np.float64)
    n_out = field.shape[-1]
    rows = field.reshape(-1, n_out)
    if order == 1:
        rows += bias
        return field
    variance_x = unit_variance(x, low)
    onsager = np.asarray(variance_x @ weights[1]).reshape(-1, n_out)
    third = onsager
    if order >= 3:
        third = np.asarray((variance_x * unit_variance_slope(x, low)) @ weights[2]).reshape(-1, n_out)
    s_rows = np.broadcast_to(s, field.shape).reshape(-1, n_out)
    add_reaction_fields(rows, np.broadcast_to(bias, (n_out,)), s_rows, onsager, 0.5 * beta, third, beta * beta / 6.0,
                        float(low), order)
    return field


def mean_field_step(x, s, weights, bias, beta, low, order=1, damping=0.0, anchor=None):
    """One mean-field/TAP update: (1 - damping) unit_mean(effective_field(...), beta) + damping * anchor.

    Parameters are those of :func:`effective_field`, and
    damping : float in [0, 1)
    anchor : ndarray of shape (..., n_out), optional
        What damping mixes in (default ``s``).

    Returns
    -------
    ndarray of shape (..., n_out)
    """
    field = effective_field(x, s, weights, bias, beta, low, order)
    m = unit_mean_array(field, beta, low, out=field)
    if damping:
        m *= 1.0 - damping
        m += damping * (s if anchor is None else anchor)
    return m


class Couplings:
    """Elementwise powers J, J**2, J**3 of a pairwise model's couplings, as products.

    Bipartite models keep the blocks W**p (n_visible, n_hidden); others the full
    symmetric matrix (dense or CSR).
    """

    def __init__(self, hamiltonian, order):
        self.bipartite = isinstance(hamiltonian, BipartiteHamiltonian)
        if self.bipartite:
            W = hamiltonian.weights
            self.n_visible = hamiltonian.n_visible
            self.powers = [W] + [W ** p for p in range(2, order + 1)]
            self.transposed = [Wp.T for Wp in self.powers]
        else:
            J = hamiltonian.couplings
            J = J.tocsr() if sp.issparse(J) else np.asarray(J)
            self.powers = [J.power(p) if sp.issparse(J) else J ** p for p in range(1, order + 1)]
        self.fields = hamiltonian.fields
        self.offset = hamiltonian.offset

    def apply(self, p, x):
        """x J**p for x of shape (..., n) (J symmetric), shape (..., n)."""
        if self.bipartite:
            v, h = x[..., :self.n_visible], x[..., self.n_visible:]
            return np.concatenate([h @ self.transposed[p - 1], v @ self.powers[p - 1]], axis=-1)
        return np.asarray(x @ self.powers[p - 1])

    def pair_sum(self, p, a):
        """sum_{i<j} J_ij**p a_i a_j = a J**p a / 2, shape (...)."""
        if self.bipartite:
            v, h = a[..., :self.n_visible], a[..., self.n_visible:]
            return np.einsum("...j,...j->...", v @ self.powers[p - 1], h)
        return 0.5 * np.einsum("...i,...i->...", self.apply(p, a), a)


def check_pairwise(hamiltonian, method):
    if not isinstance(hamiltonian, PairwiseHamiltonian):
        raise TypeError(f"mean-field method {method!r} needs a PairwiseHamiltonian (or a bipartite one, "
                        f"e.g. an RBM); got {type(hamiltonian).__name__}")
    if method == "tap3" and not isinstance(hamiltonian, BipartiteHamiltonian):
        raise ValueError("method 'tap3' needs a bipartite model (an RBM): on a general graph the "
                         "third-order Plefka term also sums over triangles, which is not implemented; "
                         f"got {hamiltonian!r}")


def gibbs_value_and_gradient(couplings, beta, m, low, order):
    """(G(m), dG/dm) of the expansion to ``order`` (module docstring); m of shape (..., n)."""
    variance = unit_variance(m, low)
    slope = unit_variance_slope(m, low)
    linear = couplings.apply(1, m) + couplings.fields
    beta_g = (-unit_entropy(m, low).sum(-1)
              - beta * (couplings.pair_sum(1, m) + m @ couplings.fields - couplings.offset))
    # beta dG/dm_i = unit_field(m_i) beta - beta * (effective field without the entropy)
    effective = linear
    if order >= 2:
        beta_g = beta_g - 0.5 * beta ** 2 * couplings.pair_sum(2, variance)
        effective = effective + 0.5 * beta * slope * couplings.apply(2, variance)
    if order >= 3:
        third = variance * slope
        beta_g = beta_g - beta ** 3 / 6.0 * couplings.pair_sum(3, third)
        effective = effective + beta ** 2 / 6.0 * (slope * slope - 2.0 * variance) * couplings.apply(3, third)
    if beta == 0:
        return np.full(np.shape(beta_g), -np.inf), np.zeros_like(m)
    gradient = unit_field(m, beta, low) - effective
    return beta_g / beta, gradient


def low_of(hamiltonian):
    return float(LOW_VALUE[hamiltonian.domain])
