"""First-call overhead: what the first fit of a small RBM costs beyond a second, identical fit.

In a fresh Python process (the import of statmech not counted), 20 hidden units on 1000
binary 784-pixel rows, one epoch: first fit minus second fit, for PCD-1 and TAP2, and the
same for a first MultiSpin sample (in that order in one process: TAP2 finds the kernels it
shares with PCD loaded). The on-disk numba cache is warmed by a first process
(so the figures are cache loads, not compilations, as every run after the first install
sees); medians over fresh processes. Goal: at most 0.2 s. The first call of any jitted
function in a process pays numba's own set-up (its typing and target registries, which
import numba.np.arraymath and scipy.linalg): it is timed apart, on a one-line jitted
function called first. Last, what ``import statmech`` itself takes in those processes
(numpy already imported), paid by every script.
Run: python benchmarks/bench_first_call.py [processes]
"""
import subprocess
import sys

import numpy as np

PROBE = r"""
import time
import numpy as np
start = time.perf_counter()
import statmech
imported = time.perf_counter() - start
from statmech import mc
from statmech.learning import BernoulliRBM
from statmech.models import Ising
from statmech.unit_types import unit_variance
X = (np.random.default_rng(0).random((1000, 784)) < 0.3).astype(float)
start = time.perf_counter()
unit_variance(0.5, 0.0)             # a one-line jitted function: numba's once-per-process set-up
out = [time.perf_counter() - start]
for method in ("pcd", "tap2"):
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        BernoulliRBM(n_components=20, n_iter=1, batch_size=100, random_state=0, method=method).fit(X)
        seconds.append(time.perf_counter() - start)
    out.append(seconds[0] - seconds[1])
seconds = []
for _ in range(2):
    start = time.perf_counter()
    statmech.sample(Ising.square(16), 0.4, sampler=mc.MultiSpin(), n_sweeps=10, n_chains=64, seed=0, progress=False)
    seconds.append(time.perf_counter() - start)
out.append(seconds[0] - seconds[1])
print(*out, imported)
"""


def main():
    processes = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True)      # warm the cache
    rows = np.array([[float(x) for x in subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True,
                                                       text=True).stdout.split()] for _ in range(processes)])
    print(f"first-call overhead, median of {processes} fresh processes (warm on-disk cache):")
    numba_setup, pcd, tap2, multispin, imported = np.median(rows, axis=0)
    print(f"  numba's set-up, paid by the first call of any jitted function in a process: {numba_setup:.3f} s")
    print("  beyond it, first call minus second:")
    for name, value in (("BernoulliRBM PCD-1, 20 hidden", pcd), ("BernoulliRBM TAP2, 20 hidden", tap2),
                        ("statmech.sample with MultiSpin", multispin)):
        print(f"    {name:<32}{value:7.3f} s")
    print(f"  a first PCD-1 fit in a fresh process (set-up + first call): {np.median(rows[:, 0] + rows[:, 1]):.3f} s")
    print(f"  import statmech (after numpy): {imported:.3f} s")


if __name__ == "__main__":
    main()
