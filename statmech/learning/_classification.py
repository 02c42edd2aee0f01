"""ClassificationRBM (Larochelle & Bengio 2008): an RBM over (x, y) used as a classifier."""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np

from ..unit_types import UNIT_TYPES
from ..runloop import Progress, interruptible
from ..rng import random_streams
from ..validation import as_float, as_int, as_seed_sequence
from ..nn.optim import make_optimizer
from ..gibbs import sample_layer
from ._gradients import check_data, conditional

if TYPE_CHECKING:
    from typing_extensions import Self

    from statmech.typing import Seed

_BINARY = UNIT_TYPES["binary"]


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class ClassificationRBM:
    """An RBM with visible units x (binary) and a one-hot class unit y, and hidden units h:

    E(x, y, h) = -x W h - b.x - c.h - d.y - y U h,   p(y | x) = softmax_y(-F(x, y)),
    -F(x, y) = d_y + sum_j softplus(c_j + U_yj + (x W)_j).

    Parameters
    ----------
    n_components : int
        Hidden units.
    method : {"discriminative", "generative", "hybrid"}
        Maximise ln p(y | x) (exact gradient), ln p(x, y) (CD-k on the joint), or
        ln p(y | x) + alpha ln p(x, y).
    alpha : float
        Weight of the generative term in "hybrid".
    learning_rate, batch_size, n_iter, k : as for BernoulliRBM
    optimizer : {"sgd", "adam"}
    seed : int, SeedSequence or None
    verbose : bool

    Attributes
    ----------
    classes_ : ndarray
    params_ : dict
        "W" (n_features, n_components), "U" (n_classes, n_components), and the biases
        "a" (visible, n_features), "b" (hidden, n_components), "d" (classes, n_classes):
        E(x, y, h) = -a.x - b.h - d_y - x W h - h U_y, the names of ``statmech.models.RBM``
        (W, a = visible_bias, b = hidden_bias) and ``BernoulliRBM``.

    References
    ----------
    H. Larochelle and Y. Bengio, ICML (2008), eqs. 2-5 and sec. 3.
    """

    def __init__(self, n_components: int = 100, method: str = "discriminative", alpha: float = 0.01,
                 learning_rate: float = 0.05, batch_size: int = 10, n_iter: int = 20, k: int = 1,
                 optimizer: Any = "sgd", seed: Seed | None = None, verbose: bool = False) -> None:
        self.n_components, self.method, self.alpha = n_components, method, alpha
        self.learning_rate, self.batch_size, self.n_iter, self.k = learning_rate, batch_size, n_iter, k
        self.optimizer, self.seed, self.verbose = optimizer, seed, verbose

    def __repr__(self):
        return f"ClassificationRBM(n_components={self.n_components}, method={self.method!r})"

    # -- the model ------------------------------------------------------------------------

    def _hidden_inputs(self, X):
        """o[s, y, j] = c_j + U_yj + (x_s W)_j: (n_samples, n_classes, n_components)."""
        p = self.params_
        return (X @ p["W"] + p["b"])[:, None, :] + p["U"][None, :, :]

    def _class_scores(self, X):
        """-F(x, y): (n_samples, n_classes)."""
        return self.params_["d"] + _BINARY.log_partition(self._hidden_inputs(X)).sum(-1)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """p(y | x): ndarray of shape (n_samples, n_classes)."""
        self._check_fitted()
        return _softmax(self._class_scores(check_data(X, self.params_["W"].shape[0])))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise ValueError("this ClassificationRBM is not fitted yet: call fit first")

    # -- gradients ------------------------------------------------------------------------

    def discriminative_gradient(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """d mean ln p(y | x) / d params for one-hot targets Y (n_samples, n_classes)."""
        sig = conditional(self._hidden_inputs(X))                      # (s, y, j)
        posterior = _softmax(self.params_["d"] + _BINARY.log_partition(self._hidden_inputs(X)).sum(-1))
        weight = Y - posterior                                          # d ln p / d(-F(x, y))
        n = len(X)
        hidden = np.einsum("sy,syj->sj", weight, sig)
        return {"W": X.T @ hidden / n, "b": hidden.mean(0), "U": np.einsum("sy,syj->yj", weight, sig) / n,
                "d": weight.mean(0), "a": np.zeros_like(self.params_["a"])}

    def generative_gradient(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """CD-k estimate of d mean ln p(x, y) / d params."""
        p = self.params_
        h_data = conditional(X @ p["W"] + Y @ p["U"] + p["b"])
        x, y, h = X, Y, sample_layer(h_data, 0.0, self._streams)
        for _ in range(self.k):
            x = sample_layer(conditional(h @ p["W"].T + p["a"]), 0.0, self._streams)
            probs = _softmax(h @ p["U"].T + p["d"])
            drawn = (self._rng.random((len(probs), 1)) > probs.cumsum(1)).sum(1)
            y = np.eye(len(self.classes_))[np.minimum(drawn, len(self.classes_) - 1)]
            h_model = conditional(x @ p["W"] + y @ p["U"] + p["b"])
            h = sample_layer(h_model, 0.0, self._streams)
        n = len(X)
        return {"W": (X.T @ h_data - x.T @ h_model) / n, "U": (Y.T @ h_data - y.T @ h_model) / n,
                "a": (X - x).mean(0), "b": (h_data - h_model).mean(0), "d": (Y - y).mean(0)}

    # -- training -------------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray) -> Self:
        """Train on X (n_samples, n_features) in [0, 1] and class labels y (n_samples,)."""
        if self.method not in ("discriminative", "generative", "hybrid"):
            raise ValueError(f"method must be 'discriminative', 'generative' or 'hybrid'; got {self.method!r}")
        n_components = as_int(self.n_components, "n_components", minimum=1)
        batch_size = as_int(self.batch_size, "batch_size", minimum=1)
        n_iter = as_int(self.n_iter, "n_iter", minimum=1)
        alpha = as_float(self.alpha, "alpha", minimum=0.0)
        X = check_data(X)
        labels = np.asarray(y)
        if labels.shape != (len(X),):
            raise ValueError(f"y must hold one label per sample, shape ({len(X)},); got {labels.shape}")
        missing = [k for k, label in enumerate(labels.tolist()) if label is None or label != label]   # NaN != NaN
        if missing:
            raise ValueError(f"y must hold a label for every sample; got {labels.tolist()[missing[0]]!r} (a missing label) at "
                             f"index {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
        self.classes_, codes = np.unique(labels, return_inverse=True)
        Y = np.eye(len(self.classes_))[codes]
        seeds = as_seed_sequence(self.seed).spawn(2)
        self._rng = np.random.default_rng(seeds[0])
        self._streams = random_streams(seeds[1], (batch_size,))
        # Not too small: with U = 0 every class sees the same hidden units and the
        # discriminative gradient of W vanishes.
        self.params_ = {"W": self._rng.normal(0, 0.1, (X.shape[1], n_components)),
                        "U": self._rng.normal(0, 0.1, (len(self.classes_), n_components)),
                        "a": np.zeros(X.shape[1]), "b": np.zeros(n_components), "d": np.zeros(len(self.classes_))}
        optimiser = make_optimizer(self.optimizer, self.learning_rate)
        with Progress(n_iter, "ClassificationRBM", self.verbose or None) as bar, interruptible() as stop:
            for _ in range(n_iter):
                if stop.requested:      # Ctrl-C: keep the parameters reached
                    break
                order = self._rng.permutation(len(X))
                for start in range(0, len(X), batch_size):
                    batch = order[start:start + batch_size]
                    grads = {}
                    if self.method in ("discriminative", "hybrid"):
                        grads = self.discriminative_gradient(X[batch], Y[batch])
                    if self.method in ("generative", "hybrid"):
                        scale = 1.0 if self.method == "generative" else alpha
                        generative = self.generative_gradient(X[batch], Y[batch])
                        grads = {name: grads.get(name, 0.0) + scale * g for name, g in generative.items()}
                    optimiser.step(self.params_, {name: -g for name, g in grads.items()})
                bar.update(1)
        return self
