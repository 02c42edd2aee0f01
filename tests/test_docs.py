"""Every public name the documentation site reaches has a docstring: each function and
class exported by a module of the API reference (docs/_api.py), and each public method
and property a class defines (``inspect.getdoc``: an override inherits its base's
docstring, as Sphinx shows it)."""
import importlib
import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))
from _api import API, documented  # noqa: E402


def _documented_names():
    """(qualified name, object) for every public function, class, method and property of
    the API reference's modules."""
    seen = set()
    for module_name, _ in API:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not documented(obj):
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{module_name}.{name}", obj
            if inspect.isclass(obj):
                for key, value in vars(obj).items():
                    if key.startswith("_") or (key.startswith("set_") and key.endswith("_request")):
                        continue
                    value = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                    if inspect.isfunction(value):
                        yield f"{module_name}.{name}.{key}", getattr(obj, key)
                    elif isinstance(value, property):
                        yield f"{module_name}.{name}.{key}", value


def test_every_public_name_has_a_docstring():
    """An overriding method may inherit its base's docstring (as the site shows it)."""
    missing = [name for name, obj in _documented_names() if not (inspect.getdoc(obj) or "").strip()]
    assert not missing, f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


#: The drivers: every function that runs an algorithm on a model and returns a record.
DRIVERS = ("statmech.exact", "statmech.density_of_states", "statmech.sample", "statmech.anneal",
           "statmech.parallel_tempering", "statmech.mc.parallel_tempering_batch", "statmech.mc.adaptive_ladder",
           "statmech.mc.ais", "statmech.mc.population_annealing", "statmech.mc.wang_landau",
           "statmech.mean_field", "statmech.gibbs_free_energy", "statmech.deterministic_annealing",
           "statmech.unroll", "statmech.learning.boltzmann_learning", "statmech.learning.log_likelihood",
           "statmech.learning.inverse_ising", "statmech.learning.BernoulliRBM",
           "statmech.learning.GaussianBernoulliRBM", "statmech.learning.ClassificationRBM",
           "statmech.study.Study", "statmech.analysis.landscape.landscape",
           "statmech.analysis.landscape.energy_minima", "statmech.dimod.SimulatedAnnealingSampler",
           "statmech.dimod.ParallelTemperingSampler", "statmech.dimod.BoltzmannSampler",
           "statmech.dimod.ExactGroundStateSolver")


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_driver_and_record_has_examples():
    """Their Examples sections run as doctests in the slow tier (tests/test_doctests.py)."""
    from statmech.results import RECORDS
    objects = [(name, _resolve(name)) for name in DRIVERS] + [(r.__name__, r) for r in RECORDS]
    missing = [name for name, obj in objects if "\nExamples\n--------\n" not in (inspect.getdoc(obj) or "")]
    assert not missing, "drivers and records without an Examples section: " + ", ".join(missing)


def test_the_validation_page_names_tests_that_exist():
    """docs/guide/validation.rst says which test holds each algorithm: each must exist."""
    import re
    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "guide" / "validation.rst").read_text()
    named = re.findall(r"``(tests/test_\w+\.py)(?:::(\w+))?``", page)
    assert len(named) > 30
    missing = [f"{path}::{test}" for path, test in named
               if not (root / path).exists() or (test and f"def {test}(" not in (root / path).read_text())]
    assert not missing, "validation.rst names tests that do not exist: " + ", ".join(missing)
