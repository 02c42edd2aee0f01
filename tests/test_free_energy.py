"""ln Z by AIS, population annealing and Wang-Landau against exact answers, in units of
each method's own error bar."""
import warnings
import numpy as np
import pytest

import statmech
from statmech import mc, schedules
from statmech.analysis.exact_results import ising_square_torus, sk_annealed_log_z
from statmech.models import RBM, CurieWeiss, Ising, RandomEnergyModel, SherringtonKirkpatrick


def assert_log_z(estimate, error, exact, atol):
    assert abs(estimate - exact) < 4 * error, (estimate, error, exact)
    assert abs(estimate - exact) < atol


@pytest.mark.parametrize("shape", [(12, 8), (28, 12)])
def test_ais_on_random_rbms_along_beta_and_from_a_base_rate_model(shape):
    n_visible, n_hidden = shape
    rbm = RBM.random(n_visible, n_hidden, scale=0.5, seed=1, bias_scale=0.5)
    exact = statmech.exact(rbm, 1.0).log_z            # enumerates the hidden layer only
    along_beta = mc.ais(rbm, schedules.linear(0.0, 1.0, 500), n_chains=200, sampler=mc.BlockGibbs(), seed=0,
                        progress=False)
    assert_log_z(along_beta.log_z, along_beta.log_z_err, exact, 0.1)
    base = RBM(np.zeros(shape), rbm.visible_bias, np.zeros(n_hidden))
    from_base = mc.ais(rbm, schedules.linear(0.0, 1.0, 500), n_chains=200, base=base, seed=0, progress=False)
    assert_log_z(from_base.log_z, from_base.log_z_err, exact, 0.1)
    assert from_base.method == "ais-base" and from_base.effective_sample_size[-1] > 20
    assert "hidden layer summed out" in from_base.sampler
    joint = mc.ais(rbm, schedules.linear(0.0, 1.0, 500), n_chains=200, base=base, sampler=mc.BlockGibbs(), seed=0,
                   progress=False)                 # an explicit sampler keeps (v, h) chains
    assert "summed out" not in joint.sampler
    assert_log_z(joint.log_z, joint.log_z_err, exact, 0.1)


def test_marginal_ais_with_spins_hidden_biases_and_offsets():
    """The visible-marginal path interpolates every bias and the offset, in both domains."""
    from statmech.hamiltonian import BipartiteHamiltonian
    rng = np.random.default_rng(4)
    for domain in ("binary", "spin"):
        target = BipartiteHamiltonian(rng.normal(0, 0.4, (10, 7)), rng.normal(0, 0.5, 10), rng.normal(0, 0.5, 7),
                                      0.7, domain)
        base = BipartiteHamiltonian(np.zeros((10, 7)), rng.normal(0, 0.5, 10), rng.normal(0, 0.5, 7), -0.3, domain)
        result = mc.ais(target, schedules.linear(0.0, 1.0, 400), n_chains=300, base=base, seed=2, progress=False)
        exact = statmech.exact(target, 1.0)
        assert_log_z(result.log_z, result.log_z_err, exact.log_z, 0.05)
        assert result.log_z_path[0] == pytest.approx(statmech.exact(base, 1.0).log_z, abs=1e-12)
        # the recorded energy at t = 1 is the weighted mean energy of the target's samples
        error = np.sqrt(exact.specific_heat / result.effective_sample_size[-1])      # Var(E) at beta = 1
        assert abs(result.energy[-1] - exact.energy) < 4 * error


@pytest.mark.slow
def test_ais_log_z_along_the_schedule_and_on_other_models():
    cw = CurieWeiss(24, J=1.0)
    betas = schedules.linear(0.0, 1.5, 300)
    result = mc.ais(cw, betas, n_chains=256, sampler=mc.HeatBath(), seed=1, progress=False)
    exact = statmech.exact(cw, result.schedule).log_z
    assert result.log_z_path.shape == exact.shape
    assert np.all(np.abs(result.log_z_path - exact) < 4 * result.log_z_err_path + 0.02)
    rem = RandomEnergyModel(10, seed=2)
    result = mc.ais(rem, schedules.linear(0.0, 1.0, 100), n_chains=128, seed=1, progress=False)
    assert_log_z(result.log_z, result.log_z_err, statmech.exact(rem, 1.0).log_z, 0.2)


@pytest.mark.slow      # ~2 s; AIS against exact ln Z is in the fast tier above
def test_ais_partition_function_is_unbiased_over_sk_instances():
    """E_J[Z] = 2^n exp(beta^2 (n - 1) / 4): average Z-hat (unbiased), not ln Z-hat (biased low)."""
    n, beta, n_instances = 8, 0.8, 120
    ratios = []
    for s in range(n_instances):
        result = mc.ais(SherringtonKirkpatrick(n, seed=1000 + s), schedules.linear(0.0, beta, 30), n_chains=32,
                        seed=s, progress=False)
        ratios.append(np.exp(result.log_z - sk_annealed_log_z(n, beta)))
    ratios = np.array(ratios)
    assert abs(ratios.mean() - 1) < 4 * ratios.std(ddof=1) / np.sqrt(n_instances)


def test_population_annealing_on_the_8x8_ising_torus_matches_kaufman():
    L = 8
    beta_c = 0.5 * np.log1p(np.sqrt(2))
    result = mc.population_annealing(Ising.square(L), schedules.linear(0.0, beta_c, 200), n_chains=4000,
                                     n_sweeps=2, n_populations=16, seed=0, progress=False)
    exact = ising_square_torus(L, result.schedule).log_z
    assert_log_z(result.log_z, result.log_z_err, exact[-1], 0.05)
    assert np.all(np.abs(result.log_z_path - exact) < 4 * result.log_z_err_path + 0.02)
    assert result.family_rho >= 1
    np.testing.assert_allclose(result.energy[-1], ising_square_torus(L, beta_c).energy, rtol=0.02)


@pytest.mark.slow
def test_population_annealing_and_wang_landau_on_the_16x16_torus():
    L = 16
    beta_c = 0.5 * np.log1p(np.sqrt(2))
    exact = ising_square_torus(L, beta_c).log_z
    pa = mc.population_annealing(Ising.square(L), schedules.linear(0.0, beta_c, 300), n_chains=4000,
                                 n_sweeps=2, n_populations=16, seed=3, progress=False)
    assert_log_z(pa.log_z, pa.log_z_err, exact, 0.1)
    wl = mc.wang_landau(Ising.square(L), log_f_final=1e-5, seed=3, progress=False).log_z(beta_c)
    assert_log_z(wl.value, wl.error, exact, 0.2)


@pytest.mark.slow
def test_wang_landau_density_of_states_and_thermodynamics():
    exact_dos = statmech.density_of_states(Ising.square(4))
    dos = mc.wang_landau(Ising.square(4), seed=0, log_f_final=1e-6, progress=False)
    np.testing.assert_array_equal(dos.energies, exact_dos.energies)
    spread = dos.chain_log_g.std(axis=0, ddof=1) / np.sqrt(dos.chain_log_g.shape[0])
    assert np.all(np.abs(dos.log_g - exact_dos.log_g) < 4 * spread + 0.02)
    assert dos.flatness_history.shape[1] == 2

    L = 8
    betas = np.array([0.2, 0.44, 0.6])
    dos = mc.wang_landau(Ising.square(L), seed=1, log_f_final=1e-6, progress=False)
    estimate = dos.log_z(betas)
    exact = ising_square_torus(L, betas)
    assert np.all(np.abs(estimate.value - exact.log_z) < 4 * estimate.error + 1e-3)
    assert np.all(np.abs(estimate.value - exact.log_z) < 0.05)
    thermo = dos.thermodynamics(np.linspace(0.05, 1.0, 60))
    np.testing.assert_allclose(thermo.free_energy, thermo.energy - thermo.entropy / thermo.beta, rtol=1e-10)
    assert np.all(np.diff(thermo.log_z, 2) >= -1e-9)                  # ln Z convex in beta
    assert np.all(thermo.entropy >= -1e-9)


def test_wang_landau_in_an_energy_window_pinned_at_the_ground_state():
    """A window from the ground state up, normalised by g(E_0) = 2: walkers descend into it
    from random states, and ln g and low-temperature ln Z match enumeration. The window's
    top level is compared separately: 8 of its 424 states (two straight domain walls) have
    every single-flip neighbour above it, so a restricted walk misses them."""
    model = Ising.square(4)
    exact_dos = statmech.density_of_states(model)
    dos = mc.wang_landau(model, energy_range=(-32, -16), normalization=(-32, 2), log_f_final=1e-6, seed=2,
                         progress=False)
    expected = exact_dos.log_g[exact_dos.energies <= -16]
    np.testing.assert_array_equal(dos.energies, exact_dos.energies[exact_dos.energies <= -16])
    spread = dos.chain_log_g.std(axis=0, ddof=1) / np.sqrt(dos.chain_log_g.shape[0])
    assert np.all(np.abs(dos.log_g - expected)[:-1] < 4 * spread[:-1] + 1e-3)
    missed = np.log(424 / 416)                    # the isolated states' share of g(-16)
    assert abs(dos.log_g[-1] - (expected[-1] - missed)) < 4 * spread[-1] + 1e-3
    assert dos.log_g[0] == np.log(2)
    assert dos.energy_range == (-np.inf, -16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimate = dos.log_z(1.5)                 # the canonical weight at E = -16 is ~1e-8
    exact = ising_square_torus(4, 1.5).log_z
    assert abs(estimate.value - exact) < 4 * estimate.error + 1e-3
    with pytest.warns(RuntimeWarning, match="edge of the energy window"):
        dos.log_z(0.2)                            # hot: most weight lies above the window
    with pytest.raises(ValueError, match="excludes the walkers' random starting energies"):
        mc.wang_landau(model, energy_range=(-32, -16), seed=2, progress=False)
    with pytest.raises(ValueError, match="normalization count must be >= 1"):
        mc.wang_landau(model, normalization=(-32, 0), progress=False)
    with pytest.raises(ValueError, match="lies outside energy_range"):
        mc.wang_landau(model, energy_range=(-24, 0), normalization=(-32, 2), progress=False)
    with pytest.raises(ValueError, match=r"energy_range must be \(low, high\) with low < high"):
        mc.wang_landau(model, energy_range=(0, -8), progress=False)
    with pytest.raises(ValueError, match="energy_range must be finite"):
        mc.wang_landau(model, energy_range=(np.nan, 0), progress=False)
    with pytest.raises(ValueError, match=r"energy_range must have shape \(2\)"):
        mc.wang_landau(model, energy_range=(-32, -16, 0), progress=False)
    for bad in ["all", object()]:
        with pytest.raises(TypeError, match="energy_range must be array-like of real numbers"):
            mc.wang_landau(model, energy_range=bad, progress=False)
    with pytest.raises(TypeError, match="normalization must be array-like of real numbers"):
        mc.wang_landau(model, normalization=[None, 2], progress=False)
    with pytest.raises(ValueError, match="normalization must be 'total' or"):
        mc.wang_landau(model, normalization="ground", progress=False)


def test_free_energy_input_errors():
    sk = SherringtonKirkpatrick(6, seed=0)
    with pytest.raises(ValueError, match="schedule must be non-decreasing"):
        mc.ais(sk, [0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="zero couplings"):
        mc.ais(sk, [0.0, 1.0], base=sk)
    rbm = RBM.random(3, 2, seed=0, scale=1.0)
    with pytest.raises(ValueError, match="zero weights"):
        mc.ais(rbm, [0.0, 1.0], base=rbm)
    with pytest.raises(ValueError, match="from t = 0 to t = 1"):
        mc.ais(rbm, [0.0, 0.5], base=RBM(np.zeros((3, 2))))
    with pytest.raises(ValueError, match="must have the target's n = 5"):
        mc.ais(rbm, [0.0, 1.0], base=RBM(np.zeros((4, 2))))
    with pytest.raises(TypeError, match="wang_landau needs a PairwiseHamiltonian"):
        mc.wang_landau(RandomEnergyModel(5))
    with pytest.raises(ValueError, match="not multiples of resolution"):
        mc.wang_landau(sk)
    with pytest.raises(ValueError, match="n_chains must be >= 20"):
        mc.population_annealing(sk, [0.0, 1.0], n_chains=10)


def test_ais_warns_when_its_weights_collapse_and_reports_their_effective_sample_size():
    """Found: RBM weights ~1e3 gave ln Z = 7466.9 +- 0.99 against the exact 7484.0 (17
    error bars), ESS 1.0003 of 64 chains, and no warning."""
    from statmech.errors import EffectiveSampleSizeWarning
    from statmech.learning import log_likelihood

    rbm = RBM.random(10, 6, scale=1e3, seed=0)
    exact = statmech.exact(rbm, 1.0).log_z
    with pytest.warns(EffectiveSampleSizeWarning, match=r"effective sample size \d\.\d+ of 64"):
        result = mc.ais(rbm, np.linspace(0, 1, 200), n_chains=64, seed=0, progress=False)
    assert result.effective_sample_size[-1] < 0.05 * 64
    assert abs(result.log_z - exact) > 10 * result.log_z_err        # the error bar really does not hold
    data = (np.random.default_rng(0).random((20, 10)) < 0.5).astype(float)
    with pytest.warns(EffectiveSampleSizeWarning):
        fit = log_likelihood(rbm, data, method="ais", n_steps=200, n_chains=64, seed=0)
    assert fit.effective_sample_size < 0.05 * 64
    assert log_likelihood(rbm, data).effective_sample_size is None
    with warnings.catch_warnings():                 # well-behaved weights: no warning, error bars that hold
        warnings.simplefilter("error", EffectiveSampleSizeWarning)
        small = RBM.random(10, 6, scale=0.3, seed=0)
        result = mc.ais(small, np.linspace(0, 1, 200), n_chains=64, seed=0, progress=False)
    assert result.effective_sample_size[-1] > 0.5 * 64
    assert abs(result.log_z - statmech.exact(small, 1.0).log_z) < 4 * result.log_z_err
