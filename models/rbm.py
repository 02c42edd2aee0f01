"""The restricted Boltzmann machine as a Hamiltonian."""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

from statmech import BipartiteHamiltonian
from statmech.validation import as_float, as_generator, as_int

if TYPE_CHECKING:
    from statmech.typing import ArrayLike, Seed

__all__ = ["RBM"]


class RBM(BipartiteHamiltonian):
    """Restricted Boltzmann machine E(v, h) = sum_i e(v_i) + sum_j e(h_j) - a^T v - b^T h - v^T W h.

    Binary by default (v in {0,1}^n_visible, h in {0,1}^n_hidden, e = 0); each layer may
    have spin, Gaussian or rectified Gaussian units instead (e(x) = x^2 / 2 for the last
    two; :mod:`statmech.unit_types`), e.g. ``RBM(W, visible="gaussian")`` for the
    Gaussian-Bernoulli RBM of real-valued data.

    Parameters
    ----------
    weights : array_like of shape (n_visible, n_hidden)
    visible_bias : array_like of shape (n_visible,), optional
    hidden_bias : array_like of shape (n_hidden,), optional
    visible, hidden : {"binary", "spin", "gaussian", "relu"}, default "binary"
        The unit type of each layer; its conditional mean is the layer's activation
        (sigmoid, tanh, linear, smooth ReLU).

    References
    ----------
    P. Smolensky (1986); G. E. Hinton, Neural Computation 14, 1771 (2002); G. E. Hinton,
    "A practical guide to training RBMs" (2010), sec. 13 (other unit types).
    """

    def __init__(self, weights: ArrayLike, visible_bias: ArrayLike | None = None, hidden_bias: ArrayLike | None = None,
                 *, visible: Any = "binary", hidden: Any = "binary") -> None:
        super().__init__(weights, visible_bias, hidden_bias, offset=0.0, visible=visible, hidden=hidden)

    @classmethod
    def random(cls, n_visible: int, n_hidden: int, scale: float = 0.01, seed: Seed | None = None,
               bias_scale: float = 0.0, *, visible: Any = "binary", hidden: Any = "binary") -> RBM:
        """Weights i.i.d. N(0, scale^2); biases N(0, bias_scale^2) (zero by default); unit
        types as in the constructor."""
        n_visible = as_int(n_visible, "n_visible", minimum=1)
        n_hidden = as_int(n_hidden, "n_hidden", minimum=1)
        scale = as_float(scale, "scale", minimum=0.0)
        bias_scale = as_float(bias_scale, "bias_scale", minimum=0.0)
        rng = as_generator(seed)
        return cls(rng.normal(0.0, scale, size=(n_visible, n_hidden)),
                   rng.normal(0.0, bias_scale, size=n_visible),
                   rng.normal(0.0, bias_scale, size=n_hidden), visible=visible, hidden=hidden)
