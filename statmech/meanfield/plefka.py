"""Naive mean field and TAP: the Plefka expansion of the Gibbs free energy and its
fixed-point iteration, for pairwise models in either domain and bipartite models of
every unit type (:mod:`statmech.unit_types`).

For E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i + sum_i e(s_i) + c, the Gibbs free
energy at magnetizations m (the Legendre transform of -ln Z / beta, Plefka 1982)
expanded in powers of beta J is, with v_i the variance of unit i at mean m_i (m (1 - m)
for binary units, 1 - m^2 for spins, 1 / beta for Gaussian ones, the truncated normal's
for rectified ones) and k_i = v_i v_i' its third cumulant (v' = dv/dm; 1 + low - 2m for
two-state units),

    beta G(m) = sum_i G0(m_i) - beta (sum_{i<j} J_ij m_i m_j + sum_i h_i m_i - c)
                - (beta^2 / 2) sum_{i<j} J_ij^2 v_i v_j                         (TAP2, Onsager)
                - (beta^3 / 6) sum_{i<j} J_ij^3 k_i k_j                         (TAP3, one edge)

with beta G0(m) = beta <e(s)> - S(s) the single unit's Gibbs free energy at mean m (-S(m)
for two-state units; ``UnitType.legendre``). (Georges & Yedidia 1991, eqs. 20-22; for
binary units Gabrie, Tramel & Krzakala 2015, eq. 6.) The third-order term of a general graph also has a triangle term
beta^3 sum J_ij J_jk J_ki v_i v_j v_k; a bipartite graph has no triangles, so "tap3"
is offered for bipartite models only. Stationarity dG/dm_i = 0 reads

    m_i = <s_i>(h_i + sum_j J_ij m_j + (beta/2) v'(m_i) sum_j J_ij^2 v_j
                + (beta^2/6) k'(m_i) sum_j J_ij^3 k_j,  beta)

with <s_i>(x, beta) the unit's conditional mean (its activation) and k' = v'^2 - 2v (TAP3,
two-state units): the same conditional that gives p(h | v) of an RBM, fed an effective
field. A Gaussian unit has k = 0, so TAP2 is then exact to third order.
``mean_field_step`` is that map; the solvers iterate it and the unrolled networks
(``statmech.unroll``) are made of it.
"""
from __future__ import annotations

import numbers
from typing import Any, TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..unit_types import add_reaction_fields, unit_mean_array
from ..unit_types import UNIT_TYPES, unit_type
from ..hamiltonian import BipartiteHamiltonian, PairwiseHamiltonian, has_structure, structure_hint, validate_hamiltonian

if TYPE_CHECKING:
    from statmech.hamiltonian import Structured
    from statmech.unit_types import UnitType

ORDERS = {"naive": 1, "tap2": 2, "tap3": 3}


def as_unit_type(units: Any, name: str = "units") -> UnitType:
    """A UnitType from a UnitType, a unit name, or the ``low`` value of two-state units
    (0: binary, -1: spin)."""
    if isinstance(units, numbers.Real) and not isinstance(units, bool):
        for candidate in ("binary", "spin"):
            if float(units) == UNIT_TYPES[candidate].low:
                return UNIT_TYPES[candidate]
        raise ValueError(f"{name} as a number is the low state of two-state units, 0 or -1; got {units!r}")
    return unit_type(units, name)


def _unit_pair(units):
    """(units of the input x, units of the updated s) from one type or a pair."""
    if isinstance(units, tuple):
        return as_unit_type(units[0]), as_unit_type(units[1])
    units = as_unit_type(units)
    return units, units


def activation(field: np.ndarray, beta: float, units: Any, out: np.ndarray | None = None) -> np.ndarray:
    """The units' conditional mean at ``field`` (``out`` may be ``field`` for two-state units)."""
    if units.discrete:
        return unit_mean_array(field, beta, units.low, out=out)
    return units.mean(field, beta)


def effective_field(x: np.ndarray, s: np.ndarray | None, weights: Any, bias: np.ndarray, beta: float, units: Any,
                    order: int = 1) -> np.ndarray:
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
    units : UnitType, unit name, low value, or a pair (units of x, units of s)
        ``"binary"`` / 0 and ``"spin"`` / -1 for two-state units; ``"gaussian"`` and
        ``"relu"`` (order <= 2): v and v' are those of :mod:`statmech.unit_types`.
    order : {1, 2, 3}

    Returns
    -------
    ndarray of shape (..., n_out)
    """
    units_x, units_s = _unit_pair(units)
    # the products are fresh arrays: the terms are added to x W in place, in one pass
    field = np.asarray(x @ weights[0])
    field = field if field.dtype.kind == "f" else field.astype(np.float64)
    n_out = field.shape[-1]
    rows = field.reshape(-1, n_out)
    if order == 1:
        rows += bias
        return field
    variance_x = units_x.variance_at(x, beta).astype(field.dtype, copy=False)     # float32 stays float32
    onsager = np.asarray(variance_x @ weights[1]).reshape(-1, n_out)
    third = onsager
    if order >= 3:
        if not (units_x.discrete and units_s.discrete):
            raise ValueError(f"order 3 (TAP3) needs two-state units; got {units_x.name} and {units_s.name}")
        slope = units_x.variance_slope_at(x, beta).astype(field.dtype, copy=False)
        third = np.asarray((variance_x * slope) @ weights[2]).reshape(-1, n_out)
    s_rows = np.broadcast_to(s, field.shape).reshape(-1, n_out)  # type: ignore[arg-type]  # s is given for order >= 2
    if units_s.discrete:
        add_reaction_fields(rows, np.broadcast_to(bias, (n_out,)), s_rows, onsager, 0.5 * beta, third,
                            beta * beta / 6.0, float(units_s.low), order)
    else:
        rows += bias + 0.5 * beta * units_s.variance_slope_at(s_rows, beta) * onsager
    return field


def mean_field_step(x: np.ndarray, s: np.ndarray | None, weights: Any, bias: np.ndarray, beta: float, units: Any,
                    order: int = 1, damping: float = 0.0, anchor: Any = None) -> np.ndarray:
    """One mean-field/TAP update: (1 - damping) <unit>(effective_field(...), beta) + damping * anchor,
    <unit> the updated units' activation (sigmoid, tanh, linear, smooth ReLU).

    Parameters
    ----------
    x, s, weights, bias, beta, units, order
        As for :func:`effective_field`.
    damping : float in [0, 1)
    anchor : ndarray of shape (..., n_out), optional
        What damping mixes in (default ``s``).

    Returns
    -------
    ndarray of shape (..., n_out)
    """
    field = effective_field(x, s, weights, bias, beta, units, order)
    m = activation(field, beta, _unit_pair(units)[1], out=field)
    if damping:
        m *= 1.0 - damping
        m += damping * (s if anchor is None else anchor)  # type: ignore[operator]  # one of them is given
    return m


def interior(units: Any, m: np.ndarray, margin: float) -> np.ndarray:
    """Means clipped ``margin`` inside the open range of ``units``' means: (low, 1) for
    two-state units, (0, inf) for rectified ones; Gaussian means are left as they are."""
    if units.discrete:
        return np.clip(m, units.low + margin, 1.0 - margin)
    return np.maximum(m, margin) if units.name == "relu" else np.asarray(m, dtype=np.float64)


class ModelUnits:
    """The unit types of a model's variables, by segment: one two-state type for a pairwise
    model; (visible, hidden) for a bipartite one. Applies a unit-type formula at
    magnetizations m of shape (..., n) segment by segment."""

    types: tuple[UnitType, ...]
    segments: tuple[tuple[slice, UnitType], ...]

    def __init__(self, hamiltonian: Structured) -> None:
        if has_structure(hamiltonian, BipartiteHamiltonian):
            n_v = hamiltonian.n_visible
            self.types = hamiltonian.unit_types
            self.segments = ((slice(0, n_v), self.types[0]), (slice(n_v, None), self.types[1]))
        else:
            self.types = (UNIT_TYPES[hamiltonian.domain],)
            self.segments = ((slice(None), self.types[0]),)
        self.discrete = all(units.discrete for units in self.types)
        self.uniform = len(set(self.types)) == 1

    def apply(self, method: str, m: np.ndarray, beta: float) -> np.ndarray:
        if self.uniform:
            return getattr(self.types[0], method)(m, beta)
        return np.concatenate([getattr(units, method)(m[..., part], beta) for part, units in self.segments], axis=-1)

    def check(self, m: np.ndarray, name: str, strict: bool = True) -> None:
        for part, units in self.segments:
            units.check_mean(m[..., part], name, strict)

    def clip(self, m: np.ndarray) -> np.ndarray:
        """Two-state segments clipped into [low, 1] (rounding at the edges)."""
        m = np.array(m, dtype=np.float64)
        for part, units in self.segments:
            if units.discrete:
                m[..., part] = np.clip(m[..., part], units.low, 1.0)
        return m

    def interior(self, m: np.ndarray, margin: float) -> np.ndarray:
        """m moved ``margin`` inside the range of each segment's means (:func:`interior`), in
        m's float precision (float64 for anything else)."""
        m = np.array(m, dtype=np.result_type(np.asarray(m).dtype, np.float32))
        for part, units in self.segments:
            m[..., part] = interior(units, m[..., part], margin)
        return m

    def initial(self, rng: Any, shape: tuple) -> np.ndarray:
        """Starting magnetizations: uniform in the middle 90% of a two-state unit's range;
        in (0.05, 0.95) for rectified and (-0.45, 0.45) for Gaussian units."""
        u = rng.uniform(0.05, 0.95, shape)
        for part, units in self.segments:
            if units.low is not None:            # two-state units
                u[..., part] = units.low + (1.0 - units.low) * u[..., part]
            elif units.name == "gaussian":
                u[..., part] -= 0.5
        return u


class Couplings:
    """Elementwise powers J, J**2, J**3 of a pairwise model's couplings, as products.

    Bipartite models keep the blocks W**p (n_visible, n_hidden); others the full
    symmetric matrix (dense or CSR).
    """

    def __init__(self, hamiltonian: Structured, order: int) -> None:
        self.bipartite = has_structure(hamiltonian, BipartiteHamiltonian)
        if has_structure(hamiltonian, BipartiteHamiltonian):
            W = hamiltonian.weights
            self.n_visible = hamiltonian.n_visible
            self.powers = [W] + [W ** p for p in range(2, order + 1)]
            self.transposed = [Wp.T for Wp in self.powers]
        else:
            J: Any = hamiltonian.couplings
            J = J.tocsr() if sp.issparse(J) else np.asarray(J)
            self.powers = [J.power(p) if sp.issparse(J) else J ** p for p in range(1, order + 1)]
        self.offset = hamiltonian.offset
        self.hamiltonian = hamiltonian

    @property
    def fields(self) -> np.ndarray:
        """The fields of the pairwise form: h, or (a, b) of a bipartite model, shape (n,)."""
        return self.hamiltonian.fields

    def apply(self, p: int, x: np.ndarray) -> np.ndarray:
        """x J**p for x of shape (..., n) (J symmetric), shape (..., n)."""
        if self.bipartite:
            v, h = x[..., :self.n_visible], x[..., self.n_visible:]
            return np.concatenate([h @ self.transposed[p - 1], v @ self.powers[p - 1]], axis=-1)
        return np.asarray(x @ self.powers[p - 1])

    def pair_sum(self, p: int, a) -> np.ndarray:
        """sum_{i<j} J_ij**p a_i a_j = a J**p a / 2, shape (...)."""
        if self.bipartite:
            v, h = a[..., :self.n_visible], a[..., self.n_visible:]
            return np.einsum("...j,...j->...", v @ self.powers[p - 1], h)
        return 0.5 * np.einsum("...i,...i->...", self.apply(p, a), a)


def check_pairwise(hamiltonian: Structured, method: str) -> None:
    if not (has_structure(hamiltonian, PairwiseHamiltonian) or has_structure(hamiltonian, BipartiteHamiltonian)):
        raise TypeError(f"mean-field method {method!r} needs a PairwiseHamiltonian (or a bipartite one, "
                        f"e.g. an RBM); got {type(hamiltonian).__name__}{structure_hint(hamiltonian)}")
    if method == "tap3" and not has_structure(hamiltonian, BipartiteHamiltonian):
        raise ValueError("method 'tap3' needs a bipartite model (an RBM): on a general graph the "
                         "third-order Plefka term also sums over triangles, which is not implemented; "
                         f"got {hamiltonian!r}")
    if method == "bethe":
        validate_hamiltonian(hamiltonian)       # two-state units of one kind
    if method == "tap3" and not ModelUnits(hamiltonian).discrete:
        raise ValueError(f"method 'tap3' needs two-state units (its reaction term is written for them); "
                         f"{hamiltonian!r} has continuous units: use 'naive' or 'tap2'")


def gibbs_value_and_gradient(couplings: Couplings, beta: float, m: np.ndarray, units: Any,
                             order: int) -> tuple[Any, np.ndarray]:
    """(G(m), dG/dm) of the expansion to ``order`` (module docstring); m of shape (..., n),
    ``units`` a ModelUnits (or the low value of two-state units)."""
    if not isinstance(units, ModelUnits):
        units = _SingleUnits(as_unit_type(units))
    variance = units.apply("variance_at", m, beta)
    linear = couplings.apply(1, m) + couplings.fields
    beta_g = (units.apply("legendre", m, beta).sum(-1)
              - beta * (couplings.pair_sum(1, m) + m @ couplings.fields - couplings.offset))
    # beta dG/dm_i = beta x(m_i) - beta * (effective field without the entropy)
    effective = linear
    if order >= 2:
        slope = units.apply("variance_slope_at", m, beta)
        beta_g = beta_g - 0.5 * beta ** 2 * couplings.pair_sum(2, variance)
        effective = effective + 0.5 * beta * slope * couplings.apply(2, variance)
    if order >= 3:
        third = variance * slope
        beta_g = beta_g - beta ** 3 / 6.0 * couplings.pair_sum(3, third)
        effective = effective + beta ** 2 / 6.0 * (slope * slope - 2.0 * variance) * couplings.apply(3, third)
    if beta == 0:
        return np.full(np.shape(beta_g), -np.inf), np.zeros_like(m)
    with np.errstate(divide="ignore"):      # a saturated two-state unit (m at 0 or +-1): dG/dm is +-inf
        gradient = units.apply("field_from_mean", m, beta) - effective
    return beta_g / beta, gradient


class _SingleUnits(ModelUnits):
    """ModelUnits of one unit type over every variable (callers that pass a type or ``low``)."""

    def __init__(self, units):
        self.types = (units,)
        self.segments = ((slice(None), units),)
        self.discrete, self.uniform = units.discrete, True

