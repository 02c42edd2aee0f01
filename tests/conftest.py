import os
import signal
import warnings

import numba
import pytest
from hypothesis import HealthCheck, settings

from statmech.errors import SlowPathWarning
from statmech.jit import get_num_threads, limit_threads, set_num_threads

# First calls compile numba kernels: no per-example deadline.
settings.register_profile("statmech", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("statmech")


@pytest.fixture(autouse=True)
def _quiet_slow_path():
    """The generic-path warning is tested on its own; elsewhere it is noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlowPathWarning)
        yield


@pytest.fixture(autouse=True)
def _sigint_handler_restored():
    """Every test leaves Ctrl-C handled as it found it (a driver's handler left behind
    would swallow the Ctrl-C of the tests after it)."""
    before = signal.getsignal(signal.SIGINT)
    yield
    after = signal.getsignal(signal.SIGINT)
    assert after is before, f"the test left SIGINT handled by {after!r}, not {before!r}"


def pytest_configure(config):
    """Under pytest-xdist each worker process runs numba's and BLAS's pools on one thread:
    two workers on two cores would otherwise start four spinning threads, and a parallel
    kernel or BLAS call then waits for a descheduled one. Tests of thread counts raise it
    themselves (``thread_counts``)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        limit_threads(1)


@pytest.fixture
def thread_counts():
    """(1, 2) thread counts for tests that compare them (2 capped at numba's maximum); the
    process's setting is restored afterwards."""
    before = get_num_threads()
    yield 1, min(2, numba.config.NUMBA_NUM_THREADS)
    set_num_threads(before)
