"""Running out of configurational entropy: the random energy model freezes.

Derrida's REM gives each of the 2^n configurations an independent energy N(0, n/2). Its
configurational entropy per spin is s(e) = ln 2 - e^2 at e = E/n, which vanishes at
e* = -sqrt(ln 2): below T_c = 1/(2 sqrt(ln 2)) = 0.6006 the system is frozen in its few
lowest states (Derrida 1980, 1981). This study checks that against exact enumeration:

1. s(e) from the 2^n energies for growing n against ln 2 - e^2, and the entropy S(T)/n
   from the exact partition function against the n -> infinity solution (zero below T_c).
2. The p-spin glass approaches the REM as p grows (Derrida 1981; Gross & Mezard 1984):
   its s(e) at n = 16 against the parabola for p = 2 (SK), 3, 4, 6.
3. The folding funnel of Bryngelson & Wolynes (1987): one native state of energy -delta n
   added to the REM. Folding (P(native) = 1/2) at T_f, with T_f ln 2 + 1/(4 T_f) = delta for
   T_f > T_g = T_c in the n -> infinity limit; exact T_f at finite n against that closed form.

    python examples/rem_entropy_crisis.py [--quick] [--out DIR]

Quick mode (n <= 20) runs in seconds; the full mode enumerates up to n = 26 (2^26 energies).
"""
import argparse
import os
import tempfile

import numpy as np
from scipy import optimize, special

from statmech.analysis.exact_results import REM_BETA_C, rem_infinite
from statmech.models import PSpin, RandomEnergyModel, SherringtonKirkpatrick

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="n <= 20 (seconds)")
parser.add_argument("--out", default=tempfile.gettempdir(), help="directory for the figure")
args = parser.parse_args()

SIZES = (12, 16, 20) if args.quick else (14, 18, 22, 26)
INSTANCES = 3 if args.quick else 8         # disorder instances averaged at each n
N_P = 14 if args.quick else 16             # size of the p-spin comparison
T_C = 1.0 / REM_BETA_C
E_STAR = -np.sqrt(np.log(2.0))


def all_energies(model, chunk=2 ** 18):
    """The energies of all 2^n configurations, in chunks of states."""
    n = model.n
    out = np.empty(2 ** n)
    for start in range(0, 2 ** n, chunk):
        codes = np.arange(start, min(start + chunk, 2 ** n))[:, None]
        states = np.where((codes >> np.arange(n)) & 1, 1, -1).astype(np.int8)
        out[start:start + len(codes)] = model.energy(states)
    return out


def entropy_curve(energies, n, width=0.05):
    """(e, s(e)) with s = ln(number of states per unit e) / n on bins of ``width`` (for the
    REM s = ln 2 - e^2 + ln(n / pi) / (2n): a finite-n excess that shrinks like ln(n)/n)."""
    edges = np.arange(np.floor(energies.min() / n / width) * width, energies.max() / n + width, width)
    counts, _ = np.histogram(energies / n, edges)
    centres = 0.5 * (edges[1:] + edges[:-1])
    keep = counts > 0
    return centres[keep], np.log(counts[keep] / width) / n


def canonical(energies, n, temperatures):
    """(ln Z / n, S / n) from all energies at each temperature."""
    betas = 1.0 / np.asarray(temperatures)
    log_z = np.array([special.logsumexp(-b * energies) for b in betas])
    energy = np.array([np.exp(-b * energies - lz) @ energies for b, lz in zip(betas, log_z)])
    return log_z / n, (log_z + betas * energy) / n


# -- 1. the REM's entropy and its freezing ----------------------------------------------------
temperatures = np.linspace(0.3, 1.5, 49)
print(f"1. REM: exact enumeration ({INSTANCES} instances per n: mean +- standard error) against the "
      "n -> infinity solution (Derrida 1981)")
print(f"{'n':>4}{'e_min = E_0/n':>18}{'s(e = -0.5)':>16}{'expected':>10}{'S/n at T_c':>16}{'S/n at T = 0.45':>18}")
rem_curves, rem_entropy = {}, {}
for n in SIZES:
    rows, entropies = [], []
    for seed in range(INSTANCES):
        energies = all_energies(RandomEnergyModel(n, seed=1000 * n + seed))
        e, s = entropy_curve(energies, n)
        entropies.append(canonical(energies, n, temperatures)[1])
        rows.append([energies.min() / n, np.interp(-0.5, e, s), *canonical(energies, n, [T_C, 0.45])[1]])
        if seed == 0:
            rem_curves[n] = (e, s)
    rem_entropy[n] = np.mean(entropies, axis=0)
    mean, error = np.mean(rows, axis=0), np.std(rows, axis=0, ddof=1) / np.sqrt(INSTANCES)
    cells = [f"{m:{w - 8}.4f} +- {err:.3f}" for m, err, w in zip(mean, error, (18, 16, 16, 18))]
    expected = np.log(2) - 0.25 + np.log(n / np.pi) / (2 * n)       # the finite-n density of states
    print(f"{n:>4}" + "".join(cells[:2]) + f"{expected:10.4f}" + "".join(cells[2:]))
limit = rem_infinite(1.0 / np.array([T_C, 0.45]))
print(f"{'inf':>4}{E_STAR:10.4f}{np.log(2) - 0.25:16.4f}{np.log(2) - 0.25:18.4f}{limit.entropy[0]:8.4f}"
      f"{limit.entropy[1]:18.4f}"
      f"   (e* = -sqrt(ln 2), s = ln 2 - e^2, T_c = {T_C:.4f})")
print("   Reading: every column moves toward its n = inf value as n grows, but slowly (corrections of order "
      "ln(n)/n and instance-to-instance fluctuations): at the largest n the ground state is still above e* and "
      "the entropy at T_c is not yet 0 (table above: how far). The freezing is a large-n statement. The "
      "density of states itself is right at every n: s(e) matches ln 2 - e^2 + ln(n/pi)/(2n), the Gaussian count "
      "of 2^n states per unit e, to within 0.01.")

# -- 2. p-spin glasses approach the REM ------------------------------------------------------
n_p = N_P
print(f"\n2. p-spin glasses at n = {n_p} ({INSTANCES} instances each; energies scaled to the REM's variance n/2, "
      "which their couplings give only as n -> infinity): mean |s(e) - s_REM(e)| over e in [-0.6, 0], s_REM "
      "from REM instances of the same n (so that the finite-n binning offset cancels)")
rem_reference = [entropy_curve(all_energies(RandomEnergyModel(n_p, seed=seed)), n_p) for seed in range(INSTANCES)]
grid_p = np.arange(-0.6, 0.0001, 0.05)
s_rem = np.mean([np.interp(grid_p, e, s) for e, s in rem_reference], axis=0)
print(f"{'p':>4}{'e_min':>10}{'|s - s_REM|':>14}")
pspin_curves = {}
for p in (2, 3, 4, 6):
    rows = []
    for seed in range(INSTANCES):
        model = SherringtonKirkpatrick(n_p, seed=seed) if p == 2 else PSpin(n_p, p, seed=seed)
        energies = all_energies(model)
        energies *= np.sqrt(n_p / 2 / np.mean(energies ** 2))
        e, s = entropy_curve(energies, n_p)
        rows.append((energies.min() / n_p, np.mean(np.abs(np.interp(grid_p, e, s) - s_rem))))
        if seed == 0:
            pspin_curves[p] = (e, s)
    e_min, distance = np.mean(rows, axis=0)
    print(f"{p:>4}{e_min:10.4f}{distance:14.4f}")
print(f"{'REM':>4}{np.mean([e[0] for e, _ in rem_reference]):10.4f}{'0':>14}   (p -> infinity; e_min here is "
      "the lowest bin)")

# -- 3. the folding funnel ---------------------------------------------------------------------
n_f = SIZES[-1]
unfolded = all_energies(RandomEnergyModel(n_f, seed=7))


def folding_temperature_exact(delta):
    """T with P(native) = 1/2: beta delta n = ln Z_unfolded(beta)."""
    gap = lambda t: special.logsumexp(-unfolded / t) - delta * n_f / t
    return optimize.brentq(gap, 0.05, 20.0)


def folding_temperature_limit(delta):
    """n -> infinity: T ln 2 + 1/(4T) = delta on the branch T > T_g (delta > sqrt(ln 2))."""
    return (delta + np.sqrt(delta ** 2 - np.log(2))) / (2 * np.log(2))


print(f"\n3. Folding funnel (Bryngelson & Wolynes 1987): REM of n = {n_f} plus a native state at -delta n")
print(f"{'delta':>7}{'T_f exact':>11}{'T_f (n=inf)':>13}{'T_f / T_g':>11}")
deltas = np.array([0.9, 1.0, 1.2, 1.5, 2.0])
folding = []
for delta in deltas:
    exact_t, limit_t = folding_temperature_exact(delta), folding_temperature_limit(delta)
    folding.append((exact_t, limit_t))
    print(f"{delta:7.2f}{exact_t:11.4f}{limit_t:13.4f}{limit_t / T_C:11.3f}")
print(f"   T_g = T_c = {T_C:.4f}; a funnel (T_f > T_g) needs delta > sqrt(ln 2) = {-E_STAR:.4f}, and "
      "T_f / T_g grows with the native state's stability gap")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib not installed: no plot; pip install 'statmech[plot]')")
else:
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4))
    grid = np.linspace(E_STAR, -E_STAR, 200)
    left.plot(grid, np.log(2) - grid ** 2, "k-", lw=2, label="ln 2 - e^2 (n = inf)")
    for n, (e, s) in rem_curves.items():
        left.plot(e, s, ".", ms=3, label=f"REM n = {n}")
    for p, (e, s) in pspin_curves.items():
        left.plot(e, s, "--", lw=1, label=f"p = {p}" + (" (SK)" if p == 2 else "") + f", n = {n_p}")
    left.set(xlabel="e = E / n", ylabel="s(e) = ln(states per unit e) / n", ylim=(0, 0.8),
             title="configurational entropy")
    left.legend(fontsize=7)
    middle.plot(temperatures, rem_infinite(1.0 / temperatures).entropy, "k-", lw=2, label="n = inf")
    for n, entropy in rem_entropy.items():
        middle.plot(temperatures, entropy, label=f"n = {n}")
    middle.axvline(T_C, color="grey", ls=":", label=f"T_c = {T_C:.3f}")
    middle.set(xlabel="T", ylabel="S / n", title="REM entropy: freezing at T_c")
    middle.legend(fontsize=7)
    fine = np.linspace(np.sqrt(np.log(2)) + 1e-6, 2.1, 200)
    right.plot(fine, folding_temperature_limit(fine), "k-", label="T_f, n = inf")
    right.plot(deltas, [t for t, _ in folding], "o", label=f"T_f exact, n = {n_f}")
    right.axhline(T_C, color="grey", ls=":", label="T_g")
    right.set(xlabel="stability gap delta", ylabel="temperature", title="folding funnel")
    right.legend(fontsize=7)
    figure.tight_layout()
    path = os.path.join(args.out, "rem_entropy_crisis.png")
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")
