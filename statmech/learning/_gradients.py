"""Boltzmann learning: the log-likelihood gradient <dE/dtheta>_model - <dE/dtheta>_data.

For E(v, h) = sum e(v_i) + sum e(h_j) - a.v - b.h - v W h (an RBM at beta = 1 with any
unit types, :mod:`statmech.unit_types`; e = 0 for binary units) the gradient of the mean
log-likelihood is <v h^T>_data - <v h^T>_model for W (and <v> / <h> for a / b), with
the hidden units of the data term at their conditional means. The model term is what
the methods differ in:

- "exact": enumerate the smaller layer (the other is summed out in closed form);
- "cd" / "pcd": block-Gibbs chains started at the data (CD-k, Hinton 2002) or kept
  across updates (PCD, Tieleman 2008);
- "naive" / "tap2" / "tap3": the derivatives of the mean-field / TAP ln Z at its fixed
  point (EMF, Gabrie, Tramel & Krzakala 2015, eq. 9): by stationarity in m they are
  partial derivatives at fixed m,
      d ln Z / dW_ij = m_i m_j + W_ij v_i v_j + W_ij^2 k_i k_j / 2    (up to the order),
  with v = unit_variance(m) and k = v v' as in ``statmech.meanfield``.

The estimators return a dict {"W", "a", "b"} of model statistics of the parameters'
shapes; ``ModelTerm`` (the trainer's side) returns ``StackedRows``, the data rows over
the model's rows (chain samples or magnetizations), so that ``gradient`` forms
<v h^T>_data - <v h^T>_model as one product of the stacked rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from ..nn.optim import add_scaled_product
from ..fastmath import logistic
from ..unit_types import UNIT_TYPES, unit_type
from ..gibbs import layer_mean, layer_probability, sample_from_fields, sample_layer
from ..rng import random_streams
from ..runloop import Field, finite, one_of, streams
from ..meanfield.plefka import ORDERS, ModelUnits, interior
from ..meanfield.solvers import solve_fixed_point
from ..exact import all_states

if TYPE_CHECKING:
    from statmech.typing import ArrayLike

METHODS = ("exact", "cd", "pcd", "naive", "tap2", "tap3")
#: The methods whose model term is a mean-field (Plefka) fixed point.
MEAN_FIELD_METHODS = ("naive", "tap2", "tap3")
#: learning's method names -> statmech.meanfield's


_BINARY = UNIT_TYPES["binary"]


def _parameters(rbm):
    return rbm.weights, rbm.visible_bias, rbm.hidden_bias


def check_data(X: ArrayLike, n_features: int | None = None, name: str = "X", dtype: Any = np.float64,
               units: Any = "binary") -> np.ndarray:
    """A 2-D finite array of values the visible units can take or average to: in [0, 1]
    for binary units (probabilities or binary data), [-1, 1] for spins, >= 0 for rectified
    units, any real for Gaussian units."""
    units = unit_type(units, "units")
    try:
        X = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; got {type(X).__name__}") from exc
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf")
    low = units.low if units.discrete else 0.0 if units.name == "relu" else -np.inf
    high = 1.0 if units.discrete else np.inf
    if X.size and (X.min() < low or X.max() > high):
        what = {"binary": "[0, 1] (binary or probabilities)", "spin": "[-1, 1] (spins or their means)",
                "relu": ">= 0 (rectified units)"}[units.name]
        raise ValueError(f"{name} must lie in {what}; got values in [{X.min():.3g}, {X.max():.3g}]")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, but the model was fitted with {n_features}")
    return X


def conditional(fields: np.ndarray) -> np.ndarray:
    """p(unit = 1) = sigmoid(field) of binary units at beta = 1: the one conditional in its
    vectorised array form (``statmech.fastmath.logistic``; float32 stays float32)."""
    return logistic(fields)


def hidden_mean(rbm: Any, v: np.ndarray) -> np.ndarray:
    """<h | v> at beta = 1 for rows v (n_samples, n_visible): p(h = 1 | v) for binary units."""
    return layer_mean(v, rbm.weights, rbm.hidden_bias, rbm.unit_types[1])


def data_statistics(rbm: Any, v: np.ndarray, h: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """<v h^T>, <v>, <h> over the rows of v (n_samples, n_visible), h at <h | v>
    (pass ``h`` if already computed)."""
    h = hidden_mean(rbm, v) if h is None else h
    return {"W": v.T @ h / len(v), "a": v.mean(0), "b": h.mean(0)}


def _layer_states(k, dtype=np.float64, low=0.0):
    """All 2**k states (2**k, k) of k two-state units with values low and 1."""
    bits = all_states(k, "binary").astype(dtype)
    return bits if low == 0.0 else low + (1.0 - low) * bits


def exact_statistics(rbm: Any) -> dict[str, np.ndarray]:
    """Exact model statistics of an RBM by enumerating a two-state layer (the smaller one
    if both are) with the other summed or integrated out: p(layer) from the other layer's
    log-partition, <other | layer> from its activation."""
    W, a, b = _parameters(rbm)
    visible, hidden = rbm.unit_types
    if hidden.discrete and (rbm.n_hidden <= rbm.n_visible or not visible.discrete):
        h = _layer_states(rbm.n_hidden, low=hidden.low)
        fields = h @ W.T + a                                           # (2**nh, nv)
        log_w = h @ b + visible.log_partition(fields).sum(1)
        p = np.exp(log_w - log_w.max())
        p /= p.sum()
        v_mean = visible.mean(fields)                                  # E[v | h]
        return {"W": (v_mean * p[:, None]).T @ h, "a": p @ v_mean, "b": p @ h}
    if not visible.discrete:
        raise ValueError(f"exact statistics enumerate a two-state layer; this RBM has {visible.name} visible and "
                         f"{hidden.name} hidden units")
    v = _layer_states(rbm.n_visible, low=visible.low)
    fields = v @ W + b
    log_w = v @ a + hidden.log_partition(fields).sum(1)
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    h_mean = hidden.mean(fields)
    return {"W": (v * p[:, None]).T @ h_mean, "a": p @ v, "b": p @ h_mean}


def tap_corrections(weights: np.ndarray, m_visible: np.ndarray, m_hidden: np.ndarray, order: int,
                    units: Any = (_BINARY, _BINARY)) -> list:
    """The terms of d ln Z_TAP / dW beyond the naive <m_v m_h^T>, each
    (coefficient, matrix, left, right) standing for coefficient * matrix * (left^T right) / k
    (elementwise product; k = rows of the magnetizations): the Onsager term W v_i v_j
    (order >= 2, v the units' variance at their means) and the third-order term
    W^2 k_i k_j / 2 (order 3, two-state units, k = v v'); Gabrie, Tramel & Krzakala (2015),
    eq. 9."""
    terms = []
    visible, hidden = units
    if order >= 2:
        var_v = visible.variance_at(m_visible).astype(m_visible.dtype, copy=False)
        var_h = hidden.variance_at(m_hidden).astype(m_hidden.dtype, copy=False)
        terms.append((1.0, weights, var_v, var_h))
    if order >= 3:
        terms.append((0.5, weights * weights, var_v * visible.variance_slope_at(m_visible),
                      var_h * hidden.variance_slope_at(m_hidden)))
    return terms


def tap_statistics(rbm: Any, m_visible: np.ndarray, m_hidden: np.ndarray, method: str) -> dict[str, np.ndarray]:
    """d ln Z_method / d(W, a, b) at magnetizations (k, n_visible), (k, n_hidden), averaged over k."""
    order = ORDERS[method]
    k = len(m_visible)
    stats_W = m_visible.T @ m_hidden / k
    for coefficient, matrix, left, right in tap_corrections(rbm.weights, m_visible, m_hidden, order, rbm.unit_types):
        add_scaled_product(stats_W, coefficient / k, matrix, left.T @ right)
    return {"W": stats_W, "a": m_visible.mean(0), "b": m_hidden.mean(0)}


@dataclass(frozen=True)
class StackedRows:
    """Data rows stacked over model rows: the statistics as averages of rows.

    Attributes
    ----------
    v : ndarray of shape (n_data + n_model, n_visible)
        The data (first ``n_data`` rows), then the model's rows: Gibbs chains' visible
        samples, or visible magnetizations (EMF).
    h : ndarray of shape (n_data + n_model, n_hidden)
        p(h = 1 | v) of the data rows, then p(h = 1 | v) of the chains' rows or the hidden
        magnetizations.
    n_data : int
    corrections : list of (coefficient, matrix, left, right)
        Model-side terms of the W statistic beyond the rows' average (``tap_corrections``).
    """

    v: np.ndarray
    h: np.ndarray
    n_data: int
    corrections: Any = ()


class Gibbs:
    """Block-Gibbs chains for CD and PCD; one random stream per chain (numba kernel)."""

    def __init__(self, n_chains: int, seed_sequence: np.random.SeedSequence) -> None:
        self.seed_sequence = seed_sequence
        self.streams = random_streams(seed_sequence, (n_chains,))

    def _grow(self, n_rows):
        if n_rows > len(self.streams):      # a larger batch (partial_fit): more streams
            extra = random_streams(self.seed_sequence.spawn(1)[0], (n_rows - len(self.streams),))
            self.streams = np.concatenate([self.streams, extra])

    def sample(self, probabilities: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Binary units drawn with the given p(unit = 1)."""
        self._grow(len(probabilities))
        return sample_layer(probabilities, 0.0, self.streams, out)

    def draw(self, units: Any, fields: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """A layer of ``units`` drawn at its fields (any unit type)."""
        self._grow(len(fields))
        return sample_from_fields(fields, units, self.streams, out=out)

    def run(self, rbm: Any, h: np.ndarray, k: int, clamped=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """k block-Gibbs steps h -> v -> h from hidden states h: (v_k, <h | v_k>, h_k sampled).

        Chains carry their hidden samples (as scikit-learn's PCD does), so a step costs
        two products with W. With ``clamped`` rows (the data, n_data x n_visible) the last
        v -> h product runs on [clamped; v_k] at once, so the data's <h | v> comes out of
        the same product: then v and <h | v> are those stacked rows (n_data + n_chains)."""
        W, a, b = _parameters(rbm)
        visible, hidden = rbm.unit_types
        if visible != _BINARY or hidden != _BINARY:
            return self._run_units(rbm, visible, hidden, h, k, clamped)
        for step in range(k):
            p_v = layer_probability(h, W.T, a)
            if step == k - 1 and clamped is not None:
                v = np.empty((len(clamped) + len(p_v), p_v.shape[1]), p_v.dtype)
                v[:len(clamped)] = clamped
                self.sample(p_v, out=v[len(clamped):])
                h_mean = layer_probability(v, W, b)
                return v, h_mean, self.sample(h_mean[len(clamped):])
            v = self.sample(p_v)
            h_mean = layer_probability(v, W, b)
            h = self.sample(h_mean)
        return v, h_mean, h

    def _run_units(self, rbm, visible, hidden, h, k, clamped):
        """``run`` for any unit types (float64 draws cast to the chains' dtype)."""
        W, a, b = _parameters(rbm)
        for step in range(k):
            v = self.draw(visible, h @ W.T + a).astype(h.dtype, copy=False)
            if step == k - 1 and clamped is not None:
                v = np.concatenate([clamped, v])
            fields = v @ W + b
            h_mean = hidden.mean(fields).astype(fields.dtype, copy=False)
            n_clamped = 0 if (step < k - 1 or clamped is None) else len(clamped)
            h = self.draw(hidden, fields[n_clamped:]).astype(fields.dtype, copy=False)
        return v, h_mean, h


def _values_of(layers, sizes, states):
    """Rule: finite rows of consecutive layers (``sizes`` columns each) holding the unit
    types' states (``states``; two-state units take only their two values) or means."""
    def rule(array):
        start = 0
        for units, size in zip(layers, sizes):
            block, start = array[:, start:start + size], start + size
            problem = finite(block)
            if problem is None and units.discrete and states:
                problem = one_of(units.low, 1.0)(block)
            if problem is None:
                try:
                    units.check_mean(block, "it", strict=False)
                except ValueError as error:
                    problem = f"holds {units.name} values out of range ({error})"
            if problem is not None:
                return problem
        return None
    return rule


class ModelTerm:
    """The model side of the gradient for one method, with its persistent state.

    Parameters
    ----------
    method : {"exact", "cd", "pcd", "naive", "tap2", "tap3"}
    k : int
        Gibbs steps (CD-k, PCD-k).
    n_chains : int
        Persistent chains (PCD) or persistent magnetizations (mf/tap with persistence).
    mf_iter : int
        Fixed-point iterations per update (EMF; warm-started when persistent).
    damping : float
    persistent : bool
        mf/tap: keep the magnetizations across updates (else start from the batch).
    seed_sequence : SeedSequence
    """

    def __init__(self, method: str, k: int = 1, n_chains: int = 100, mf_iter: int = 3, damping: float = 0.5,
                 persistent: bool = True, seed_sequence: np.random.SeedSequence | None = None) -> None:
        self.method, self.k, self.n_chains = method, k, n_chains
        self.mf_iter, self.damping, self.persistent = mf_iter, damping, persistent
        self.seed_sequence = seed_sequence if seed_sequence is not None else np.random.SeedSequence()
        self.state: np.ndarray | None = None
        self.gibbs: Gibbs | None = None

    def snapshot(self) -> dict[str, np.ndarray]:
        """Persistent chains or magnetizations and the chains' streams, as named arrays."""
        arrays: dict[str, np.ndarray] = {}
        if self.state is not None:
            arrays["term_state"] = self.state
        if self.gibbs is not None:
            arrays["term_streams"] = self.gibbs.streams
        return arrays

    def snapshot_fields(self, n_visible: int, n_hidden: int, dtype: Any, units: Any) -> dict[str, Field]:
        """The :class:`~statmech.runloop.Field` of each array of :meth:`snapshot` after an
        update, for a model of these sizes, parameter dtype and (visible, hidden) unit types:
        PCD's hidden states, EMF's unit means, the chains' random streams."""
        fields = {}
        if self.method in ("cd", "pcd"):
            fields["term_streams"] = Field(np.uint64, (None, 4), streams())
        if self.method == "pcd":
            fields["term_state"] = Field(dtype, (self.n_chains, n_hidden), _values_of((units[1],), (n_hidden,), True))
        elif self.method not in ("exact", "cd") and self.persistent:
            fields["term_state"] = Field(dtype, (None, n_visible + n_hidden),
                                         _values_of(units, (n_visible, n_hidden), False))
        return fields

    def restore(self, arrays: dict) -> None:
        """Inverse of :meth:`snapshot` (on a term built with the same parameters and seed)."""
        if "term_state" in arrays:
            self.state = np.array(arrays["term_state"])
        if "term_streams" in arrays:
            if self.gibbs is None:
                self.gibbs = Gibbs(len(arrays["term_streams"]), self.seed_sequence)
            self.gibbs.streams = np.array(arrays["term_streams"])

    def statistics(self, rbm: Any, v_data: np.ndarray) -> Any:
        """Model statistics: {"W", "a", "b"} (exact), or ``StackedRows`` of the data over the
        model's rows, whose averages they are (``gradient`` takes either): the chains'
        samples with p(h = 1 | v) (CD/PCD; PCD's chains compute the data's p(h | v) in their
        last product), or the magnetizations at the mean-field/TAP fixed point with the TAP
        corrections (EMF)."""
        method = self.method
        if method == "exact":
            return exact_statistics(rbm)
        if method in ("cd", "pcd"):
            if self.gibbs is None:
                self.gibbs = Gibbs(max(self.n_chains, len(v_data)), self.seed_sequence)
            hidden = rbm.unit_types[1]
            if method == "cd":          # the chains start from the data's hidden samples
                h_data = hidden_mean(rbm, v_data)
                start = (self.gibbs.sample(h_data) if hidden == _BINARY
                         else self.gibbs.draw(hidden, v_data @ rbm.weights + rbm.hidden_bias).astype(v_data.dtype))
                v, h_mean, _ = self.gibbs.run(rbm, start, self.k)
                return StackedRows(np.concatenate([v_data, v]), np.concatenate([h_data, h_mean]), len(v_data))
            if self.state is None:      # persistent chains start with every hidden unit off (at its low
                off = hidden.low if hidden.discrete else 0.0        # state, or 0), as scikit-learn's do
                self.state = np.full((self.n_chains, rbm.n_hidden), off, v_data.dtype)
            v, h_mean, self.state = self.gibbs.run(rbm, self.state, self.k, clamped=v_data)
            return StackedRows(v, h_mean, len(v_data))
        # EMF: iterate the TAP map from the previous fixed points (or from the batch)
        units = ModelUnits(rbm)
        if self.persistent and self.state is not None:
            start = self.state
        else:
            start = interior(rbm.unit_types[0], v_data[:self.n_chains] if self.persistent else v_data, 1e-6)
        # in the parameters' precision: float32 weights keep every product in float32
        dtype = np.result_type(rbm.weights.dtype, np.float32)
        m, _, _ = solve_fixed_point(rbm, 1.0, np.asarray(start, dtype), method, self.damping, 0.0, self.mf_iter)
        m = units.interior(m, max(1e-12, float(np.finfo(dtype).eps)))
        if self.persistent:
            self.state = m
        m_visible, m_hidden = m[:, :rbm.n_visible], m[:, rbm.n_visible:]
        h_data = hidden_mean(rbm, v_data)
        return StackedRows(np.concatenate([v_data, m_visible]), np.concatenate([h_data, m_hidden]), len(v_data),
                           tap_corrections(rbm.weights, m_visible, m_hidden, ORDERS[method], rbm.unit_types))


def gradient(rbm: Any, v_data: np.ndarray, model_statistics: Any, scale: float = 1.0,
             out: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """scale * d(mean log-likelihood)/d(W, a, b) = scale * (data statistics - model statistics).

    Parameters
    ----------
    rbm : BipartiteHamiltonian
        Any dtype of parameters (``BipartiteHamiltonian.from_arrays`` keeps float32).
    v_data : ndarray of shape (n_data, n_visible)
    model_statistics : dict, StackedRows or tuple
        The dict {"W", "a", "b"} of model averages; or rows whose averages they are:
        ``StackedRows`` (data over model rows, from ``ModelTerm``) or a pair
        (v_model, h_model) of chain rows (v and p(h = 1 | v)). From rows,
        <v h^T>_data - <v h^T>_model is one product of the stacked rows weighted
        +scale / n_data and -scale / n_model, with no temporaries of W's size; TAP
        corrections are added to it in place.
    scale : float
        -1 gives the descent direction.
    out : ndarray of shape (n_visible, n_hidden), optional
        Receives the W gradient of the row forms if it has the product's dtype.

    Returns
    -------
    dict {"W", "a", "b"}
    """
    if isinstance(model_statistics, dict):
        data = data_statistics(rbm, v_data)
        return {name: scale * (data[name] - model_statistics[name]) for name in ("W", "a", "b")}
    if not isinstance(model_statistics, StackedRows):
        v_model, h_model = model_statistics
        h_data = hidden_mean(rbm, v_data)
        model_statistics = StackedRows(np.concatenate([v_data, v_model]), np.concatenate([h_data, h_model]),
                                     len(v_data))
    rows_v, rows_h, n_data = model_statistics.v, model_statistics.h, model_statistics.n_data
    n_model = len(rows_v) - n_data
    row_weight = np.full(len(rows_v), -scale / n_model, rows_h.dtype)
    row_weight[:n_data] = scale / n_data
    weighted_h = rows_h * row_weight[:, None]
    if out is not None and out.dtype != np.result_type(rows_v, weighted_h):
        out = None
    grad_W = np.matmul(rows_v.T, weighted_h, out=out)
    for coefficient, matrix, left, right in model_statistics.corrections:
        add_scaled_product(grad_W, -scale * coefficient / n_model, matrix, left.T @ right)
    # column sums of the weighted rows are scale * (mean_data - mean_model)
    return {"W": grad_W, "a": row_weight @ rows_v, "b": weighted_h.sum(0)}
