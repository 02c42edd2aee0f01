"""ln Z of the 16 x 16 Ising torus at beta_c: error against Kaufman versus CPU seconds.

Annealed importance sampling, population annealing, Wang-Landau, thermodynamic
integration and multistate reweighting (MBAR), each at a few levels of effort, side by side in one run. Each row prints
the wall-clock seconds, ln Z - exact, the method's own error bar and their ratio (z).
The goal is |Delta ln Z| < 0.01 within 60 s on two cores. Run:
python benchmarks/bench_free_energy.py
"""
import time

import numpy as np

import statmech
from statmech import estimators, mc, schedules
from statmech.analysis.exact_results import ISING_2D_BETA_C, ising_square_torus
from statmech.models import Ising

L = 16
BETA = ISING_2D_BETA_C
MODEL = Ising.square(L)
EXACT = ising_square_torus(L, BETA).log_z


def ais(steps, chains):
    result = mc.ais(MODEL, schedules.linear(0.0, BETA, steps), n_chains=chains, seed=1, progress=False)
    return result.log_z, result.log_z_err


def population_annealing(steps, population, sweeps):
    result = mc.population_annealing(MODEL, schedules.linear(0.0, BETA, steps), n_chains=population,
                                     n_sweeps=sweeps, n_populations=16, seed=1, progress=False)
    return result.log_z, result.log_z_err


def wang_landau(log_f_final, walkers, window=False):
    # The window runs from the two ground states (E = -2 L^2, which pin the normalisation)
    # to E = -150, where the canonical weight at beta_c is below 1e-6 (the result warns if not).
    options = dict(energy_range=(-2 * L * L, -150), normalization=(-2 * L * L, 2)) if window else {}
    estimate = mc.wang_landau(MODEL, resolution=4.0, log_f_final=log_f_final, n_chains=walkers, seed=1,
                              progress=False, **options).log_z(BETA)
    return estimate.value, estimate.error


def thermodynamic_integration(points, sweeps, chains):
    # Denser near beta_c, where <E> bends most. Heat bath, not Metropolis: near beta = 0 a
    # fixed-order Metropolis sweep flips almost every spin and barely mixes (its docstring).
    # Each beta starts from the previous beta's chains, so a short burn-in suffices; many
    # chains run as SIMD lanes (HeatBath's lanes option).
    betas = BETA * np.sin(np.linspace(0.0, np.pi / 2, points))
    means, errors, states = [], [], None
    for k, b in enumerate(betas):
        run = statmech.sample(MODEL, b, sampler=mc.HeatBath(), n_sweeps=sweeps, n_chains=chains,
                              burn_in=sweeps // 10, initial_states=states, seed=k, progress=False)
        states = run.states
        means.append(run.energy.mean())
        errors.append(estimators.blocking_error(run.energy))
    result = estimators.thermodynamic_integration(betas, means, errors, reference_log_z=L * L * np.log(2))
    return result.value[-1], result.error[-1]


def mbar(points, sweeps, chains, thin):
    # Runs at a ladder of betas (each from the previous beta's chains, as above), their
    # energies every `thin` sweeps pooled by multistate reweighting (MBAR): ln Z at every beta
    # of the ladder from all runs at once, its error by bootstrap over blocks of each run.
    betas = BETA * np.sin(np.linspace(0.0, np.pi / 2, points))
    energies, states = [], None
    for k, b in enumerate(betas):
        run = statmech.sample(MODEL, b, sampler=mc.HeatBath(), n_sweeps=sweeps, n_chains=chains, thin=thin,
                              burn_in=sweeps // 10, initial_states=states, seed=k, progress=False)
        states = run.states
        energies.append(run.energy.ravel())
    result = estimators.multistate_reweighting(energies, betas, reference_log_z=L * L * np.log(2), n_bootstrap=20)
    return result.log_z[-1], result.log_z_err[-1]


RUNS = [
    ("AIS", "4000 steps x 512 chains", lambda: ais(4000, 512)),
    ("AIS", "16000 steps x 512 chains", lambda: ais(16000, 512)),
    ("AIS", "60000 steps x 512 chains", lambda: ais(60000, 512)),
    ("population annealing", "300 steps, R = 4000, 2 sweeps", lambda: population_annealing(300, 4000, 2)),
    ("population annealing", "600 steps, R = 8000, 1 sweep", lambda: population_annealing(600, 8000, 1)),
    ("population annealing", "1000 steps, R = 16000, 1 sweep", lambda: population_annealing(1000, 16000, 1)),
    ("Wang-Landau", "all E, 4 walkers, ln f -> 1e-5", lambda: wang_landau(1e-5, 4)),
    ("Wang-Landau", "all E, 8 walkers, ln f -> 1e-6", lambda: wang_landau(1e-6, 8)),
    ("Wang-Landau", "window, 8 walkers, ln f -> 1e-6", lambda: wang_landau(1e-6, 8, window=True)),
    ("Wang-Landau", "window, 16 walkers, ln f -> 6e-7", lambda: wang_landau(6e-7, 16, window=True)),
    ("thermodynamic integration", "161 betas x 64 chains x 500", lambda: thermodynamic_integration(161, 500, 64)),
    ("thermodynamic integration", "161 betas x 128 chains x 1000",
     lambda: thermodynamic_integration(161, 1000, 128)),
    ("MBAR", "41 betas x 64 chains x 500, thin 5", lambda: mbar(41, 500, 64, 5)),
    ("MBAR", "81 betas x 64 chains x 1000, thin 10", lambda: mbar(81, 1000, 64, 10)),
]


def main():
    statmech.sample(Ising.square(4), 0.3, n_sweeps=10, seed=0, progress=False)     # compile / load caches
    mc.wang_landau(Ising.square(4), log_f_final=1e-2, seed=0, progress=False)
    mc.ais(Ising.square(4), [0.0, 0.1], n_chains=4, seed=0, progress=False)
    mc.population_annealing(Ising.square(4), [0.0, 0.1], n_chains=40, seed=0, progress=False)
    print(f"16 x 16 Ising torus at beta_c = {BETA:.6f}: exact ln Z = {EXACT:.6f} "
          f"({statmech.get_num_threads()} threads)\n")
    print(f"{'method':<27}{'effort':<34}{'seconds':>8}{'ln Z - exact':>14}{'error bar':>11}{'z':>7}")
    for method, effort, run in RUNS:
        start = time.perf_counter()
        value, error = run()
        seconds = time.perf_counter() - start
        delta = value - EXACT
        print(f"{method:<27}{effort:<34}{seconds:8.1f}{delta:14.5f}{error:11.5f}{delta / error:7.2f}", flush=True)


if __name__ == "__main__":
    main()
