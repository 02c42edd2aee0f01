"""The discriminative RBM: a classifier whose class scores are free energies.

Larochelle & Bengio's ClassificationRBM models (x, y, h) jointly; summing out h leaves
p(y | x) = softmax_y(-F(x, y)), exact and cheap. The chapter checks that posterior against
brute force (every hidden state of a small trained model summed explicitly), then trains
it discriminatively, generatively and as a hybrid, next to the unrolled mean-field network
of an RBM (one TAP2 step, fine-tuned) and logistic regression, on the same split.
"""
import time

import numpy as np
from scipy import special

from .. import unroll
from ..learning import BernoulliRBM, ClassificationRBM
from ._report import ChapterReport, Table, pm, pyplot, run_as_script, save_figure

__all__ = ["run", "main", "brute_force_posterior"]

REFERENCES = ["H. Larochelle and Y. Bengio, ICML (2008): MNIST test error 1.81% (discriminative), 1.28% (hybrid), "
              "7.28% logistic regression, trained on 50 000 images",
              "M. Gabrie, E. W. Tramel and F. Krzakala, NeurIPS (2015)"]


def brute_force_posterior(params, x):
    """p(y | x) by summing exp(-E(x, y, h)) over every hidden state h: (n_samples, n_classes)."""
    k = params["W"].shape[1]
    hidden = ((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1).astype(float)          # (2^k, k)
    # -E(x, y, h) = a.x + b.h + d_y + x W h + h U_y, for every sample, class and hidden state
    minus_energy = ((x @ params["a"])[:, None, None] + (hidden @ params["b"])[None, None, :]
                    + params["d"][None, :, None] + ((x @ params["W"]) @ hidden.T)[:, None, :]
                    + (params["U"] @ hidden.T)[None, :, :])
    log_joint = special.logsumexp(minus_energy, axis=2)
    return np.exp(log_joint - special.logsumexp(log_joint, axis=1, keepdims=True))


def _scores(probabilities, classes, y):
    """Test accuracy (± binomial error) and mean cross-entropy (± its standard error)."""
    correct = classes[probabilities.argmax(1)] == y
    index = np.searchsorted(classes, y)
    loss = -np.log(np.clip(probabilities[np.arange(len(y)), index], 1e-300, None))
    accuracy = correct.mean()
    return accuracy, np.sqrt(accuracy * (1 - accuracy) / len(y)), loss.mean(), loss.std(ddof=1) / np.sqrt(len(y))


def run(quick=True, out="."):
    """quick: scikit-learn's digits (seconds); full: MNIST-5k."""
    from sklearn.linear_model import LogisticRegression

    from .. import datasets

    clock = time.perf_counter()
    data = datasets.digits() if quick else datasets.mnist_5k()
    X, y, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    n_hidden, epochs = (64, 30) if quick else (500, 30)

    # 1. the free-energy posterior is the brute-force one
    small = ClassificationRBM(n_components=10, method="discriminative", learning_rate=0.05, n_iter=30, random_state=0)
    small.fit(X, y)
    exact = brute_force_posterior(small.params_, X_test)
    posterior_gap = np.abs(small.predict_proba(X_test) - exact).max()

    # 2. classifiers on the same split
    classes = np.unique(y)
    results = {}
    for method in ("discriminative", "hybrid", "generative"):
        start = time.perf_counter()
        clf = ClassificationRBM(n_components=n_hidden, method=method, learning_rate=0.05, n_iter=epochs, random_state=0)
        clf.fit(X, y)
        results[f"ClassificationRBM, {method}"] = (clf.predict_proba(X_test), time.perf_counter() - start)
    start = time.perf_counter()
    rbm = BernoulliRBM(n_components=n_hidden, method="pcd", learning_rate=0.05, batch_size=20, n_iter=20,
                       random_state=0).fit(X).model_
    net = unroll(rbm, 1.0, steps=1, method="tap2")
    net.fit(X, y, epochs=epochs, batch_size=32, learning_rate=0.01, seed=0, progress=False)
    results["unrolled TAP2 network (1 step, tied)"] = (net.predict_proba(X_test), time.perf_counter() - start)
    start = time.perf_counter()
    logistic = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    results["logistic regression (scikit-learn, C = 1)"] = (logistic.predict_proba(X_test),
                                                             time.perf_counter() - start)
    rows, accuracies = [], {}
    for name, (probabilities, seconds) in results.items():
        accuracy, accuracy_error, loss, loss_error = _scores(probabilities, classes, y_test)
        accuracies[name] = (accuracy, accuracy_error)
        rows.append([name, pm(accuracy, accuracy_error), pm(1 - accuracy, accuracy_error),
                     pm(loss, loss_error), f"{seconds:.1f}"])
    table = Table(f"{data.description}: {len(X)} training, {len(X_test)} test images; {n_hidden} hidden units, "
                  f"{epochs} epochs; accuracy ± binomial error, cross-entropy ± standard error over test images",
                  ("classifier", "test accuracy", "test error", "test cross-entropy", "seconds"), rows)
    check = Table("p(y | x) = softmax(−F(x, y)) against the brute-force sum over all 2¹⁰ hidden states "
                  f"(10 hidden units, trained 30 epochs), {len(X_test)} test images",
                  ("max abs difference",), [[f"{posterior_gap:.1e}"]])

    figure = _plot(out, accuracies, small.predict_proba(X_test), exact)
    best = max(accuracies, key=lambda name: accuracies[name][0])
    logit = accuracies["logistic regression (scikit-learn, C = 1)"]
    comparisons = []
    for method in ("discriminative", "hybrid"):
        mine = accuracies[f"ClassificationRBM, {method}"]
        difference = mine[0] - logit[0]
        z = difference / np.hypot(mine[1], logit[1])       # errors of one test set: conservative
        verdict = ("indistinguishable within the errors" if abs(z) < 2 else
                   f"{'ahead, as' if z > 0 else 'behind, unlike'} in the paper")
        comparisons.append(f"{method} {difference:+.3f} ({z:+.1f} combined binomial errors: {verdict})")
    reading = (
        f"The free-energy posterior equals the brute-force sum over hidden states to {posterior_gap:.0e}. "
        f"Best on the test set: {best} ({pm(*accuracies[best])}). Larochelle and Bengio report 1.81% / 1.28% / "
        "7.28% test error for discriminative / hybrid / logistic regression on full MNIST (50 000 training "
        f"images); with {len(X)} training images the error rates are not comparable, only the order. Accuracy "
        "of the ClassificationRBM minus logistic regression here: " + "; ".join(comparisons) + "."
        + " The unrolled network classifies from one TAP2 step of a generatively trained RBM; the ClassificationRBM "
          "scores each class by a free energy instead: two ways of turning an RBM into a classifier.")
    return ChapterReport("classification", "The discriminative RBM",
                       "An RBM over (x, y) is a classifier: p(y | x) is a softmax of free energies, exact after "
                       "summing out the hidden units.",
                       REFERENCES, [check, table], [figure] if figure else [], reading, time.perf_counter() - clock)


def _plot(out, accuracies, fitted, exact):
    plt = pyplot()
    if plt is None:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.6, 1]})
    names = list(accuracies)
    left.barh(range(len(names)), [accuracies[n][0] for n in names], xerr=[accuracies[n][1] for n in names],
              capsize=3, color="tab:blue")
    left.set_yticks(range(len(names)), [n.replace(" (", "\n(") for n in names], fontsize=8)
    low = min(a for a, _ in accuracies.values())
    left.set(xlabel="test accuracy (± binomial error)", xlim=(max(0.0, low - 0.1), 1.0), title="classifiers")
    right.plot(exact.ravel(), fitted.ravel(), ".", ms=2)
    right.plot([0, 1], [0, 1], "k-", lw=0.6)
    right.set(xlabel="p(y | x), brute force over hidden states", ylabel="softmax(−F(x, y))",
              title="free-energy posterior")
    return save_figure(figure, out, "classification_rbm.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
