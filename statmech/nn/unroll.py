"""Unrolled mean-field iterations as multilayer perceptrons (``statmech.unroll``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..validation import as_float, as_int, as_scalar_beta
from ..hamiltonian import BipartiteHamiltonian, has_structure
from ..meanfield.plefka import ORDERS, ModelUnits, check_pairwise
from .network import MLP, Layer

if TYPE_CHECKING:
    from statmech.hamiltonian import Structured

__all__ = ["unroll"]


def unroll(hamiltonian: Structured, beta: float, *, steps: int, method: str = "naive", damping: float = 0.0) -> MLP:
    """``steps`` iterations of ``statmech.mean_field`` as a feed-forward network.

    RBMs (bipartite models): the input is the visible magnetization v0 (e.g. data);
    layer 0 gives h0 = <h | v0> at field b + v0 W (for binary hidden units the RBM's
    p(h = 1 | v), a sigmoid layer; tanh, linear or smooth-ReLU layers for spin, Gaussian or
    rectified units: each layer's activation is its units' conditional mean), then
    each step adds a visible layer v(t) from h(t-1) through W.T and a hidden layer h(t)
    from v(t) through W: 1 + 2 * steps layers, all sharing W, a and b (tied weights).
    Other pairwise models: the input is m0, and layer t maps m(t) to m(t+1) through J.

    With method "tap2" each layer adds the Onsager reaction term
    (beta/2) v'(s) (v(x) W**2) to its field, where s is the same units' previous value
    (v(t-1) for v(t), h(t-1) for h(t); m(t-1) for m(t+1)): a skip connection from the
    previous layer of those units. Damping mixes in that value too (for non-bipartite
    models: m(t)). The forward pass equals the solver's iterates from the same start:
    ``mean_field(H, beta, method, damping, init=x, max_iter=t, tol=0,
    on_failure="warn").m`` is (v(t), h(t)) or m(t).

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian or BipartiteHamiltonian
        Dense couplings are used as given; sparse ones are made dense.
    beta : float
    steps : int, >= 1
    method : {"naive", "tap2"}
    damping : float in [0, 1)

    Returns
    -------
    MLP
        ``params`` {"W", "a", "b"} (RBMs) or {"J", "h"}; its ``forward`` takes
        (..., n_visible) or (..., n).

    References
    ----------
    M. Gabrie, E. W. Tramel and F. Krzakala, NeurIPS (2015); J. R. Hershey, J. Le Roux
    and F. Weninger, arXiv:1409.2574 (2014) (deep unfolding).

    Examples
    --------
    One naive mean-field step of an RBM (hidden, visible, hidden) is a three-layer network
    whose layers share the RBM's weights:

    >>> import numpy as np, statmech
    >>> from statmech.models import RBM
    >>> net = statmech.unroll(RBM.random(6, 4, scale=0.5, seed=0), 1.0, steps=1, method="naive")
    >>> [layer.activation for layer in net.layers], net.tied
    (['sigmoid', 'sigmoid', 'sigmoid'], True)
    >>> net.forward(np.ones((3, 6))).shape                 # a batch of visible states in, hidden means out
    (3, 4)
    """
    if method not in ("naive", "tap2"):
        raise ValueError(f"method must be 'naive' or 'tap2' for unrolling; got {method!r}")
    check_pairwise(hamiltonian, method)
    beta = as_scalar_beta(beta)
    steps = as_int(steps, "steps", minimum=1)
    damping = as_float(damping, "damping")
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be in [0, 1); got {damping}")
    order = ORDERS[method]
    source = f"unroll({hamiltonian!r}, beta={beta:g}, steps={steps}, method={method!r})"
    if has_structure(hamiltonian, BipartiteHamiltonian):
        if beta == 0 and not ModelUnits(hamiltonian).discrete:
            raise ValueError(f"beta must be > 0 for {hamiltonian!r}: continuous units have no activation at beta = 0")
        visible, hidden = hamiltonian.unit_types
        params = {"W": hamiltonian.weights, "a": hamiltonian.visible_bias, "b": hamiltonian.hidden_bias}
        layers = [Layer("W", "b", False, beta, hidden, input_units=visible)]
        # activations: 0 = v0, 1 = h0, then v(t) at 2t and h(t) at 2t + 1
        for t in range(1, steps + 1):
            layers.append(Layer("W", "a", True, beta, visible, order, 2 * t - 2, 2 * t - 2, damping, hidden))
            layers.append(Layer("W", "b", False, beta, hidden, order, 2 * t - 1, 2 * t - 1, damping, visible))
    else:
        J = hamiltonian.couplings
        params = {"J": J.toarray() if sp.issparse(J) else np.asarray(J), "h": hamiltonian.fields}
        units = ModelUnits(hamiltonian).types[0]
        layers = [Layer("J", "h", False, beta, units, order, max(t - 1, 0), t, damping) for t in range(steps)]
    return MLP(params, layers, source=source)
