"""RBM training on MNIST-5k: seconds per epoch and test log-likelihood, side by side.

784 visible, 500 hidden, batch 100, the same epochs and learning rate for every method:
PCD-1 against scikit-learn's BernoulliRBM (also PCD-1, run on float64 and on float32 input,
which it keeps), then CD-1, TAP2 and TAP3 (EMF, persistent magnetizations, 3 fixed-point
iterations per update; TAP2 also with 2, which costs 11 products of W's size per update
instead of 15, and in float32). Every trained model,
scikit-learn's included, is scored by the same AIS estimate of the test-set average
log-likelihood (base-rate base model from the training data). Goals: PCD at least 1.5x
scikit-learn's throughput at an equal or better log-likelihood; TAP2 within 3x of PCD
per epoch (the table compares equal precisions; a line after it compares TAP2 in float32
with the default PCD-1 in float64); the last line times the products with W alone, the
floor under both methods.
With seeds > 1 every model is trained once per seed (0, 1, ...), the methods taking
turns within each seed: seconds are medians, the log-likelihood is the mean over seeds
and its spread their standard deviation (a 10-epoch PCD run varies by ~10 nats between
seeds). statmech's PCD-1 rows are scikit-learn's call with statmech's class
(``BernoulliRBM(**PARAMS, random_state=seed).fit(X)``), on float64 and float32 X. Needs
the extras: pip install '.[bench]'. Run:
python benchmarks/bench_rbm.py [epochs] [ais_steps] [seeds]
"""
import sys
import time

import numpy as np

from statmech.datasets import mnist_5k
from statmech.learning import BernoulliRBM, log_likelihood
from statmech.models import RBM

EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
AIS_STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
SEEDS = int(sys.argv[3]) if len(sys.argv) > 3 else 1
HIDDEN, BATCH, RATE = 500, 100, 0.05


def seconds_per_epoch(fits):
    """{name: (median seconds per epoch, trained models)} over the seeds; fits maps a name to
    fit(seed), which returns a model. The methods take turns within each seed, so that a
    host that slows down during the run slows every method alike."""
    seconds = {name: [] for name in fits}
    models = {name: [] for name in fits}
    for seed in range(SEEDS):
        for name, fit in fits.items():
            start = time.perf_counter()
            models[name].append(fit(seed))
            seconds[name].append((time.perf_counter() - start) / EPOCHS)
    return {name: (float(np.median(seconds[name])), models[name]) for name in fits}


#: The parameters both estimators take, by the same names (statmech's is a drop-in).
PARAMS = dict(n_components=HIDDEN, learning_rate=RATE, batch_size=BATCH, n_iter=EPOCHS)


def sklearn_model(X, seed):
    """scikit-learn's BernoulliRBM; it computes in the dtype of X (float64 or float32)."""
    from sklearn.neural_network import BernoulliRBM as Sk
    m = Sk(**PARAMS, random_state=seed).fit(X)
    return RBM(m.components_.T.astype(np.float64), m.intercept_visible_.astype(np.float64),
               m.intercept_hidden_.astype(np.float64))


def main():
    data = mnist_5k()
    X, X_test = data.X_train, data.X_test
    print(f"MNIST-5k binarized: {X.shape[0]} train / {X_test.shape[0]} test, {X.shape[1]} visible, {HIDDEN} hidden, "
          f"batch {BATCH}, learning rate {RATE}, {EPOCHS} epochs; AIS {AIS_STEPS} steps x 100 chains\n")
    for method in ("pcd", "tap2"):      # compile / load the kernels outside the timings
        for dtype in (np.float64, np.float32):
            BernoulliRBM(n_components=4, method=method, n_iter=1, batch_size=BATCH, dtype=dtype).fit(X[:200])
    from sklearn.neural_network import BernoulliRBM as Sk     # its first fit (imports, BLAS) untimed, as ours
    Sk(n_components=4, n_iter=1, batch_size=BATCH).fit(X[:200])
    X32 = X.astype(np.float32)
    fits = {"scikit-learn PCD-1 float64": lambda seed: sklearn_model(X, seed),
            "scikit-learn PCD-1 float32": lambda seed: sklearn_model(X32, seed),
            # the same call on the same data: both keep float32 input in float32
            "statmech PCD-1 float64": lambda seed: BernoulliRBM(**PARAMS, random_state=seed).fit(X).model_,
            "statmech PCD-1 float32": lambda seed: BernoulliRBM(**PARAMS, random_state=seed).fit(X32).model_}
    for name, params in (("statmech CD-1", dict(method="cd")),
                         ("statmech TAP2", dict(method="tap2")),
                         ("statmech TAP2 float32", dict(method="tap2", dtype=np.float32)),
                         ("statmech TAP2, 2 iterations", dict(method="tap2", mf_iter=2)),
                         ("statmech TAP3", dict(method="tap3"))):
        fits[name] = lambda seed, params=params: BernoulliRBM(**PARAMS, **params, random_state=seed).fit(X).model_
    runs = [(name, *timed) for name, timed in seconds_per_epoch(fits).items()]
    sklearn_seconds = {n[-7:]: s for n, s, _ in runs if n.startswith("scikit")}
    pcd_by_precision = {n[-7:]: s for n, s, _ in runs if n.startswith("statmech PCD-1")}
    pcd_seconds = pcd_by_precision["float64"]
    spread = "AIS error" if SEEDS == 1 else "sd (seeds)"
    # "vs sklearn" and "vs PCD": scikit-learn's and statmech's PCD-1 seconds at the same
    # precision (float32 rows against the float32 runs, the others against float64)
    print(f"{'method':<30}{'s/epoch':>9}{'vs sklearn':>11}{'vs PCD':>8}{'test ln p(x)':>14}{spread:>11}")
    for name, seconds, models in runs:
        scores = [log_likelihood(model, X_test, method="ais", n_steps=AIS_STEPS, n_chains=100, base_data=X, seed=0)
                  for model in models]
        values = np.array([score.value for score in scores])
        error = scores[0].error if SEEDS == 1 else values.std(ddof=1)
        precision = "float32" if name.endswith("float32") else "float64"
        reference = sklearn_seconds.get(precision, float("nan"))
        print(f"{name:<30}{seconds:9.3f}{reference / seconds:10.2f}x{pcd_by_precision[precision] / seconds:7.2f}x"
              f"{values.mean():14.2f}{error:11.2f}", flush=True)
    seconds = {name: s for name, s, _ in runs}
    print(f"\nTAP2 in float32 (EMF in float32) against the default PCD-1 (float64): "
          f"{seconds['statmech TAP2 float32'] / pcd_seconds:.2f}x the PCD-1 epoch")
    pcd, tap2 = products_alone(n_updates=-(-len(X) // BATCH), n_visible=X.shape[1])
    print(f"\nThe products with W alone (float64, same shapes and order, one epoch, median of 7): PCD-1 "
          f"{pcd:.3f} s (3 per update), TAP2 {tap2:.3f} s (15 per update) = {tap2 / pcd_seconds:.2f}x the "
          f"PCD-1 epoch above")


def products_alone(n_updates, n_visible, repeats=7):
    """Seconds per epoch of just the matrix products an update makes with W (or W**2).

    PCD-1: the chains' h -> v product, [data; chains] @ W (200 rows) and the stacked
    gradient product. TAP2 with 3 fixed-point iterations: per iteration h @ W.T,
    var(h) @ (W**2).T, v @ W, var(v) @ W**2; then the data's v @ W, the stacked gradient
    product and the Onsager term's var_v.T @ var_h. A floor on either method's epoch.
    """
    rng = np.random.default_rng(0)
    W = rng.normal(0.0, 0.05, (n_visible, HIDDEN))
    out = np.empty_like(W)
    h, v = rng.random((BATCH, HIDDEN)), rng.random((BATCH, n_visible))
    rows_v, rows_h = rng.random((2 * BATCH, n_visible)), rng.random((2 * BATCH, HIDDEN))

    def pcd():
        for _ in range(n_updates):
            h @ W.T, rows_v @ W, np.matmul(rows_v.T, rows_h, out=out)

    def tap2():
        for _ in range(n_updates):
            W2 = W * W
            for _ in range(3):
                h @ W.T, h @ W2.T, v @ W, v @ W2
            v @ W, np.matmul(rows_v.T, rows_h, out=out), v.T @ h

    seconds = {pcd: [], tap2: []}
    for _ in range(repeats):
        for run in seconds:
            start = time.perf_counter()
            run()
            seconds[run].append(time.perf_counter() - start)
    return float(np.median(seconds[pcd])), float(np.median(seconds[tap2]))


if __name__ == "__main__":
    main()
