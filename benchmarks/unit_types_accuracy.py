"""The accuracy figures of the unit types (not speed: see bench_unit_types.py).

1. Worst relative error of each unit's formulas against 60-digit mpmath references over
   |x| <= 50 and beta in [0.01, 100] (the grid of tests/test_unit_types.py).
2. For every pair with exact thermodynamics: AIS ln Z (200 steps, 400 chains, base of
   the same unit types) against exact, and the slopes of the naive / TAP2 ln Z errors as
   the couplings scale by eps (2 and 3; 4 with a Gaussian layer, whose third cumulant
   vanishes).
3. A Gaussian-Bernoulli RBM on standardised digits: held-out exact ln p per image over 20
   epochs, and AIS at the end (needs scikit-learn).
Run: python benchmarks/unit_types_accuracy.py   (about 2 minutes; needs mpmath)
"""
import sys
from pathlib import Path

import mpmath
import numpy as np

import statmech
from statmech import BipartiteHamiltonian, unit_types
from statmech.mc.free_energy import ais
from statmech.schedules import linear

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_unit_types import BETAS, FIELDS, _reference, _relu_cumulants  # noqa: E402  (the tests' references)

UNITS = ["binary", "spin", "gaussian", "relu"]


def formulas():
    print("1. worst relative error against 60-digit references, |x| <= 50, beta in [0.01, 100]")
    for name in UNITS:
        unit, worst = unit_types.unit_type(name), {}
        for beta in BETAS:
            for x in FIELDS:
                refs = dict(zip(("mean", "variance", "log Z"), _reference(name, x, beta)))
                got = {"mean": unit.mean(x, beta), "variance": unit.variance(x, beta),
                       "log Z": unit.log_partition(x, beta)}
                if name == "relu":
                    refs["k3"], refs["k4"] = _relu_cumulants(x, beta)
                    got["k3"], got["k4"] = unit.third_cumulant(x, beta), unit.fourth_cumulant(x, beta)
                for key, reference in refs.items():
                    reference = float(reference)
                    if abs(reference) > 1e-290:
                        error = abs(float(np.ravel(got[key])[0]) - reference) / abs(reference)
                        worst[key] = max(worst.get(key, 0.0), error)
        print(f"   {name:<9}" + "  ".join(f"{key} {value:.1e}" for key, value in worst.items()))


def pairs():
    print("\n2. | visible-hidden | exact ln Z | AIS ln Z +- err | z | naive slope | TAP2 slope |")
    rng = np.random.default_rng(3)
    positive = np.abs(rng.normal(0, 1, (5, 4)))
    eps = np.array([0.005, 0.01, 0.02])
    for v in UNITS:
        for h in UNITS:
            if not (v in ("binary", "spin") or h in ("binary", "spin") or v == h == "gaussian"):
                continue
            r = np.random.default_rng(0)
            H = BipartiteHamiltonian(r.normal(0, 0.4, (3, 3)), r.normal(0, 0.5, 3), r.normal(0, 0.5, 3), offset=0.25,
                                     visible=v, hidden=h)
            base = BipartiteHamiltonian(np.zeros((3, 3)), H.visible_bias, np.zeros(3), visible=v, hidden=h)
            exact = statmech.exact(H, 1.0).log_z
            estimate = ais(H, linear(0, 1, 200), base=base, n_chains=400, seed=5, progress=False)
            errors = {"naive": [], "tap2": []}
            for e in eps:
                G = BipartiteHamiltonian(positive * e, np.full(5, 0.8), np.full(4, 0.8), visible=v, hidden=h)
                reference = statmech.exact(G, 1.0).log_z
                for method in errors:
                    errors[method].append(abs(statmech.mean_field(G, 1.0, method=method, seed=0, tol=1e-14).log_z
                                              - reference))
            slopes = {m: np.polyfit(np.log(eps), np.log(errors[m]), 1)[0] for m in errors}
            print(f"   | {v}-{h} | {exact:.4f} | {estimate.log_z:.4f} +- {estimate.log_z_err:.4f} | "
                  f"{(estimate.log_z - exact) / estimate.log_z_err:+.2f} | {slopes['naive']:.2f} | {slopes['tap2']:.2f} |")


def digits():
    try:
        from statmech.datasets import digits as load
        data = load(threshold=None)
    except ImportError:
        print("\n3. skipped (needs scikit-learn)")
        return
    from statmech.learning import GaussianBernoulliRBM, log_likelihood
    mean, scale = data.X_train.mean(0), data.X_train.std(0)
    scale[scale == 0] = 1.0
    train, test = (data.X_train - mean) / scale, (data.X_test - mean) / scale
    print("\n3. GaussianBernoulliRBM, standardised digits, 12 hidden, batch 20, rate 0.01: held-out ln p per image "
          "(exact) after epochs 1, 5, 10, 20, and AIS at 20")
    for method in ("pcd", "cd", "tap2", "exact"):
        curve = []
        rbm = GaussianBernoulliRBM(n_components=12, method=method, learning_rate=0.01, batch_size=20, n_iter=20,
                                   n_chains=100, random_state=0)
        rbm.fit(train, callback=lambda epoch, r: curve.append(log_likelihood(r, test).value)
                if epoch in (0, 4, 9, 19) else None)
        estimate = log_likelihood(rbm, test, method="ais", n_steps=1000, n_chains=200, base_data=train, seed=0)
        print(f"   | {method} | " + " | ".join(f"{c:.2f}" for c in curve)
              + f" | {estimate.value:.2f} +- {estimate.error:.2f} |")


if __name__ == "__main__":
    mpmath.mp.dps = 60
    formulas()
    pairs()
    digits()
