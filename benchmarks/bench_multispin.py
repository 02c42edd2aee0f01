"""Multi-spin coding: per-lane Bernoulli bits, and packed sweeps of the 2D Ising model at T_c.

1. Per-lane Bernoulli bits: ns per bit, against one float uniform per lane.

64 lanes, each with its own probability (here the Metropolis acceptance exp(-4 beta) at
lane-dependent beta near the 2D Ising T_c): ``bernoulli_word`` (bit planes, stops when every
lane is decided) against the unpacked way, one ``uniform()`` and a comparison per lane.
2. ``multispin_sweeps`` (64 replicas in the bits of each word, sequential Metropolis sweeps)
on an L x L torus at beta_c, against statmech's checkerboard Metropolis kernel on one
system, both on one thread: ns per attempted flip.
Medians of repeats, compile time reported apart.
Run: python benchmarks/bench_multispin.py [L]
"""
import sys
import time

from _timing import median_seconds

import numpy as np

import statmech
from statmech import mc
from statmech.analysis.exact_results import ISING_2D_BETA_C
from statmech.jit import njit
from statmech.mc._kernels import METROPOLIS
from statmech.mc._multispin import COUNTER_PLANES, class_planes, multispin_sweeps, pack, packed_lattice
from statmech.models import Ising
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
    sweeps(int(sys.argv[1]) if len(sys.argv) > 1 else 256)


def sweeps(L, n_sweeps=10):
    threads = statmech.get_num_threads()
    statmech.set_num_threads(1)
    model = Ising.square(L)
    lattice = packed_lattice(model)
    planes = class_planes(lattice, np.full((1, 64), ISING_2D_BETA_C), METROPOLIS)
    spins = pack(model.random_states(64, seed=0))
    rng = random_streams(np.random.SeedSequence(1), (1,)).copy()
    accepted = np.zeros((1, COUNTER_PLANES), np.uint64)

    def packed_sweeps(count):
        multispin_sweeps(spins, lattice.neighbours, lattice.anti, lattice.frustrated, lattice.field, *planes, rng,
                         accepted, count)
    start = time.perf_counter()
    packed_sweeps(1)
    print(f"\nfirst packed sweep (compile or cache load included): {time.perf_counter() - start:.2f} s")
    packed_ns = median_seconds(lambda: packed_sweeps(n_sweeps), 5) / (64 * L * L * n_sweeps) * 1e9
    state = model.random_states(1, seed=0)
    statmech.sample(model, ISING_2D_BETA_C, sampler=mc.Metropolis(), n_sweeps=1, n_chains=1, seed=0, progress=False)
    checker_ns = median_seconds(lambda: statmech.sample(model, ISING_2D_BETA_C, sampler=mc.Metropolis(),
                                                        n_sweeps=n_sweeps, thin=n_sweeps, n_chains=1,
                                                        initial_states=state, seed=1, progress=False),
                                5) / (L * L * n_sweeps) * 1e9
    statmech.set_num_threads(threads)
    print(f"2D Ising {L} x {L} at beta_c, one thread, ns per attempted flip:")
    print(f"  multispin_sweeps (64 replicas per word)   {packed_ns:8.3f}")
    print(f"  checkerboard Metropolis (statmech.sample)  {checker_ns:8.3f}")
    print(f"  ratio: {checker_ns / packed_ns:.1f}x")


if __name__ == "__main__":
    main()
