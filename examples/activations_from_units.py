"""The activations of deep nets are the conditional means of Boltzmann-machine units.

A unit h with field x (bias plus input) at inverse temperature beta has the Boltzmann
weight exp(-beta (e(h) - x h)) on its states. Its conditional mean <h | x> is

    binary {0, 1}                   sigmoid(beta x)
    spin {-1, +1}                   tanh(beta x)
    Gaussian (e = h^2/2)            x                  (linear)
    rectified Gaussian (h >= 0)     a smooth ReLU      -> max(x, 0) as beta grows

1. For each unit type, the conditional mean by brute force (a sum over the two states,
   or a quadrature over h) against ``statmech.unit_types`` and the deep-learning
   function it is, at beta = 1 and 4; plotted.
2. An RBM with Gaussian visible and rectified hidden units, unrolled: its layers are
   named by their unit types (linear, smooth ReLU), and the first layer is the RBM's own
   <h | v>, checked against a quadrature of p(h | v).

    python examples/activations_from_units.py [--out DIR]
"""
import argparse
import os
import tempfile

import numpy as np
from scipy import integrate, special

import statmech
from statmech.models import RBM
from statmech.unit_types import UNIT_TYPES

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default=tempfile.gettempdir(), help="directory for the figure")
args = parser.parse_args()

NAMED = {"binary": ("sigmoid(beta x)", lambda x, beta: special.expit(beta * x)),
         "spin": ("tanh(beta x)", lambda x, beta: np.tanh(beta * x)),
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


fields = np.linspace(-3, 3, 25)
print(f"{'unit':<10}{'activation':<18}{'beta':>5}{'max |brute - unit_types|':>26}{'max |unit - named|':>20}")
curves = {}
for name, unit in UNIT_TYPES.items():
    label, named = NAMED[name]
    for beta in (1.0, 4.0):
        brute = np.array([brute_force_mean(name, x, beta) for x in fields])
        mean = unit.mean(fields, beta)
        curves[name, beta] = brute
        print(f"{name:<10}{label:<18}{beta:5g}{np.abs(brute - mean).max():26.1e}"
              f"{np.abs(mean - named(fields, beta)).max():20.3f}")

print("(the smooth ReLU is above max(x, 0) by at most sqrt(2/pi) / sqrt(beta), at x = 0: "
      "the rectified unit's thermal fluctuation)")

# -- 2. an RBM with linear (Gaussian) visible and smooth-ReLU hidden units, unrolled ----------
rbm = RBM.random(6, 4, scale=0.3, seed=1, bias_scale=0.5, visible="gaussian", hidden="relu")
net = statmech.unroll(rbm, 1.0, steps=2, method="tap2")
print(f"\n{net.source}:")
print("  layer activations:", " -> ".join(layer.activation for layer in net.layers))
v = np.random.default_rng(2).normal(size=(1, 6))
first = net.forward(v, return_all=True)[1][0]
fields_h = (v @ rbm.weights + rbm.hidden_bias)[0]
quadrature = np.array([brute_force_mean("relu", f, 1.0) for f in fields_h])
print(f"  first layer = the RBM's <h | v>: max |network - quadrature of p(h | v)| = "
      f"{np.abs(first - quadrature).max():.1e}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib not installed: no plot; pip install 'statmech[plot]')")
else:
    dense = np.linspace(-3, 3, 301)
    figure, axes = plt.subplots(1, 4, figsize=(13, 3.3), sharex=True)
    for ax, (name, unit) in zip(axes, UNIT_TYPES.items()):
        label, named = NAMED[name]
        for beta, colour in ((1.0, "C0"), (4.0, "C1")):
            ax.plot(dense, unit.mean(dense, beta), color=colour, label=f"<h | x>, beta = {beta:g}")
            ax.plot(fields, curves[name, beta], "o", color=colour, markersize=3.5, mfc="none")
        ax.plot(dense, named(dense, 4.0), "k--", lw=0.9, label=label + (" at beta = 4" if "beta" in label else ""))
        ax.set(title=f"{name} unit", xlabel="field x")
        ax.legend(fontsize=7, loc="lower right" if unit.discrete else "upper left")
    axes[0].set_ylabel("conditional mean (circles: brute force)")
    figure.tight_layout()
    path = os.path.join(args.out, "activations_from_units.png")
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")
