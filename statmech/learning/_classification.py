"""ClassificationRBM (Larochelle & Bengio 2008): an RBM over (x, y) used as a classifier."""
from __future__ import annotations

from typing import Any, TYPE_CHECKING

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..unit_types import UNIT_TYPES
from ..runloop import Progress, interruptible
from ..rng import random_streams
from ..validation import as_float, as_int
from ..nn.optim import make_optimizer
from ..gibbs import sample_layer
from ._gradients import conditional
from ._rbm import _in_domain, _progress, _seed_sequence

if TYPE_CHECKING:
    from typing_extensions import Self

    from statmech.typing import ArrayLike, Seed

_BINARY = UNIT_TYPES["binary"]


class ClassificationRBM(ClassifierMixin, BaseEstimator):
    """An RBM with visible units x (binary) and a one-hot class unit y, and hidden units h:

    E(x, y, h) = -x W h - b.x - c.h - d.y - y U h,   p(y | x) = softmax_y(-F(x, y)),
    -F(x, y) = d_y + sum_j softplus(c_j + U_yj + (x W)_j).

    Parameters
    ----------
    n_components : int, default 100
        Hidden units.
    method : {"discriminative", "generative", "hybrid"}, default "discriminative"
        Maximise ln p(y | x) (exact gradient), ln p(x, y) (CD-k on the joint), or
        ln p(y | x) + alpha ln p(x, y).
    alpha : float, default 0.01
        Weight of the generative term in "hybrid".
    learning_rate, batch_size, n_iter, k : as for BernoulliRBM
    optimizer : {"sgd", "adam"}
    random_state : int, SeedSequence, Generator, RandomState or None
        scikit-learn's name for statmech's ``seed``.
    verbose : bool, int or None, default None
        As for BernoulliRBM: None shows a progress bar on a terminal or in a notebook.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen by ``fit`` (any labels scikit-learn takes: ints, strings, ...).
    n_features_in_ : int
    params_ : dict
        "W" (n_features, n_components), "U" (n_classes, n_components), and the biases
        "a" (visible, n_features), "b" (hidden, n_components), "d" (classes, n_classes):
        E(x, y, h) = -a.x - b.h - d_y - x W h - h U_y, the names of ``statmech.models.RBM``
        (W, a = visible_bias, b = hidden_bias) and ``BernoulliRBM``.

    References
    ----------
    H. Larochelle and Y. Bengio, ICML (2008), eqs. 2-5 and sec. 3.

    Examples
    --------
    >>> import numpy as np
    >>> from statmech.learning import ClassificationRBM
    >>> X = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]] * 5, dtype=float)
    >>> y = np.array(["left", "left", "right", "right"] * 5)
    >>> clf = ClassificationRBM(n_components=4, learning_rate=0.5, n_iter=30, random_state=0).fit(X, y)
    >>> clf.predict(X[:4])
    array(['left', 'left', 'right', 'right'], dtype='<U5')
    >>> clf.predict_proba(X[:4]).shape
    (4, 2)
    """

    def __init__(self, n_components: int = 100, *, method: str = "discriminative", alpha: float = 0.01,
                 learning_rate: float = 0.05, batch_size: int = 10, n_iter: int = 20, k: int = 1,
                 optimizer: Any = "sgd", random_state: Seed | np.random.RandomState = None,
                 verbose: bool | int | None = None) -> None:
        self.n_components, self.method, self.alpha = n_components, method, alpha
        self.learning_rate, self.batch_size, self.n_iter, self.k = learning_rate, batch_size, n_iter, k
        self.optimizer, self.random_state, self.verbose = optimizer, random_state, verbose

    # -- the model ------------------------------------------------------------------------

    def _hidden_inputs(self, X):
        """o[s, y, j] = c_j + U_yj + (x_s W)_j: (n_samples, n_classes, n_components)."""
        p = self.params_
        return (X @ p["W"] + p["b"])[:, None, :] + p["U"][None, :, :]

    def _class_scores(self, X):
        """-F(x, y): (n_samples, n_classes)."""
        return self.params_["d"] + _BINARY.log_partition(self._hidden_inputs(X)).sum(-1)

    def _validate_X(self, X, reset):
        return self._in_domain(validate_data(self, X, reset=reset, dtype=np.float64, accept_sparse=False), "X")

    def _in_domain(self, X, name):
        return _in_domain(self, X, name, "binary")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """p(y | x).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features), values in [0, 1]

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return softmax(self._class_scores(self._validate_X(X, reset=False)), axis=1)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """ln p(y | x): ndarray of shape (n_samples, n_classes)."""
        check_is_fitted(self)
        return log_softmax(self._class_scores(self._validate_X(X, reset=False)), axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row: ndarray of shape (n_samples,), labels
        from ``classes_``."""
        probabilities = self.predict_proba(X)
        return self.classes_[probabilities.argmax(1)]

    # -- gradients ------------------------------------------------------------------------

    def discriminative_gradient(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """d mean ln p(y | x) / d params for one-hot targets Y (n_samples, n_classes)."""
        sig = conditional(self._hidden_inputs(X))                      # (s, y, j)
        posterior = softmax(self.params_["d"] + _BINARY.log_partition(self._hidden_inputs(X)).sum(-1), axis=-1)
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
            probs = softmax(h @ p["U"].T + p["d"], axis=-1)
            drawn = (self._rng.random((len(probs), 1)) > probs.cumsum(1)).sum(1)
            y = np.eye(len(self.classes_))[np.minimum(drawn, len(self.classes_) - 1)]
            h_model = conditional(x @ p["W"] + y @ p["U"] + p["b"])
            h = sample_layer(h_model, 0.0, self._streams)
        n = len(X)
        return {"W": (X.T @ h_data - x.T @ h_model) / n, "U": (Y.T @ h_data - y.T @ h_model) / n,
                "a": (X - x).mean(0), "b": (h_data - h_model).mean(0), "d": (Y - y).mean(0)}

    # -- training -------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Train on X and its class labels y.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features), values in [0, 1]
        y : array_like of shape (n_samples,)
            Class labels (ints, strings, ...).

        Returns
        -------
        self
        """
        if self.method not in ("discriminative", "generative", "hybrid"):
            raise ValueError(f"method must be 'discriminative', 'generative' or 'hybrid'; got {self.method!r}")
        n_components = as_int(self.n_components, "n_components", minimum=1)
        batch_size = as_int(self.batch_size, "batch_size", minimum=1)
        n_iter = as_int(self.n_iter, "n_iter", minimum=1)
        alpha = as_float(self.alpha, "alpha", minimum=0.0)
        X, labels = validate_data(self, X, y, dtype=np.float64, accept_sparse=False)
        missing = [k for k, label in enumerate(labels.tolist()) if label is None or label != label]   # NaN != NaN
        if missing:
            raise ValueError(f"y must hold a label for every sample; got {labels.tolist()[missing[0]]!r} (a missing label) at "
                             f"index {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
        check_classification_targets(labels)
        X = self._in_domain(X, "X")
        self.classes_, codes = np.unique(labels, return_inverse=True)
        Y = np.eye(len(self.classes_))[codes]
        seeds = _seed_sequence(self.random_state).spawn(2)
        self._rng = np.random.default_rng(seeds[0])
        self._streams = random_streams(seeds[1], (batch_size,))
        # Not too small: with U = 0 every class sees the same hidden units and the
        # discriminative gradient of W vanishes.
        self.params_ = {"W": self._rng.normal(0, 0.1, (X.shape[1], n_components)),
                        "U": self._rng.normal(0, 0.1, (len(self.classes_), n_components)),
                        "a": np.zeros(X.shape[1]), "b": np.zeros(n_components), "d": np.zeros(len(self.classes_))}
        optimiser = make_optimizer(self.optimizer, self.learning_rate)
        with Progress(n_iter, "ClassificationRBM", _progress(self.verbose)) as bar, interruptible() as stop:
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
