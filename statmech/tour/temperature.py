"""Weight scale is a temperature: where trained RBMs sit on their specific-heat curve.

The energy of an RBM with two-state units is linear in its parameters theta = (W, a, b), so
scaling all of them by lambda is the same model at beta -> lambda beta: Z(lambda theta,
beta) = Z(theta, lambda beta), exactly (checked below by enumeration; scaling W alone is not
a temperature, and neither is scaling theta when a layer has continuous units, whose
self-energy is not a parameter). A trained model is therefore one point, beta = 1, on a
curve of temperatures, and its specific heat C(beta) says where: Mastromatteo & Marsili
(2011) found inferred models at or near the peak of C, where a model is most sensitive to
its parameters. The chapter trains RBMs with weight decay of growing strength and computes
C(beta) exactly (the hidden layer enumerated): the peak's beta* against beta = 1, and how
regularisation moves it.
"""
import time

import numpy as np
from scipy import optimize

from ..exact import exact
from ..learning import BernoulliRBM, log_likelihood
from ._report import ChapterReport, Table, pyplot, run_as_script, save_figure

__all__ = ["run", "main", "scaled"]

REFERENCES = ["I. Mastromatteo and M. Marsili, J. Stat. Mech. P10012 (2011)",
              "T. Mora and W. Bialek, J. Stat. Phys. 144, 268 (2011)",
              "G. Tkacik et al., PNAS 112, 11508 (2015)"]


def scaled(hamiltonian, factor, only=None):
    """The model with every parameter (or only the one named ``only``) multiplied by ``factor``."""
    parameters = hamiltonian.parameters()
    return hamiltonian.with_parameters(**{name: factor * value if only in (None, name) else value
                                          for name, value in parameters.items()})


def specific_heat_peak(rbm, grid, heat):
    """beta* maximising C(beta) = beta^2 Var(E) (exact), from its values ``heat`` on ``grid``
    refined by Brent's method: (beta*, C(beta*))."""
    k = int(np.argmax(heat))
    low, high = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best = optimize.minimize_scalar(lambda b: -exact(rbm, b).specific_heat, bounds=(low, high), method="bounded",
                                    options={"xatol": 1e-4})
    return float(best.x), float(-best.fun)


def run(quick=True, out="."):
    """quick: digits, 12 hidden units, 4 weight decays, 30 epochs; full: MNIST-5k, 16 hidden
    units, 6 weight decays, 30 epochs (exact C(beta) costs one enumeration per beta)."""
    from .. import datasets

    clock = time.perf_counter()
    if quick:
        data, n_hidden, decays, batch = datasets.digits(), 12, (0.0, 1e-3, 1e-2, 3e-2), 20
    else:
        data, n_hidden, decays, batch = datasets.mnist_5k(), 16, (0.0, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2), 100
    X, X_test = data.X_train, data.X_test
    models = {l2: BernoulliRBM(n_components=n_hidden, method="pcd", learning_rate=0.05, batch_size=batch, n_iter=30,
                               l2=l2, random_state=0).fit(X).model_ for l2 in decays}

    # 1. the identity, on the unregularised model
    rbm = models[decays[0]]
    identity_rows = []
    for factor in (0.5, 2.0):
        for beta in (0.5, 1.0):
            a, b = exact(scaled(rbm, factor), beta), exact(rbm, factor * beta)
            w_only = exact(scaled(rbm, factor, only="weights"), beta)
            identity_rows.append([factor, beta, f"{abs(a.log_z - b.log_z):.1e}",
                                  f"{abs(a.specific_heat - b.specific_heat) / b.specific_heat:.1e}",
                                  f"{abs(w_only.log_z - b.log_z):.3f}"])
    identity = Table(f"Z(λθ, β) = Z(θ, λβ): the unregularised RBM ({rbm.n_visible} × {n_hidden}), exact; last "
                     "column: scaling W alone (biases kept) is not a temperature",
                     ("λ", "β", "abs Δ ln Z", "rel. Δ C", "abs Δ ln Z, W only"), identity_rows)

    # 2. where each trained model sits
    betas = np.linspace(0.1, 3.0, 59)
    rows, curves = [], {}
    step = betas[1] - betas[0]
    for l2, model in models.items():
        heat = exact(model, betas).specific_heat
        beta_star, peak = specific_heat_peak(model, betas, heat)
        fine = np.linspace(beta_star - 2 * step, beta_star + 2 * step, 41)      # a sharp peak needs resolving
        grid = np.concatenate([betas, fine])
        order = np.argsort(grid)
        curves[l2] = (grid[order], np.concatenate([heat, exact(model, fine).specific_heat])[order] / model.n)
        at_one = exact(model, 1.0).specific_heat
        ll = log_likelihood(model, X_test, method="exact").value
        rows.append([f"{l2:g}", f"{np.linalg.norm(model.weights):.2f}", f"{beta_star:.3f}", f"{peak / model.n:.4f}",
                     f"{at_one / model.n:.4f}", f"{at_one / peak:.3f}", f"{ll:.2f}"])
    table = Table(f"{data.description}: RBMs with {n_hidden} hidden units, PCD-1, 30 epochs, weight decay l2; "
                  "C(β) = β² Var(E) exact, per unit; β* its maximum (Brent); held-out ln p(x) per image exact",
                  ("l2", "‖W‖_F", "β*", "C(β*)/n", "C(1)/n", "C(1)/C(β*)", "test ln p(x)"), rows)

    figure = _plot(out, curves, rows)
    stars = {r[0]: float(r[2]) for r in rows}
    ratios = [float(r[5]) for r in rows]
    free = stars[f"{decays[0]:g}"]
    strongest = f"{decays[-1]:g}"
    closer = all(np.diff(np.abs(np.log([stars[f"{l2:g}"] for l2 in decays]))) < 0)
    worst_identity = max(float(r[2]) for r in identity_rows)
    side = "colder than" if free < 1 else "hotter than"
    reading = (
        f"Scaling every parameter by λ is β → λβ: ln Z and C agree to {worst_identity:.1e}; scaling W alone "
        f"changes ln Z by up to {max(float(r[4]) for r in identity_rows):.2f}, so 'weight scale = temperature' "
        "needs the biases scaled too. The unregularised RBM's specific heat peaks at β* = "
        f"{free:.3f} (T* = {1 / free:.2f}), so at β = 1 it is {side} its peak, at {ratios[0]:.2f} of the peak height"
        + (" — near the maximum of C (within 20% of it), as Mastromatteo and Marsili find for inferred models"
           if ratios[0] > 0.8 else " — not within 20% of the maximum, unlike Mastromatteo and Marsili's inferred "
           "models")
        + f". Weight decay shrinks the weights (‖W‖_F from {rows[0][1]} to {rows[-1][1]}), which at fixed β is "
        f"heating the model: β* moves from {free:.3f} to {stars[strongest]:.3f} and C(1)/C(β*) from "
        f"{ratios[0]:.2f} to {ratios[-1]:.2f}, "
        + ("so regularisation brings the trained model closer to its specific-heat peak."
           if closer else "not monotonically toward the peak.")
        + f" Held-out ln p(x) goes from {rows[0][6]} to {rows[-1][6]} over the same decays.")
    return ChapterReport("temperature", "Weight scale is a temperature",
                       "Scaling an RBM's parameters is changing its temperature; trained models are said to sit near "
                       "the peak of their specific heat, and regularisation moves them along that curve.",
                       REFERENCES, [identity, table], [figure] if figure else [], reading,
                       time.perf_counter() - clock)


def _plot(out, curves, rows):
    plt = pyplot()
    if plt is None:
        return None
    figure, ax = plt.subplots(figsize=(6.5, 4.2))
    for (l2, (grid, heat)), row in zip(curves.items(), rows):
        line, = ax.plot(grid, heat, label=f"l2 = {l2:g}, β* = {row[2]}")
        ax.plot(float(row[2]), float(row[3]), "o", color=line.get_color())
    ax.axvline(1.0, color="k", ls=":", label="β = 1 (as trained)")
    ax.set(xlabel="β", ylabel="C(β) / n", title="specific heat of trained RBMs (exact)")
    ax.legend(fontsize=8)
    return save_figure(figure, out, "weight_scale_temperature.png")


def main(argv=None):
    return run_as_script(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
