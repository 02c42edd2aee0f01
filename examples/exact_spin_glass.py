"""Exact thermodynamics of small Sherrington-Kirkpatrick spin glasses.
===================================================================

Enumerates every one of the 2**18 states of 8 disorder samples, averages the per-spin
free energy, energy, entropy and specific heat over the samples (with standard errors),
and sets them beside the replica-symmetric theory of the infinite system, which is exact
above T = 1 and fails (negative entropy) well below it.

::

    python examples/exact_spin_glass.py [--out DIR]
"""
import argparse
import pathlib
import time

import numpy as np

import statmech
from statmech.analysis.exact_results import SK_GROUND_STATE_ENERGY, sk_replica_symmetric
from statmech.models import SherringtonKirkpatrick

parser = argparse.ArgumentParser(description="Exact thermodynamics of small SK spin glasses")
parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."), help="folder for the figure")
args = parser.parse_args()
n, n_samples = 18, 8
betas = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0])

start = time.perf_counter()
records = [statmech.exact(SherringtonKirkpatrick(n, seed=s), betas).per_spin() for s in range(n_samples)]
elapsed = time.perf_counter() - start
rs = sk_replica_symmetric(betas)


def mean_and_error(name):
    values = np.array([getattr(r, name) for r in records])
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(n_samples)


print(f"SK spin glass, n = {n}, {n_samples} disorder samples, 2**{n} states each "
      f"({elapsed:.1f} s including compilation)\n")
print(f"{'T':>6} {'f (exact)':>17} {'f (RS, n=inf)':>14} {'u (exact)':>17} {'s (exact)':>17} "
      f"{'s (RS)':>8} {'c (exact)':>17}")
f, df = mean_and_error("free_energy")
u, du = mean_and_error("energy")
s, ds = mean_and_error("entropy")
c, dc = mean_and_error("specific_heat")
for i, beta in enumerate(betas):
    print(f"{1 / beta:6.2f} {f[i]:9.4f} ± {df[i]:.4f} {rs.free_energy[i]:14.4f} {u[i]:9.4f} ± {du[i]:.4f} "
          f"{s[i]:9.4f} ± {ds[i]:.4f} {rs.entropy[i]:8.4f} {c[i]:9.4f} ± {dc[i]:.4f}")
print(f"\nlowest-T energy per spin {u[-1]:.4f} ± {du[-1]:.4f}; "
      f"Parisi's n -> infinity ground state: {SK_GROUND_STATE_ENERGY:.4f}")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

T, fine = 1 / betas, np.linspace(0.2, 4.0, 200)
theory = sk_replica_symmetric(1 / fine)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
left.errorbar(T, f, df, fmt="o", label=f"exact, n = {n} ({n_samples} samples)")
left.plot(fine, theory.free_energy, "k-", lw=1, label="replica symmetric, n = inf")
left.set(xlabel="T", ylabel="free energy per spin")
right.errorbar(T, s, ds, fmt="o", label=f"exact, n = {n}")
right.plot(fine, theory.entropy, "k-", lw=1, label="replica symmetric")
right.axhline(0, color="grey", lw=0.5)
right.set(xlabel="T", ylabel="entropy per spin")
for ax in (left, right):
    ax.axvline(1.0, color="grey", ls=":", lw=1)
    ax.legend(fontsize=8)
fig.tight_layout()
args.out.mkdir(parents=True, exist_ok=True)
fig.savefig(args.out / "exact_spin_glass.png", dpi=120)
print(f"figure: {args.out / 'exact_spin_glass.png'}")
