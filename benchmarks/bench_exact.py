"""Exact enumeration speed: dense SK, statmech.exact against dimod's ExactSolver.

Prints states per second for n = 20, 28 and 30 (one thread, then all threads), the
compile time apart, the peak memory of the n = 30 run, and the ratio against dimod's
ExactSolver at n = 20 (when dimod is installed), which enumerates the same 2**20
states and whose energies are then reduced to ln Z with scipy's logsumexp.
Timings are medians of repeats (one run at n = 30), 1 thread first, then all threads.
Run: python benchmarks/bench_exact.py
"""
import os
import resource
import subprocess
import sys

from _timing import timed

import numpy as np
from scipy.special import logsumexp

import statmech
from statmech.models import SherringtonKirkpatrick

BETAS = np.array([0.5, 1.0, 2.0])


def median_time(func, repeats):
    seconds, _ = timed(func, repeats)
    return float(np.median(seconds)), float(seconds.min())


FIRST_CALL = """
import time, numpy as np, statmech
from statmech.models import SherringtonKirkpatrick
start = time.perf_counter()
statmech.exact(SherringtonKirkpatrick(14, seed=0), np.array([0.5, 1.0, 2.0]))
print(time.perf_counter() - start)
"""


def first_call_seconds(cache):
    env = dict(os.environ, STATMECH_NUMBA_CACHE="1" if cache else "0")
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    threads = statmech.get_num_threads()
    print(f"compile time (first call, cache off): {first_call_seconds(False):.1f} s; "
          f"first call loading the cache: {first_call_seconds(True):.2f} s\n")
    statmech.exact(SherringtonKirkpatrick(14, seed=0), BETAS)
    rss_before = rss_mib()
    print(f"{'n':>3} {'threads':>7} {'seconds':>9} {'states/s':>12}")
    results = {}
    for n, repeats in ((20, 7), (28, 3), (30, 1)):
        sk = SherringtonKirkpatrick(n, seed=0)
        for t in (1, threads):
            statmech.set_num_threads(t)
            seconds, _ = median_time(lambda: statmech.exact(sk, BETAS), repeats)
            results[n, t] = seconds
            print(f"{n:3d} {t:7d} {seconds:9.3f} {2.0 ** n / seconds:12.3g}")
    statmech.set_num_threads(threads)
    print(f"\npeak resident memory: {rss_before:.0f} MiB after compiling, {rss_mib():.0f} MiB after n = 30 "
          "(buffers: 6 x 4096 doubles per thread, 1024 x n_beta x 8 doubles of partial sums)")

    try:
        import dimod
    except ImportError:
        print("\ndimod not installed (pip install '.[bench]'): no peer comparison")
        return
    from statmech.dimod import to_bqm

    n = 20
    sk = SherringtonKirkpatrick(n, seed=0)
    bqm = to_bqm(sk)                    # dimod's energy is +sum h s + sum J s s: to_bqm flips both signs

    def dimod_log_z():
        energies = dimod.ExactSolver().sample(bqm).record.energy
        return logsumexp(-BETAS[:, None] * energies[None, :], axis=1)

    np.testing.assert_allclose(dimod_log_z(), statmech.exact(sk, BETAS).log_z, rtol=1e-10)
    seconds, _ = median_time(dimod_log_z, 3)
    print(f"\ndimod ExactSolver, n = 20 (+ logsumexp for ln Z at {len(BETAS)} betas): {seconds:.3f} s, "
          f"{2.0 ** n / seconds:.3g} states/s")
    print(f"statmech.exact speed-up at n = 20: {seconds / results[20, 1]:.0f}x (1 thread), "
          f"{seconds / results[20, threads]:.0f}x ({threads} threads)")


if __name__ == "__main__":
    main()
