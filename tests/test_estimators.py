"""Estimators on series with known answers, and reweighting against exact thermodynamics."""
import numpy as np
import pytest

import statmech
from statmech import estimators, mc
from statmech.analysis.exact_results import ising_square_torus
from statmech.errors import AutocorrelationError
from statmech.models import Ising

from reference import ar1


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_autocorrelation_time_of_ar1(rho):
    """tau_int = (1 + rho) / (1 - rho); the estimate's relative error is about
    sqrt(2 (2M + 1) / N) with window M ~ 5 tau (Sokal); allow 4 of those."""
    size = 2 ** 17
    tau_true = (1 + rho) / (1 - rho)
    x = np.stack([ar1(rho, size, seed) for seed in range(2)])
    tau = estimators.autocorrelation_time(x)
    relative_error = np.sqrt(2 * (2 * 5 * tau_true + 1) / x.size)
    assert abs(tau / tau_true - 1) < 4 * relative_error
    assert estimators.effective_sample_size(x) == pytest.approx(x.size / tau)


def test_autocorrelation_error_carries_the_partial_estimate():
    x = ar1(0.99, 2000, seed=0)
    with pytest.raises(AutocorrelationError, match="shorter than 50 \\* tau") as info:
        estimators.autocorrelation_time(x)
    assert info.value.tau > 10


def test_jackknife_of_mean_and_variance_of_iid_normals():
    x = np.random.default_rng(0).normal(size=20_000)
    mean = estimators.jackknife(np.mean, x)
    assert mean.error == pytest.approx(1 / np.sqrt(x.size), rel=0.3)
    var = estimators.jackknife(lambda s: np.var(s), x)
    # Var of the sample variance of N(0,1): 2 / N.
    assert var.error == pytest.approx(np.sqrt(2 / x.size), rel=0.3)
    assert abs(var.value - 1) < 4 * var.error
    with pytest.raises(ValueError, match="at least n_blocks = 32 entries"):
        estimators.jackknife(np.mean, np.ones(10))


def test_binder_cumulant_limits():
    ordered = estimators.binder_cumulant(np.tile([1.0, -1.0], 100))
    assert ordered.value == pytest.approx(2 / 3) and ordered.error == pytest.approx(0, abs=1e-12)
    gaussian = estimators.binder_cumulant(np.random.default_rng(1).normal(size=50_000))
    assert abs(gaussian.value) < 4 * gaussian.error


def test_overlap_distribution():
    rng = np.random.default_rng(2)
    a = rng.choice([-1, 1], size=(4000, 64))
    same = estimators.overlap_distribution(a, a)
    assert np.all(same.q == 1) and same.q_ea.value == 1
    independent = estimators.overlap_distribution(a, rng.choice([-1, 1], size=(4000, 64)))
    assert independent.q_ea.value == pytest.approx(1 / 8, rel=0.1)       # sqrt(<q^2>) = 1/sqrt(n)
    assert np.sum(independent.density * np.diff(independent.edges)) == pytest.approx(1.0)
    binary = estimators.overlap_distribution((a + 1) // 2, (a + 1) // 2)
    assert np.all(binary.q == 1)
    with pytest.raises(ValueError, match="same shape"):
        estimators.overlap_distribution(a, a[:, :10])


def test_single_histogram_reweighting_matches_exact():
    model = Ising.square(4)
    beta, new_beta = 0.40, 0.43
    run = statmech.sample(model, beta, n_sweeps=20_000, n_chains=4, burn_in=500, seed=1, progress=False)
    result = estimators.reweight(run.energy, beta, new_beta)
    exact = statmech.exact(model, [beta, new_beta])
    assert abs(result.mean.value - exact.energy[1]) < 4 * result.mean.error
    delta = exact.log_z[1] - exact.log_z[0]
    assert abs(result.delta_log_z.value - delta) < 4 * result.delta_log_z.error
    assert 0 < result.effective_sample_size <= run.energy.size


@pytest.mark.slow
def test_multistate_reweighting_on_2d_ising_matches_kaufman():
    L = 8
    model = Ising.square(L)
    betas = np.linspace(0.0, 0.44, 12)
    # Heat bath: a fixed-order Metropolis sweep barely mixes near beta = 0 (see its docstring).
    traces = [statmech.sample(model, b, sampler=mc.HeatBath(), n_sweeps=4000, n_chains=2, burn_in=200, seed=k,
                              progress=False).energy for k, b in enumerate(betas)]
    result = estimators.multistate_reweighting(traces, betas, reference_log_z=L * L * np.log(2), seed=0)
    exact = ising_square_torus(L, betas).log_z
    z = (result.log_z[1:] - exact[1:]) / result.log_z_err[1:]
    assert np.all(np.abs(z) < 4), z
    between = np.array([0.1, 0.33])
    np.testing.assert_allclose(result.log_z_at(between), ising_square_torus(L, between).log_z,
                               atol=4 * result.log_z_err.max())
    assert result.log_z_at(0.0)[0] == pytest.approx(L * L * np.log(2), abs=1e-6)   # solver tolerance


@pytest.mark.slow      # ~2 s of sampling
def test_thermodynamic_integration_propagates_errors_and_matches_kaufman():
    L = 8
    betas = np.linspace(0.0, 0.5, 41)
    exact = ising_square_torus(L, betas)
    # With exact <E> the only error is the trapezoid rule's, O(h^2).
    noiseless = estimators.thermodynamic_integration(betas, exact.energy, np.zeros_like(betas),
                                                     reference_log_z=L * L * np.log(2))
    discretisation = np.abs(noiseless.value - exact.log_z).max()
    assert discretisation < 0.02
    model = Ising.square(L)
    means, errors = [], []
    for k, b in enumerate(betas):
        run = statmech.sample(model, b, sampler=mc.HeatBath(), n_sweeps=2000, n_chains=2, burn_in=200, seed=k,
                              progress=False)
        means.append(run.energy.mean())
        errors.append(estimators.blocking_error(run.energy))
    result = estimators.thermodynamic_integration(betas, means, errors, reference_log_z=L * L * np.log(2))
    assert abs(result.value[-1] - exact.log_z[-1]) < 4 * result.error[-1] + discretisation
    with pytest.raises(ValueError, match="strictly increasing"):
        estimators.thermodynamic_integration([0.0, 0.0], [0.0, 0.0], [0.0, 0.0])


def test_estimator_input_errors():
    with pytest.raises(ValueError, match="one trace per beta"):
        estimators.multistate_reweighting([np.zeros(64)], [0.1, 0.2])
    with pytest.raises(ValueError, match="observable must have the shape of energies"):
        estimators.reweight(np.zeros(64), 0.1, 0.2, observable=np.zeros(32))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        estimators.reweight(np.zeros(64), 0.1, -0.2)
    with pytest.raises(ValueError, match=r"x must have shape \(n_steps,\) or \(n_chains, n_steps\)"):
        estimators.autocorrelation_time(np.zeros((2, 2, 2)))
