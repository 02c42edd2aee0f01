"""First-order optimisers for dictionaries of parameter arrays (in place).

Used by the unrolled networks and by Boltzmann learning: ``step(params, grads)``
moves each array ``params[name]`` against ``grads[name]``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..jit import njit
from ..runloop import Field, at_least, finite, one_of, prefixed, unprefixed
from ..validation import as_float

__all__ = ["SGD", "Adam", "make_optimizer", "add_scaled", "add_scaled_product"]


@njit
def _add_scaled(w, alpha, g):
    for t in range(w.size):
        w[t] += alpha * g[t]


@njit
def _add_scaled_product(w, alpha, f, g):
    for t in range(w.size):
        w[t] += alpha * f[t] * g[t]


def _flat_views(w, *others):
    """Flat views of arrays of one shape if all are C-contiguous floats (else None)."""
    arrays = (w,) + others
    if all(a.shape == w.shape and a.flags.c_contiguous and a.dtype.kind == "f" for a in arrays):
        return [a.reshape(-1) for a in arrays]
    return None


def add_scaled(w: int, alpha: float, g: np.ndarray) -> None:
    """w += alpha * g in place, in one pass without temporaries (numpy for other layouts)."""
    flat = _flat_views(w, g)
    if flat is None:
        w += alpha * g
    else:
        _add_scaled(flat[0], alpha, flat[1])


def add_scaled_product(w: np.ndarray, alpha: float, f: Any, g: np.ndarray) -> None:
    """w += alpha * f * g (elementwise) in place, in one pass without temporaries."""
    flat = _flat_views(w, f, g)
    if flat is None:
        w += alpha * f * g
    else:
        _add_scaled_product(flat[0], alpha, flat[1], flat[2])


class SGD:
    """Gradient descent with (heavy-ball) momentum and L1/L2 weight decay.

    v <- momentum * v - learning_rate * (g + l2 * w + l1 * sign(w)); w <- w + v.
    Decay applies to the names in ``decay`` (default: every 2-D array, i.e. weights).
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, l2: float = 0.0, l1: float = 0.0) -> None:
        self.learning_rate = as_float(learning_rate, "learning_rate", minimum=0.0)
        self.momentum = as_float(momentum, "momentum", minimum=0.0)
        self.l2 = as_float(l2, "l2", minimum=0.0)
        self.l1 = as_float(l1, "l1", minimum=0.0)
        self._velocity: dict[str, np.ndarray] = {}

    def _decayed(self, w, g):
        if w.ndim == 2 and (self.l2 or self.l1):
            g = g + self.l2 * w + self.l1 * np.sign(w)
        return g

    def step(self, params: dict, grads: dict) -> None:
        """One descent step: each array of ``params`` (dict of name to ndarray) moves in
        place against its gradient in ``grads`` (same names, same shapes)."""
        for name, g in grads.items():
            w = params[name]
            g = self._decayed(w, g)
            if self.momentum == 0.0:        # no velocity to keep: one pass over w
                add_scaled(w, -self.learning_rate, g)
                continue
            v = self._velocity.get(name)
            v = -self.learning_rate * g if v is None else self.momentum * v - self.learning_rate * g
            self._velocity[name] = v
            w += v

    def snapshot(self) -> dict[str, np.ndarray]:
        """The optimiser's state as named arrays (for checkpoints)."""
        return prefixed("velocity", self._velocity)

    def restore(self, arrays: dict) -> None:
        """Inverse of :meth:`snapshot`."""
        self._velocity = {name: np.array(v) for name, v in unprefixed("velocity", arrays).items()}

    def snapshot_fields(self, params: dict, n_steps: int) -> dict[str, Field]:
        """The :class:`~statmech.runloop.Field` of each array of :meth:`snapshot` after
        ``n_steps`` >= 1 steps on ``params`` (for checking a checkpoint)."""
        return prefixed("velocity", {name: Field.like(w, finite) for name, w in params.items()}) if self.momentum else {}


class Adam(SGD):
    """Adam (Kingma & Ba, ICLR 2015, Algorithm 1), with the same weight decay as SGD."""

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8,
                 l2: float = 0.0, l1: float = 0.0) -> None:
        super().__init__(learning_rate, 0.0, l2, l1)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self._moments: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._t = 0

    def step(self, params: dict, grads: dict) -> None:
        self._t += 1
        for name, g in grads.items():
            w = params[name]
            g = self._decayed(w, g)
            m, v = self._moments.get(name, (np.zeros_like(w), np.zeros_like(w)))
            m = self.beta1 * m + (1 - self.beta1) * g
            v = self.beta2 * v + (1 - self.beta2) * g * g
            self._moments[name] = (m, v)
            m_hat = m / (1 - self.beta1 ** self._t)
            v_hat = v / (1 - self.beta2 ** self._t)
            w -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def snapshot(self) -> dict[str, np.ndarray]:
        return dict(prefixed("moment1", {name: m for name, (m, _) in self._moments.items()}),
                    **prefixed("moment2", {name: v for name, (_, v) in self._moments.items()}),
                    adam_t=np.array(self._t))

    def snapshot_fields(self, params: dict, n_steps: int) -> dict[str, Field]:
        return dict(prefixed("moment1", {name: Field.like(w, finite) for name, w in params.items()}),
                    **prefixed("moment2", {name: Field.like(w, at_least(0.0)) for name, w in params.items()}),
                    adam_t=Field(np.int64, (), one_of(n_steps)))

    def restore(self, arrays: dict) -> None:
        self._t = int(arrays["adam_t"])
        second = unprefixed("moment2", arrays)
        self._moments = {name: (np.array(m), np.array(second[name])) for name, m in unprefixed("moment1", arrays).items()}


def make_optimizer(optimizer: Any, learning_rate: float, momentum: float = 0.0, l2: float = 0.0,
                   l1: float = 0.0) -> SGD | Adam:
    """An optimiser from its name ("sgd" or "adam") or an SGD/Adam instance."""
    if isinstance(optimizer, SGD):
        return optimizer
    if optimizer == "sgd":
        return SGD(learning_rate, momentum, l2, l1)
    if optimizer == "adam":
        return Adam(learning_rate, l2=l2, l1=l1)
    raise ValueError(f"optimizer must be 'sgd', 'adam' or an optimiser instance; got {optimizer!r}")
