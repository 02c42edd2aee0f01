"""RBM features for digit classification, in scikit-learn's own pipeline.
======================================================================

scikit-learn's gallery pipes its BernoulliRBM into a logistic regression and picks the
RBM's size and learning rate by grid search. statmech's BernoulliRBM is a drop-in: the
same Pipeline and GridSearchCV, with statmech's class in place of scikit-learn's, and
then with what scikit-learn's cannot do, EMF (TAP2) training. Prints the test accuracy
of each, with logistic regression on the raw pixels as the baseline.

::

    python examples/rbm_features_pipeline.py [--quick] [--out DIR]

Data: the 8 x 8 digits as grey levels in [0, 1] (1437 train / 360 test). Quick mode: a
smaller grid, two folds and fewer epochs. The figure shows the filters (rows of
``components_``) of the best TAP2-trained RBM.
"""
import argparse
import pathlib
import time

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from sklearn.pipeline import Pipeline

from statmech.datasets import digits
from statmech.learning import BernoulliRBM

parser = argparse.ArgumentParser(description="RBM features in a scikit-learn pipeline")
parser.add_argument("--quick", action="store_true", help="a smaller grid, two folds, fewer epochs")
parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."), help="folder for the figure")
ARGS = parser.parse_args()
QUICK = ARGS.quick
EPOCHS = 10 if QUICK else 30
GRID = {"rbm__n_components": [64] if QUICK else [64, 128], "rbm__learning_rate": [0.02, 0.06]}
FOLDS = 2 if QUICK else 3


def main():
    data = digits(threshold=None)
    X, y, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    print(f"{data.description}: {len(X)} train / {len(X_test)} test; {EPOCHS} epochs, grid {GRID}, {FOLDS} folds\n")
    print(f"{'features':<34}{'test accuracy':>14}{'best grid point':>40}{'seconds':>9}")
    start = time.perf_counter()
    raw = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    print(f"{'raw pixels':<34}{raw.score(X_test, y_test):14.3f}{'':>40}{time.perf_counter() - start:9.1f}")
    for name, rbm in (("scikit-learn BernoulliRBM (PCD-1)", SklearnRBM(n_iter=EPOCHS, random_state=0)),
                      ("statmech BernoulliRBM (PCD-1)", BernoulliRBM(n_iter=EPOCHS, random_state=0)),
                      ("statmech BernoulliRBM (TAP2)", BernoulliRBM(method="tap2", n_iter=EPOCHS, random_state=0))):
        start = time.perf_counter()
        pipeline = Pipeline([("rbm", rbm), ("logistic", LogisticRegression(C=100.0, max_iter=2000))])
        search = GridSearchCV(pipeline, GRID, cv=FOLDS).fit(X, y)
        best = ", ".join(f"{key[5:]}={value}" for key, value in search.best_params_.items())
        print(f"{name:<34}{search.score(X_test, y_test):14.3f}{best:>40}{time.perf_counter() - start:9.1f}")
    filters(search.best_estimator_.named_steps["rbm"].components_)       # the last search: TAP2


def filters(components):
    """The first 32 filters of the TAP2 RBM as 8 x 8 images."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
    for ax, w in zip(axes.flat, components):
        ax.imshow(w.reshape(8, 8), cmap="RdBu_r", vmin=-abs(w).max(), vmax=abs(w).max())
        ax.set_axis_off()
    fig.suptitle("filters of the TAP2-trained RBM (components_)")
    fig.tight_layout()
    ARGS.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(ARGS.out / "rbm_features_pipeline.png", dpi=120)
    print(f"figure: {ARGS.out / 'rbm_features_pipeline.png'}")


if __name__ == "__main__":
    main()
