"""Feed-forward networks whose layers are mean-field / TAP updates (``statmech.models.MLP``).

A layer maps the previous activation x to

    out = (1 - d) <unit>(x W + b + (beta/2) v'(s) (v(x) W**2), beta) + d * anchor

(``statmech.meanfield.mean_field_step``: the same function the solvers iterate), <unit>
the conditional mean of the layer's unit type. With the reaction term off (order 1) and
d = 0 this is an ordinary dense layer whose activation at gain beta is named by the unit
type: sigmoid (binary), tanh (spin), linear (Gaussian) or smooth ReLU (rectified
Gaussian; :mod:`statmech.unit_types`). The TAP2 reaction
term and damping read an *earlier* activation s (the same units one iteration
before): a skip connection. Weights are named arrays in ``params``; layers that name
the same array share it (tied weights), and backprop sums their gradients.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional, TYPE_CHECKING

import numpy as np

from ..runloop import Progress, interruptible
from ..validation import as_float, as_generator, as_int, as_real_array
from ..meanfield.plefka import activation, as_unit_type, effective_field, mean_field_step
from .optim import make_optimizer

if TYPE_CHECKING:
    from typing_extensions import Self

    from statmech.typing import ArrayLike, Seed
    from statmech.unit_types import UnitType

__all__ = ["Layer", "MLP"]


@dataclass(frozen=True)
class Layer:
    """One mean-field layer.

    Attributes
    ----------
    weight, bias : str
        Names of the (n_a, n_b) weight matrix and the (n_out,) bias in ``MLP.params``.
    transpose : bool
        Use weight.T, i.e. map from the weight's columns to its rows.
    beta : float
        Gain (inverse temperature) of the activation.
    units : {"binary", "spin", "gaussian", "relu"} or UnitType
        The layer's unit type, which names its activation: sigmoid, tanh, linear, smooth
        ReLU (the numbers 0 and -1 are taken for "binary" and "spin").
    order : int
        1: affine + activation; 2: adds the TAP2 reaction term.
    skip : int or None
        Index in the activation list (0 = network input, k = output of layer k - 1) of
        the self input s of the reaction term.
    anchor : int or None
        Index of the activation that damping mixes in.
    damping : float
    input_units : unit type or None
        The unit type of the layer's input, whose variance enters the reaction term
        (default: ``units``).
    """

    weight: str
    bias: str
    transpose: bool
    beta: float
    units: Any
    order: int = 1
    skip: Optional[int] = None
    anchor: Optional[int] = None
    damping: float = 0.0
    input_units: Any = None

    def __post_init__(self):
        object.__setattr__(self, "units", as_unit_type(self.units, "units"))
        object.__setattr__(self, "input_units", self.units if self.input_units is None
                           else as_unit_type(self.input_units, "input_units"))

    @property
    def activation(self) -> str:
        """The activation's name: "sigmoid", "tanh", "linear" or "smooth_relu"."""
        return ACTIVATIONS[self.units.name]

    @property
    def unit_types(self) -> tuple[UnitType, UnitType]:
        """(units of the layer's input, units of the layer): what ``effective_field`` takes."""
        return self.input_units, self.units


#: The activation each unit type's conditional mean is.
ACTIVATIONS = {"binary": "sigmoid", "spin": "tanh", "gaussian": "linear", "relu": "smooth_relu"}


class MLP:
    """A multilayer perceptron of mean-field layers, with an optional readout.

    Parameters
    ----------
    params : dict of str -> ndarray
        Weights and biases (copied).
    layers : list of Layer
    source : str, optional
        What the network was made from (``statmech.unroll`` sets it).

    Attributes
    ----------
    params : dict
    layers : list of Layer
    readout : str or None
        After ``fit``: "softmax" (cross-entropy) or "linear" (squared loss) on the last
        activation, with parameters ``readout_weight`` and ``readout_bias``.
    loss_curve_ : list of float
        Mean training loss per epoch (after ``fit``).
    """

    def __init__(self, params: dict, layers: Any, source: str | None = None) -> None:
        self.params = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
        self.layers = list(layers)
        self.source = source
        self.readout: str | None = None
        self.loss_curve_: list[float] = []
        for k, layer in enumerate(self.layers):
            for index in (layer.skip, layer.anchor):
                if index is not None and not 0 <= index <= k:
                    raise ValueError(f"layer {k} reads activation {index}; only 0..{k} exist before it")

    def __repr__(self):
        return f"MLP({len(self.layers)} layers, {len(self.params)} parameter arrays, source={self.source!r})"

    @property
    def tied(self) -> bool:
        """Whether some parameter array is used by more than one layer."""
        names = [layer.weight for layer in self.layers]
        return len(set(names)) < len(names)

    def _weights(self, layer):
        """(W_eff, W_eff**2)[:order] as (n_in, n_out) matrices."""
        W = self.params[layer.weight]
        W = W.T if layer.transpose else W
        return (W, W * W) if layer.order >= 2 else (W,)

    def _check_input(self, x):
        x = as_real_array(x, "x")
        first = self.layers[0]
        W = self.params[first.weight]
        n_in = W.shape[1] if first.transpose else W.shape[0]
        if x.shape[-1:] != (n_in,):
            raise ValueError(f"x must have shape (..., {n_in}); got {x.shape}")
        return x

    def forward(self, x: ArrayLike, return_all: bool = False) -> Any:
        """Activations of the network.

        Parameters
        ----------
        x : array_like of shape (..., n_in)
        return_all : bool
            Return every activation [x, out_0, out_1, ...] rather than the last.

        Returns
        -------
        ndarray of shape (..., n_out), or a list of arrays
        """
        acts = [self._check_input(x)]
        for layer in self.layers:
            s = None if layer.skip is None else acts[layer.skip]
            anchor = None if layer.anchor is None else acts[layer.anchor]
            acts.append(mean_field_step(acts[-1], s, self._weights(layer), self.params[layer.bias], layer.beta,
                                        layer.unit_types, layer.order, layer.damping, anchor))
        return acts if return_all else acts[-1]

    def untie(self) -> MLP:
        """A copy in which every layer owns its weights and bias (same forward pass)."""
        params, layers = {}, []
        for k, layer in enumerate(self.layers):
            weight, bias = f"{layer.weight}{k}", f"{layer.bias}{k}"
            params[weight] = self.params[layer.weight].copy()
            params[bias] = self.params[layer.bias].copy()
            layers.append(replace(layer, weight=weight, bias=bias))
        for name in ("readout_weight", "readout_bias"):
            if name in self.params:
                params[name] = self.params[name].copy()
        net = MLP(params, layers, source=f"untie({self.source})")
        net.readout = self.readout
        return net

    # -- readout and losses -------------------------------------------------------------

    def _output(self, features):
        if self.readout is None:
            return features
        z = features @ self.params["readout_weight"] + self.params["readout_bias"]
        if self.readout == "linear":
            return z
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def predict_proba(self, x: ArrayLike) -> np.ndarray:
        """Class probabilities (softmax readout): ndarray of shape (n_samples, n_classes)."""
        if self.readout != "softmax":
            raise ValueError("predict_proba needs a softmax readout: fit(..., loss='cross_entropy') first")
        return self._output(self.forward(x))

    def predict(self, x: ArrayLike) -> np.ndarray:
        """Class labels (softmax readout) or outputs (linear readout or none)."""
        out = self._output(self.forward(x))
        return self.classes_[out.argmax(axis=-1)] if self.readout == "softmax" else out

    def _loss_and_output_gradient(self, output, target, loss):
        """(mean loss, dL/d output) for a batch."""
        batch = output.shape[0]
        if loss == "squared":
            diff = output - target
            return 0.5 * np.sum(diff * diff) / batch, diff / batch
        if self.readout == "softmax":       # target: one-hot
            p = np.clip(output, 1e-300, 1.0)
            return -np.sum(target * np.log(p)) / batch, None     # gradient taken at the logits
        units = self.layers[-1].units
        if not units.discrete:
            raise ValueError(f"loss 'cross_entropy' without a readout needs sigmoid or tanh outputs; the last "
                             f"layer has {units.name} units: use loss='squared' or fit a readout")
        low = units.low
        p = np.clip((output - low) / (1.0 - low), 1e-12, 1 - 1e-12)
        t = (target - low) / (1.0 - low)
        value = -np.sum(t * np.log(p) + (1 - t) * np.log1p(-p)) / batch
        return value, (p - t) / (p * (1 - p)) / (1.0 - low) / batch

    def backward(self, x: ArrayLike, y: ArrayLike, loss: str = "squared") -> tuple[float, dict[str, np.ndarray]]:
        """Loss and its gradient with respect to every parameter array (hand-written backprop).

        Parameters
        ----------
        x : array_like of shape (n_samples, n_in)
        y : array_like
            Targets: with a softmax readout, one-hot rows (n_samples, n_classes); otherwise
            arrays of the output's shape (values in the unit range for cross-entropy).
        loss : {"squared", "cross_entropy"}
            Mean over samples of 0.5 * sum (out - y)**2, or of the cross-entropy (softmax
            readout: -ln p_y; sigmoid/tanh outputs: the binary cross-entropy of
            p = (out - low) / (1 - low)).

        Returns
        -------
        (float, dict)
            The loss and {name: dL/d params[name]}; tied arrays get the sum over layers.
        """
        if loss not in ("squared", "cross_entropy"):
            raise ValueError(f"loss must be 'squared' or 'cross_entropy'; got {loss!r}")
        acts = self.forward(np.atleast_2d(x), return_all=True)
        y = np.atleast_2d(as_real_array(y, "y"))
        grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        features = acts[-1]
        output = self._output(features)
        if y.shape != output.shape:
            raise ValueError(f"y must have the output's shape {output.shape}; got {y.shape}")
        value, g_output = self._loss_and_output_gradient(output, y, loss)
        if self.readout is not None:
            if self.readout == "softmax" and loss == "cross_entropy":
                g_logits = (output - y) / len(y)
            elif self.readout == "softmax":   # squared loss through the softmax Jacobian
                g_logits = output * (g_output - np.sum(g_output * output, axis=-1, keepdims=True))
            else:
                g_logits = g_output
            grads["readout_weight"] += features.T @ g_logits
            grads["readout_bias"] += g_logits.sum(0)
            g_output = g_logits @ self.params["readout_weight"].T
        g_acts = [np.zeros_like(a) for a in acts]
        g_acts[-1] += g_output
        for k in range(len(self.layers) - 1, -1, -1):
            self._layer_backward(k, acts, g_acts, grads)
        return value, grads

    def _layer_backward(self, k, acts, g_acts, grads):
        layer = self.layers[k]
        x, g_out = acts[k], g_acts[k + 1]
        beta, units_x, units = layer.beta, layer.input_units, layer.units
        s = None if layer.skip is None else acts[layer.skip]
        weights = self._weights(layer)
        field = effective_field(x, s, weights, self.params[layer.bias], beta, layer.unit_types, layer.order)
        if layer.damping:
            g_acts[layer.skip if layer.anchor is None else layer.anchor] += layer.damping * g_out
        # d<unit>/d field = beta Var(unit | field): v(m) of a two-state unit, from the field otherwise
        variance = (units.variance_at(activation(field, beta, units), beta) if units.discrete
                    else units.variance(field, beta))
        g_field = (1.0 - layer.damping) * g_out * beta * variance
        grads[layer.bias] += g_field.sum(0)
        W = weights[0]
        g_W = x.T @ g_field
        g_acts[k] += g_field @ W.T
        if layer.order >= 2:
            var_x = units_x.variance_at(x, beta)
            q = var_x @ weights[1]
            g_q = 0.5 * beta * units.variance_slope_at(s, beta) * g_field
            g_W += 2.0 * W * (var_x.T @ g_q)
            g_acts[k] += (g_q @ weights[1].T) * units_x.variance_slope_at(x, beta)
            g_acts[layer.skip] += 0.5 * beta * units.variance_curvature_at(s, beta) * q * g_field
        grads[layer.weight] += g_W.T if layer.transpose else g_W

    # -- training -------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike, loss: str = "cross_entropy", epochs: int = 20, batch_size: int = 32,
            learning_rate: float = 0.01, optimizer: Any = "adam", momentum: float = 0.9, train: Any = "all",
            seed: Seed | None = None, callback: Any = None, progress: bool | None = None) -> Self:
        """Train a readout on the network's last activation, and optionally the network, by backprop.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_in)
        y : array_like
            Class labels (n_samples,) for loss="cross_entropy" (softmax readout), or
            targets (n_samples, n_targets) for loss="squared" (linear readout).
        loss : {"cross_entropy", "squared"}
        epochs, batch_size : int
        learning_rate : float
        optimizer : {"adam", "sgd"} or an optimiser from ``statmech.optim``
        momentum : float
            For SGD.
        train : {"all", "readout"}
            Update every parameter (tied arrays stay tied) or the readout only.
        seed : int, Generator or None
            Readout initialisation and minibatch order.
        callback : callable, optional
            ``callback(epoch, net)`` after each epoch (e.g. to record a free energy).
        progress : bool or None

        Returns
        -------
        self
        """
        X = as_real_array(X, "X", ndim=2)
        epochs = as_int(epochs, "epochs", minimum=1)
        batch_size = as_int(batch_size, "batch_size", minimum=1)
        as_float(learning_rate, "learning_rate", minimum=0.0)
        if train not in ("all", "readout"):
            raise ValueError(f"train must be 'all' or 'readout'; got {train!r}")
        rng = as_generator(seed)
        n_features = self.forward(X[:1]).shape[-1]
        if loss == "cross_entropy":
            labels = np.asarray(y)
            if labels.shape != (len(X),):
                raise ValueError(f"y must hold one class label per sample, shape ({len(X)},); got {labels.shape}")
            self.classes_, codes = np.unique(labels, return_inverse=True)
            targets = np.eye(len(self.classes_))[codes]
            self.readout = "softmax"
        elif loss == "squared":
            targets = as_real_array(y, "y")
            targets = targets.reshape(len(X), -1)
            self.readout = "linear"
        else:
            raise ValueError(f"loss must be 'cross_entropy' or 'squared'; got {loss!r}")
        if len(targets) != len(X):
            raise ValueError(f"X and y have different numbers of samples: {len(X)} and {len(targets)}")
        if "readout_weight" not in self.params or self.params["readout_weight"].shape != (n_features,
                                                                                          targets.shape[1]):
            self.params["readout_weight"] = rng.normal(0.0, 1.0 / np.sqrt(n_features), (n_features, targets.shape[1]))
            self.params["readout_bias"] = np.zeros(targets.shape[1])
        step = make_optimizer(optimizer, learning_rate, momentum)
        with Progress(epochs, "MLP.fit", progress) as bar, interruptible() as stop:
            for epoch in range(epochs):
                if stop.requested:      # Ctrl-C: keep the weights of the last whole epoch's updates
                    break
                order = rng.permutation(len(X))
                total = 0.0
                for start in range(0, len(X), batch_size):
                    batch = order[start:start + batch_size]
                    value, grads = self.backward(X[batch], targets[batch], loss)
                    if train == "readout":
                        grads = {name: grads[name] for name in ("readout_weight", "readout_bias")}
                    step.step(self.params, grads)
                    total += value * len(batch)
                self.loss_curve_.append(total / len(X))
                if callback is not None:
                    callback(epoch, self)
                bar.update(1)
        return self
