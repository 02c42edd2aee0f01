"""Ground-state energies of spin glasses, from many instances annealed at once.
============================================================================

The disorder-averaged ground-state energy per spin e0 of the 2D and 3D +-J
Edwards-Anderson glasses and of the SK model, against size, extrapolated to infinite size
and compared with the literature: 2D +-J -1.4017 (Palmer and Adler 1999; Hartmann and
Young 2001), 3D +-J -1.787 (Pal 1996; Hartmann 1997), SK -0.76317 (Parisi; Boettcher 2005,
who extrapolates e0(N) linearly in N^(-2/3)). The lattice glasses of one size are annealed
together (``statmech.anneal_batch``: their reads share 64-bit words), SK instance by
instance. Every instance is annealed twice with independent seeds; the evidence that a
minimum is the ground state is that both runs reach it, and the table says for what
fraction of instances they did. Where they disagree the lower is kept, and e0 is an upper
bound on the true average.

::

    python examples/ground_states.py --quick [--out DIR]     # small sizes, < 1 minute
    python examples/ground_states.py [--out DIR]             # the sizes the references fit
"""
import argparse
import pathlib
import time

import numpy as np

import statmech
from statmech import schedules
from statmech.models import EdwardsAnderson, SherringtonKirkpatrick

parser = argparse.ArgumentParser(description="Ground-state energies of spin glasses")
parser.add_argument("--quick", action="store_true", help="small sizes and few instances (< 1 minute)")
parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."), help="folder for the figure")
args = parser.parse_args()

# family: (instance builder, sizes, instances per size, reads, sweeps, variables of a size,
#          the finite-size variable x(size) of the extrapolation e0 = e_inf + a x, reference, batch)
FAMILIES = {
    "2D ±J": (lambda L, k: EdwardsAnderson.square(L, "pm1", seed=k), (4, 6, 8) if args.quick else (8, 12, 16, 24, 32),
              16 if args.quick else 64, 16, 400 if args.quick else 20_000, lambda L: L * L, lambda L: L ** -2.0,
              ("L^-2", -1.4017), True),
    "3D ±J": (lambda L, k: EdwardsAnderson.cubic(L, "pm1", seed=k), (3, 4, 5) if args.quick else (4, 6, 8, 10),
              16 if args.quick else 64, 16, 400 if args.quick else 20_000, lambda L: L ** 3, lambda L: L ** -3.0,
              ("L^-3", -1.787), True),
    "SK": (lambda N, k: SherringtonKirkpatrick(N, seed=k), (16, 32, 64) if args.quick else (32, 64, 128, 256, 512, 1024),
           8 if args.quick else 16, 8, 300 if args.quick else 4000, lambda N: N, lambda N: N ** (-2 / 3),
           ("N^-2/3", -0.76317), False),
}


def best_energies(build, size, n_instances, reads, sweeps, batch, seed):
    """The lowest energy of ``reads`` annealing runs of each instance."""
    schedule = schedules.geometric(0.1, 5.0, sweeps)
    models = [build(size, k) for k in range(n_instances)]
    if batch:
        runs = statmech.anneal_batch(models, schedule, n_chains=reads, seed=seed, progress=False)
    else:
        runs = [statmech.anneal(model, schedule, n_chains=reads, seed=np.random.SeedSequence([seed, k]), progress=False)
                for k, model in enumerate(models)]
    return np.array([run.best_energy.min() for run in runs])


results = {}
for family, (build, sizes, n_instances, reads, sweeps, n_of, x_of, (x_label, reference), batch) in FAMILIES.items():
    print(f"\n{family}: {n_instances} instances per size, {reads} reads x {sweeps} sweeps, two independent runs each")
    print(f"{'size':>6}{'n':>7}{'e0':>10}{'error':>9}{'runs agree':>12}{'seconds':>9}")
    rows = []
    for size in sizes:
        start = time.perf_counter()
        first, second = (best_energies(build, size, n_instances, reads, sweeps, batch, seed) for seed in (1, 2))
        e = np.minimum(first, second) / n_of(size)
        agree = np.mean(np.isclose(first, second))
        rows.append((x_of(size), e.mean(), e.std(ddof=1) / np.sqrt(n_instances)))
        print(f"{size:>6}{n_of(size):>7}{e.mean():>10.4f}{rows[-1][2]:>9.4f}{agree:>12.0%}"
              f"{time.perf_counter() - start:>9.1f}")
    x, e0, error = map(np.array, zip(*rows))
    fit_rows = slice(1, None) if len(x) > 3 else slice(None)           # the smallest size off the fit
    (slope, intercept), covariance = np.polyfit(x[fit_rows], e0[fit_rows], 1, w=1 / error[fit_rows], cov="unscaled")
    print(f"e0(inf) from e0 = e_inf + a {x_label} over sizes {sizes[fit_rows][0]}..{sizes[-1]}: "
          f"{intercept:.4f} +- {np.sqrt(covariance[1, 1]):.4f} (reference {reference})")
    results[family] = (x, e0, error, slope, intercept, x_label, reference)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
for ax, (family, (x, e0, error, slope, intercept, x_label, reference)) in zip(axes, results.items()):
    ax.errorbar(x, e0, error, fmt="o", label="annealing, disorder average")
    line = np.linspace(0, x.max() * 1.05, 50)
    ax.plot(line, intercept + slope * line, "-", lw=1, label=f"fit: {intercept:.4f} at x = 0")
    ax.plot([0], [reference], "*", ms=12, label=f"literature {reference}")
    ax.set(xlabel=f"x = {x_label}", ylabel="e0 (ground-state energy per spin)", title=family)
    ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(args.out / "ground_states.png", dpi=120)
print(f"\nwrote {args.out / 'ground_states.png'}")
