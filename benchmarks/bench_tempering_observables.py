"""What tempering's spin-glass observables cost, as a fraction of the sweeps they are taken between.

Parallel tempering of 3D +-J glasses as a batch (``statmech.parallel_tempering_batch``: 4
instances x 2 ladders x 16 betas, the multi-spin engine, one thread), swapping and
recording after every sweep, the most demanding setting: the seconds per round with no
observables beyond E, M and q (``observables=()``), with the default ones (link overlap
q_l and the Fourier-mode overlaps |q(k_min)|^2 along each axis) and with the spins' Fourier
modes added (``fourier_magnetization``, one per chain rather than per pair); medians of five
runs, compile time not counted. The ratio to the first row is the cost of the observables
in units of a round of sweeps, swaps and E, M, q.

Run: python benchmarks/bench_tempering_observables.py
"""
import numpy as np

import statmech
from _timing import median_seconds
from statmech.models import EdwardsAnderson

ROUNDS = 400
SETTINGS = (("E, M, q only", ()), ("default: + q_l, |q(k)|^2", None),
            ("+ |M(k)|^2 of every chain", ["link_overlap", "fourier_overlap", "fourier_magnetization"]))


def main():
    betas = np.linspace(0.3, 1.0, 16)
    threads = statmech.get_num_threads()
    statmech.set_num_threads(1)
    try:
        print(f"3D +-J, 4 instances x 2 ladders x {len(betas)} betas, a swap round after every sweep, one thread; "
              f"milliseconds per round (median of 5 runs of {ROUNDS} rounds)")
        print(f"{'L':>4}{'n':>6}" + "".join(f"{label:>30}" for label, _ in SETTINGS))
        for L in (6, 8, 10, 12):
            glasses = [EdwardsAnderson.cubic(L, couplings="pm1", seed=k) for k in range(4)]
            cells, base = [], None
            for _, observables in SETTINGS:
                def run():
                    statmech.parallel_tempering_batch(glasses, betas, n_sweeps=ROUNDS, seed=0, progress=False,
                                                      observables=observables)
                statmech.parallel_tempering_batch(glasses, betas, n_sweeps=2, seed=0, progress=False,
                                                  observables=observables)       # compile / load
                ms = median_seconds(run, repeats=5) / ROUNDS * 1e3
                base = base or ms
                cells.append(f"{ms:.3f} ({ms / base:.2f}x)")
            print(f"{L:>4}{L ** 3:>6}" + "".join(f"{cell:>30}" for cell in cells))
    finally:
        statmech.set_num_threads(threads)


if __name__ == "__main__":
    main()
