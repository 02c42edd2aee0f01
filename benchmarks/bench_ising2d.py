"""Checkerboard Metropolis on a 1024 x 1024 Ising torus at T_c: ns per spin-update attempt.

statmech's numba kernel (one thread, then all threads) against a vectorised numpy
checkerboard sweep written here. Medians of repeats; compile time reported apart.
Run: python benchmarks/bench_ising2d.py
"""
import time

from _timing import median_seconds

import numpy as np

import statmech
from statmech import mc
from statmech.analysis.exact_results import ISING_2D_BETA_C
from statmech.models import Ising

L = 1024
SWEEPS = 20


def numpy_checkerboard(spins, beta, sweeps, rng):
    """The vectorised numpy sweep: neighbour sums by np.roll, one colour at a time."""
    colour = np.indices(spins.shape).sum(axis=0) % 2
    for _ in range(sweeps):
        for c in (0, 1):
            neighbours = (np.roll(spins, 1, 0) + np.roll(spins, -1, 0)
                          + np.roll(spins, 1, 1) + np.roll(spins, -1, 1))
            delta = 2.0 * spins * neighbours
            flip = (colour == c) & (rng.random(spins.shape) < np.exp(-beta * delta))
            spins[flip] *= -1
    return spins


def main():
    model = Ising.square(L)
    beta = ISING_2D_BETA_C
    attempts = L * L * SWEEPS
    threads = statmech.get_num_threads()
    start = time.perf_counter()
    statmech.sample(Ising.square(8), beta, n_sweeps=1, n_chains=1, seed=0, progress=False)
    print(f"first call (compile or cache load): {time.perf_counter() - start:.2f} s\n")
    state = model.random_states(1, seed=0)
    results = {}
    for t in sorted({1, threads}):
        statmech.set_num_threads(t)
        # thin=SWEEPS: one energy/magnetization record at the end, so sweeps are what is timed.
        seconds = median_seconds(lambda: statmech.sample(model, beta, sampler=mc.Metropolis(), n_sweeps=SWEEPS,
                                                         thin=SWEEPS, n_chains=1, initial_states=state,
                                                         seed=1, progress=False))
        results[t] = seconds / attempts * 1e9
    statmech.set_num_threads(threads)
    rng = np.random.default_rng(0)
    spins = state.reshape(L, L).astype(np.int8)
    numpy_ns = median_seconds(lambda: numpy_checkerboard(spins, beta, 2, rng), repeats=3) / (L * L * 2) * 1e9
    print(f"{'implementation':<34}{'ns/attempt':>12}{'vs numpy':>10}")
    print(f"{'numpy checkerboard (vectorised)':<34}{numpy_ns:12.2f}{1.0:10.1f}")
    for t, ns in results.items():
        print(f"{'statmech checkerboard, ' + str(t) + ' thread(s)':<34}{ns:12.2f}{numpy_ns / ns:10.1f}")


if __name__ == "__main__":
    main()
