"""Exact thermodynamics of small Sherrington-Kirkpatrick spin glasses.
===================================================================

Enumerates every one of the 2**18 states of 8 disorder samples, averages the per-spin
free energy, energy, entropy and specific heat over the samples (with standard errors),
and sets them beside the replica-symmetric theory of the infinite system, which is exact
above T = 1 and fails (negative entropy) well below it.
"""
import time

import numpy as np

import statmech
from statmech.analysis.exact_results import SK_GROUND_STATE_ENERGY, sk_replica_symmetric
from statmech.models import SherringtonKirkpatrick

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
