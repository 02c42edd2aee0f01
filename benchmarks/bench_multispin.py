"""Per-lane Bernoulli bits for multi-spin coding: ns per bit, against one float uniform per lane.

64 lanes, each with its own probability (here the Metropolis acceptance exp(-4 beta) at
lane-dependent beta near the 2D Ising T_c): ``bernoulli_word`` (bit planes, stops when every
lane is decided) against the unpacked way, one ``uniform()`` and a comparison per lane.
Medians of repeats, one thread, compile time reported apart.
Run: python benchmarks/bench_multispin.py
"""
import time

import numpy as np

from statmech.jit import njit
from statmech.mc._multispin import bernoulli_word, probability_planes
from statmech.rng import random_streams, uniform

N_WORDS = 1_000_000


@njit
def packed(planes, certain, fixed, rng, n_words):
    total = np.uint64(0)
    for _ in range(n_words):
        total ^= bernoulli_word(planes, certain, fixed, rng)
    return total


@njit
def unpacked(p, rng, n_words):
    total = 0
    for _ in range(n_words):
        for lane in range(64):
            total += uniform(rng) < p[lane]
    return total


def median_seconds(func, repeats=7):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    p = np.exp(-4 * np.linspace(0.40, 0.48, 64))
    planes, certain, fixed = probability_planes(p)
    rng = random_streams(np.random.SeedSequence(0), (1,))[0].copy()
    start = time.perf_counter()
    packed(planes, certain, fixed, rng, 1)
    unpacked(p, rng, 1)
    print(f"first calls (compile or cache load): {time.perf_counter() - start:.2f} s")
    bits = 64 * N_WORDS
    t_packed = median_seconds(lambda: packed(planes, certain, fixed, rng, N_WORDS)) / bits * 1e9
    t_unpacked = median_seconds(lambda: unpacked(p, rng, N_WORDS)) / bits * 1e9
    print(f"{'method':<36}{'ns per lane bit':>16}")
    print(f"{'bernoulli_word (bit planes)':<36}{t_packed:16.3f}")
    print(f"{'uniform() < p per lane':<36}{t_unpacked:16.3f}")
    print(f"ratio: {t_unpacked / t_packed:.1f}x")


if __name__ == "__main__":
    main()
