"""Finding the ground state of an SK spin glass: annealing speed, and what tempering sees.
=======================================================================================

Simulated annealing with longer schedules finds the exact ground state (known here by
enumerating all 2**20 states) in more of its reads. Parallel tempering then samples the
same instance at several temperatures: the overlap q between two independent replicas
spreads out below the spin-glass temperature T = 1 (<q^2> grows), the finite-size
trace of replica-symmetry breaking.

::

    python examples/sk_annealing_and_tempering.py [--out DIR]
"""
import argparse
import pathlib

import numpy as np

import statmech
from statmech import schedules
from statmech.models import SherringtonKirkpatrick

parser = argparse.ArgumentParser(description="Annealing and tempering of an SK spin glass")
parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."), help="folder for the figure")
args = parser.parse_args()
n = 20
sk = SherringtonKirkpatrick(n, seed=4)
codes = np.arange(2 ** n)[:, None]
ground = sk.energy(2 * ((codes >> np.arange(n)) & 1) - 1).min()      # exact, by enumeration
print(f"SK n = {n}: exact ground-state energy per spin {ground / n:.4f}\n")

print(f"{'sweeps':>7} {'found ground state':>19} {'mean best E/n':>14} {'seconds':>8}")
found_by_sweeps = {}
for sweeps in (30, 300, 3000):
    result = statmech.anneal(sk, schedules.geometric(0.1, 4.0, sweeps), n_chains=32, seed=1, progress=False)
    found = found_by_sweeps[sweeps] = np.mean(np.isclose(result.best_energy, ground))
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

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
left.semilogx(list(found_by_sweeps), list(found_by_sweeps.values()), "o-")
left.set(xlabel="sweeps of the annealing schedule", ylabel="reads that found the ground state", ylim=(-0.05, 1.05))
for b in (0, len(ladder) // 2, len(ladder) - 1):
    right.hist(q[b], bins=np.linspace(-1 - 1 / n, 1 + 1 / n, n + 2), density=True, histtype="step", lw=1.5,
               label=f"T = {1 / ladder[b]:.2f}")
right.set(xlabel="overlap q between two replicas (one bin per value)", ylabel="P(q)")
right.legend(fontsize=8)
fig.tight_layout()
args.out.mkdir(parents=True, exist_ok=True)
fig.savefig(args.out / "sk_annealing_and_tempering.png", dpi=120)
print(f"figure: {args.out / 'sk_annealing_and_tempering.png'}")
