"""The Examples sections of the docstrings and the user guide's code run (slow tier: several
compile kernels)."""
import doctest
import importlib
import pathlib
import pkgutil
import textwrap

import pytest

import statmech

pytestmark = pytest.mark.slow


def _modules():
    """Every statmech module whose source has an Examples section."""
    import inspect
    import statmech.analysis
    import statmech.models
    names = []
    for info in [*pkgutil.walk_packages(statmech.__path__, "statmech."),
                 *pkgutil.walk_packages(statmech.models.__path__, "statmech.models."),
                 *pkgutil.walk_packages(statmech.analysis.__path__, "statmech.analysis.")]:
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


GUIDE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "guide"


def _python_blocks(page):
    """The ``.. code-block:: python`` blocks of an rST page, dedented, in order."""
    blocks, lines = [], page.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() == ".. code-block:: python":
            body = []
            for following in lines[i + 1:]:
                if following.strip() and not following.startswith("   "):
                    break
                body.append(following[3:])
            blocks.append(textwrap.dedent("\n".join(body)))
    return blocks


@pytest.mark.parametrize("page", sorted(p.name for p in GUIDE.glob("*.rst") if _python_blocks(p)))
def test_guide_code_runs(page, tmp_path, monkeypatch):
    """The user guide's Python blocks run, page by page, top to bottom in one namespace."""
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for block in _python_blocks(GUIDE / page):
        exec(compile(block, f"docs/guide/{page}", "exec"), namespace)
