"""Training an RBM by contrastive divergence against training it by its TAP free energy.

Every method climbs the same log-likelihood with a different estimate of the model term
of its gradient: Gibbs chains (CD-1 from the data, PCD-1 persistent), or the derivatives
of the naive / TAP2 / TAP3 free energy at a fixed point (EMF, Gabrie et al. 2015), or the
exact expectation. On 4 x 4 bars and stripes with 12 hidden units the log-likelihood is
computed exactly after every epoch, so the curves carry no estimation noise; the plot
(matplotlib, optional) goes to the first argument or the temporary directory.

With --mnist, the same comparison on MNIST-5k (784 x 500), scored by AIS: that is
benchmarks/bench_rbm.py (minutes), which prints seconds per epoch next to it.
"""
import os
import sys
import tempfile
import time

import numpy as np

from statmech.datasets import bars_and_stripes
from statmech.learning import BernoulliRBM, log_likelihood

if "--mnist" in sys.argv:
    sys.argv = [sys.argv[0], "10", "3000"]
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))
    import bench_rbm
    bench_rbm.main()
    sys.exit()

X, _ = bars_and_stripes(4)                      # 30 distinct images: the best ln p(x) is ln(1/30)
epochs, curves, seconds = 100, {}, {}
for method in ("exact", "pcd", "cd", "tap3", "tap2", "mf"):
    curve = []
    start = time.perf_counter()
    BernoulliRBM(n_components=12, method=method, learning_rate=0.02, optimizer="adam", batch_size=5, n_iter=epochs,
                 n_chains=100, k=1, seed=0).fit(X, callback=lambda epoch, rbm: curve.append(log_likelihood(rbm, X).value))
    curves[method], seconds[method] = np.array(curve), time.perf_counter() - start

print(f"bars and stripes 4 x 4 ({len(X)} images, optimum ln(1/30) = {np.log(1 / 30):.3f}), 12 hidden units, "
      f"{epochs} epochs of Adam (learning rate 0.02, batches of 5)\n")
print(f"{'method':<7}{'ln p(x) after 10':>17}{'30':>8}{'100 epochs':>12}{'best':>8}{'seconds':>9}")
for method, curve in curves.items():
    print(f"{method:<7}{curve[9]:17.3f}{curve[29]:8.3f}{curve[-1]:12.3f}{curve.max():8.3f}{seconds[method]:9.1f}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib not installed: no plot; pip install 'statmech[plot]')")
else:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "rbm_cd_vs_tap.png")
    figure, axis = plt.subplots(figsize=(6, 4))
    for method, curve in curves.items():
        axis.plot(np.arange(1, epochs + 1), curve, label=method)
    axis.axhline(np.log(1 / 30), color="k", lw=0.8, ls=":", label="ln(1/30)")
    axis.set(xlabel="epoch", ylabel="exact log-likelihood per image", ylim=(-12, -3))
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")
