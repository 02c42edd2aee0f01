"""statmech.exact and density_of_states against brute-force numpy enumeration."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given

import statmech
from statmech.errors import EnumerationTooLarge, SlowPathWarning
from statmech.testing.strategies import bipartite_hamiltonians, pairwise_hamiltonians

from reference import Triangles, all_states, boltzmann, brute_thermodynamics, chi_square_p_value, pairwise_energy

BETAS = np.array([0.0, 0.3, 1.0, 3.0])
FIELDS = ["log_z", "energy", "specific_heat", "magnetization", "abs_magnetization", "susceptibility"]


def assert_matches_brute(record, hamiltonian, energies=None, rtol=1e-10):
    states = all_states(hamiltonian.n, hamiltonian.domain)
    if energies is None:
        energies = pairwise_energy(hamiltonian.couplings, hamiltonian.fields, hamiltonian.offset, states)
    mags = states.sum(axis=1).astype(float)
    for b, beta in enumerate(np.atleast_1d(record.beta)):
        expected = brute_thermodynamics(energies, mags, beta)
        scale = max(1.0, np.abs(energies).max(), float(hamiltonian.n))
        for name in FIELDS:
            got = np.atleast_1d(getattr(record, name))[b]
            assert got == pytest.approx(expected[name], rel=rtol, abs=rtol * scale ** 2), (name, beta)


@given(pairwise_hamiltonians(max_n=9))
def test_pairwise_exact_equals_brute_force(hamiltonian):
    assert_matches_brute(statmech.exact(hamiltonian, BETAS), hamiltonian)


@pytest.mark.parametrize("n", [13, 15])
@pytest.mark.parametrize("domain", ["spin", "binary"])
def test_pairwise_exact_spans_several_gray_blocks(n, domain):
    # n > 12 splits the enumeration into prefixes merged by the streaming log-sum-exp.
    rng = np.random.default_rng(n)
    upper = np.triu(rng.normal(size=(n, n)), 1)
    hamiltonian = statmech.PairwiseHamiltonian(upper + upper.T, rng.normal(size=n), 0.5, domain)
    assert_matches_brute(statmech.exact(hamiltonian, BETAS), hamiltonian)
    sparse = statmech.PairwiseHamiltonian(sp.csr_matrix(upper + upper.T), hamiltonian.fields, 0.5, domain)
    assert_matches_brute(statmech.exact(sparse, BETAS), sparse)


@given(bipartite_hamiltonians(max_visible=7, max_hidden=6))
def test_bipartite_exact_equals_brute_force_over_both_layers(hamiltonian):
    states = all_states(hamiltonian.n, hamiltonian.domain)
    assert_matches_brute(statmech.exact(hamiltonian, BETAS), hamiltonian, energies=hamiltonian.energy(states))


def test_bipartite_exact_equals_pairwise_kernel_on_the_same_energy():
    rng = np.random.default_rng(3)
    for domain in ("spin", "binary"):
        for shape in [(3, 9), (9, 3), (14, 2)]:
            bip = statmech.BipartiteHamiltonian(rng.normal(size=shape), rng.normal(size=shape[0]),
                                                rng.normal(size=shape[1]), 0.2, domain)
            pair = statmech.PairwiseHamiltonian(bip.couplings, bip.fields, bip.offset, domain)
            a, b = statmech.exact(bip, BETAS), statmech.exact(pair, BETAS)
            for name in FIELDS:
                np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-10, atol=1e-10)


def test_generic_energy_only_model_matches_brute_force_and_warns_once():
    import sys
    sys.modules["statmech.exact.enumeration"]._warned_slow.discard(Triangles)
    model = Triangles(9)
    with pytest.warns(SlowPathWarning, match="calls Triangles.energy on batches"):
        record = statmech.exact(model, BETAS)
    states = all_states(9, "spin")
    assert_matches_brute(record, model, energies=model.energy(states))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowPathWarning)
        statmech.exact(model, 1.0)          # second call: no warning


def test_scalar_beta_gives_floats_and_array_beta_gives_arrays():
    hamiltonian = statmech.PairwiseHamiltonian(np.array([[0.0, 1.0], [1.0, 0.0]]))
    scalar = statmech.exact(hamiltonian, 0.5)
    assert isinstance(scalar.log_z, float) and isinstance(scalar.beta, float)
    array = statmech.exact(hamiltonian, [0.5])
    assert array.log_z.shape == (1,)
    assert array.log_z[0] == scalar.log_z


def test_infinite_temperature_limits():
    rng = np.random.default_rng(0)
    upper = np.triu(rng.normal(size=(10, 10)), 1)
    record = statmech.exact(statmech.PairwiseHamiltonian(upper + upper.T), 0.0)
    assert record.log_z == pytest.approx(10 * np.log(2), rel=1e-14)
    assert record.entropy == pytest.approx(10 * np.log(2), rel=1e-14)
    assert record.free_energy == -np.inf
    assert record.specific_heat == 0.0


def test_large_beta_does_not_overflow():
    rng = np.random.default_rng(1)
    upper = np.triu(rng.normal(size=(14, 14)), 1)
    hamiltonian = statmech.PairwiseHamiltonian(upper + upper.T)
    record = statmech.exact(hamiltonian, [50.0, 500.0])
    assert_matches_brute(record, hamiltonian)
    ground = pairwise_energy(hamiltonian.couplings, hamiltonian.fields, 0.0, all_states(14, "spin")).min()
    assert record.energy[1] == pytest.approx(ground, rel=1e-12)
    # Two degenerate ground states (global flip): ln Z -> ln 2 - beta E0.
    np.testing.assert_allclose(record.log_z[1], np.log(2) - 500.0 * ground, rtol=1e-12)


def test_results_are_identical_for_one_and_two_threads(thread_counts):
    rng = np.random.default_rng(7)
    upper = np.triu(rng.normal(size=(18, 18)), 1)
    hamiltonian = statmech.PairwiseHamiltonian(upper + upper.T, rng.normal(size=18))
    runs = []
    for threads in thread_counts:
        statmech.set_num_threads(threads)
        runs.append(statmech.exact(hamiltonian, BETAS))
    one, two = runs
    for name in FIELDS:
        assert np.array_equal(getattr(one, name), getattr(two, name)), name


@pytest.mark.parametrize("domain", ["spin", "binary"])
def test_density_of_states_counts_every_state(domain):
    rng = np.random.default_rng(2)
    n = 14
    upper = np.triu(rng.integers(-2, 3, size=(n, n)), 1).astype(float)
    hamiltonian = statmech.PairwiseHamiltonian(upper + upper.T, rng.integers(-1, 2, n), 3.0, domain)
    dos = statmech.density_of_states(hamiltonian)
    energies = pairwise_energy(hamiltonian.couplings, hamiltonian.fields, 3.0, all_states(n, domain))
    values, counts = np.unique(np.rint(energies), return_counts=True)
    np.testing.assert_array_equal(dos.energies, values)
    np.testing.assert_array_equal(dos.counts, counts)
    assert dos.counts.sum() == 2 ** n
    thermo, direct = dos.thermodynamics(BETAS), statmech.exact(hamiltonian, BETAS)
    for name in ("log_z", "energy", "specific_heat", "entropy"):
        np.testing.assert_allclose(getattr(thermo, name), getattr(direct, name), rtol=1e-10, atol=1e-10)


def test_density_of_states_of_a_generic_model_and_half_integer_grid():
    dos = statmech.density_of_states(Triangles(8), resolution=0.1)
    assert dos.counts.sum() == 2 ** 8
    ising = statmech.PairwiseHamiltonian(np.array([[0, 0.5], [0.5, 0]]))
    with pytest.raises(ValueError, match="not multiples of resolution"):
        statmech.density_of_states(ising, resolution=1.0)
    assert statmech.density_of_states(ising, resolution=0.5).counts.tolist() == [2, 2]


def test_enumeration_limits_are_explained():
    big = statmech.PairwiseHamiltonian(sp.csr_matrix((40, 40)))
    with pytest.raises(EnumerationTooLarge, match="2\\*\\*n states; n = 40 exceeds the limit 36"):
        statmech.exact(big, 1.0)
    with pytest.raises(EnumerationTooLarge, match="exceeds the limit 24"):
        statmech.exact(Triangles(25), 1.0)
    wide = statmech.BipartiteHamiltonian(np.zeros((40, 3)))
    assert np.isfinite(statmech.exact(wide, 1.0).log_z)      # only the 3-unit layer is enumerated


@pytest.mark.parametrize("beta, error, match", [
    (-0.1, ValueError, "beta must be >= 0; got -0.1"),
    (np.nan, ValueError, "beta must be finite"),
    (np.inf, ValueError, "beta must be finite"),
    ("hot", TypeError, "beta must be array-like of real numbers"),
    ([[1.0]], ValueError, "beta must be a scalar or a 1-d array"),
    ([], ValueError, "beta must not be empty"),
])
def test_bad_beta(beta, error, match):
    hamiltonian = statmech.PairwiseHamiltonian(np.zeros((2, 2)))
    with pytest.raises(error, match=match):
        statmech.exact(hamiltonian, beta)


def test_bad_hamiltonian_and_resolution():
    with pytest.raises(TypeError, match="hamiltonian must be a statmech.Hamiltonian; got ndarray"):
        statmech.exact(np.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match="resolution must be > 0"):
        statmech.density_of_states(statmech.PairwiseHamiltonian(np.zeros((2, 2))), resolution=0.0)


def test_generic_energy_with_wrong_shape_or_nan_is_reported():
    class Bad(statmech.Hamiltonian):
        domain = "spin"
        n = 3

        def energy(self, s):
            return np.zeros(3)

    class NaNEnergy(Bad):
        def energy(self, s):
            return np.full(np.shape(s)[:-1], np.nan)

    with pytest.raises(ValueError, match="energy must return shape"):
        statmech.exact(Bad(), 1.0)
    with pytest.raises(ValueError, match="non-finite energy"):
        statmech.exact(NaNEnergy(), 1.0)


@pytest.mark.parametrize("domain", ["spin", "binary"])
def test_boltzmann_samples_follow_the_exact_distribution(domain):
    """Chi-square of 20 000 draws against the brute-force Boltzmann weights of a random
    pairwise model, the same draws for the same seed, and the states in the model's domain."""
    from statmech.exact import boltzmann_samples
    rng = np.random.default_rng(5)
    J = rng.normal(size=(5, 5))
    H = statmech.PairwiseHamiltonian((J + J.T) / 2 * (1 - np.eye(5)), rng.normal(size=5), domain=domain)
    samples = boltzmann_samples(H, 0.7, n_samples=20_000, seed=1)
    pi = boltzmann(H.energy(all_states(5, domain)), 0.7)
    assert samples.shape == (20_000, 5) and set(np.unique(samples)) <= ({-1, 1} if domain == "spin" else {0, 1})
    assert chi_square_p_value(samples, pi, domain) > 1e-3
    assert np.array_equal(samples, boltzmann_samples(H, 0.7, n_samples=20_000, seed=1))


def test_boltzmann_samples_input_errors():
    from statmech.exact import boltzmann_samples
    from statmech.models import RBM
    H = statmech.models.Ising.chain(4)
    with pytest.raises(ValueError, match="n_samples"):
        boltzmann_samples(H, 1.0, n_samples=0)
    with pytest.raises(ValueError, match="beta"):
        boltzmann_samples(H, -1.0, n_samples=5)
    with pytest.raises(ValueError, match="two-state units"):
        boltzmann_samples(RBM.random(3, 2, seed=0, visible="gaussian"), 1.0, n_samples=5)
    with pytest.raises(EnumerationTooLarge):
        boltzmann_samples(statmech.models.Ising.chain(40), 1.0, n_samples=5)
