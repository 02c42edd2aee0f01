"""64 Markov chains in one machine word: the 2D Ising model against Kaufman's exact solution.
==========================================================================================

``mc.MultiSpin`` keeps chain c of a square-lattice Ising model in bit c % 64 of one 64-bit
word per site and updates 64 chains with a few bitwise operations, each chain with its own
random bits. The chains are independent, so the spread of their means is an honest error
bar even near T_c, where a single chain's autocorrelation is long. Energy and specific heat
per spin of an L x L torus from 128 heat-bath chains, against the exact finite-size values
(Kaufman 1949). (Its speed against the other kernels: benchmarks/bench_multispin.py.)

Run: python examples/multispin_ising.py [--quick] [--out DIR]
"""
import argparse
import pathlib

import numpy as np

import statmech
from statmech import estimators, mc
from statmech.analysis.exact_results import ising_square_torus
from statmech.models import Ising


#: The title line above (sphinx-gallery runs the script without its docstring).
TITLE = "64 Markov chains in one machine word: the 2D Ising model against Kaufman's exact solution."


def measure(model, temperatures, n_sweeps, seed):
    """Per temperature: (E/n, its error, C/n, its error) from 128 MultiSpin chains."""
    rows = []
    for k, T in enumerate(temperatures):
        run = statmech.sample(model, 1.0 / T, sampler=mc.MultiSpin(), n_sweeps=n_sweeps, burn_in=n_sweeps // 2,
                              n_chains=128, seed=seed + k, progress=False)
        per_chain = run.energy.mean(axis=1) / model.n
        # Var(E) pooled over chains and sweeps (each chain's own variance about its own mean
        # is low by ~2 tau / n_sweeps, which near T_c is comparable to the error bar);
        # jackknife over blocks of chains, which are independent
        heat = estimators.jackknife(lambda energy: energy.var() / T ** 2 / model.n, run.energy)
        rows.append((per_chain.mean(), per_chain.std(ddof=1) / np.sqrt(per_chain.size), heat.value, heat.error))
    return np.array(rows)


def main():
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--quick", action="store_true", help="L = 16, fewer temperatures and sweeps")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."))
    args = parser.parse_args()
    L, n_sweeps = (16, 2000) if args.quick else (32, 20_000)
    temperatures = np.linspace(1.6, 3.4, 13 if args.quick else 19)
    model = Ising.square(L)
    rows = measure(model, temperatures, n_sweeps, seed=1)
    exact = ising_square_torus(L, 1.0 / temperatures)
    z_energy = (rows[:, 0] - exact.energy / model.n) / rows[:, 1]
    z_heat = (rows[:, 2] - exact.specific_heat / model.n) / rows[:, 3]

    print(f"2D Ising {L} x {L}, 128 MultiSpin heat-bath chains, {n_sweeps} sweeps after {n_sweeps // 2} of burn-in")
    print(f"{'T':>6}{'E/n':>10}{'exact':>10}{'z':>6}{'C/n':>9}{'exact':>9}{'z':>6}")
    for T, (e, _, c, _), e0, c0, ze, zc in zip(temperatures, rows, exact.energy / model.n,
                                               exact.specific_heat / model.n, z_energy, z_heat):
        print(f"{T:6.3f}{e:10.5f}{e0:10.5f}{ze:6.1f}{c:9.4f}{c0:9.4f}{zc:6.1f}")
    print(f"largest |z|: energy {np.abs(z_energy).max():.1f}, specific heat {np.abs(z_heat).max():.1f} "
          f"(in units of each estimate's own error bar)")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    fine = np.linspace(temperatures[0], temperatures[-1], 200)
    curve = ising_square_torus(L, 1.0 / fine)
    top.plot(fine, curve.energy / model.n, "k-", lw=1, label="exact (Kaufman)")
    top.errorbar(temperatures, rows[:, 0], rows[:, 1], fmt="o", ms=4, label="MultiSpin, 128 chains")
    top.set_ylabel("E / n")
    top.legend()
    bottom.plot(fine, curve.specific_heat / model.n, "k-", lw=1)
    bottom.errorbar(temperatures, rows[:, 2], rows[:, 3], fmt="o", ms=4)
    bottom.set_ylabel("C / n")
    bottom.set_xlabel("T")
    top.set_title(f"2D Ising {L} x {L}: MultiSpin against the exact values", fontsize=11)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "multispin_ising.png", dpi=120)
    print(f"figure: {args.out / 'multispin_ising.png'}")


if __name__ == "__main__":
    main()
