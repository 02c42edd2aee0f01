"""Entropy and generalisation: does an RBM's held-out likelihood fall when its entropy does?

The seed's closing claim is that deep networks fail when they run out of configurational
entropy. Here it is put to RBMs small enough for exact thermodynamics (the hidden layer
enumerated, the visible one summed): trained with the exact gradient on a small training
set until they overfit, with growing capacity, several seeds each. At every checkpoint the
chapter records the exact training and held-out log-likelihood per image, the model's exact
entropy S = beta (U - F) at beta = 1 (of the joint distribution of visible and hidden
units), where beta = 1 sits on the model's specific-heat curve (its peak beta*), and the
number of free-energy minima (distinct naive mean-field fixed points from random starts).
The reading then says whether the fall of held-out likelihood coincides with a fall of
entropy.
"""
import time
import warnings

import numpy as np

from ..analysis.landscape import tap_fixed_points
from ..errors import ConvergenceWarning
from ..exact import exact
from ..learning import BernoulliRBM, log_likelihood
from ._report import ChapterReport, Table, pm, pyplot, run_as_script, save_figure

__all__ = ["run", "main", "train_and_measure"]

REFERENCES = ["The seed's claim: deep networks fail when they run out of configurational entropy",
              "I. Mastromatteo and M. Marsili, J. Stat. Mech. P10012 (2011): inferred models near the peak of C",
              "G. E. Hinton, A practical guide to training RBMs, UTML TR 2010-003 (overfitting: held-out likelihood)"]
BETAS = np.linspace(0.2, 3.0, 29)


def train_and_measure(X, X_test, n_hidden, epochs, checkpoints, seed, learning_rate=0.3, batch_size=10,
                      n_starts=100):
    """Train an RBM by the exact gradient (``method="exact"``) on X for ``epochs`` epochs of
    fixed minibatches and measure it after the epochs in ``checkpoints``: a dict of arrays
    over the checkpoints (train_ll, test_ll, entropy, beta_star, heat_ratio, minima)."""
    rbm = BernoulliRBM(n_components=n_hidden, method="exact", learning_rate=learning_rate, batch_size=batch_size,
                       random_state=seed, verbose=False)
    rows = {key: [] for key in ("train_ll", "test_ll", "entropy", "beta_star", "heat_ratio", "minima")}
    batches = [X[start:start + batch_size] for start in range(0, len(X), batch_size)]
    for epoch in range(1, epochs + 1):
        for batch in batches:
            rbm.partial_fit(batch)
        if epoch not in checkpoints:
            continue
        model = rbm.model_
        thermo = exact(model, BETAS)
        heat = thermo.specific_heat
        k = int(np.argmax(heat))
        at_one = exact(model, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            minima = tap_fixed_points(model, 1.0, method="naive", n_starts=n_starts, seed=seed).count
        rows["train_ll"].append(log_likelihood(model, X, method="exact").value)
        rows["test_ll"].append(log_likelihood(model, X_test, method="exact").value)
        rows["entropy"].append(at_one.entropy)
        rows["beta_star"].append(BETAS[k])
        rows["heat_ratio"].append(at_one.specific_heat / heat[k])
        rows["minima"].append(minima)
    return {key: np.array(value, dtype=float) for key, value in rows.items()}


def run(quick=True, out="."):
    """quick: digits, 40 training images, 4 and 10 hidden units, 2 seeds, 200 epochs (under a
    minute); full: 4, 8 and 12 hidden units, 5 seeds, 800 epochs (learning rate 0.3, batches
    of 10: the held-out likelihood peaks within 100 epochs and falls after)."""
    from .. import datasets

    clock = time.perf_counter()
    data = datasets.digits()
    n_train, capacities, seeds, epochs = (40, (4, 10), 2, 200) if quick else (40, (4, 8, 12), 5, 800)
    X, X_test = data.X_train[:n_train], data.X_test
    checkpoints = np.unique(np.geomspace(1, epochs, 12 if quick else 20).round().astype(int))
    results = {h: [train_and_measure(X, X_test, h, epochs, set(checkpoints.tolist()), seed) for seed in range(seeds)]
               for h in capacities}
    stats = {h: {key: (np.mean([r[key] for r in runs], 0), np.std([r[key] for r in runs], 0, ddof=1) / np.sqrt(seeds))
                 for key in runs[0]} for h, runs in results.items()}

    table_rows, verdicts = [], []
    for h in capacities:
        s = stats[h]
        peak = int(np.argmax(s["test_ll"][0]))
        for k in sorted({0, peak, len(checkpoints) - 1}):
            table_rows.append([h, int(checkpoints[k]) if k != peak else f"{checkpoints[k]} (peak)",
                               pm(*[x[k] for x in s["train_ll"]]), pm(*[x[k] for x in s["test_ll"]]),
                               pm(*[x[k] for x in s["entropy"]]), pm(*[x[k] for x in s["beta_star"]]),
                               pm(*[x[k] for x in s["heat_ratio"]]), pm(*[x[k] for x in s["minima"]])])
        # after the held-out peak: the change of held-out ln p and of S, per seed
        runs = results[h]
        d_test = np.array([r["test_ll"][-1] - r["test_ll"][peak] for r in runs])
        d_entropy = np.array([r["entropy"][-1] - r["entropy"][peak] for r in runs])
        d_before = np.array([r["entropy"][peak] - r["entropy"][0] for r in runs])
        minima = (s["minima"][0][peak], s["minima"][0][-1])
        verdicts.append((h, checkpoints[peak], d_test, d_entropy, d_before, minima))
    table = Table(f"{data.description}, {n_train} training images, {len(X_test)} held out: RBMs trained by the exact "
                  f"gradient, {seeds} seeds (mean ± standard error); ln p(x) per image and S = β(U − F) at β = 1, "
                  "exact; β* the peak of C(β); minima: distinct naive mean-field fixed points from 100 random starts",
                  ("hidden", "epoch", "train ln p", "test ln p", "S (nats)", "β*", "C(1)/C(β*)", "minima"),
                  table_rows)
    reading = ""
    for h, peak_epoch, d_test, d_entropy, d_before, minima in verdicts:
        falls = d_test.mean() < -2 * d_test.std(ddof=1) / np.sqrt(len(d_test))
        entropy_falls = d_entropy.mean() < -2 * d_entropy.std(ddof=1) / np.sqrt(len(d_entropy))
        reading += (
            f"With {h} hidden units the held-out log-likelihood peaks at epoch {peak_epoch} and then changes by "
            f"{pm(d_test.mean(), d_test.std(ddof=1) / np.sqrt(len(d_test)))} nats per image "
            + ("(it falls: overfitting)" if falls else "(no significant fall)")
            + f", while the entropy changes by {pm(d_entropy.mean(), d_entropy.std(ddof=1) / np.sqrt(len(d_entropy)))}"
            f" nats after the peak, against {pm(d_before.mean(), d_before.std(ddof=1) / np.sqrt(len(d_before)))} "
            f"before it; the free-energy minima go from {minima[0]:.1f} at the peak to {minima[1]:.1f} at the end "
            "(mean over seeds). ")
    coincide = [(d_test.mean() < 0) and (d_entropy.mean() < 0) for _, _, d_test, d_entropy, _, _ in verdicts]
    most_before = all(abs(d_before.mean()) > abs(d_entropy.mean()) for *_, d_entropy, d_before, _ in verdicts)
    more_minima = all(m[1] > m[0] for *_, m in verdicts)
    reading += (
        "So the fall of held-out likelihood "
        + ("does come with a further fall of entropy at every capacity" if all(coincide) else
           "does not coincide with a fall of entropy at every capacity")
        + (", but most of the entropy is lost before the held-out peak, while the model still generalises "
           "better with every epoch: a low entropy is not by itself the mark of overfitting here"
           if most_before else "")
        + ". The configurational entropy, the logarithm of the number of free-energy minima, "
        + ("grows while the held-out likelihood falls: these models overfit by making more minima (more stored "
           "configurations, toward one per training image), not by running out of them"
           if more_minima else "does not grow with overfitting at every capacity")
        + (". So for these exact small RBMs the seed's claim, read as 'generalisation fails when the entropy runs "
           "out', is not what is measured" if most_before and more_minima else
           ". So the measurements above neither confirm nor refute the seed's claim plainly at these sizes")
        + "; what a deep network would show is not tested here.")
    figure = _plot(out, stats, checkpoints, capacities)
    return ChapterReport("entropy", "Entropy and generalisation",
                         "Deep networks fail when they run out of configurational entropy: does an RBM's held-out "
                         "likelihood fall when its entropy does?",
                         REFERENCES, [table], [figure] if figure else [], reading, time.perf_counter() - clock)


def _plot(out, stats, checkpoints, capacities):
    plt = pyplot()
    if plt is None:
        return None
    figure, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    for h in capacities:
        s = stats[h]
        line, = axes[0].plot(checkpoints, s["test_ll"][0], "o-", label=f"{h} hidden, held out")
        axes[0].plot(checkpoints, s["train_ll"][0], "--", color=line.get_color(), label=f"{h} hidden, training")
        for ax, key in zip(axes[1:], ("entropy", "beta_star", "minima")):
            ax.errorbar(checkpoints, s[key][0], s[key][1], fmt="o-", color=line.get_color(), label=f"{h} hidden")
    axes[0].set(xscale="log", xlabel="epoch", ylabel="ln p(x) per image (exact)", title="likelihood")
    axes[1].set(xscale="log", xlabel="epoch", ylabel="S = β(U − F) at β = 1 (nats)", title="entropy")
    axes[2].set(xscale="log", xlabel="epoch", ylabel="β* (peak of C)", title="where β = 1 sits")
    axes[2].axhline(1.0, color="k", ls=":")
    axes[3].set(xscale="log", xlabel="epoch", ylabel="distinct fixed points", title="free-energy minima (naive MF)")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    return save_figure(figure, out, "entropy_generalisation.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
