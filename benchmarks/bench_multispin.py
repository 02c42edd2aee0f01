"""Multi-spin coding (``mc.MultiSpin``, 64 chains per 64-bit word) against statmech's other
kernels and a numpy checkerboard: ns per attempted flip, medians of repeats, compile time
reported apart, ratios from one run.

1. Per-lane Bernoulli bits (``bernoulli_word``) against ``uniform() < p`` per lane.
2. 2D Ising L x L torus at beta_c, Metropolis, one thread: numpy checkerboard (one system),
   statmech's checkerboard kernel (one chain), MultiSpin with 64 chains (one word) and with
   256 (four words, swept together as one SIMD group).
3. 3D +-J Edwards-Anderson L^3 at beta = 0.9, heat bath, one thread: the pairwise kernel
   (one chain), the SIMD lanes kernel (64 chains), MultiSpin (64 and 256 chains).
4. Threads: MultiSpin with 512 chains (two SIMD groups of four words) on 1 and 2 threads,
   256^2 and 512^2 (larger lattices need minutes per round: packing 512 chains' states costs
   as much as the sweeps), three rounds each with the load average before it (a quiet
   machine has a load near 0); then the packed kernel alone at 1024^2 and 2048^2.
5. ``--scaling``: ns per attempt against L (2D: 64 .. 4096, 3D: 8 .. 64) for each kernel,
   and for the packed MultiSpin kernel alone (1 word, 4 words) on random packed words
   (through ``statmech.sample``, MultiSpin with 256 chains runs up to 2D L = 1024: beyond,
   their int8 states alone fill GBs; the kernel alone needs 32 B per site).

6. Many disorder instances per word: parallel tempering of 64 3D +-J glasses (L = 4, 8, 16;
   2 ladders of 16 betas, 32 chains per instance), one instance after another
   (``parallel_tempering``: MultiSpin, one half-full word each) against all at once
   (``parallel_tempering_batch``: two instances per word, four words per SIMD group), and the
   unpacked kernel on a few instances for scale; one thread, whole runs (swaps, overlaps and
   records included), medians of three rounds taken in turn.

7. Where the time goes: the packed kernel alone with one beta for all lanes, with a beta per
   lane, and with no random bits drawn (every class marked as needing none: not a valid
   simulation, the floor under the acceptance draws).

Run: python benchmarks/bench_multispin.py [--L 1024] [--L3 32] [--scaling]
"""
import argparse
import os
import time

from _timing import median_seconds
from bench_ising2d import numpy_checkerboard

import numpy as np

import statmech
from statmech import mc
from statmech.analysis.exact_results import ISING_2D_BETA_C
from statmech.jit import njit
from statmech.mc.engines import multispin_kernels as _multispin
from statmech.mc.engines.multispin_kernels import bernoulli_word, probability_planes
from statmech.models import EdwardsAnderson, Ising
from statmech.rng import random_streams, uniform

N_WORDS = 1_000_000
BETA_EA = 0.9


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


def bernoulli_bits():
    p = np.exp(-4 * np.linspace(0.40, 0.48, 64))
    planes, certain, fixed = probability_planes(p)
    rng = random_streams(np.random.SeedSequence(0), (1,))[0].copy()
    packed(planes, certain, fixed, rng, 1)
    unpacked(p, rng, 1)
    bits = 64 * N_WORDS
    t_packed = median_seconds(lambda: packed(planes, certain, fixed, rng, N_WORDS)) / bits * 1e9
    t_unpacked = median_seconds(lambda: unpacked(p, rng, N_WORDS)) / bits * 1e9
    print(f"1. Bernoulli bits, ns per lane bit: bit planes {t_packed:.3f}, uniform() < p {t_unpacked:.3f} "
          f"({t_unpacked / t_packed:.1f}x)")


def per_attempt(model, beta, sampler, n_chains, n_sweeps, repeats=3):
    """ns per attempted flip of statmech.sample: the time of n_sweeps + 1 sweeps less that of
    one sweep (set-up, validation and the final states are paid once per call, not per sweep;
    one record at the end), the median over repeats of the difference of a pair of calls
    made one after the other (a pause of the machine then spoils one pair, not the
    difference of two medians)."""
    states = model.random_states(n_chains, seed=0)

    def call(sweeps):
        return lambda: statmech.sample(model, beta, sampler=sampler, n_sweeps=sweeps, thin=sweeps,
                                       n_chains=n_chains, initial_states=states, seed=1, progress=False)
    call(1)()
    ones, differences = [], []
    for _ in range(repeats):
        one = median_seconds(call(1), 1)
        differences.append(median_seconds(call(n_sweeps + 1), 1) - one)
        ones.append(one)
    return float(np.median(differences)) / (n_sweeps * n_chains * model.n) * 1e9, float(np.median(ones))


def kernel_per_attempt(model, beta, sampler, n_chains, n_sweeps, repeats=3, random_bits=True):
    """ns per attempted flip of the packed kernel alone (``_multispin.multispin_run`` on
    random packed words: no int8 states, no packing), timed as :func:`per_attempt` (n_sweeps
    + 1 sweeps less one, median of repeats). Reaches lattices whose int8 states would not
    fit in memory for 256 chains (4096^2: 4 GB). ``beta`` a number (every lane shares it)
    or one per chain (per-lane betas, as tempering runs). ``random_bits=False`` times
    everything but the random bits: every class is marked as needing none (not a valid
    simulation; the floor under the acceptance draws)."""
    lattice = _multispin.packed_lattice(model)
    n_words = n_chains // 64
    spins = np.random.default_rng(0).integers(0, 2 ** 64, (n_words, lattice.n), dtype=np.uint64)
    active = np.full(n_words, ~np.uint64(0))
    betas = np.broadcast_to(np.asarray(beta, dtype=float), (n_chains,)).reshape(n_words, 64)
    planes = _multispin.class_planes(lattice, betas, sampler.rule, active)
    plan, fold = _multispin.sweep_plan(lattice, sampler.rule, planes[1], active)
    if not random_bits:
        planes[2][:] = ~np.uint64(0)
    rng = random_streams(np.random.SeedSequence(1), (n_words,))
    constants = np.array([lattice.magnitude, lattice.field, lattice.offset])
    accepted, energy, trace = np.zeros((n_words, 64), np.int64), np.zeros(n_chains), np.zeros((n_chains, 1))

    def call(sweeps):
        return lambda: _multispin.multispin_run(spins, lattice.neighbours, lattice.anti, lattice.frustrated, plan,
                                                fold, constants, *planes, rng, accepted, 1, sweeps, energy, trace,
                                                trace, 0)
    call(1)()
    differences = [median_seconds(call(n_sweeps + 1), 1) - median_seconds(call(1), 1) for _ in range(repeats)]
    return float(np.median(differences)) / (n_sweeps * n_chains * model.n) * 1e9


def floor(L, L3):
    """Stage 7: where the packed kernel's time goes, one thread, 256 chains (one SIMD group of
    four words): every lane at one beta, each lane at its own beta (a ladder, as tempering
    runs), and everything but the random bits."""
    print(f"\n7. The packed kernel alone, 256 chains, one thread, ns per attempted flip (medians of 3): "
          f"one beta for every lane, a beta per lane, and no random bits (the floor under the draws)")
    cases = (("2D Ising", Ising.square(L), ISING_2D_BETA_C, mc.MultiSpin("metropolis"), np.linspace(0.3, 0.6, 256)),
             ("3D +-J", EdwardsAnderson.cubic(L3, "pm1", seed=0), BETA_EA, mc.MultiSpin(), np.linspace(0.5, 1.5, 256)))
    for name, model, beta, sampler, ladder in cases:
        n_sweeps = sweeps_for(model.n, 256, 1e10)
        shared, per_lane, bare = (kernel_per_attempt(model, b, sampler, 256, n_sweeps, random_bits=r)
                                  for b, r in ((beta, True), (ladder, True), (beta, False)))
        numpy = square(L, ("numpy",))["numpy"] if name == "2D Ising" else np.nan
        print(f"   {name} n = {model.n}: one beta {shared:.3f}, a beta per lane {per_lane:.3f}, "
              f"no random bits {bare:.3f} (the draws: {(shared - bare) / shared:.0%} of the time)"
              + (f"; numpy checkerboard {numpy:.1f} ns = {numpy / shared:.0f}x one beta" if numpy == numpy else ""),
              flush=True)


def sweeps_for(n_sites, n_chains, budget=3e8):
    return max(8, int(budget / (n_sites * n_chains)))


def square(L, kernels=("numpy", "checkerboard", "multispin", "multispin group")):
    model, beta, out = Ising.square(L), ISING_2D_BETA_C, {}
    if "numpy" in kernels:
        spins = model.random_states(1, seed=0).reshape(L, L)
        rng = np.random.default_rng(0)
        out["numpy"] = median_seconds(lambda: numpy_checkerboard(spins, beta, 2, rng), 3) / (2 * L * L) * 1e9
    if "checkerboard" in kernels:
        out["checkerboard"] = per_attempt(model, beta, mc.Metropolis(checkerboard=True), 1,
                                          sweeps_for(L * L, 1))[0]
    if "multispin" in kernels:
        out["multispin"] = per_attempt(model, beta, mc.MultiSpin("metropolis"), 64, sweeps_for(L * L, 64))[0]
    if "multispin group" in kernels:
        out["multispin group"] = per_attempt(model, beta, mc.MultiSpin("metropolis"), 256,
                                             sweeps_for(L * L, 256, 3e10))[0]
    return out


def cubic(L, kernels=("pairwise", "lanes", "multispin", "multispin group")):
    model, out = EdwardsAnderson.cubic(L, "pm1", seed=0), {}
    samplers = {"pairwise": (mc.HeatBath(lanes=False, multispin=False), 1),
                "lanes": (mc.HeatBath(lanes=True), 64), "multispin": (mc.MultiSpin(), 64),
                "multispin group": (mc.MultiSpin(), 256)}
    for name in kernels:
        sampler, n_chains = samplers[name]
        out[name] = per_attempt(model, BETA_EA, sampler, n_chains, sweeps_for(L ** 3, n_chains))[0]
    return out


def thread_rounds(time_per_attempt, sizes, threads):
    """Stage 4's rounds: ns per attempt of ``time_per_attempt(model)`` on 1 and 2 threads,
    three rounds per L x L torus, with the load average before each round."""
    for L in sizes:
        model, rounds = Ising.square(L), []
        for _ in range(3):
            load, times = os.getloadavg()[0], {}
            for t in sorted({1, min(2, threads)}):
                statmech.set_num_threads(t)
                times[t] = time_per_attempt(model)
            rounds.append(f"{times[1]:.3f} / {times[2]:.3f} ns = {times[1] / times[2]:.2f}x (load {load:.2f})"
                          if 2 in times else f"{times[1]:.3f} ns (one thread only)")
        print(f"   {L}^2: " + "; ".join(rounds), flush=True)


def scaling():
    """Stage 5 (one thread)."""
    print("\n5. ns per attempted flip against L, one thread; through statmech.sample, and the packed kernel "
          "alone (random words, no packing)")
    print(f"   {'2D L':>6}{'checkerboard':>14}{'MultiSpin':>11}{'MultiSpin x4':>14}{'kernel 1 word':>15}"
          f"{'kernel x4':>11}")
    for L in (64, 128, 256, 512, 1024, 2048, 4096):     # 256 chains of 2048^2 spins: 1 GB of states
        r = square(L, ("checkerboard", "multispin") + (("multispin group",) if L <= 1024 else ()))
        model, sampler = Ising.square(L), mc.MultiSpin("metropolis")
        kernel = [kernel_per_attempt(model, ISING_2D_BETA_C, sampler, c, sweeps_for(model.n, c, 1e10))
                  for c in (64, 256)]
        print(f"   {L:>6}{r['checkerboard']:14.3f}{r['multispin']:11.3f}{r.get('multispin group', np.nan):14.3f}"
              f"{kernel[0]:15.3f}{kernel[1]:11.3f}", flush=True)
    print(f"   {'3D L':>6}{'pairwise':>14}{'lanes':>11}{'MultiSpin':>11}{'MultiSpin x4':>14}{'kernel 1 word':>15}"
          f"{'kernel x4':>11}")
    for L in (8, 16, 32, 64):
        r = cubic(L)
        model = EdwardsAnderson.cubic(L, "pm1", seed=0)
        kernel = [kernel_per_attempt(model, BETA_EA, mc.MultiSpin(), c, sweeps_for(model.n, c, 1e10))
                  for c in (64, 256)]
        print(f"   {L:>6}{r['pairwise']:14.3f}{r['lanes']:11.3f}{r['multispin']:11.3f}{r['multispin group']:14.3f}"
              f"{kernel[0]:15.3f}{kernel[1]:11.3f}", flush=True)


def batch(sizes=(4, 8, 16), n_models=64, n_betas=16, budget=2e8, rounds=3):
    """Stage 6: ns per attempted flip of whole tempering runs of n_models instances."""
    betas = np.geomspace(0.3, 1.5, n_betas)
    print(f"\n6. Parallel tempering of {n_models} 3D +-J EA instances, 2 ladders x {n_betas} betas each, one thread, "
          f"ns per attempted flip (whole runs):")
    print(f"   {'L':>3}{'sweeps':>8}{'unpacked (1 at a time)':>24}{'MultiSpin (1 at a time)':>25}"
          f"{'batch':>8}{'batch vs 1 at a time':>22}")
    for L in sizes:
        models = [EdwardsAnderson.cubic(L, "pm1", seed=s) for s in range(n_models)]
        n_sweeps = max(20, int(budget / (n_models * 2 * n_betas * models[0].n)))
        attempts = 2 * n_betas * models[0].n * n_sweeps
        few = models[:4]

        def unpacked():
            for k, model in enumerate(few):
                mc.parallel_tempering(model, betas, n_sweeps=n_sweeps, sampler=mc.HeatBath(multispin=False), seed=k,
                                      progress=False)

        def one_at_a_time():
            for k, model in enumerate(models):
                mc.parallel_tempering(model, betas, n_sweeps=n_sweeps, seed=k, progress=False)

        def together():
            mc.parallel_tempering_batch(models, betas, n_sweeps=n_sweeps, seed=0, progress=False)

        mc.parallel_tempering(few[0], betas, n_sweeps=2, sampler=mc.HeatBath(multispin=False), progress=False)
        mc.parallel_tempering(few[0], betas, n_sweeps=2, progress=False)
        mc.parallel_tempering_batch(models, betas, n_sweeps=2, progress=False)       # compile or cache load
        times = {name: [] for name in ("unpacked", "one", "batch")}
        for _ in range(rounds):
            times["unpacked"].append(median_seconds(unpacked, 1) / (len(few) * attempts) * 1e9)
            times["one"].append(median_seconds(one_at_a_time, 1) / (n_models * attempts) * 1e9)
            times["batch"].append(median_seconds(together, 1) / (n_models * attempts) * 1e9)
        ns = {name: float(np.median(values)) for name, values in times.items()}
        print(f"   {L:>3}{n_sweeps:>8}{ns['unpacked']:>24.3f}{ns['one']:>25.3f}{ns['batch']:>8.3f}"
              f"{ns['one'] / ns['batch']:>21.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--L", type=int, default=1024)
    parser.add_argument("--L3", type=int, default=32)
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--only-floor", action="store_true", help="only stage 7")
    args = parser.parse_args()
    if args.only_floor:
        statmech.set_num_threads(1)
        floor(args.L, args.L3)
        return
    threads = statmech.get_num_threads()
    statmech.set_num_threads(1)
    start = time.perf_counter()
    for sampler in (mc.MultiSpin(), mc.MultiSpin("metropolis")):
        statmech.sample(Ising.square(4), 0.4, sampler=sampler, n_sweeps=1, n_chains=64, seed=0, progress=False)
    print(f"first MultiSpin calls (compile or cache load): {time.perf_counter() - start:.2f} s\n")
    bernoulli_bits()

    result = square(args.L)
    print(f"\n2. 2D Ising {args.L} x {args.L} at beta_c, Metropolis, one thread, ns per attempted flip:")
    print(f"   {'kernel':<38}{'ns':>8}{'vs numpy':>10}{'vs checkerboard':>17}")
    for name, label in (("numpy", "numpy checkerboard (1 system)"), ("checkerboard", "statmech checkerboard (1 chain)"),
                        ("multispin", "MultiSpin (64 chains, 1 word)"),
                        ("multispin group", "MultiSpin (256 chains, 4 words SIMD)")):
        print(f"   {label:<38}{result[name]:8.3f}{result['numpy'] / result[name]:10.1f}"
              f"{result['checkerboard'] / result[name]:17.1f}")

    result = cubic(args.L3)
    print(f"\n3. 3D +-J EA {args.L3}^3 at beta = {BETA_EA}, heat bath, one thread, ns per attempted flip:")
    for name, label in (("pairwise", "pairwise kernel (1 chain)"), ("lanes", "SIMD lanes (64 chains)"),
                        ("multispin", "MultiSpin (64 chains, 1 word)"),
                        ("multispin group", "MultiSpin (256 chains, 4 words SIMD)")):
        print(f"   {label:<38}{result[name]:8.3f}{result[name] / result['multispin']:8.1f}x MultiSpin")

    print("\n4. MultiSpin, 512 chains (one SIMD group of 4 words per thread), 1 and 2 threads, three rounds per size "
          "(the load average before each):")
    def sampled(model):
        return per_attempt(model, ISING_2D_BETA_C, mc.MultiSpin("metropolis"), 512, sweeps_for(model.n, 512, 4e9),
                           repeats=3)[0]

    def alone(model):
        return kernel_per_attempt(model, ISING_2D_BETA_C, mc.MultiSpin("metropolis"), 512,
                                  sweeps_for(model.n, 512, 1e10))

    thread_rounds(sampled, (256, 512), threads)
    print("   the packed kernel alone (no packing), 512 chains:")
    thread_rounds(alone, (1024, 2048), threads)
    statmech.set_num_threads(1)

    batch()
    floor(args.L, args.L3)
    if args.scaling:
        scaling()
    statmech.set_num_threads(threads)


if __name__ == "__main__":
    main()
