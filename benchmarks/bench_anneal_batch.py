"""Ground states of many disorder instances: statmech's batch annealing against dwave-samplers.

256 instances of the 3D +-J glass at L = 8 (512 spins), 16 reads each, one thread. statmech
anneals them all at once (``statmech.anneal_batch``: four instances of 16 reads per 64-bit
word, four words per SIMD sweep); dwave-samplers' ``SimulatedAnnealingSampler`` anneals them
one ``sample`` call each (``num_reads=16``). Both follow the same geometric schedule over the
beta range dwave-samplers picks for these BQMs. The residual energy of an instance is its
best read minus the lowest energy any run here found for it; the table gives its mean over
instances per spin and the seconds for the whole set at several sweep counts, then the
time statmech needs to reach dwave-samplers' mean residual at its reference sweep count
(interpolated in log sweeps) and the ratio (issue 33 asks for >= 50x). Compile time is
reported apart.

Run: python benchmarks/bench_anneal_batch.py [--quick]
"""
import argparse
import time

import numpy as np

import statmech
from _timing import time_to
from statmech import dimod as statmech_dimod, schedules
from statmech.models import EdwardsAnderson

L, READS = 8, 16


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32 instances, a quarter of the sweeps")
    args = parser.parse_args()
    try:
        from dwave.samplers import SimulatedAnnealingSampler as DwaveSA
    except ImportError:
        print("dwave-samplers not installed (pip install '.[bench]'): nothing to compare against")
        return
    n_instances = 32 if args.quick else 256
    ours_sweeps = (62, 125, 250, 500, 1000) if args.quick else (250, 500, 1000, 2000, 4000)
    theirs_sweeps = (250,) if args.quick else (1000,)
    models = [EdwardsAnderson.cubic(L, "pm1", seed=k) for k in range(n_instances)]
    bqms = [statmech_dimod.to_bqm(model) for model in models]
    dwave = DwaveSA()
    beta_range = dwave.sample(bqms[0], num_reads=1, num_sweeps=1, seed=0).info["beta_range"]
    threads = statmech.get_num_threads()
    statmech.set_num_threads(1)
    try:
        start = time.perf_counter()
        statmech.anneal_batch(models[:4], schedules.geometric(*beta_range, 2), n_chains=READS, seed=0, progress=False)
        compile_seconds = time.perf_counter() - start
        best, seconds = {}, {}
        for sweeps in ours_sweeps:
            start = time.perf_counter()
            runs = statmech.anneal_batch(models, schedules.geometric(*beta_range, sweeps), n_chains=READS, seed=sweeps,
                                         progress=False)
            seconds["statmech", sweeps] = time.perf_counter() - start
            best["statmech", sweeps] = np.array([run.best_energy.min() for run in runs])
        for sweeps in theirs_sweeps:
            start = time.perf_counter()
            energies = [dwave.sample(bqm, num_reads=READS, num_sweeps=sweeps, beta_range=beta_range,
                                     beta_schedule_type="geometric", seed=k).first.energy
                        for k, bqm in enumerate(bqms)]
            seconds["dwave", sweeps] = time.perf_counter() - start
            best["dwave", sweeps] = np.array(energies)     # dimod's sign is statmech's (to_bqm keeps energies)
    finally:
        statmech.set_num_threads(threads)
    reference = np.min(np.stack(list(best.values())), axis=0)
    residual = {key: (value - reference) / models[0].n for key, value in best.items()}
    print(f"3D +-J L = {L}: {n_instances} instances x {READS} reads, geometric betas {beta_range[0]:.3f}.."
          f"{beta_range[1]:.3f} (dwave-samplers' default range), one thread; statmech compile/load "
          f"{compile_seconds:.2f} s (not counted)")
    print(f"{'':10}{'sweeps':>7}{'mean residual / n':>24}{'found reference':>17}{'seconds':>10}")
    for (label, sweeps), r in residual.items():
        print(f"{label:10}{sweeps:>7}{r.mean():>14.5f} +- {r.std(ddof=1) / np.sqrt(r.size):.5f}"
              f"{np.mean(r == 0):>16.0%}{seconds[label, sweeps]:>10.2f}")
    rows = [(s, residual["statmech", s].mean(), seconds["statmech", s]) for s in ours_sweeps]
    for sweeps in theirs_sweeps:
        target = residual["dwave", sweeps].mean()
        ours = time_to(target, rows)
        if ours[0] is None:
            print(f"statmech does not reach dwave's mean residual at {sweeps} sweeps ({target:.5f}) within "
                  f"{ours_sweeps[-1]} sweeps")
        else:
            print(f"time to dwave's mean residual at {sweeps} sweeps ({target:.5f} per spin): statmech "
                  f"{ours[0]:.3f} s (~{ours[1]:.0f} sweeps), dwave {seconds['dwave', sweeps]:.2f} s: "
                  f"{seconds['dwave', sweeps] / ours[0]:.0f}x")


if __name__ == "__main__":
    main()
