"""Threads: every driver at its default thread count against one thread, on an idle
machine and beside a busy neighbour (a second process spinning on one core).

A parallel region pays only when each of its threads gets enough work: below that, the
fork and join cost more than they save, and beside a busy process a thread that the OS
has descheduled stalls the whole region for a time slice. Each row times one call of a
driver (median of ``--repeats``, one and default threads alternated); the ratio column is
one-thread seconds / default seconds, so >= 1 means the default is not slower. Goal
(issue 30): every ratio >= 0.9, and >= 1.7 on idle cores where the work is large.

Chain counts are given explicitly, so that code whose defaults differ runs the same work.
Beside a busy process the timings scatter by 10-20% from run to run, also in rows where
both columns run the same code (PCD's threads are BLAS's, which neither column sets).

Run: python benchmarks/bench_threads.py [--repeats 7] [--only NAME ...]
"""
import argparse
import subprocess
import sys
import time
import warnings

import numpy as np

import statmech
from statmech import mc, schedules
from statmech.models import EdwardsAnderson, Ising, SherringtonKirkpatrick


def cases():
    """{(driver, size): a call}; models built once, outside the timing."""
    ea16 = EdwardsAnderson.square(16, "pm1", seed=0)
    sk_small, sk_large = SherringtonKirkpatrick(64, seed=0), SherringtonKirkpatrick(1000, seed=0)
    ising = Ising.square(256)
    glasses = [EdwardsAnderson.square(8, "pm1", seed=k) for k in range(8)]
    cubes = [EdwardsAnderson.cubic(8, "pm1", seed=k) for k in range(32)]
    ladder = np.linspace(0.2, 2.0, 16)
    rng = np.random.default_rng(0)
    small_data = (rng.random((500, 64)) < 0.3).astype(float)
    large_data = (rng.random((2000, 784)) < 0.2).astype(float)

    def rbm(data, hidden):
        from statmech.learning import BernoulliRBM
        return lambda: BernoulliRBM(hidden, method="pcd", batch_size=100, n_iter=1, random_state=0).fit(data)

    quiet = {"seed": 0, "progress": False}
    return {
        ("sample", "EA 16^2, 4 chains"): lambda: statmech.sample(ea16, 1.0, n_sweeps=2000, n_chains=4, **quiet),
        ("sample", "Ising 256^2, 512 chains"): lambda: statmech.sample(ising, 0.44, n_sweeps=50, n_chains=512,
                                                                       **quiet),
        ("sample", "SK 1000, 4 chains"): lambda: statmech.sample(sk_large, 1.0, n_sweeps=100, n_chains=4, **quiet),
        ("anneal", "EA 16^2, 64 chains, 2000 betas"): lambda: statmech.anneal(
            ea16, schedules.geometric(0.1, 4, 2000), n_chains=64, **quiet),
        ("anneal", "SK 64, 16 chains, 2000 betas"): lambda: statmech.anneal(
            sk_small, schedules.geometric(0.1, 4, 2000), n_chains=16, **quiet),
        ("anneal", "SK 1000, 16 chains, 300 betas"): lambda: statmech.anneal(
            sk_large, schedules.geometric(0.1, 4, 300), n_chains=16, **quiet),
        ("parallel_tempering", "EA 16^2, 16 betas"): lambda: statmech.parallel_tempering(
            ea16, ladder, n_sweeps=500, n_chains=2, **quiet),
        ("parallel_tempering", "SK 1000, 16 betas"): lambda: statmech.parallel_tempering(
            sk_large, ladder, n_sweeps=20, n_chains=2, **quiet),
        ("parallel_tempering_batch", "8 EA 8^2"): lambda: mc.parallel_tempering_batch(
            glasses, ladder, n_sweeps=500, n_chains=2, **quiet),
        ("parallel_tempering_batch", "32 EA 8^3"): lambda: mc.parallel_tempering_batch(
            cubes, ladder, n_sweeps=200, n_chains=2, **quiet),
        ("exact", "SK 16"): lambda: statmech.exact(SherringtonKirkpatrick(16, seed=0), [0.5, 1.0]),
        ("exact", "SK 26"): lambda: statmech.exact(SherringtonKirkpatrick(26, seed=0), [0.5, 1.0]),
        ("ais", "SK 64, 256 chains, 200 betas"): lambda: mc.ais(sk_small, schedules.linear(0, 1, 200), **quiet),
        ("ais", "SK 1000, 64 chains, 50 betas"): lambda: mc.ais(sk_large, schedules.linear(0, 1, 50), n_chains=64,
                                                                **quiet),
        ("population_annealing", "SK 64, 1000 chains, 100 betas"): lambda: mc.population_annealing(
            sk_small, schedules.linear(0, 1, 100), n_populations=2, **quiet),
        ("population_annealing", "SK 1000, 200 chains, 20 betas"): lambda: mc.population_annealing(
            sk_large, schedules.linear(0, 1, 20), n_chains=200, n_populations=2, **quiet),
        ("PCD", "RBM 64x32, 500 samples"): rbm(small_data, 32),
        ("PCD", "RBM 784x256, 2000 samples"): rbm(large_data, 256),
    }


def seconds(call, threads):
    statmech.set_num_threads(threads)
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(call, default, repeats):
    """Median seconds of one call at one thread and at ``default`` threads, alternated."""
    one, many = [], []
    for _ in range(repeats):
        one.append(seconds(call, 1))
        many.append(seconds(call, default))
    return float(np.median(one)), float(np.median(many))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", nargs="*", default=None, help="drivers to run (default: all)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")        # AIS on few chains warns of its error bar: only time counts here
    default = statmech.get_num_threads()
    table = {key: call for key, call in cases().items() if args.only is None or key[0] in args.only}
    start = time.perf_counter()
    for call in table.values():                 # compile or load every kernel, at both counts
        seconds(call, 1)
        seconds(call, default)
    print(f"compile or cache load, both thread counts: {time.perf_counter() - start:.1f} s; default threads "
          f"{default}\n")
    rows = {key: measure(call, default, args.repeats) for key, call in table.items()}
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        busy = {key: measure(call, default, args.repeats) for key, call in table.items()}
    finally:
        spinner.kill()
    statmech.set_num_threads(default)
    print(f"{'driver':25s} {'size':32s} {'idle 1t s':>10s} {'default s':>10s} {'ratio':>6s}   "
          f"{'busy 1t s':>10s} {'default s':>10s} {'ratio':>6s}")
    for (driver, size), (one, many) in rows.items():
        b_one, b_many = busy[driver, size]
        print(f"{driver:25s} {size:32s} {one:10.4f} {many:10.4f} {one / many:6.2f}   "
              f"{b_one:10.4f} {b_many:10.4f} {b_one / b_many:6.2f}")


if __name__ == "__main__":
    main()
