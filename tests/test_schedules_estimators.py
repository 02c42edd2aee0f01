"""Schedules and the blocking error estimator."""
import numpy as np
import pytest

from statmech import mc, schedules
from statmech.estimators import blocking_error
from statmech.models import SherringtonKirkpatrick

from reference import ar1


def test_schedule_constructors():
    np.testing.assert_allclose(schedules.linear(0.1, 1.0, 4), [0.1, 0.4, 0.7, 1.0])
    np.testing.assert_allclose(schedules.geometric(0.1, 10.0, 3), [0.1, 1.0, 10.0])
    np.testing.assert_allclose(schedules.linear(4.0, 1.0, 4, temperature=True), 1 / np.array([4, 3, 2, 1.0]))
    np.testing.assert_allclose(schedules.geometric(4.0, 1.0, 3, temperature=True), [0.25, 0.5, 1.0])
    assert np.all(schedules.geometric(5.0, 5.0, 10).betas == 5.0)     # np.geomspace rounds equal ends apart
    assert all(schedules.geometric(a, b, 1000).is_increasing() for a, b in [(0.1, 0.1000001), (1.0, 1.0 + 1e-12)])
    log = schedules.logarithmic(0.0, 2.0, 5)
    assert log[0] == 0.0 and log[-1] == pytest.approx(2.0) and log.is_increasing(strict=True)
    assert np.all(np.diff(np.diff(log.betas)) < 0)            # fast first, then slow
    assert len(schedules.constant(0.5, 7)) == 7
    assert np.array_equal(np.asarray(schedules.from_array([0.0, 1.0])), [0.0, 1.0])
    schedule = schedules.geometric(0.1, 1.0, 5)
    with pytest.raises(ValueError):
        schedule.betas[0] = 3.0                                  # read-only


def test_schedule_validation():
    with pytest.raises(ValueError, match="schedule must be >= 0"):
        schedules.from_array([0.5, -0.1])
    with pytest.raises(ValueError, match="schedule must be finite"):
        schedules.from_array([0.5, np.inf])
    with pytest.raises(ValueError, match="geometric schedules need start and stop > 0"):
        schedules.geometric(0.0, 1.0, 4)
    with pytest.raises(ValueError, match="n must be >= 1"):
        schedules.linear(0.0, 1.0, 0)
    with pytest.raises(ValueError, match="start must be > 0"):
        schedules.linear(0.0, 1.0, 3, temperature=True)
    with pytest.raises(ValueError, match=r"strictly increasing in beta; got beta\[0\] = 1 then beta\[1\] = 1"):
        schedules.from_array([1.0, 1.0]).require_increasing(strict=True)


def test_adaptive_ladder_evens_out_swap_acceptance():
    from statmech import parallel_tempering
    sk = SherringtonKirkpatrick(32, seed=1)
    start = schedules.geometric(0.2, 3.0, 8)
    ladder = mc.adaptive_ladder(sk, schedules.geometric(0.2, 3.0, 8), n_sweeps=400, n_rounds=6, seed=0)
    assert ladder[0] == pytest.approx(0.2) and ladder[-1] == pytest.approx(3.0)
    assert ladder.is_increasing(strict=True)

    def spread(betas):
        acc = parallel_tempering(sk, betas, n_sweeps=2000, n_chains=2, seed=5,
                                 progress=False).swap_acceptance.mean(axis=0)
        return acc.max() - acc.min()

    assert spread(ladder) < spread(start)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_blocking_error_matches_the_true_standard_error_of_ar1(rho):
    """Var of the mean of AR(1) is sigma^2 tau / N with tau = (1 + rho)/(1 - rho).
    Blocking's own relative uncertainty is ~ 1/sqrt(2 * blocks) at the chosen level; allow 25%."""
    size = 2 ** 16
    sigma2 = 1 / (1 - rho ** 2)
    true = np.sqrt(sigma2 * (1 + rho) / (1 - rho) / size)
    estimates = [blocking_error(ar1(rho, size, seed)) for seed in range(4)]
    assert abs(np.mean(estimates) / true - 1) < 0.25


def test_blocking_error_of_independent_chains_and_errors():
    x = np.random.default_rng(0).normal(size=(4, 4096))
    assert blocking_error(x) == pytest.approx(1 / np.sqrt(x.size), rel=0.2)
    assert blocking_error(np.ones(64)) == 0.0
    with pytest.raises(ValueError, match="at least 16 entries"):
        blocking_error(np.ones(10))
    with pytest.raises(ValueError, match="x must be finite"):
        blocking_error(np.array([1.0, np.nan] * 10))
