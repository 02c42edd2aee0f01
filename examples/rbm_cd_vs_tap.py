"""Training an RBM by contrastive divergence against training it by its TAP free energy.

Every method climbs the same log-likelihood with a different estimate of the model term
of its gradient: Gibbs chains (CD-1 from the data, PCD-1 persistent), or the derivatives
of the naive / TAP2 / TAP3 free energy at a fixed point (EMF, Gabrie et al. 2015), or the
exact expectation. On 4 x 4 bars and stripes with 12 hidden units the log-likelihood is
computed exactly after every epoch, so the curves carry no estimation noise; the plot
(matplotlib, optional) goes to the first argument or the temporary directory.

With --mnist, the comparison of benchmarks/bench_rbm.py on MNIST-5k (784 x 500, SGD at
rate 0.05, batches of 100, 10 epochs): the test-set log-likelihood after every epoch by
AIS (500 steps x 100 chains from the base-rate model; about five minutes in all).
"""
import os
import sys
import tempfile
import time

import numpy as np

from statmech.datasets import bars_and_stripes, mnist_5k
from statmech.learning import BernoulliRBM, log_likelihood


def curves(methods, X, score, **settings):
    """Score after every epoch and training seconds (scoring excluded) for each method."""
    result, seconds = {}, {}
    for method in methods:
        curve, scoring = [], [0.0]

        def callback(epoch, rbm):
            start = time.perf_counter()
            curve.append(score(rbm))
            scoring[0] += time.perf_counter() - start

        start = time.perf_counter()
        BernoulliRBM(method=method, seed=0, **settings).fit(X, callback=callback)
        result[method], seconds[method] = np.array(curve), time.perf_counter() - start - scoring[0]
    return result, seconds


def plot(result, ylabel, name, optimum=None, ylim=None):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plot; pip install 'statmech[plot]')")
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = args[0] if args else os.path.join(tempfile.gettempdir(), name)
    figure, axis = plt.subplots(figsize=(6, 4))
    for method, curve in result.items():
        axis.plot(np.arange(1, len(curve) + 1), curve, label=method)
    if optimum is not None:
        axis.axhline(optimum, color="k", lw=0.8, ls=":", label=f"optimum {optimum:.2f}")
    axis.set(xlabel="epoch", ylabel=ylabel, ylim=ylim)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")


def bars_and_stripes_study():
    X, _ = bars_and_stripes(4)                  # 30 distinct images: the best ln p(x) is ln(1/30)
    epochs = 100
    result, seconds = curves(("exact", "pcd", "cd", "tap3", "tap2", "naive"), X,
                             lambda rbm: log_likelihood(rbm, X).value,
                             n_components=12, learning_rate=0.02, optimizer="adam", batch_size=5, n_iter=epochs,
                             n_chains=100, k=1)
    print(f"bars and stripes 4 x 4 ({len(X)} images, optimum ln(1/30) = {np.log(1 / 30):.3f}), 12 hidden units, "
          f"{epochs} epochs of Adam (learning rate 0.02, batches of 5)\n")
    print(f"{'method':<7}{'ln p(x) after 10':>17}{'30':>8}{'100 epochs':>12}{'best':>8}{'seconds':>9}")
    for method, curve in result.items():
        print(f"{method:<7}{curve[9]:17.3f}{curve[29]:8.3f}{curve[-1]:12.3f}{curve.max():8.3f}{seconds[method]:9.1f}")
    plot(result, "exact log-likelihood per image", "rbm_cd_vs_tap.png", optimum=np.log(1 / 30), ylim=(-12, -3))


def mnist_study(epochs=10, ais_steps=500):
    data = mnist_5k()
    X, X_test = data.X_train, data.X_test

    def score(rbm):
        return log_likelihood(rbm, X_test, method="ais", n_steps=ais_steps, n_chains=100, base_data=X, seed=0).value

    result, seconds = curves(("pcd", "cd", "tap2", "tap3"), X, score, n_components=500, learning_rate=0.05,
                             batch_size=100, n_iter=epochs)
    print(f"MNIST-5k: 784 x 500, SGD rate 0.05, batches of 100; test ln p(x) by AIS ({ais_steps} steps)\n")
    print(f"{'method':<7}{'s/epoch':>9}" + "".join(f"{'epoch ' + str(e):>10}" for e in (1, 2, 5, epochs)))
    for method, curve in result.items():
        print(f"{method:<7}{seconds[method] / epochs:9.3f}"
              + "".join(f"{curve[e - 1]:10.2f}" for e in (1, 2, 5, epochs)))
    plot(result, "test log-likelihood per image (AIS)", "rbm_cd_vs_tap_mnist.png")


if __name__ == "__main__":
    mnist_study() if "--mnist" in sys.argv else bars_and_stripes_study()
