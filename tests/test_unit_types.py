"""Unit types: conditional mean, variance and log-partition of every unit against
50-digit references (closed forms and quadrature) over fields |x| <= 50 and beta in
[0.01, 100]; samples against the exact conditional distribution."""
import mpmath
import numpy as np
import pytest
from scipy import stats

from statmech import unit_types
from statmech.rng import random_streams

mpmath.mp.dps = 60
FIELDS = [-50.0, -10.0, -3.0, -1.0, -0.1, 0.0, 0.1, 1.0, 3.0, 10.0, 50.0]
BETAS = [0.01, 0.1, 1.0, 10.0, 100.0]


def _reference(unit, x, beta):
    """(mean, variance, log-partition) in 60-digit arithmetic from the definitions."""
    x, beta = mpmath.mpf(x), mpmath.mpf(beta)
    if unit in ("binary", "spin"):
        states = [0, 1] if unit == "binary" else [-1, 1]
        exponents = [beta * x * s for s in states]
        top = max(exponents)
        weights = [mpmath.exp(e - top) for e in exponents]
        z = sum(weights)
        mean = sum(s * w for s, w in zip(states, weights)) / z
        variance = (states[1] - states[0]) ** 2 * weights[0] * weights[1] / z ** 2    # no cancellation
        rest = sum(sorted(weights)[:-1])                                # all weights but one largest (= 1)
        return mean, variance, top + mpmath.log1p(rest)
    if unit == "gaussian":
        return x, 1 / beta, mpmath.log(2 * mpmath.pi / beta) / 2 + beta * x ** 2 / 2
    z = mpmath.sqrt(beta) * x
    lam = mpmath.npdf(z) / mpmath.ncdf(z)
    return (x + lam / mpmath.sqrt(beta), (1 - z * lam - lam ** 2) / beta,
            mpmath.log(2 * mpmath.pi / beta) / 2 + beta * x ** 2 / 2 + mpmath.log(mpmath.ncdf(z)))


def _close(value, reference, rel=1e-10):
    reference = float(reference)
    if abs(reference) < 1e-290:                       # underflows in double precision
        return abs(value) < 1e-280
    return abs(value - reference) <= rel * abs(reference) + 1e-300


@pytest.mark.parametrize("name", ["binary", "spin", "gaussian", "relu"])
def test_formulas_against_sixty_digit_references(name):
    unit = unit_types.unit_type(name)
    x = np.array(FIELDS)
    for beta in BETAS:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = unit.mean(x, beta), unit.variance(x, beta), unit.log_partition(x, beta)
        for k, field in enumerate(FIELDS):
            for quantity, value, reference in zip(("mean", "variance", "log_partition"),
                                                  (g[k] for g in got), _reference(name, field, beta)):
                assert np.isfinite(value), (quantity, field, beta)
                assert _close(value, reference), (quantity, field, beta, value, float(reference))


@pytest.mark.parametrize("name", ["gaussian", "relu"])
@pytest.mark.parametrize("x, beta", [(-3.0, 1.0)] + [pytest.param(*case, marks=pytest.mark.slow)
                                     for case in [(0.5, 0.1), (2.0, 10.0), (-0.2, 100.0), (-50.0, 1.0)]])
def test_continuous_units_against_quadrature(name, x, beta):
    """The closed forms against direct integration of exp(-beta (h^2/2 - x h))."""
    unit = unit_types.unit_type(name)
    lower = 0 if name == "relu" else -mpmath.inf
    peak = max(x, 0.0) if name == "relu" else x
    scale = 1 / mpmath.sqrt(beta) if name == "gaussian" or x > 0 else min(1 / mpmath.sqrt(beta), 1 / (beta * abs(x)))
    points = [lower] + ([0] if lower == 0 else []) + [peak + k * scale for k in (1, 5, 20)] + [mpmath.inf]
    points = sorted(set(points), key=lambda p: float(p))

    def weight(h, power):
        return h ** power * mpmath.exp(-beta * (h * h / 2 - x * h))

    z, first, second = (mpmath.quad(lambda h, p=p: weight(h, p), points) for p in (0, 1, 2))
    mean = first / z
    assert _close(float(unit.log_partition(x, beta)), mpmath.log(z), 1e-10)
    assert _close(float(unit.mean(x, beta)), mean, 1e-10)
    assert _close(float(unit.variance(x, beta)), second / z - mean ** 2, 1e-9)


def test_smooth_relu_limits_and_monotonicity():
    relu = unit_types.unit_type("relu")
    x = np.linspace(-20, 20, 4001)
    mean = relu.mean(x, 100.0)
    assert np.all(np.diff(mean) > 0) and np.all(mean > 0)
    assert np.allclose(mean[x > 1], x[x > 1], atol=1e-12)
    assert np.all(mean[x < -1] < 0.01)
    assert np.all(relu.variance(x, 100.0) > 0) and np.all(relu.variance(x, 100.0) <= 0.01)


def test_unit_type_lookup():
    assert unit_types.unit_type("spin") == unit_types.Spin() and unit_types.unit_type(unit_types.ReLU()).name == "relu"
    with pytest.raises(ValueError, match="visible must be one of"):
        unit_types.unit_type("tanh", "visible")


@pytest.mark.parametrize("name", ["binary", "spin", "gaussian", "relu"])
def test_samples_follow_the_exact_conditional(name):
    unit = unit_types.unit_type(name)
    fields = np.array([-2.0, -0.3, 0.0, 0.7, 3.0])
    beta = 1.5
    streams = random_streams(np.random.SeedSequence(42), (4000,))
    draws = unit.sample(np.tile(fields, (4000, 1)), beta, streams)
    assert draws.shape == (4000, 5)
    for k, x in enumerate(fields):
        column = draws[:, k]
        if unit.discrete:
            p_up = (unit.mean(x, beta) - unit.low) / (1 - unit.low)
            assert set(np.unique(column)) <= {unit.low, 1.0}
            count = np.sum(column == 1.0)
            assert abs(count - 4000 * p_up) < 4.5 * np.sqrt(4000 * p_up * (1 - p_up)) + 1
        else:
            sd = 1 / np.sqrt(beta)
            dist = stats.norm(x, sd) if name == "gaussian" else stats.truncnorm(-x / sd, np.inf, loc=x, scale=sd)
            assert stats.kstest(column, dist.cdf).pvalue > 1e-3, x
            assert abs(column.mean() - unit.mean(x, beta)) < 4.5 * np.sqrt(unit.variance(x, beta) / 4000)
    again = unit.sample(np.tile(fields, (4000, 1)), beta, random_streams(np.random.SeedSequence(42), (4000,)))
    assert np.array_equal(draws, again)


def test_far_tail_relu_samples_are_finite_and_nonnegative():
    relu = unit_types.unit_type("relu")
    streams = random_streams(np.random.SeedSequence(1), (2000,))
    draws = relu.sample(np.full((2000, 1), -50.0), 100.0, streams)[:, 0]
    assert np.all(np.isfinite(draws)) and np.all(draws >= 0)
    # truncated far in the tail, h is close to exponential with rate beta |x| = 5000
    assert abs(draws.mean() - relu.mean(-50.0, 100.0)) < 4.5 * np.sqrt(relu.variance(-50.0, 100.0) / 2000)


def _relu_cumulants(x, beta):
    """(k3, k4) of the rectified Gaussian in 60 digits: the cumulant generating function of
    T = sqrt(beta)(h - x) is t^2/2 + ln Phi(t - a) + const, a = -sqrt(beta) x; its
    derivatives give k3 = r (a delta + 2 delta^2 - 1) and
    k4 = -r (6 delta^3 + 6 a delta^2 + a^2 delta - 4 delta - a), r = phi(a)/Phi(-a), delta = r - a."""
    beta = mpmath.mpf(beta)
    a = -mpmath.sqrt(beta) * mpmath.mpf(x)
    r = mpmath.npdf(a) / mpmath.ncdf(-a)
    d = r - a
    k3 = r * (a * d + 2 * d * d - 1)
    k4 = -r * (6 * d ** 3 + 6 * a * d * d + a * a * d - 4 * d - a)
    return k3 / beta ** mpmath.mpf(1.5), k4 / beta ** 2


def test_relu_cumulants_against_sixty_digit_references():
    """Third and fourth cumulants (their 60-digit values computed from the same derivatives
    of ln Phi, where double precision cancels in the tail), checked also against numerical
    derivatives of the variance in 60 digits (dVar/dx = beta k3, dk3/dx = beta k4)."""
    unit = unit_types.unit_type("relu")
    for beta in BETAS:
        for x in FIELDS:
            k3, k4 = _relu_cumulants(x, beta)
            assert _close(float(unit.third_cumulant(x, beta)), k3, 1e-10), (x, beta)
            assert _close(float(unit.fourth_cumulant(x, beta)), k4, 1e-10), (x, beta)
    for x, beta in [(0.3, 1.0), (-2.0, 2.0)]:
        variance = lambda f: (lambda z, r: (1 + z * r - r * r) / beta)(
            -mpmath.sqrt(beta) * f, mpmath.npdf(mpmath.sqrt(beta) * f) / mpmath.ncdf(mpmath.sqrt(beta) * f))
        for derived, derivative in ((beta * _relu_cumulants(x, beta)[0], mpmath.diff(variance, x)),
                                    (beta * _relu_cumulants(x, beta)[1],
                                     mpmath.diff(lambda f: _relu_cumulants(f, beta)[0], x))):
            assert abs(derived - derivative) < 1e-30 * abs(derivative)


@pytest.mark.parametrize("name", ["binary", "spin", "gaussian", "relu"])
def test_the_unit_at_a_given_mean(name):
    """field_from_mean inverts the mean; variance_at, its slope and curvature in m, and the
    Legendre transform agree with the field-side formulas and with derivatives in m."""
    unit = unit_types.unit_type(name)
    for beta in (0.1, 1.0, 10.0):
        x = np.array([-8.0, -2.0, -0.3, 0.0, 0.4, 2.0, 8.0]) / np.sqrt(beta)
        m = unit.mean(x, beta)
        if unit.discrete:       # a saturated two-state mean does not determine its field
            x, m = x[np.abs(x) * np.sqrt(beta) <= 2.0], m[np.abs(x) * np.sqrt(beta) <= 2.0]
        np.testing.assert_allclose(unit.field_from_mean(m, beta), x, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(unit.variance_at(m, beta), unit.variance(x, beta), rtol=1e-9)
        # derivatives in m through the field (dm/dx = beta v), where m is not saturated
        x, m = x[np.abs(x) * np.sqrt(beta) <= 2.0], m[np.abs(x) * np.sqrt(beta) <= 2.0]
        step = 1e-5 / np.sqrt(beta)
        m_up, m_down = unit.mean(x + step, beta), unit.mean(x - step, beta)
        np.testing.assert_allclose(unit.variance_slope_at(m, beta),
                                   (unit.variance(x + step, beta) - unit.variance(x - step, beta)) / (m_up - m_down),
                                   rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(unit.variance_curvature_at(m, beta),
                                   (unit.variance_slope_at(m_up, beta) - unit.variance_slope_at(m_down, beta))
                                   / (m_up - m_down), rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose((unit.legendre(m_up, beta) - unit.legendre(m_down, beta)) / (m_up - m_down),
                                   beta * x, rtol=1e-6, atol=1e-8)
    if not unit.discrete:       # the Legendre transform is beta <e(h)> - S(h): at x = 0.7, beta = 2
        beta, x = 2.0, 0.7
        entropy = (unit.log_partition(x, beta) + beta * unit.energy_moments(x, beta)[0])  # S = ln Z + beta <e - x h>
        expected = beta * (unit.energy_moments(x, beta)[0] + x * unit.mean(x, beta)) - entropy
        np.testing.assert_allclose(unit.legendre(unit.mean(x, beta), beta), expected, rtol=1e-12)
