"""Free energy smooths the landscape: minima of the energy against minima of the free energy.

At T = 0 the SK spin glass has exponentially many single-flip-stable states, about
exp(0.199 n) (Tanaka & Edwards 1980; Bray & Moore 1980); the chapter counts them exactly by
checking all 2^n states for n up to 18 (24 in full mode) and fits the growth rate. As T
rises, the minima of the mean-field free energy G(m) (naive and TAP2, their fixed points
reached from many random starts) merge and vanish until the paramagnet m = 0 is the only
one, at the model's mean-field T_c: lambda_max(J) ~ 2 for the naive free energy of SK and
T_c = 1 for TAP (whose complexity vanishes there). Then the same counts for an RBM trained
on the digits, whose temperature T = 1 is the one it was trained at (Peterson & Anderson
1987).
"""
import time
import warnings

import numpy as np

from ..analysis.landscape import all_energy_minima, energy_minima, tap_fixed_points, tap_states
from ..errors import ConvergenceWarning
from ..learning import BernoulliRBM
from ..models import SherringtonKirkpatrick
from ._report import ChapterReport, Table, pm, pyplot, run_as_script, save_figure

__all__ = ["run", "main"]

COMPLEXITY = 0.1992          # Tanaka & Edwards (1980), Bray & Moore (1980): ln N / n at T = 0, n -> infinity
REFERENCES = ["F. Tanaka and S. F. Edwards, J. Phys. F 10, 2769 (1980)",
              "A. J. Bray and M. A. Moore, J. Phys. C 13, L469 (1980) and L907 (1980)",
              "C. Peterson and J. R. Anderson, Complex Systems 1, 995 (1987)",
              "T. Plefka, J. Phys. A 15, 1971 (1982)",
              "K. Nemoto and H. Takayama, J. Phys. C 18, L529 (1985); T. Aspelmeier, A. J. Bray and M. A. Moore, "
              "PRL 92, 087203 (2004): TAP states followed in temperature"]


def complexity_fit(sizes, counts):
    """Weighted least-squares slope of ln mean N against n (annealed) and of mean ln N
    (quenched), with standard errors from the instance-to-instance spread: two Estimates
    as (value, error) pairs."""
    sizes = np.asarray(sizes, dtype=float)
    out = []
    for transform in ("annealed", "quenched"):
        if transform == "annealed":
            y = np.array([np.log(np.mean(c)) for c in counts])
            sigma = np.array([np.std(c, ddof=1) / np.sqrt(len(c)) / np.mean(c) for c in counts])
        else:
            y = np.array([np.mean(np.log(c)) for c in counts])
            sigma = np.array([np.std(np.log(c), ddof=1) / np.sqrt(len(c)) for c in counts])
        (slope, _), cov = np.polyfit(sizes, y, 1, w=1.0 / sigma, cov="unscaled")
        out.append((slope, np.sqrt(cov[0, 0])))
    return out


def _counts(model, temperatures, n_starts, seed):
    """[(naive Minima, TAP2 Minima)] at each T, the fixed points reached from ``n_starts``
    random starts (those that do not converge are counted in ``n_unconverged``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return [[tap_fixed_points(model, 1.0 / t, method=method, n_starts=n_starts, max_iter=3000, seed=seed + k)
                 for method in ("naive", "tap2")] for k, t in enumerate(temperatures)]


def run(quick=True, out="."):
    """quick: exact minima for n = 8-18 (30 instances), SK n = 20 and a 16-hidden-unit RBM
    at 12 temperatures (500 starts); full: n = 8-24 (100 instances), 2000 starts."""
    from .. import datasets

    clock = time.perf_counter()
    sizes = (8, 10, 12, 14, 16, 18) if quick else (8, 10, 12, 14, 16, 18, 20, 22, 24)
    instances, n_starts = (30, 500) if quick else (100, 2000)

    # 1. SK at T = 0: every metastable state, exactly
    counts = [np.array([all_energy_minima(SherringtonKirkpatrick(n, seed=10_000 * n + i)).count
                        for i in range(instances)]) for n in sizes]
    fit_sizes = sizes[len(sizes) // 2:]
    (annealed, annealed_err), (quenched, quenched_err) = complexity_fit(fit_sizes, counts[len(sizes) // 2:])
    count_rows = [[n, pm(c.mean(), c.std(ddof=1) / np.sqrt(len(c))), f"{np.log(c.mean()) / n:.4f}",
                   f"{np.exp(COMPLEXITY * n):.1f}"] for n, c in zip(sizes, counts)]
    count_table = Table(
        f"SK single-flip-stable states by checking all 2ⁿ states, {instances} instances per n (mean ± standard "
        f"error); growth rate fitted on n = {fit_sizes[0]}–{fit_sizes[-1]}: annealed d ln[N]/dn = "
        f"{pm(annealed, annealed_err)}, quenched d[ln N]/dn = {pm(quenched, quenched_err)}; reference "
        f"{COMPLEXITY} (n → ∞)", ("n", "[N] minima", "ln [N] / n", "exp(0.1992 n)"), count_rows)

    # 2. SK at T > 0: free-energy minima merge and vanish
    n_sk = 20 if quick else 24
    sk = SherringtonKirkpatrick(n_sk, seed=1)
    lambda_max = float(np.linalg.eigvalsh(sk.couplings)[-1])
    temperatures = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6, 2.0, 2.5])
    sk_minima = all_energy_minima(sk).count
    sk_rows = _counts(sk, temperatures, n_starts, seed=0)
    sk_table = Table(
        f"SK, n = {n_sk} (one instance, {sk_minima} energy minima, λ_max(J) = {lambda_max:.3f}): distinct "
        f"fixed points of the naive and TAP2 free energies from {n_starts} random starts (starts that did not "
        "converge in brackets); Plefka's x = β² mean(1 − m²)² at the TAP2 solutions (valid when x ≤ 1)",
        ("T", "naive minima", "TAP2 fixed points", "TAP2 Plefka x"),
        [[f"{t:.2f}", f"{a.count} ({a.n_unconverged})", f"{b.count} ({b.n_unconverged})",
          ", ".join(f"{x:.2f}" for x in _plefka(b.points, 1.0 / t)) or "–"]
         for t, (a, b) in zip(temperatures, sk_rows)])

    # 2b. SK's TAP2 states followed in T from the energy minima (continuation, Newton)
    tap_t = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9, 1.0, 1.1])
    one = tap_states(sk, 1.0 / tap_t)
    n_many, many_instances = (14, 8) if quick else (20, 30)
    many = np.array([tap_states(SherringtonKirkpatrick(n_many, seed=20_000 + i), 1.0 / tap_t).n_states
                     for i in range(many_instances)])
    naive_at = {float(t): a.count for t, (a, _) in zip(temperatures, sk_rows)}
    tap_table = Table(
        f"SK's TAP2 states (TAP2 solutions that satisfy Plefka's condition and are minima of G), followed in T by "
        f"Newton continuation from every energy minimum: the n = {n_sk} instance above ({one.n_starts} minima) and "
        f"the mean over {many_instances} instances of n = {n_many} (± standard error); the naive minima of the table "
        "above where it has the temperature",
        ("T", f"TAP2 states, n = {n_sk}", f"solutions followed, n = {n_sk}", f"[TAP2 states], n = {n_many}",
         "naive minima"),
        [[f"{t:.2f}", int(a), int(b), pm(many[:, k].mean(), many[:, k].std(ddof=1) / np.sqrt(many_instances)),
          naive_at.get(float(t), "–")]
         for k, (t, a, b) in enumerate(zip(1.0 / one.betas, one.n_states, one.n_solutions))])
    half = int(np.argmin(np.abs(1.0 / one.betas - 0.5)))             # T = 0.5, half of T_c
    left_at_half = int(np.sum(many[:, half] > 0))

    # 3. a trained RBM
    data = datasets.digits()
    rbm = BernoulliRBM(n_components=16, method="pcd", learning_rate=0.05, batch_size=20, n_iter=20,
                       random_state=0).fit(data.X_train).model_
    rbm_minima = energy_minima(rbm, n_starts=4 * n_starts, seed=0)
    rbm_t = np.array([0.2, 0.3, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0, 3.0])
    rbm_rows = _counts(rbm, rbm_t, n_starts, seed=100)
    rbm_table = Table(
        f"RBM trained on the digits (64 visible, 16 hidden, PCD, 20 epochs): {rbm_minima.count} energy minima of "
        f"E(v, h) found by {rbm_minima.n_starts} quenches (a lower bound); fixed points of its naive and TAP2 "
        f"free energies from {n_starts} starts (unconverged in brackets). T = 1 is the trained model",
        ("T", "naive minima", "TAP2 fixed points"),
        [[f"{t:.2f}", f"{a.count} ({a.n_unconverged})", f"{b.count} ({b.n_unconverged})"]
         for t, (a, b) in zip(rbm_t, rbm_rows)])

    figure = _plot(out, sizes, counts, annealed, fit_sizes, temperatures, sk_rows, sk_minima, lambda_max,
                   rbm_t, rbm_rows, rbm_minima.count)
    naive_sk = np.array([a.count for a, _ in sk_rows])
    tap_sk = [(t, b) for t, (_, b) in zip(temperatures, sk_rows)]
    last_many = max((t for t, c in zip(temperatures, naive_sk) if c > 1), default=np.nan)
    tap_converged = [t for t, b in tap_sk if b.n_unconverged < n_starts]
    tap_glass = [t for t, b in tap_sk if t < 1 and b.n_unconverged == n_starts]
    rbm_naive = [(t, a.count) for t, (a, _) in zip(rbm_t, rbm_rows)]
    single = [b.count == 1 and b.n_unconverged == 0 for _, b in rbm_rows]
    rbm_tap_one = next((t for k, t in enumerate(rbm_t) if all(single[k:])), np.nan)     # one minimum from here up
    paramagnet_only = all(b.count == 1 and np.abs(b.points).max() < 1e-6 for t, b in tap_sk if t > 1)
    deviation = (annealed - COMPLEXITY) / annealed_err
    reading = (
        f"At T = 0 the count of SK's metastable states grows as exp({pm(annealed, annealed_err)} n) (annealed; "
        f"quenched {pm(quenched, quenched_err)}) against the n → ∞ value {COMPLEXITY}: "
        + (f"within {abs(deviation):.1f} standard errors" if abs(deviation) < 2 else
           f"{abs(deviation):.1f} standard errors {'above' if deviation > 0 else 'below'} it (finite-n "
           "corrections: the prefactor of exp(0.199 n) depends on n)")
        + f". The naive free energy of the n = {n_sk} instance has {naive_sk[0]} minima at T = {temperatures[0]} "
        f"(of {sk_minima} energy minima) and fewer as T rises (m and −m count as two); more than one survives up to "
        f"T = {last_many:.2f}, "
        f"and above λ_max(J) = {lambda_max:.2f}, its naive T_c, only the paramagnet is left. TAP2 fixed points "
        f"are reached only at T ≥ {min(tap_converged):.2f} here; below T = 1 the TAP2 iteration converges from "
        f"none of the starts at T = {', '.join(f'{t:g}' for t in tap_glass) or '–'}"
        + (", and above T = 1 it finds the paramagnet m = 0 alone (Plefka's x < 1 there)" if paramagnet_only else "")
        + f". Followed instead by continuation from the energy minima (Newton on the TAP2 equations; on n = 8 "
        "the tests check the count against Newton from all 2ⁿ corners), the TAP2 states that satisfy Plefka's "
        f"condition and are minima of G number {int(one.n_states[0])} of {one.n_starts} at T = {tap_t[0]:g} for the "
        f"n = {n_sk} instance and {pm(many[:, 0].mean(), many[:, 0].std(ddof=1) / np.sqrt(many_instances))} for "
        f"n = {n_many}, and vanish as T rises: at T = {1.0 / one.betas[half]:g}, half of T_c, {left_at_half} of the "
        f"{many_instances} instances of n = {n_many} have a TAP2 state left (each state disappears where the "
        "Jacobian of the TAP equations becomes singular: a minimum merging with a saddle). So at these sizes TAP2 "
        "has no stable state in most of the glass phase for most instances, "
        "the count does not fall to one at T_c, and the merging of free-energy minima with rising T is seen for "
        "TAP2 only at low T; whether the states persist further at large n (a complexity exponentially small near "
        f"T_c) is not measured here. For the trained RBM the energy has at least {rbm_minima.count} minima; "
        f"the naive free energy has {rbm_naive[0][1]} at T = {rbm_naive[0][0]} and {dict(rbm_naive)[1.0]} at the "
        f"model's T = 1, and TAP2 has a single minimum from T = {rbm_tap_one:g} up"
        + (", including the model's own temperature: at T = 1 its TAP free-energy landscape is already smooth."
           if rbm_tap_one <= 1.0 else ", above the model's own temperature."))
    return ChapterReport("landscape", "Free energy smooths the landscape",
                       "Energy landscapes have exponentially many minima; the free energy's minima merge as T "
                       "rises and vanish at the mean-field T_c.",
                       REFERENCES, [count_table, sk_table, tap_table, rbm_table], [figure] if figure else [], reading,
                       time.perf_counter() - clock)


def _plefka(points, beta):
    return [beta ** 2 * np.mean((1.0 - m ** 2) ** 2) for m in points]


def _plot(out, sizes, counts, slope, fit_sizes, temperatures, sk_rows, sk_minima, lambda_max, rbm_t, rbm_rows,
          rbm_minima):
    plt = pyplot()
    if plt is None:
        return None
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4))
    means = np.array([c.mean() for c in counts])
    errors = np.array([c.std(ddof=1) / np.sqrt(len(c)) for c in counts])
    left.errorbar(sizes, means, yerr=errors, fmt="o", capsize=3, label="SK, all 2ⁿ states checked")
    n = np.array(sizes, dtype=float)
    anchor = np.log(means[sizes.index(fit_sizes[-1])]) - slope * fit_sizes[-1]
    left.plot(n, np.exp(anchor + slope * n), "-", label=f"fit: slope {slope:.3f}")
    left.plot(n, np.exp(anchor + COMPLEXITY * (n - fit_sizes[-1]) + slope * fit_sizes[-1]), "k:",
              label=f"slope {COMPLEXITY} (n → ∞)")
    left.set(yscale="log", xlabel="n", ylabel="[number of single-flip minima]", title="SK at T = 0")
    left.legend(fontsize=8)
    for axis, ts, rows, minima, title in ((middle, temperatures, sk_rows, sk_minima, "SK"),
                                          (right, rbm_t, rbm_rows, rbm_minima, "trained RBM")):
        for k, method in enumerate(("naive", "TAP2")):
            shown = [(t, r[k].count) for t, r in zip(ts, rows) if r[k].n_unconverged < r[k].n_starts]
            axis.plot(*zip(*shown), "o-", label=f"{method} free-energy minima")
        axis.axhline(minima, color="grey", ls="--", label=f"energy minima{' (≥)' if title != 'SK' else ''}")
        axis.set(yscale="log", xlabel="T", ylabel="count", title=title)
    middle.axvline(1.0, color="k", ls=":", label="TAP T_c = 1")
    middle.axvline(lambda_max, color="tab:blue", ls=":", label=f"naive T_c = λ_max = {lambda_max:.2f}")
    right.axvline(1.0, color="k", ls=":", label="trained at T = 1")
    middle.legend(fontsize=7)
    right.legend(fontsize=7)
    return save_figure(figure, out, "free_energy_landscape.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
