"""Finding the ground state of an SK spin glass: annealing speed, and what tempering sees.
=======================================================================================

Simulated annealing with longer schedules finds the exact ground state (known here by
enumerating all 2**20 states) in more of its reads. Parallel tempering then samples the
same instance at several temperatures: the overlap q between two independent replicas
spreads out below the spin-glass temperature T = 1 (<q^2> grows), the finite-size
trace of replica-symmetry breaking.
"""
import numpy as np

import statmech
from statmech import schedules
from statmech.models import SherringtonKirkpatrick

n = 20
sk = SherringtonKirkpatrick(n, seed=4)
codes = np.arange(2 ** n)[:, None]
ground = sk.energy(2 * ((codes >> np.arange(n)) & 1) - 1).min()      # exact, by enumeration
print(f"SK n = {n}: exact ground-state energy per spin {ground / n:.4f}\n")

print(f"{'sweeps':>7} {'found ground state':>19} {'mean best E/n':>14} {'seconds':>8}")
for sweeps in (30, 300, 3000):
    result = statmech.anneal(sk, schedules.geometric(0.1, 4.0, sweeps), n_chains=32, seed=1, progress=False)
    found = np.mean(np.isclose(result.best_energy, ground))
    print(f"{sweeps:7d} {found:18.0%} {result.best_energy.mean() / n:14.4f} {result.elapsed:8.2f}")

ladder = schedules.geometric(0.3, 3.0, 12)
run = statmech.parallel_tempering(sk, ladder, n_sweeps=20_000, n_chains=2, seed=2, progress=False)
q = run.overlap[0, :, 2000:]
print(f"\nparallel tempering, {len(ladder)} temperatures, swap acceptance "
      f"{run.swap_acceptance.min():.2f}-{run.swap_acceptance.max():.2f}, round trips {run.round_trips.sum()}")
print(f"{'T':>6} {'<E>/n':>8} {'<q^2>':>7} {'<|q|>':>7}")
for b, beta in enumerate(ladder):
    print(f"{1 / beta:6.2f} {run.energy[:, b, 2000:].mean() / n:8.4f} {np.mean(q[b] ** 2):7.3f} "
          f"{np.mean(np.abs(q[b])):7.3f}")
