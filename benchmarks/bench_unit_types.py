"""What continuous unit types cost, against binary units on the same shapes.

1. The unit formulas per element (1e6 fields, beta = 1): mean, variance, log-partition,
   sampling, and the inverse field_from_mean used by mean field at a given m.
2. Block Gibbs: one sweep of 64 chains of a 784 x 500 RBM, binary-binary against
   Gaussian-binary and Gaussian-ReLU (statmech.sample, BlockGibbs).
3. Learning on scikit-learn's digits (64 visible, 100 hidden, batch 20): seconds per
   epoch of BernoulliRBM (binarized) and GaussianBernoulliRBM (grey levels standardised),
   PCD-1 and TAP2, and the held-out exact log-likelihood after the epochs.

No peer has these unit types with exact checks (scikit-learn's RBM is binary only), so
the reference is statmech's own binary path. Medians of ``repeats`` runs; compile and
first-call time are excluded (one warm-up call each). Needs scikit-learn for part 3.
Run: python benchmarks/bench_unit_types.py [repeats] [epochs]
"""
import sys

from _timing import median_seconds

import numpy as np

import statmech
from statmech.models import RBM
from statmech.rng import random_streams
from statmech.unit_types import UNIT_TYPES

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def warm_median_seconds(call, repeats=REPEATS):
    call()                                          # warm-up: compilation, caches
    return median_seconds(call, repeats)


def unit_formulas():
    fields = np.random.default_rng(0).normal(0, 3, (1000, 1000))
    streams = random_streams(np.random.SeedSequence(0), (1000,))
    print("1. unit formulas, ns per element (1e6 fields ~ N(0, 9), beta = 1)")
    print(f"{'unit':<10}{'mean':>8}{'variance':>10}{'log Z':>8}{'sample':>8}{'x(m)':>8}")
    for name, unit in UNIT_TYPES.items():
        means = unit.mean(fields)
        if unit.discrete:
            means = np.clip(means, unit.low + 1e-9, 1 - 1e-9)
        row = [warm_median_seconds(lambda f=f: f()) * 1e3 for f in (
            lambda: unit.mean(fields), lambda: unit.variance(fields), lambda: unit.log_partition(fields),
            lambda: unit.sample(fields, 1.0, streams), lambda: unit.field_from_mean(means))]
        print(f"{name:<10}" + "".join(f"{t:{w}.1f}" for t, w in zip(row, (8, 10, 8, 8, 8))))


def block_gibbs():
    print("\n2. block Gibbs, 784 x 500 RBM, 64 chains: ms per sweep (ratio to binary-binary)")
    reference = None
    for visible, hidden in (("binary", "binary"), ("gaussian", "binary"), ("gaussian", "relu")):
        rbm = RBM.random(784, 500, scale=0.01, seed=0, visible=visible, hidden=hidden)
        sweeps = 20
        seconds = warm_median_seconds(lambda: statmech.sample(rbm, 1.0, sampler=statmech.mc.BlockGibbs(), n_sweeps=sweeps,
                                                         n_chains=64, seed=0, progress=False)) / sweeps
        reference = reference or seconds
        print(f"{visible + '-' + hidden:<18}{seconds * 1e3:8.2f} ms  ({seconds / reference:.2f}x)")


def learning():
    try:
        from statmech.datasets import digits
        grey = digits(threshold=None)
    except ImportError:
        print("\n3. learning: skipped (needs scikit-learn)")
        return
    from statmech.learning import BernoulliRBM, GaussianBernoulliRBM, log_likelihood
    binary = digits()
    mean, scale = grey.X_train.mean(0), grey.X_train.std(0)
    scale[scale == 0] = 1.0
    standard_train, standard_test = (grey.X_train - mean) / scale, (grey.X_test - mean) / scale
    print(f"\n3. learning on digits (64 visible, 12 hidden so that the log-likelihood is exact; batch 20; "
          f"{EPOCHS} epochs): seconds per epoch (median of {REPEATS}) and held-out ln p per image")
    for method in ("pcd", "tap2"):
        for cls, train, test, rate in ((BernoulliRBM, binary.X_train, binary.X_test, 0.05),
                                       (GaussianBernoulliRBM, standard_train, standard_test, 0.01)):
            def fit():
                return cls(n_components=12, method=method, learning_rate=rate, batch_size=20, n_iter=EPOCHS,
                           seed=0).fit(train)
            seconds = warm_median_seconds(fit) / EPOCHS
            print(f"{cls.__name__:<22}{method:<6}{seconds * 1e3:8.1f} ms/epoch   "
                  f"ln p = {log_likelihood(fit(), test).value:8.2f}")


if __name__ == "__main__":
    unit_formulas()
    block_gibbs()
    learning()
