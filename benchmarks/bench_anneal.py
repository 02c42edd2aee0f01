"""Simulated annealing of dense SK (n = 1000): statmech.anneal against dwave-samplers.

Both get the same geometric beta schedule (0.1 -> 5, 1000 betas, one sweep each) and
16 reads. dimod writes E = sum J s s + sum h s, so the couplings are passed with their
sign flipped and the energies compared directly. Prints ns per spin-update attempt
(median of repeats, statmech on one thread first, then all threads; its coupling rows in
float64, the default, and float32, ``Metropolis(precision="float32")``) and the mean and
best energy per spin (statmech's recomputed in float64). Run: python benchmarks/bench_anneal.py
"""
import time

from _timing import timed

import numpy as np

import statmech
from statmech import mc, schedules
from statmech.models import SherringtonKirkpatrick

N, READS, SWEEPS = 1000, 16, 1000


def median(func, repeats):
    seconds, result = timed(func, repeats)
    return float(np.median(seconds)), result


def main():
    sk = SherringtonKirkpatrick(N, seed=0)
    schedule = schedules.geometric(0.1, 5.0, SWEEPS)
    attempts = N * READS * SWEEPS
    start = time.perf_counter()
    statmech.anneal(SherringtonKirkpatrick(20, seed=0), schedule, n_chains=2, seed=0, progress=False)
    print(f"first call (compile or cache load): {time.perf_counter() - start:.2f} s\n")
    rows = []
    threads = statmech.get_num_threads()
    for t in sorted({1, threads}):
        statmech.set_num_threads(t)
        for precision in ("float64", "float32"):
            sampler = mc.Metropolis(precision=precision)
            statmech.anneal(sk, schedule.betas[:2], n_chains=2, sampler=sampler, seed=0, progress=False)
            seconds, result = median(lambda: statmech.anneal(sk, schedule, n_chains=READS, sampler=sampler, seed=1,
                                                             progress=False), 3)
            rows.append((f"statmech {precision}, {t} thread(s)", seconds, result.final_energy))
    statmech.set_num_threads(threads)
    try:
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler
    except ImportError:
        print("dwave-samplers not installed (pip install dwave-samplers): no peer comparison")
        dwave = None
    else:
        i, j = np.triu_indices(N, 1)
        bqm = dimod.BinaryQuadraticModel.from_ising({}, dict(zip(zip(i.tolist(), j.tolist()),
                                                                 (-sk.couplings[i, j]).tolist())))
        sampler = SimulatedAnnealingSampler()

        def run_dwave():
            return sampler.sample(bqm, num_reads=READS, num_sweeps=SWEEPS, beta_schedule_type="custom",
                                  beta_schedule=schedule.betas, seed=1)

        seconds, samples = median(run_dwave, 3)
        energies = np.asarray(samples.record.energy)
        states = samples.record.sample[:, np.argsort(samples.variables)]
        np.testing.assert_allclose(sk.energy(states), energies, rtol=1e-9)
        dwave = seconds
        rows.insert(0, ("dwave-samplers SimulatedAnnealing", seconds, energies))
    print(f"{'implementation':<36}{'ns/attempt':>11}{'speed-up':>10}{'mean E/n':>10}{'best E/n':>10}")
    for name, seconds, energies in rows:
        ns = seconds / attempts * 1e9
        ratio = f"{dwave / seconds:10.1f}" if dwave else f"{'-':>10}"
        print(f"{name:<36}{ns:11.2f}{ratio}{energies.mean() / N:10.4f}{energies.min() / N:10.4f}")


if __name__ == "__main__":
    main()
