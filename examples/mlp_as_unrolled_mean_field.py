"""A multilayer perceptron with tied weights is unrolled mean-field (TAP) dynamics of an RBM.
==========================================================================================

1. Unroll two TAP2 iterations of an RBM into a network: its layers are the RBM's own
   conditional (a sigmoid of beta times the field), with the Onsager reaction term as a
   skip connection; the forward pass *is* the solver's iteration.
2. Train it with backprop (plus a softmax readout) to tell noisy bars from stripes, once
   with the weights tied (the network stays an RBM's mean-field dynamics) and once
   untied (an ordinary MLP initialised from it). Along the way, record the TAP free
   energy of the RBM that the tied network still is.

The plot (matplotlib, optional) goes to the path given as the first argument, else to
the temporary directory.
"""
import os
import sys
import tempfile
import warnings

import numpy as np

import statmech
from statmech.models import RBM

# -- data: 4 x 4 bars (vertical lines on) and stripes (horizontal), 10% pixel noise ------
rng = np.random.default_rng(0)
lines = rng.random((800, 4)) < 0.5
lines[lines.all(1) | ~lines.any(1), 0] ^= True              # neither all on nor all off
labels = rng.integers(0, 2, 800)                               # 0 = bars, 1 = stripes
images = np.where(labels[:, None, None] == 0, lines[:, None, :], lines[:, :, None]).reshape(800, 16)
X = (images ^ (rng.random(images.shape) < 0.1)).astype(float)          # flip 10% of pixels
train, test = slice(0, 600), slice(600, None)

# -- 1. the network is the solver ---------------------------------------------------------
rbm = RBM.random(16, 12, scale=0.5, seed=1)
beta, steps = 1.0, 2
net = statmech.unroll(rbm, beta, steps=steps, method="tap2")
acts = net.forward(X[:5], return_all=True)
with warnings.catch_warnings():        # stopped after `steps` iterations on purpose
    warnings.simplefilter("ignore", statmech.errors.ConvergenceWarning)
    solver = statmech.mean_field(rbm, beta, method="tap2", damping=0.0, init=X[:5], max_iter=steps, tol=0.0,
                                 on_failure="warn")
gap = np.abs(np.hstack([acts[-2], acts[-1]]) - solver.m).max()
print(f"{len(net.layers)} layers ({net.source}); max |forward - TAP iterate| = {gap:.1e}")

# -- 2. train tied and untied ------------------------------------------------------------
def tap_free_energy(network):
    """TAP2 free energy of the RBM whose weights the tied network carries (from the data mean)."""
    model = RBM(network.params["W"], network.params["a"], network.params["b"])
    return statmech.mean_field(model, beta, method="tap2", damping=0.9, max_iter=20_000,
                               init=X[train].mean(0)).free_energy


free_energy = []
tied = statmech.unroll(rbm, beta, steps=steps, method="tap2")
untied = tied.untie()
settings = dict(epochs=40, batch_size=25, learning_rate=0.02, seed=0, progress=False)
tied.fit(X[train], labels[train], callback=lambda epoch, n: free_energy.append(tap_free_energy(n)), **settings)
untied.fit(X[train], labels[train], **settings)
print(f"\n{'network':<8}{'parameters':>11}{'final loss':>12}{'test accuracy':>15}")
for name, network in (("tied", tied), ("untied", untied)):
    size = sum(p.size for p in network.params.values())
    accuracy = (network.predict(X[test]) == labels[test]).mean()
    print(f"{name:<8}{size:>11}{network.loss_curve_[-1]:12.4f}{accuracy:15.1%}")
print(f"\nTAP free energy of the tied network's RBM: {free_energy[0]:.3f} after epoch 1, "
      f"{free_energy[-1]:.3f} after epoch {len(free_energy)}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib not installed: no plot; pip install 'statmech[plot]')")
else:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "mlp_as_unrolled_mean_field.png")
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = np.arange(1, settings["epochs"] + 1)
    left.plot(epochs, tied.loss_curve_, label="tied (an RBM's TAP dynamics)")
    left.plot(epochs, untied.loss_curve_, label="untied MLP")
    left.set(xlabel="epoch", ylabel="training cross-entropy", yscale="log")
    left.legend()
    right.plot(epochs, free_energy, color="C0")
    right.set(xlabel="epoch", ylabel="TAP2 free energy of the tied RBM")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")
