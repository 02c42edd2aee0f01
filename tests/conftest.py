import warnings

import pytest
from hypothesis import HealthCheck, settings

from statmech.errors import SlowPathWarning

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
