"""The spin-glass transition of the SK model: P(q) widens below T = 1, and the Binder
ratio of the overlap crosses near T_c = 1; and the 3D +-J Edwards-Anderson model, whose
finite-size correlation lengths xi_L / L cross near T_c = 1.12 (Katzgraber, Koerner & Young
2006), with the crossing temperatures of successive sizes and their bootstrap errors.

For each size n and many disorder instances, parallel tempering samples two independent
replicas at every temperature; their overlap q gives P(q), <q^2> and <q^4>. The Binder
ratio of the disorder averages, g = (3 - [<q^4>] / [<q^2>]^2) / 2, is 0 in the paramagnet
and grows toward 1 in the spin-glass phase; the curves of different n cross near T_c = 1,
small sizes below it (SK's corrections to scaling are strong). Errors are jackknife errors
over instances. It runs as a ``statmech.study`` (a zarr store in the output directory:
rerunning resumes), on local processes or a Dask cluster: one task per SK instance, and one
per block of up to EA_BLOCK EA instances, which run together with their chains sharing
machine words (``mc.parallel_tempering_batch``). Every instance's equilibration is
checked by logarithmic binning of its q^2 at the lowest temperature
(``estimators.log_binning``); instances whose last bins disagree are counted and left out
of the averages.
"""
import dataclasses
import functools
import itertools
import os
import time

import numpy as np

from .. import parallel_tempering, parallel_tempering_batch, study
from ..estimators import correlation_length_of_moments, log_binning
from ..models import EdwardsAnderson, SherringtonKirkpatrick
from ._report import ChapterReport, Table, pm, pyplot, save_figure

__all__ = ["run", "overlaps", "ea_overlaps", "binder", "xi_over_l", "crossings", "crossing_errors"]

TEMPERATURES = np.round(np.linspace(0.5, 1.5, 11), 3)
#: 3D +-J EA: a ladder from below T_c to well above it, where the replicas decorrelate
EA_TEMPERATURES = np.round(np.geomspace(0.9, 2.0, 16), 3)
#: EA instances per study task, run together: 2 replica sets x 16 temperatures each fill half a
#: word, so 32 instances make 1024 chains, four SIMD groups of four words
EA_BLOCK = 32
EA_T_C = 1.120              # Katzgraber, Koerner & Young (2006), from xi_L / L; 1.10-1.12 from g
Q_EDGES = np.linspace(-1.0625, 1.0625, 18)     # 17 bins of width 1/8 centred on multiples of 1/8: each holds
#                                              the same number (n / 16) of the n + 1 values q takes
REFERENCES = ["D. Sherrington and S. Kirkpatrick, PRL 35, 1792 (1975): T_c = 1",
              "K. Binder, Z. Phys. B 43, 119 (1981)",
              "H. G. Katzgraber, M. Koerner and A. P. Young, PRB 73, 224432 (2006): 3D +-J EA, T_c = 1.120(4)",
              "K. Hukushima and I. A. Campbell, arXiv:0903.5026 (2009): non-monotonic corrections to scaling in 3D +-J",
              "H. G. Ballesteros et al., PRB 62, 14237 (2000): the finite-size correlation length of spin glasses",
              "H. G. Katzgraber, M. Palassini and A. P. Young, PRB 63, 184422 (2001): equilibration by log-binning"]


def overlaps(n, instance, seed, *, n_sweeps, checkpoint=None, model="sk"):
    """<q^2>, <q^4> and the histogram of q of one disorder instance at every temperature
    (second half of a parallel-tempering run of two replica sets). ``model``: "sk" (n
    spins, TEMPERATURES) or "ea3d" (+-J couplings on an n x n x n torus, EA_TEMPERATURES)."""
    if model == "sk":
        hamiltonian, temperatures = SherringtonKirkpatrick(n, seed=instance), TEMPERATURES
    elif model == "ea3d":
        hamiltonian, temperatures = EdwardsAnderson.cubic(n, "pm1", seed=instance), EA_TEMPERATURES
    else:
        raise ValueError(f"model must be 'sk' or 'ea3d'; got {model!r}")
    result = parallel_tempering(hamiltonian, 1.0 / temperatures[::-1], n_sweeps=n_sweeps, n_chains=2, seed=seed,
                                checkpoint=checkpoint, checkpoint_every=max(n_sweeps // 10, 1), progress=False)
    return _overlap_statistics(result, temperatures)


def ea_overlaps(n, block, seed, *, n_sweeps, block_size, checkpoint=None):
    """:func:`overlaps` of the 3D +-J instances block * block_size .. (block + 1) *
    block_size - 1 on an n x n x n torus, run together (``mc.parallel_tempering_batch``:
    their chains share the bits of machine words), on a dim ``member`` (instance =
    block * block_size + member). The disorder of instance i is seeded by i, as in
    :func:`overlaps`; the Monte Carlo by the block's ``seed``."""
    import xarray as xr

    models = [EdwardsAnderson.cubic(n, "pm1", seed=i) for i in range(block * block_size, (block + 1) * block_size)]
    results = parallel_tempering_batch(models, 1.0 / EA_TEMPERATURES[::-1], n_sweeps=n_sweeps, n_chains=2, seed=seed,
                                       checkpoint=checkpoint, checkpoint_every=max(n_sweeps // 10, 1), progress=False)
    statistics = [_overlap_statistics(result, EA_TEMPERATURES) for result in results]
    out = {name: xr.concat([s[name] for s in statistics], dim="member") for name in ("q2", "q4", "qk2", "pq")}
    for name in ("swap_min", "equilibrated"):
        out[name] = xr.DataArray([s[name] for s in statistics], dims=["member"])
    return out


def ea_block_size(instances):
    """Instances per task of the EA study: the largest divisor of ``instances`` up to
    EA_BLOCK, so that the blocks hold exactly the instances asked for."""
    return max(b for b in range(1, min(EA_BLOCK, instances) + 1) if instances % b == 0)


def _overlap_statistics(result, temperatures):
    """<q^2>, <q^4>, <|q(k_min)|^2> (mean over the lattice axes; lattices only) and the
    histogram of q at every temperature from the second half of a TemperingResult's
    overlaps (replica sets 0 and 1), its lowest swap acceptance, and whether its q^2 at the
    lowest temperature passes log-binning (the last three bins agree)."""
    import xarray as xr

    half = result.overlap.shape[-1] // 2
    q = result.overlap[0][::-1, half:]          # (temperature, step), T ascending
    histogram = np.array([np.histogram(row, Q_EDGES, density=True)[0] for row in q])
    centres = 0.5 * (Q_EDGES[1:] + Q_EDGES[:-1])
    out = {"q2": xr.DataArray((q ** 2).mean(-1), dims=["T"], coords={"T": temperatures}),
           "q4": xr.DataArray((q ** 4).mean(-1), dims=["T"], coords={"T": temperatures}),
           "pq": xr.DataArray(histogram, dims=["T", "q"], coords={"T": temperatures, "q": centres}),
           "swap_min": float(result.swap_acceptance.min()),
           "equilibrated": bool(log_binning(result.overlap[0, -1] ** 2).equilibrated[0])}
    if result.fourier_overlap is not None:
        qk2 = result.fourier_overlap[0][::-1, half:].mean(axis=(-2, -1))
        out["qk2"] = xr.DataArray(qk2, dims=["T"], coords={"T": temperatures})
    return out


def binder(q2, q4):
    return 0.5 * (3 - q4 / q2 ** 2)


def xi_over_l(q2, qk2):
    """The spin-glass correlation length over the size, xi_L / L = sqrt([<q^2>] / [<|q(k_min)|^2>]
    - 1) / (2 L sin(pi / L)), of disorder averages on a dim ``n`` of sizes L (k_min = 2 pi / L;
    Katzgraber, Koerner and Young 2006, eq. (5)). NaN where the ratio is below 1 (xi below
    resolution, far above T_c)."""
    L = q2["n"]
    return correlation_length_of_moments(q2, qk2, 2 * np.pi / L) / L


def _crossing(temperatures, small, large):
    """The first T where ``large`` - ``small`` changes sign (linear interpolation between the
    temperatures where both are defined); NaN if it does not."""
    diff = large - small
    keep = np.isfinite(diff)
    t, diff = temperatures[keep], diff[keep]
    sign = np.nonzero(np.diff(np.sign(diff)))[0]
    if sign.size == 0:
        return np.nan
    k = sign[0]
    return t[k] + (t[k + 1] - t[k]) * diff[k] / (diff[k] - diff[k + 1])


def crossings(g, sizes):
    """T where the curves of consecutive sizes cross (linear interpolation; NaN if they do not)."""
    temperatures = g["T"].values
    return [_crossing(temperatures, g.sel(n=a).values, g.sel(n=b).values) for a, b in itertools.pairwise(sizes)]


def crossing_errors(ds, sizes, n_bootstrap=500, seed=0):
    """Bootstrap errors of the xi_L / L crossings of consecutive sizes: the instances of each
    size resampled with replacement (only those done and equilibrated), the disorder
    averages and crossings recomputed, and the standard deviation over resamples of the
    crossings found. ``ds``: the EA study's results (dims n, instance, T)."""
    rng = np.random.default_rng(seed)
    temperatures = ds["T"].values
    curves = {}
    for L in sizes:
        point = ds.sel(n=L)
        use = (point.done & point.equilibrated).transpose("instance").values
        q2 = point.q2.transpose("instance", "T").values[use]
        qk2 = point.qk2.transpose("instance", "T").values[use]
        picks = rng.integers(0, len(q2), (n_bootstrap, len(q2)))
        curves[L] = correlation_length_of_moments(q2[picks].mean(1), qk2[picks].mean(1), 2 * np.pi / L) / L
    errors = []
    for a, b in itertools.pairwise(sizes):
        found = np.array([_crossing(temperatures, curves[a][r], curves[b][r]) for r in range(n_bootstrap)])
        errors.append(float(np.nanstd(found, ddof=1)) if np.isfinite(found).sum() > 1 else np.nan)
    return errors


def binder_study(store, model, sizes, instances, n_sweeps, executor=None):
    """Run (or resume) the overlap study of ``model`` over sizes x instances in the zarr
    ``store``: (g, [<q^2>], dataset, run record) with g and [<q^2>] disorder averages
    (value, error) over T and size. SK runs one task per instance; the 3D EA model one per
    block of instances (:func:`ea_overlaps`), whose dims block and member the dataset
    returned has stacked into one dim ``instance``."""
    if model == "ea3d":
        block_size = ea_block_size(instances)
        task = study.Study(store, functools.partial(ea_overlaps, n_sweeps=n_sweeps, block_size=block_size),
                           grid={"n": sizes, "block": range(instances // block_size)}, seed=2026)
    else:
        task = study.Study(store, functools.partial(overlaps, n_sweeps=n_sweeps, model=model),
                           grid={"n": sizes, "instance": range(instances)}, seed=2026)
    record = task.run(executor=executor, progress=False)
    ds = task.results()
    if model == "ea3d":
        ds["done"] = ds.done.broadcast_like(ds.swap_min)
        ds = ds.stack(instance=("block", "member"), create_index=False)
    averaged = ds.assign(done=ds.done & ds.equilibrated)         # instances not in equilibrium are left out
    g = study.disorder_average(averaged, "instance", statistic=binder)
    q2 = study.disorder_average(averaged, "instance", statistic=lambda q2: q2)
    return g, q2, ds, record


def _binder_table(caption, g, q2, sizes, label):
    temperatures = g.value["T"].values
    rows = [[f"{t:.3f}"] + [pm(g.value.values[i, k], g.error.values[i, k]) for i in range(len(sizes))]
            + [pm(q2.value.values[-1, k], q2.error.values[-1, k])] for k, t in enumerate(temperatures)]
    return Table(caption, ("T",) + tuple(f"g, {label} = {n}" for n in sizes) + (f"[⟨q²⟩], {label} = {sizes[-1]}",),
                 rows)


def _cross_table(caption, cross, sizes, label, reference):
    return Table(caption, ("sizes", "crossing T", f"distance from T_c = {reference}"),
                 [[f"{label} = {a} and {b}", f"{t:.3f}", f"{t - reference:+.3f}"]
                  for (a, b), t in zip(itertools.pairwise(sizes), cross)])


def run(quick=True, out=".", instances=None, executor=None, ea_sizes=None, ea_instances=None, ea_sweeps=None):
    """quick: SK with n = 16, 32, 64, 64 instances and 4000 sweeps, and the 3D +-J EA model
    with L = 4, 6, 8, 32 instances and 2^13 sweeps (about a minute on 2 cores); full: SK
    with n = 32, 64, 128, 400 instances and 20 000 sweeps, and EA with L = 4, 6, 8, 10, 12,
    400 instances and 2^16 sweeps (days on 2 cores; a cluster takes it in hours).
    ``ea_sizes``, ``ea_instances``, ``ea_sweeps`` change the EA part."""
    clock = time.perf_counter()
    sizes = [16, 32, 64] if quick else [32, 64, 128]
    instances = instances or (64 if quick else 400)
    n_sweeps = 4000 if quick else 20_000
    store = os.path.join(out, "sk_overlaps_quick.zarr" if quick else "sk_overlaps.zarr")
    g, q2, ds, record = binder_study(store, "sk", sizes, instances, n_sweeps, executor)
    tables = [_binder_table(f"Binder ratio g(T) of the SK model, {instances} instances per n (jackknife errors), "
                            f"and the overlap's second moment [⟨q²⟩] at n = {sizes[-1]}", g, q2, sizes, "n")]
    cross = crossings(g.value, sizes)
    tables.append(_cross_table("Where the Binder curves of consecutive sizes cross (reference: T_c = 1)", cross,
                               sizes, "n", 1))
    failed = int((ds.done & ~ds.equilibrated).sum())
    reading = (
        f"Below T = 1 the overlap distribution widens from one peak at q = 0 into two at ±q_EA (figure), and [⟨q²⟩] "
        f"at n = {sizes[-1]} rises from {q2.value.values[-1, -1]:.3f} at T = {TEMPERATURES[-1]:g} to "
        f"{q2.value.values[-1, 0]:.3f} at T = {TEMPERATURES[0]:g}. The Binder curves cross at T = "
        + ", ".join(f"{t:.3f}" for t in cross) +
        " for consecutive sizes"
        + (": below T_c = 1 and moving toward it as n grows, as SK's strong corrections to scaling make them"
           if np.all(np.diff(cross) > 0) and cross[-1] < 1 else "")
        + f"; at these sizes the crossing is {abs(cross[-1] - 1):.2f} from T_c"
        + (" (within 0.02: the reference)." if abs(cross[-1] - 1) < 0.02 else " (not yet the reference).")
        + " Every point is a disorder average with "
        f"jackknife errors ({record.n_done} of {record.n_points} points done, "
        f"{'all from the store' if record.executor == 'none' else 'on ' + record.executor}; {failed} instance"
        f"{'' if failed == 1 else 's'} whose q² at the lowest T failed log-binning left out); the smallest "
        f"replica-exchange acceptance was {float(ds.swap_min.min()):.2f}.")
    ea_sizes = list(ea_sizes or ([4, 6, 8] if quick else [4, 6, 8, 10, 12]))
    ea_instances = ea_instances or (32 if quick else 400)
    ea_sweeps = ea_sweeps or (2 ** 13 if quick else 2 ** 16)
    ea_clock = time.perf_counter()
    ea_g, ea_q2, ea_ds, ea_record = binder_study(os.path.join(out, "ea3d_overlaps.zarr"), "ea3d", ea_sizes,
                                                 ea_instances, ea_sweeps, executor)
    ea_seconds = time.perf_counter() - ea_clock
    used = (ea_ds.done & ea_ds.equilibrated).sum("instance")
    xi = study.disorder_average(ea_ds.assign(done=ea_ds.done & ea_ds.equilibrated), "instance", statistic=xi_over_l)
    xi_cross = crossings(xi.value, ea_sizes)
    xi_errors = crossing_errors(ea_ds, ea_sizes)
    tables.append(Table(f"3D ±J Edwards–Anderson model on L³ tori: ξ_L / L (jackknife errors over instances; "
                        f"{ea_sweeps} sweeps of parallel tempering, second half measured)",
                        ("T",) + tuple(f"ξ_L/L, L = {L}" for L in ea_sizes),
                        [[f"{t:.3f}"] + [pm(xi.value.values[i, k], xi.error.values[i, k]) for i in range(len(ea_sizes))]
                         for k, t in enumerate(EA_TEMPERATURES)]))
    tables.append(Table(f"3D ±J EA: where ξ_L / L of consecutive sizes cross (bootstrap errors over instances; "
                        f"reference T_c = {EA_T_C}); instances used per size (equilibrated by log-binning) and the "
                        f"study's runtime {ea_seconds:.0f} s",
                        ("sizes", "crossing T", f"distance from T_c = {EA_T_C}", "instances used"),
                        [[f"L = {a} and {b}", pm(t, e) if np.isfinite(t) else "none in the range",
                          f"{t - EA_T_C:+.3f}" if np.isfinite(t) else "–",
                          f"{int(used.sel(n=a))}, {int(used.sel(n=b))}"]
                         for (a, b), t, e in zip(itertools.pairwise(ea_sizes), xi_cross, xi_errors)]))
    tables.append(_binder_table(f"3D ±J EA: Binder ratio g(T), {ea_instances} instances per L", ea_g, ea_q2, ea_sizes,
                                "L"))
    found = [(t, e) for t, e in zip(xi_cross, xi_errors) if np.isfinite(t)]
    reading += (
        " For the 3D ±J EA model the correlation lengths ξ_L / L of sizes "
        + ", ".join(map(str, ea_sizes))
        + " cross at T = " + (", ".join(pm(t, e) if np.isfinite(t) else "– (none in the range)"
                                        for t, e in zip(xi_cross, xi_errors)) if found else "– (none)")
        + f" against T_c = {EA_T_C} (Katzgraber, Körner & Young, L up to 12)"
        + (f"; the largest pair is {abs(found[-1][0] - EA_T_C) / found[-1][1]:.1f} bootstrap errors from it"
           if found and np.isfinite(found[-1][1]) and found[-1][1] > 0 else "")
        + ". The reference located T_c from L up to 12 with thousands of instances; at the sizes and instance "
          "counts here the crossings carry errors of the size of their distance from it, and the Binder ratio "
          "(table), whose small-L corrections are strong and non-monotonic (Hukushima & Campbell 2009), is no "
          "sharper"
        + f"; {int(ea_ds.done.sum()) - int(used.sum())} of {int(ea_ds.done.sum())} EA instances failed log-binning "
          f"and were left out; smallest replica-exchange acceptance {float(ea_ds.swap_min.min()):.2f}; "
          f"{ea_record.n_done} of {ea_record.n_points} tasks done (blocks of {ea_block_size(ea_instances)} "
          f"instances run together) in {ea_seconds:.0f} s.")
    figure = _plot(out, g, ds, sizes, instances, (xi, ea_sizes))
    return ChapterReport("spin_glass", "Spin glasses: P(q), the Binder crossing and the correlation length",
                       "Below T_c = 1 the SK model's overlap distribution widens and the Binder ratio of "
                       "different sizes crosses at the transition; the 3D ±J EA model's correlation lengths ξ_L / L "
                       "cross near T_c = 1.12.",
                       REFERENCES, tables, [figure] if figure else [], reading, time.perf_counter() - clock)


def _plot(out, g, ds, sizes, instances, ea=None):
    plt = pyplot()
    if plt is None:
        return None
    from .. import plot

    figure, axes = plt.subplots(1, 3 if ea else 2, figsize=(16 if ea else 11, 4))
    left, right = axes[:2]
    if ea:
        xi, ea_sizes = ea
        renamed = dataclasses.replace(xi, value=xi.value.rename(n="L"), error=xi.error.rename(n="L"))
        plot.binder_crossing(renamed, size_dim="L", ax=axes[2], ylabel="ξ_L / L")
        axes[2].axvline(EA_T_C, color="0.5", linestyle="--", linewidth=1)
        axes[2].set_title(f"3D ±J EA correlation length, L = {', '.join(map(str, ea_sizes))}")
    plot.binder_crossing(g, size_dim="n", ax=left, ylabel="g = (3 − [⟨q⁴⟩]/[⟨q²⟩]²) / 2")
    left.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    left.set_title(f"SK, {instances} instances per size")
    pq = ds.pq.sel(n=sizes[-1]).where(ds.done.sel(n=sizes[-1])).mean("instance")
    for t in (0.5, 0.8, 1.0, 1.5):
        right.stairs(pq.sel(T=t).values, Q_EDGES, label=f"T = {t:g}")
    right.set(xlabel="q", ylabel="[P(q)]", title=f"overlap distribution, n = {sizes[-1]}")
    right.legend()
    return save_figure(figure, out, "sk_binder.png")
