"""Exact enumeration against closed forms, and the closed forms against each other."""
import numpy as np
import pytest

import statmech
from statmech.analysis import exact_results as X
from statmech.models import CurieWeiss, Ising, RandomEnergyModel, SherringtonKirkpatrick

BETAS = np.array([0.0, 0.2, X.ISING_2D_BETA_C, 0.8, 2.0])
FIELDS = ("log_z", "free_energy", "energy", "entropy", "specific_heat")


def assert_records_close(a, b, names, rtol=1e-11, atol=1e-11):
    for name in names:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("n, J, h", [(3, 1.0, 0.0), (8, 1.0, 0.3), (11, -0.7, 0.4), (16, 0.5, -1.2)])
def test_chain_equals_transfer_matrix(n, J, h):
    assert_records_close(statmech.exact(Ising.chain(n, J, h), BETAS), X.ising_chain(n, BETAS, J, h),
                         FIELDS + ("magnetization", "susceptibility"), rtol=1e-10, atol=1e-10)


def test_chain_tends_to_the_infinite_chain():
    finite = X.ising_chain(2000, BETAS, 1.0, 0.3).per_spin()
    assert_records_close(finite, X.ising_chain_infinite(BETAS, 1.0, 0.3),
                         FIELDS + ("magnetization", "susceptibility"), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n, J, h", [(6, 1.0, 0.0), (13, 1.3, 0.2), (16, -0.5, 0.1)])
def test_curie_weiss_equals_sum_over_magnetization(n, J, h):
    assert_records_close(statmech.exact(CurieWeiss(n, J, h), BETAS), X.curie_weiss(n, BETAS, J, h),
                         FIELDS + ("magnetization", "abs_magnetization", "susceptibility"),
                         rtol=1e-10, atol=1e-10)


def test_curie_weiss_mean_field_becomes_exact_as_n_grows():
    beta = np.array([0.5, 1.5])
    limit = X.curie_weiss_infinite(beta, 1.0, 0.1)
    errors = [np.abs(X.curie_weiss(n, beta, 1.0, 0.1).per_spin().free_energy - limit.free_energy).max()
              for n in (100, 1000, 10000)]
    assert errors[0] > errors[1] > errors[2]
    # Finite-size correction to f is O(ln n / n).
    assert errors[2] < 5 * np.log(10000) / 10000
    np.testing.assert_allclose(X.curie_weiss(10 ** 5, beta, 1.0, 0.1).per_spin().abs_magnetization,
                               limit.abs_magnetization, rtol=1e-3)


@pytest.mark.parametrize("L, M", [(2, 2), (2, 3), (3, 4), (4, 4), (4, 5)])
def test_square_torus_equals_kaufman(L, M):
    # beta includes beta_c exactly, where one of Kaufman's four products vanishes.
    record = statmech.exact(Ising.lattice((L, M)), BETAS)
    assert_records_close(record, X.ising_square_torus(L, BETAS, M=M), FIELDS, rtol=1e-10, atol=1e-10)


def test_kaufman_tends_to_onsager():
    beta = np.array([0.1, 0.3, 0.6, 1.0])
    torus = X.ising_square_torus(128, beta).per_spin()
    onsager = X.onsager(beta)
    np.testing.assert_allclose(torus.energy, onsager.energy, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(torus.specific_heat, onsager.specific_heat, rtol=1e-10, atol=1e-10)
    # Below T_c the torus has two ground-state sectors: ln Z exceeds Onsager's by ln 2 / N.
    gap = torus.log_z - onsager.log_z
    np.testing.assert_allclose(gap, np.where(beta > X.ISING_2D_BETA_C, np.log(2) / 128 ** 2, 0.0), atol=1e-12)


def test_onsager_critical_values():
    catalan = 0.915965594177219015
    assert X.onsager(X.ISING_2D_BETA_C).log_z == pytest.approx(np.log(2) / 2 + 2 * catalan / np.pi, rel=1e-12)
    assert X.onsager(X.ISING_2D_BETA_C).energy == pytest.approx(-np.sqrt(2), rel=1e-12)
    assert X.onsager_spontaneous_magnetization(0.4) == 0.0
    assert X.onsager_spontaneous_magnetization(1.0) == pytest.approx(
        (1 - np.sinh(2.0) ** -4) ** 0.125, rel=1e-14)


def test_rem_finite_n_approaches_the_infinite_limit():
    beta = np.array([0.5, 1.0, 3.0])
    limit = X.rem_infinite(beta)
    errors = []
    for n in (10, 16):
        per_spin = np.mean([statmech.exact(RandomEnergyModel(n, seed=s), beta).per_spin().free_energy
                            for s in range(20)], axis=0)
        errors.append(np.abs(per_spin - limit.free_energy))
    assert np.all(errors[1] < errors[0])
    assert np.all(errors[1] < 0.15)
    assert X.rem_infinite(X.REM_BETA_C).entropy == pytest.approx(0.0, abs=1e-14)


def test_sk_annealed_partition_function_over_instances():
    """E_J[Z] = 2^n exp(beta^2 (n-1)/4): Z is unbiased, ln Z is not, so average Z."""
    n, beta, n_instances = 8, 0.6, 600
    z = np.array([np.exp(statmech.exact(SherringtonKirkpatrick(n, seed=s), beta).log_z)
                  for s in range(n_instances)])
    expected = np.exp(X.sk_annealed_log_z(n, beta))
    z_score = (z.mean() - expected) / (z.std(ddof=1) / np.sqrt(n_instances))
    assert abs(z_score) < 4


def test_sk_replica_symmetric_high_temperature_is_annealed():
    rs = X.sk_replica_symmetric([0.3, 0.9])
    np.testing.assert_allclose(rs.q, 0.0)
    np.testing.assert_allclose(rs.log_z, np.log(2) + np.array([0.3, 0.9]) ** 2 / 4, rtol=1e-13)
    low = X.sk_replica_symmetric(1.5)
    q = low.q
    z, w = np.polynomial.hermite_e.hermegauss(150)   # independent quadrature, smooth at beta = 1.5
    assert q == pytest.approx(np.dot(w / w.sum(), np.tanh(1.5 * np.sqrt(q) * z) ** 2), abs=1e-12)
    # Low temperature: 1 - q = sqrt(2/pi) T + O(T^2) and u -> -sqrt(2/pi).
    cold = X.sk_replica_symmetric(100.0)
    assert (1 - cold.q) * 100 == pytest.approx(np.sqrt(2 / np.pi), rel=0.02)
    assert cold.energy == pytest.approx(-np.sqrt(2 / np.pi), rel=0.01)
    # The RS entropy turns negative at low T: the known failure that Parisi's solution fixes.
    assert X.sk_replica_symmetric(10.0).entropy < 0
    # ... and its ground-state energy -sqrt(2/pi) = -0.798 lies below Parisi's -0.7632.
    assert X.sk_replica_symmetric(100.0).energy < X.SK_GROUND_STATE_ENERGY


def test_closed_form_input_errors():
    with pytest.raises(ValueError, match="n must be >= 3"):
        X.ising_chain(2, 1.0)
    with pytest.raises(ValueError, match="J must be > 0"):
        X.ising_square_torus(4, 1.0, J=-1.0)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        X.onsager(-1.0)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 3e-7)])
def test_vectorised_logistic_against_extended_precision(dtype, rtol):
    """The array conditional (range-reduced exp, one polynomial per precision) against
    1 / (1 + e^-x) in long double, relative error on the whole normal range of outputs;
    float32 input is computed and returned in float32; ``out`` may be the input."""
    from statmech.fastmath import logistic
    from statmech.unit_types import unit_up_probability
    x = np.concatenate([np.linspace(-800.0, 800.0, 40001), np.random.default_rng(0).normal(0.0, 6.0, 5000),
                        [0.0, -0.0, 1e-300, -1e-300]]).astype(dtype)
    exact = 1.0 / (1.0 + np.exp(-x.astype(np.longdouble)))
    y = logistic(x.reshape(-1, 5))
    assert y.dtype == dtype and y.shape == (len(x) // 5, 5)
    y = y.ravel()
    normal = exact > 4 * np.finfo(dtype).tiny                     # the exp's argument is clamped near there
    relative = np.abs(y[normal] - exact[normal]) / exact[normal]
    assert relative.max() < rtol
    assert np.abs(y[~normal] - exact[~normal]).max() < 4 * np.finfo(dtype).tiny
    assert np.all(np.diff(y[:40001]) >= 0)                       # monotone along the grid
    # the scalar form (written with tanh) is the same function, to its absolute precision
    np.testing.assert_allclose(y, unit_up_probability(x.astype(float), 1.0, 0.0), rtol=0,
                               atol=4 * np.finfo(dtype).eps)
    z = x.reshape(-1, 5).copy()
    assert logistic(z, out=z) is z and np.array_equal(z.ravel(), y)
    with pytest.raises(ValueError, match="out must be"):
        logistic(x, out=np.empty(len(x) + 1, dtype))
