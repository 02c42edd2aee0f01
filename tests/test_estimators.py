"""Estimators on series with known answers, and reweighting against exact thermodynamics."""
import numpy as np
import pytest

import statmech
from statmech import estimators, mc
from statmech.analysis.exact_results import curie_weiss, ising_square_torus
from statmech.errors import AutocorrelationError, ConvergenceWarning
from statmech.models import CurieWeiss, Ising

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
    with pytest.warns(ConvergenceWarning, match="not reliable .*underestimate"):      # emcee's quiet=True
        assert estimators.autocorrelation_time(x, quiet=True) == info.value.tau


def _chains(shape, rho, seed):
    """AR(1) chains with heavy-tailed noise added (ranks matter), each from its own start."""
    rng = np.random.default_rng(seed)
    x = np.stack([ar1(rho, shape[1], seed + 1 + k) for k in range(shape[0])]) + rng.normal(size=(shape[0], 1))
    return x + 0.3 * rng.standard_t(3, size=shape)


@pytest.mark.parametrize("shape, rho", [((4, 1000), 0.9), ((1, 501), 0.5), ((3, 37), 0.2), ((2, 10), 0.0)])
def test_rhat_and_bulk_tail_mean_ess_are_arvizs(shape, rho):
    az = pytest.importorskip("arviz")
    x = _chains(shape, rho, seed=sum(shape))
    for method in ("bulk", "tail", "mean"):
        assert estimators.effective_sample_size(x, method) == pytest.approx(float(az.ess(x, method=method)),
                                                                            rel=1e-10, abs=0), method
    if shape[0] > 1:                            # ArviZ wants two chains; statmech splits one
        assert estimators.rhat(x) == pytest.approx(float(az.rhat(x, method="rank")), rel=1e-10, abs=0)


def test_rhat_sees_chains_that_disagree_and_ess_of_independent_draws():
    rng = np.random.default_rng(3)
    agree = rng.normal(size=(4, 2000))
    assert estimators.rhat(agree) < 1.01
    assert estimators.rhat(agree + np.arange(4)[:, None] * 0.5) > 1.1           # locations differ
    assert estimators.rhat(agree * np.array([1, 1, 1, 3])[:, None]) > 1.01       # a scale differs: the tail R-hat
    n = agree.size
    for method in ("bulk", "mean", "tail"):      # independent draws: ESS ~ n, within a few of its spread
        assert abs(estimators.effective_sample_size(agree, method) / n - 1) < 0.15, method
    with pytest.raises(ValueError, match="method must be one of"):
        estimators.effective_sample_size(agree, "geyer")
    with pytest.raises(ValueError, match="at least 4 steps"):
        estimators.rhat(agree[:, :3])


def test_equilibration_by_n_effective_is_pymbars_detect_equilibration():
    timeseries = pytest.importorskip("pymbar.timeseries")
    for T, relaxation, seed in [(1500, 50, 1), (600, 150, 2)]:
        x = 20 * np.exp(-np.arange(T) / relaxation) + ar1(0.8, T, seed)
        start, g, _ = timeseries.detect_equilibration(x, fast=False)
        found = estimators.equilibration(x, "n_effective", max_candidates=T)
        assert found.start == start and found.statistical_inefficiency == pytest.approx(g, rel=1e-6)
        assert found.n_effective == pytest.approx((T - start) / found.statistical_inefficiency)
    settles = 20 * np.exp(-np.arange(3000) / 100) + ar1(0.8, 3000, 1)    # within its first half
    assert abs(estimators.equilibration(settles).start - timeseries.detect_equilibration(settles, fast=False)[0]) < 100


@pytest.mark.parametrize("name", ["curie-weiss", "ising"])
def test_burn_in_auto_drops_the_transient_of_chains_started_far_from_equilibrium(name):
    """16 chains started in a ground state relax to equilibrium within ~10 sweeps: the mean
    of the whole run is biased by 5-13 error bars (over independent chains) in every seed;
    with burn_in="auto" it is within 3 of the exact mean's. Chodera's n_effective criterion
    misses these transients (large, but short next to the correlation time) in some seeds."""
    H, beta, n_sweeps = {"curie-weiss": (CurieWeiss(1000), 0.8, 200), "ising": (Ising.square(32), 0.3, 200)}[name]
    exact = float((curie_weiss(1000, beta) if name == "curie-weiss" else ising_square_torus(32, beta)).energy)
    start = np.ones((16, H.n), np.int8)
    missed = 0
    for seed in (5, 6, 8):
        runs = {burn_in: statmech.sample(H, beta, n_sweeps=n_sweeps, n_chains=16, burn_in=burn_in,
                                         initial_states=start, seed=seed, progress=False) for burn_in in (0, "auto")}
        for burn_in, run in runs.items():
            per_chain = run.energy.mean(axis=1)
            z = (per_chain.mean() - exact) / (per_chain.std(ddof=1) / np.sqrt(per_chain.size))
            assert (abs(z) < 3) == (burn_in == "auto"), (burn_in, seed, z)
        auto = runs["auto"]
        assert 0 < auto.burn_in <= n_sweeps // 2 and auto.burn_in + auto.n_sweeps == n_sweeps
        assert np.array_equal(auto.energy, runs[0].energy[:, auto.burn_in:])
        missed += estimators.equilibration(runs[0].energy, "n_effective").start == 0
    assert name == "ising" or missed > 0
    with pytest.raises(ValueError, match='burn_in must be an integer >= 0 or "auto"'):
        statmech.sample(H, beta, burn_in="detect", progress=False)


def test_equilibration_of_a_series_that_never_settles_warns():
    with pytest.warns(ConvergenceWarning, match="may not have equilibrated"):
        estimators.equilibration(np.linspace(10.0, 0.0, 400) + 0.01 * ar1(0.5, 400, 3))


def test_traces_convert_for_arviz():
    az = pytest.importorskip("arviz")
    run = statmech.sample(Ising.square(4), 0.3, n_sweeps=400, n_chains=4, seed=0, progress=False)
    data = run.to_inference_data()
    assert set(data.posterior.data_vars) == {"energy", "magnetization"}
    assert dict(data.posterior.sizes) == {"chain": 4, "draw": 400}
    assert float(az.ess(data, var_names=["energy"]).energy) == pytest.approx(
        estimators.effective_sample_size(run.energy, "bulk"), rel=1e-10)
    assert float(az.rhat(data, var_names=["energy"]).energy) == pytest.approx(estimators.rhat(run.energy), rel=1e-10)
    tempering = statmech.parallel_tempering(Ising.square(4), [0.2, 0.4], n_sweeps=100, n_chains=2, seed=0,
                                            progress=False).to_inference_data()
    assert dict(tempering.posterior.sizes) == {"chain": 2, "beta": 2, "draw": 100}


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


@pytest.mark.slow      # ~3 s: 30 runs and 40 bootstrap solves
def test_multistate_reweighting_on_a_wide_ladder_matches_the_transfer_matrix():
    """A ladder from beta = 0 to 2 on a 200-spin chain, where every sample's weight sits on
    the coldest run at f = 0 (the solver's Hessian there is singular: this raised
    LinAlgError), against the transfer matrix."""
    from statmech.analysis.exact_results import ising_chain
    n, betas = 200, np.linspace(0.0, 2.0, 30)
    traces = [statmech.sample(Ising.chain(n), b, sampler=mc.HeatBath(), n_sweeps=400, n_chains=2, burn_in=100,
                              seed=k, progress=False).energy for k, b in enumerate(betas)]
    result = estimators.multistate_reweighting(traces, betas, reference_log_z=n * np.log(2), seed=0)
    z = (result.log_z[1:] - ising_chain(n, betas[1:]).log_z) / result.log_z_err[1:]
    assert np.all(np.abs(z) < 4), z


def test_multistate_reweighting_refuses_runs_that_do_not_overlap():
    """Two runs whose energies share nothing: ln Z between them is not determined (it
    returned a wrong ln Z with an error bar of 1e-13)."""
    rng = np.random.default_rng(0)
    far_apart = [rng.normal(-10.0, 3.0, 500), rng.normal(-400.0, 3.0, 500)]
    with pytest.raises(ValueError, match="beta = 0 and beta = 2 do not overlap"):
        estimators.multistate_reweighting(far_apart, [0.0, 2.0])
    close = [rng.normal(-10.0, 3.0, 500), rng.normal(-11.0, 3.0, 500)]
    assert np.isfinite(estimators.multistate_reweighting(close, [0.0, 0.1]).log_z_err[1])
