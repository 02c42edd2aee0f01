"""The Examples sections of the docstrings run, as doctests (slow tier: several compile
kernels)."""
import doctest
import importlib
import pkgutil

import pytest

import statmech

pytestmark = pytest.mark.slow


def _modules():
    """Every statmech module whose source has an Examples section."""
    import inspect
    names = []
    for info in pkgutil.walk_packages(statmech.__path__, "statmech."):
        if ".tour" in info.name or info.name.endswith("__main__"):
            continue
        try:
            source = inspect.getsource(importlib.import_module(info.name))
        except (ImportError, OSError, TypeError):
            continue
        if "\n    Examples\n    --------" in source:
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result
