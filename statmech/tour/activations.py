"""The activations of deep nets are the conditional means of Boltzmann-machine units.

A unit h with field x (bias plus input) at inverse temperature beta has the Boltzmann
weight exp(-beta (e(h) - x h)) on its states; its conditional mean <h | x> is sigmoid(beta x)
for binary units, tanh(beta x) for spins, x for Gaussian units and a smooth ReLU for
rectified Gaussian units (:mod:`statmech.unit_types`). The chapter computes each by brute
force (a sum over two states, or a quadrature over h) against the unit's formula and the
deep-learning function it is, and checks that an RBM unrolled into a network
(``statmech.unroll``) has layers named by its unit types whose first layer is the RBM's
own <h | v>.
"""
import time

import numpy as np
from scipy import integrate, special

from .. import unroll
from ..models import RBM
from ..unit_types import UNIT_TYPES
from ._report import ChapterReport, Table, pyplot, run_as_script, save_figure

__all__ = ["run", "main", "brute_force_mean"]

NAMED = {"binary": ("sigmoid(βx)", lambda x, beta: special.expit(beta * x)),
         "spin": ("tanh(βx)", lambda x, beta: np.tanh(beta * x)),
         "gaussian": ("x", lambda x, beta: x),
         "relu": ("max(x, 0)", lambda x, beta: np.maximum(x, 0.0))}


def brute_force_mean(name, x, beta):
    """<h | x> from the definition: a sum over the two states or a quadrature over h."""
    if name in ("binary", "spin"):
        states = np.array([0.0, 1.0] if name == "binary" else [-1.0, 1.0])
        log_w = beta * x * states
        w = np.exp(log_w - log_w.max())
        return w @ states / w.sum()
    centre = max(x, 0.0) if name == "relu" else x
    reach = 40.0 / np.sqrt(beta)                      # the weight is below e^-800 beyond
    lower = 0.0 if name == "relu" else x - reach
    # weight exp(-beta (h - x)^2 / 2) up to a constant, scaled to 1 at its largest value
    weight = lambda h: np.exp(-0.5 * beta * ((h - x) ** 2 - (centre - x) ** 2))
    z = integrate.quad(weight, lower, centre + reach, points=[centre], limit=200)[0]
    first = integrate.quad(lambda h: h * weight(h), lower, centre + reach, points=[centre], limit=200)[0]
    return first / z


def run(quick=True, out="."):
    """The chapter (the same in both modes: it takes seconds)."""
    clock = time.perf_counter()
    fields = np.linspace(-3, 3, 25)
    rows, curves = [], {}
    for name, unit in UNIT_TYPES.items():
        label, named = NAMED[name]
        for beta in (1.0, 4.0):
            brute = np.array([brute_force_mean(name, x, beta) for x in fields])
            mean = unit.mean(fields, beta)
            curves[name, beta] = brute
            rows.append([name, label, f"{beta:g}", f"{np.abs(brute - mean).max():.1e}",
                         f"{np.abs(mean - named(fields, beta)).max():.3f}"])
    table = Table("Conditional mean by brute force against statmech.unit_types, and the unit's mean against the "
                  "deep-learning function it is (fields x ∈ [−3, 3])",
                  ("unit", "activation", "β", "max abs(brute − unit)", "max abs(unit − activation)"), rows)

    rbm = RBM.random(6, 4, scale=0.3, seed=1, bias_scale=0.5, visible="gaussian", hidden="relu")
    net = unroll(rbm, 1.0, steps=2, method="tap2")
    v = np.random.default_rng(2).normal(size=(1, 6))
    first = net.forward(v, return_all=True)[1][0]
    fields_h = (v @ rbm.weights + rbm.hidden_bias)[0]
    gap = np.abs(first - np.array([brute_force_mean("relu", f, 1.0) for f in fields_h])).max()
    layers = " → ".join(layer.activation for layer in net.layers)
    network = Table("An RBM with Gaussian visible and rectified hidden units, unrolled (TAP2, 2 steps)",
                    ("layers", "max abs(first layer − quadrature of ⟨h | v⟩)"), [[layers, f"{gap:.1e}"]])
    figure = _plot(out, curves)
    relu_gap = rows[-2][4]
    reading = (
        "Every unit's brute-force conditional mean equals its formula to rounding (table), and the binary, spin "
        "and Gaussian means are exactly sigmoid(βx), tanh(βx) and x. The rectified unit's mean is a smooth ReLU "
        f"that lies above max(x, 0) by at most √(2/π)/√β, at x = 0 ({relu_gap} at β = 1): the thermal fluctuation "
        "of the unit, which vanishes as β grows. The unrolled RBM's layers are named by its unit types, and its "
        f"first layer is the RBM's own ⟨h | v⟩ (to {gap:.0e}).")
    return ChapterReport("activations", "Activations are conditional means",
                       "Sigmoid, tanh, linear and ReLU layers are the conditional means of binary, spin, Gaussian "
                       "and rectified Gaussian units of a Boltzmann machine.",
                       ["G. E. Hinton, A practical guide to training RBMs (2010), sec. 13",
                        "V. Nair and G. E. Hinton, ICML (2010)"],
                       [table, network], [figure] if figure else [], reading, time.perf_counter() - clock)


def _plot(out, curves):
    plt = pyplot()
    if plt is None:
        return None
    dense = np.linspace(-3, 3, 301)
    fields = np.linspace(-3, 3, 25)
    figure, axes = plt.subplots(1, 4, figsize=(13, 3.3), sharex=True)
    for ax, (name, unit) in zip(axes, UNIT_TYPES.items()):
        label, named = NAMED[name]
        for beta, colour in ((1.0, "C0"), (4.0, "C1")):
            ax.plot(dense, unit.mean(dense, beta), color=colour, label=f"⟨h | x⟩, β = {beta:g}")
            ax.plot(fields, curves[name, beta], "o", color=colour, markersize=3.5, mfc="none")
        ax.plot(dense, named(dense, 4.0), "k--", lw=0.9, label=label + (" at β = 4" if "β" in label else ""))
        ax.set(title=f"{name} unit", xlabel="field x")
        ax.legend(fontsize=7, loc="lower right" if unit.discrete else "upper left")
    axes[0].set_ylabel("conditional mean (circles: brute force)")
    return save_figure(figure, out, "activations_from_units.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
