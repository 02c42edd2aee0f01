"""Boltzmann learning: the log-likelihood gradient <dE/dtheta>_model - <dE/dtheta>_data.

For E(v, h) = -a.v - b.h - v W h (binary RBM at beta = 1) the gradient of the mean
log-likelihood is <v h^T>_data - <v h^T>_model for W (and <v> / <h> for a / b), with
the hidden units of the data term at their conditional means. The model term is what
the methods differ in:

- "exact": enumerate the smaller layer (the other is summed out in closed form);
- "cd" / "pcd": block-Gibbs chains started at the data (CD-k, Hinton 2002) or kept
  across updates (PCD, Tieleman 2008);
- "mf" / "tap2" / "tap3": the derivatives of the mean-field / TAP ln Z at its fixed
  point (EMF, Gabrie, Tramel & Krzakala 2015, eq. 9): by stationarity in m they are
  partial derivatives at fixed m,
      d ln Z / dW_ij = m_i m_j + W_ij v_i v_j + W_ij^2 k_i k_j / 2    (up to the order),
  with v = unit_variance(m) and k = v v' as in ``statmech.meanfield``.

Every estimator returns a dict {"W", "a", "b"} of model statistics of the same shapes
as the parameters; ``gradient`` combines them with the data statistics.
"""
import numpy as np

from .._kernels import logistic, unit_up_probability, unit_variance
from .._validation import random_streams
from ..mc import _kernels as mc_kernels
from ..meanfield._plefka import ORDERS
from ..meanfield._solvers import _solve

METHODS = ("exact", "cd", "pcd", "mf", "tap2", "tap3")
#: learning's method names -> statmech.meanfield's
SOLVER_METHOD = {"mf": "naive", "tap2": "tap2", "tap3": "tap3"}


def _parameters(rbm):
    return rbm.weights, rbm.visible_bias, rbm.hidden_bias


def conditional(fields):
    """p(unit = 1) = sigmoid(field) of binary units at beta = 1: the one conditional in its
    vectorised array form (``statmech._kernels.logistic``; float32 stays float32)."""
    return logistic(np.ascontiguousarray(fields))


def data_statistics(rbm, v, h=None):
    """<v h^T>, <v>, <h> over the rows of v (n_samples, n_visible), h at p(h = 1 | v)
    (pass ``h`` if already computed)."""
    W, a, b = _parameters(rbm)
    h = conditional(v @ W + b) if h is None else h
    return {"W": v.T @ h / len(v), "a": v.mean(0), "b": h.mean(0)}


def _layer_states(k, dtype=np.float64):
    """All 2**k binary states (2**k, k)."""
    codes = np.arange(2 ** k)[:, None]
    return ((codes >> np.arange(k)) & 1).astype(dtype)


def exact_statistics(rbm):
    """Exact model statistics of a binary RBM by enumerating its smaller layer."""
    W, a, b = _parameters(rbm)
    if rbm.n_hidden <= rbm.n_visible:
        h = _layer_states(rbm.n_hidden)
        fields = h @ W.T + a                                           # (2**nh, nv)
        log_w = h @ b + np.logaddexp(0.0, fields).sum(1)
        p = np.exp(log_w - log_w.max())
        p /= p.sum()
        v_mean = unit_up_probability(fields, 1.0, 0.0)                 # E[v | h]
        return {"W": (v_mean * p[:, None]).T @ h, "a": p @ v_mean, "b": p @ h}
    v = _layer_states(rbm.n_visible)
    fields = v @ W + b
    log_w = v @ a + np.logaddexp(0.0, fields).sum(1)
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    h_mean = unit_up_probability(fields, 1.0, 0.0)
    return {"W": (v * p[:, None]).T @ h_mean, "a": p @ v, "b": p @ h_mean}


def tap_statistics(rbm, m_visible, m_hidden, method):
    """d ln Z_method / d(W, a, b) at magnetizations (k, n_visible), (k, n_hidden), averaged over k."""
    W = rbm.weights
    order = ORDERS[SOLVER_METHOD.get(method, method)]
    k = len(m_visible)
    stats_W = m_visible.T @ m_hidden / k
    if order >= 2:
        var_v, var_h = unit_variance(m_visible, 0.0), unit_variance(m_hidden, 0.0)
        stats_W = stats_W + W * (var_v.T @ var_h) / k
    if order >= 3:
        third_v = var_v * (1.0 - 2.0 * m_visible)
        third_h = var_h * (1.0 - 2.0 * m_hidden)
        stats_W = stats_W + 0.5 * W * W * (third_v.T @ third_h) / k
    return {"W": stats_W, "a": m_visible.mean(0), "b": m_hidden.mean(0)}


def sample_bernoulli(probabilities, streams):
    """Binary samples with the given probabilities (n_rows, n_units); row c uses stream c."""
    if len(probabilities) > len(streams):
        raise ValueError(f"{len(probabilities)} rows need as many random streams; got {len(streams)}")
    out = np.empty_like(probabilities)
    # one thread: BLAS threads still spinning after a product make a parallel region slow here
    mc_kernels.sample_units_serial(probabilities, 0.0, streams[:len(probabilities)], out)
    return out


class Gibbs:
    """Block-Gibbs chains for CD and PCD; one random stream per chain (numba kernel)."""

    def __init__(self, n_chains, seed_sequence):
        self.seed_sequence = seed_sequence
        self.streams = random_streams(seed_sequence, (n_chains,))

    def sample(self, probabilities):
        if len(probabilities) > len(self.streams):      # a larger batch (partial_fit): more streams
            extra = random_streams(self.seed_sequence.spawn(1)[0], (len(probabilities) - len(self.streams),))
            self.streams = np.concatenate([self.streams, extra])
        return sample_bernoulli(probabilities, self.streams)

    def run(self, rbm, h, k):
        """k block-Gibbs steps h -> v -> h from hidden states h: (v_k, p(h | v_k), h_k sampled).

        Chains carry their hidden samples (as scikit-learn's PCD does), so a step costs
        two products with W."""
        W, a, b = _parameters(rbm)
        for _ in range(k):
            v = self.sample(conditional(h @ W.T + a))
            h_mean = conditional(v @ W + b)
            h = self.sample(h_mean)
        return v, h_mean, h


class ModelTerm:
    """The model side of the gradient for one method, with its persistent state.

    Parameters
    ----------
    method : {"exact", "cd", "pcd", "mf", "tap2", "tap3"}
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

    def __init__(self, method, k=1, n_chains=100, mf_iter=3, damping=0.5, persistent=True, seed_sequence=None):
        self.method, self.k, self.n_chains = method, k, n_chains
        self.mf_iter, self.damping, self.persistent = mf_iter, damping, persistent
        self.seed_sequence = seed_sequence if seed_sequence is not None else np.random.SeedSequence()
        self.state = None
        self.gibbs = None

    def statistics(self, rbm, v_data, h_data=None):
        """Model statistics {"W", "a", "b"}, or for CD/PCD the chains' samples (v, p(h = 1 | v))
        whose averages they are (``gradient`` takes either); ``h_data`` = p(h = 1 | v_data)
        if already known."""
        method = self.method
        if method == "exact":
            return exact_statistics(rbm)
        if method in ("cd", "pcd"):
            if self.gibbs is None:
                self.gibbs = Gibbs(max(self.n_chains, len(v_data)), self.seed_sequence)
            if method == "cd":
                if h_data is None:
                    h_data = conditional(v_data @ rbm.weights + rbm.hidden_bias)
                start = self.gibbs.sample(h_data)
            elif self.state is None:    # persistent chains start with every hidden unit off, as
                start = np.zeros((self.n_chains, rbm.n_hidden), v_data.dtype)    # scikit-learn's do
            else:
                start = self.state
            v, h_mean, h = self.gibbs.run(rbm, start, self.k)
            if method == "pcd":
                self.state = h
            return v, h_mean
        # EMF: iterate the TAP map from the previous fixed points (or from the batch)
        if self.persistent and self.state is not None:
            start = self.state
        else:
            start = np.clip(v_data[:self.n_chains] if self.persistent else v_data, 1e-6, 1 - 1e-6)
        m, _, _ = _solve(rbm, 1.0, np.asarray(start, np.float64), SOLVER_METHOD[method], self.damping, 0.0,
                         self.mf_iter)
        m = np.clip(m, 1e-12, 1 - 1e-12)
        if self.persistent:
            self.state = m
        return tap_statistics(rbm, m[:, :rbm.n_visible], m[:, rbm.n_visible:], SOLVER_METHOD[method])


def gradient(rbm, v_data, model_statistics, h_data=None, scale=1.0):
    """scale * d(mean log-likelihood)/d(W, a, b) = scale * (data statistics - model statistics).

    ``model_statistics`` is the dict {"W", "a", "b"} of model averages, or a pair
    (v_model, h_model) of sample rows whose averages they are (Gibbs chains: v and
    p(h = 1 | v)); then <v h^T>_data - <v h^T>_model is one product of the stacked rows,
    with no temporaries of W's size. ``scale = -1`` gives the descent direction.
    """
    if not isinstance(model_statistics, tuple):
        data = data_statistics(rbm, v_data, h_data)
        return {name: scale * (data[name] - model_statistics[name]) for name in ("W", "a", "b")}
    W, a, b = _parameters(rbm)
    h_data = conditional(v_data @ W + b) if h_data is None else h_data
    v_model, h_model = model_statistics
    rows_v = np.concatenate([v_data, v_model])
    rows_h = np.concatenate([h_data * (scale / len(v_data)), h_model * (-scale / len(v_model))])
    return {"W": rows_v.T @ rows_h, "a": scale * (v_data.mean(0) - v_model.mean(0)),
            "b": scale * (h_data.mean(0) - h_model.mean(0))}
