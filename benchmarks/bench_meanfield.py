"""Cost of one TAP2 fixed-point iteration against the bare products it needs.

One TAP2 iteration of a pairwise model computes J m and J**2 v(m) (two products of an
n x n matrix) plus O(n) elementwise work; an RBM iteration updates v from h and then h
from v, i.e. products with W.T, (W**2).T, W and W**2. The table gives the median time
per iteration (over repeats of many iterations, setup excluded), the median time of one
bare product with the matrix, and their ratios: against one product, and against the
products the iteration cannot avoid. Goal: within 2x of the products. BLAS threads are
set through the environment, 1 thread first, then 2. Run:
python benchmarks/bench_meanfield.py
"""
import os
import subprocess
import sys

from _timing import median_seconds


def run(threads):
    import numpy as np

    import statmech
    from statmech.models import RBM, SherringtonKirkpatrick

    def per_iteration(model, beta, init, iterations):
        # difference of two run lengths removes the setup (W**2, validation, free energy)
        def solve(k):
            return lambda: statmech.mean_field(model, beta, method="tap2", damping=0.5, tol=0.0, max_iter=k, init=init,
                                               on_failure="warn")
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solve(2)()
            long, short = median_seconds(solve(iterations)), median_seconds(solve(iterations // 5))
        return (long - short) / (iterations - iterations // 5)

    rows = []
    sk = SherringtonKirkpatrick(2000, seed=0)
    J = sk.couplings
    m = np.random.default_rng(0).uniform(-0.5, 0.5, (1, 2000))
    bare = median_seconds(lambda: [m @ J for _ in range(50)]) / 50
    rows.append(("SK n = 2000, one start", per_iteration(sk, 0.5, m[0], 100), bare, 2))
    rbm = RBM.random(784, 500, scale=0.01, seed=0)
    W = rbm.weights
    for batch in (1, 100):
        v = np.random.default_rng(0).uniform(0.1, 0.9, (batch, 784))
        bare = median_seconds(lambda: [v @ W for _ in range(20)]) / 20
        init = v[0] if batch == 1 else v
        rows.append((f"RBM 784 x 500, batch {batch}", per_iteration(rbm, 1.0, init, 100), bare, 4))
    print(f"\n{threads} BLAS thread(s)")
    print(f"{'problem':<28}{'per iteration':>15}{'one product':>13}{'ratio':>8}{'products':>10}{'ratio/products':>16}")
    for name, iteration, product, count in rows:
        print(f"{name:<28}{iteration * 1e3:12.3f} ms{product * 1e3:10.3f} ms{iteration / product:8.2f}"
              f"{count:>10}{iteration / (count * product):16.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run(int(sys.argv[1]))
    else:
        for threads in (1, 2):
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                       MKL_NUM_THREADS=str(threads))
            subprocess.run([sys.executable, __file__, str(threads)], env=env, check=True)
