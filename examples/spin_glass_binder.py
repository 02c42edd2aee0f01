"""The spin-glass transition of the SK model from the Binder ratio, as a study.

For each size n and each of many disorder instances, parallel tempering samples two
independent replicas at every temperature; their overlap q gives <q^2> and <q^4>. The
Binder ratio of the disorder averages, g = (3 - [<q^4>] / [<q^2>]^2) / 2, is 0 in the
paramagnet and grows toward 1 in the spin-glass phase; the curves of different n cross
near the transition T_c = 1, the crossing of small sizes lying below it and moving up as
n grows (SK's corrections to scaling are strong). Errors are jackknife errors over
instances.

    python examples/spin_glass_binder.py --quick          # n = 16, 32, 64, 64 instances: < 1 minute
    python examples/spin_glass_binder.py                  # n = 32, 64, 128, 400 instances, longer runs
    python examples/spin_glass_binder.py --scheduler tcp://host:8786     # ... on a Dask cluster

The results go to a zarr store in --out; running the command again resumes it, and a
larger --instances extends it.
"""
import argparse
import functools
import itertools
import os

import numpy as np
import xarray as xr

import statmech
from statmech import study
from statmech.models import SherringtonKirkpatrick

TEMPERATURES = np.round(np.linspace(0.5, 1.5, 11), 3)


def overlaps(n, instance, seed, *, n_sweeps, checkpoint=None):
    """<q^2> and <q^4> of one SK instance at every temperature (second half of the run)."""
    sk = SherringtonKirkpatrick(n, seed=instance)
    run = statmech.parallel_tempering(sk, 1.0 / TEMPERATURES[::-1], n_sweeps=n_sweeps, n_chains=2, seed=seed,
                                      checkpoint=checkpoint, checkpoint_every=max(n_sweeps // 10, 1),
                                      progress=False)
    q = run.overlap[0][::-1, run.overlap.shape[-1] // 2:]          # (temperature, step), T ascending
    labels = {"dims": ["T"], "coords": {"T": TEMPERATURES}}
    return {"q2": xr.DataArray((q ** 2).mean(-1), **labels), "q4": xr.DataArray((q ** 4).mean(-1), **labels),
            "swap_min": float(run.swap_acceptance.min())}


def binder(q2, q4):
    return 0.5 * (3 - q4 / q2 ** 2)


def crossings(g, sizes):
    """T where the curves of consecutive sizes cross (linear interpolation; NaN if they do not)."""
    out = []
    for a, b in itertools.pairwise(sizes):
        diff = (g.sel(n=b) - g.sel(n=a)).values
        sign = np.nonzero(np.diff(np.sign(diff)))[0]
        if sign.size == 0:
            out.append(np.nan)
            continue
        k = sign[0]
        out.append(TEMPERATURES[k] + (TEMPERATURES[k + 1] - TEMPERATURES[k]) * diff[k] / (diff[k] - diff[k + 1]))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few instances (< 1 minute)")
    parser.add_argument("--instances", type=int, default=None, help="disorder instances per size")
    parser.add_argument("--scheduler", default=None, help="address of a Dask scheduler (default: local processes)")
    parser.add_argument("--out", default="spin_glass_binder", help="folder for the store and the figure")
    args = parser.parse_args()

    sizes = [16, 32, 64] if args.quick else [32, 64, 128]
    instances = args.instances or (64 if args.quick else 400)
    n_sweeps = 4000 if args.quick else 20_000
    os.makedirs(args.out, exist_ok=True)
    store = os.path.join(args.out, "sk_binder_quick.zarr" if args.quick else "sk_binder.zarr")
    s = study.Study(store, functools.partial(overlaps, n_sweeps=n_sweeps),
                    grid={"n": sizes, "instance": range(instances)}, seed=2026)
    executor = None
    if args.scheduler:
        from distributed import Client
        executor = Client(args.scheduler)
    record = s.run(executor=executor)
    ds = s.results()
    print(f"{record.n_done} of {record.n_points} points done ({record.n_completed} now, on {record.executor}, "
          f"{record.elapsed:.0f} s); smallest swap acceptance {float(ds.swap_min.min()):.2f}\n")

    g = study.disorder_average(ds, "instance", statistic=binder)
    print("Binder ratio g(T) = (3 - [<q^4>]/[<q^2>]^2) / 2, jackknife errors over instances")
    print(f"{'T':>6}" + "".join(f"{'n = ' + str(n):>18}" for n in sizes))
    for k, t in enumerate(TEMPERATURES):
        print(f"{t:6.2f}" + "".join(f"{g.value.values[i, k]:10.3f} +- {g.error.values[i, k]:.3f}"
                                     for i in range(len(sizes))))
    for (a, b), t in zip(itertools.pairwise(sizes), crossings(g.value, sizes)):
        print(f"curves n = {a} and n = {b} cross at T = {t:.3f}")

    import matplotlib
    matplotlib.use("Agg")
    from statmech import plot

    ax = plot.binder_crossing(g, size_dim="n", ylabel="g = (3 - [<q^4>]/[<q^2>]^2) / 2")
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax.set_title(f"SK spin glass, {instances} instances per size")
    figure = os.path.join(args.out, "sk_binder.png")
    ax.figure.savefig(figure, dpi=120, bbox_inches="tight")
    print(f"\nfigure: {figure}")


if __name__ == "__main__":
    main()
