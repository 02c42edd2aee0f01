"""An MLP with tied weights is unrolled mean field of an RBM.

``statmech.unroll`` turns t naive or TAP2 iterations of an RBM's mean-field equations into a
network of 1 + 2t sigmoid layers sharing W, a and b; its forward pass is the solver's
iterates. The chapter checks that identity, then trains three networks of the same widths
as digit classifiers (softmax readout, cross-entropy, Adam): the tied network started from
a trained RBM (it stays that RBM's TAP dynamics), the same network untied (every layer its
own weights, an ordinary MLP started from the RBM), and a plain MLP of sigmoid layers with
random weights; accuracy and loss per depth.
"""
import time
import warnings

import numpy as np

from .. import mean_field, unroll
from ..errors import ConvergenceWarning
from ..learning import BernoulliRBM
from ..nn import MLP, Layer
from ._report import ChapterReport, Table, pyplot, run_as_script, save_figure

__all__ = ["run", "main"]


def _plain(n_visible, n_hidden, steps, seed):
    """Sigmoid layers of the unrolled widths (h, then v, h per step), random untied weights."""
    rng = np.random.default_rng(seed)
    params, layers = {}, []
    widths = [n_visible, n_hidden] + [n_visible, n_hidden] * steps
    for k in range(len(widths) - 1):
        params[f"W{k}"] = rng.normal(0, 1 / np.sqrt(widths[k]), (widths[k], widths[k + 1]))
        params[f"b{k}"] = np.zeros(widths[k + 1])
        layers.append(Layer(f"W{k}", f"b{k}", False, 1.0, "binary"))
    return MLP(params, layers, source=f"plain sigmoid MLP, {len(layers)} layers")


def run(quick=True, out="."):
    """quick: scikit-learn's digits, depths 1-3, 10 epochs; full: MNIST-5k, depths 1-5, 30 epochs."""
    from .. import datasets

    clock = time.perf_counter()
    data = datasets.digits() if quick else datasets.mnist_5k()
    steps_list, epochs, n_hidden = ((1, 2, 3), 10, 32) if quick else ((1, 2, 3, 4, 5), 30, 100)
    X, y, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    rbm = BernoulliRBM(n_components=n_hidden, method="pcd", learning_rate=0.05, batch_size=20, n_iter=20,
                       random_state=0).fit(X).model_
    # 1. the network is the solver
    gaps = []
    for steps in steps_list:
        net = unroll(rbm, 1.0, steps=steps, method="tap2")
        acts = net.forward(X_test[:20], return_all=True)
        with warnings.catch_warnings():         # stopped after `steps` iterations on purpose
            warnings.simplefilter("ignore", ConvergenceWarning)
            solver = mean_field(rbm, 1.0, method="tap2", damping=0.0, init=X_test[:20], max_iter=steps, tol=0.0,
                                on_failure="warn").m
        gaps.append(np.abs(np.hstack([acts[-2], acts[-1]]) - solver).max())
    # 2. tied, untied and plain networks as classifiers
    rows = []
    settings = dict(epochs=epochs, batch_size=32, learning_rate=0.01, seed=0, progress=False)
    for steps in steps_list:
        tied = unroll(rbm, 1.0, steps=steps, method="tap2")
        networks = {"tied (TAP2 of the RBM)": tied, "untied (from the RBM)": tied.untie(),
                    "plain sigmoid MLP": _plain(X.shape[1], n_hidden, steps, seed=steps)}
        for name, net in networks.items():
            net.fit(X, y, **settings)
            accuracy = float(np.mean(net.predict(X_test) == y_test))
            error = np.sqrt(accuracy * (1 - accuracy) / len(y_test))
            size = sum(p.size for p in net.params.values())
            rows.append([steps, 1 + 2 * steps, name, size, f"{net.loss_curve_[-1]:.4f}",
                         f"{accuracy:.3f} ± {error:.3f}"])
    identity = Table("The tied network is the solver: max abs(forward pass − TAP2 iterates) on 20 test images",
                     ("TAP2 steps", "layers", "max difference"),
                     [[s, 1 + 2 * s, f"{g:.1e}"] for s, g in zip(steps_list, gaps)])
    classifiers = Table(f"{data.description}: {len(X)} training and {len(X_test)} test images, {n_hidden} hidden "
                        f"units, {epochs} epochs of Adam (rate 0.01, batch 32); accuracy ± its binomial error",
                        ("TAP2 steps", "layers", "network", "parameters", "final training loss", "test accuracy"),
                        rows)
    figure = _plot(out, rows, steps_list, data.description)
    by = {(r[0], r[2]): float(r[5].split(" ")[0]) for r in rows}
    deepest = steps_list[-1]
    helps = sum(by[s, "untied (from the RBM)"] > by[s, "tied (TAP2 of the RBM)"] for s in steps_list)
    behind = sum(by[s, "plain sigmoid MLP"] < by[s, "untied (from the RBM)"] for s in steps_list)
    reading = (
        f"The unrolled network reproduces the TAP2 iterates to {max(gaps):.1e}: an MLP with tied weights is mean "
        f"field of an RBM. As classifiers at {deepest} steps, tied {by[deepest, 'tied (TAP2 of the RBM)']:.3f}, "
        f"untied {by[deepest, 'untied (from the RBM)']:.3f} and plain {by[deepest, 'plain sigmoid MLP']:.3f} test "
        "accuracy (table, with binomial errors). Untying frees the layers from the free energy they minimise "
        f"together and multiplies the parameters; in this run the untied network is ahead at {helps} of "
        f"{len(steps_list)} depths. The randomly initialised sigmoid MLP is behind the RBM-initialised untied one "
        f"at {behind} of {len(steps_list)} depths (the RBM's weights acting as a pretraining)"
        + ("; with more epochs the gaps may close, which the full mode is for." if quick else "."))
    return ChapterReport("unrolled", "An MLP is unrolled mean field",
                       "An MLP with tied weights is a number of unrolled mean-field (TAP) iterations of an RBM; "
                       "untying the weights relaxes it into an ordinary MLP.",
                       ["M. Gabrie, E. W. Tramel and F. Krzakala, NeurIPS (2015)",
                        "J. R. Hershey, J. Le Roux and F. Weninger, arXiv:1409.2574 (2014)"],
                       [identity, classifiers], [figure] if figure else [], reading, time.perf_counter() - clock)


def _plot(out, rows, steps_list, description):
    plt = pyplot()
    if plt is None:
        return None
    figure, ax = plt.subplots(figsize=(5.5, 4))
    for name in dict.fromkeys(r[2] for r in rows):
        mine = [r for r in rows if r[2] == name]
        accuracy = [float(r[5].split(" ")[0]) for r in mine]
        error = [float(r[5].split(" ")[-1]) for r in mine]
        ax.errorbar([r[1] for r in mine], accuracy, yerr=error, marker="o", capsize=3, label=name)
    ax.set(xlabel="layers (1 + 2 x TAP2 steps)", ylabel="test accuracy", xticks=[1 + 2 * s for s in steps_list],
           title=f"{description}: tied, untied, plain")
    ax.legend(fontsize=8)
    return save_figure(figure, out, "unrolled_classifiers.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
