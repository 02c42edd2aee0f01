"""RBM features for digit classification, in scikit-learn's own pipeline.
======================================================================

scikit-learn's gallery pipes its BernoulliRBM into a logistic regression and picks the
RBM's size and learning rate by grid search. statmech's BernoulliRBM is a drop-in: the
same Pipeline and GridSearchCV, with statmech's class in place of scikit-learn's, and
then with what scikit-learn's cannot do, EMF (TAP2) training. Prints the test accuracy
of each, with logistic regression on the raw pixels as the baseline.

::

    python examples/rbm_features_pipeline.py [--quick]

Data: the 8 x 8 digits as grey levels in [0, 1] (1437 train / 360 test). Quick mode: a
smaller grid, two folds and fewer epochs.
"""
import sys
import time

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from sklearn.pipeline import Pipeline

from statmech.datasets import digits
from statmech.learning import BernoulliRBM

QUICK = "--quick" in sys.argv
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


if __name__ == "__main__":
    main()
