"""The public API is typed: every public function and method has annotations on every
parameter and its return, every record field is annotated, and the package ships the
``py.typed`` marker. (``.ci/run`` runs mypy on the installed package; this test makes
sure nothing public goes unannotated in the first place.)"""
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

import statmech
import statmech.typing

#: The modules whose ``__all__`` is the public API. The engine classes of
#: statmech.mc.engines are implementations behind its typed ``Engine`` Protocol and
#: selection functions, which are checked.
PUBLIC = ["statmech", "statmech.hamiltonian", "statmech.lattice", "statmech.exact", "statmech.thermodynamics",
          "statmech.records", "statmech.results", "statmech.estimators", "statmech.schedules", "statmech.unit_types",
          "statmech.datasets", "statmech.plot", "statmech.testing", "statmech.typing", "statmech.runloop",
          "statmech.mc", "statmech.mc.samplers", "statmech.meanfield", "statmech.nn", "statmech.learning",
          "statmech.study", "statmech.models", "statmech.analysis", "statmech.errors", "statmech.rng",
          "statmech.frozen", "statmech.validation", "statmech.fastmath", "statmech.gibbs", "statmech.jit"]
ENGINE_IMPLEMENTATIONS = {"ChainEngine", "PairwiseEngine", "LaneEngine", "CheckerboardEngine", "MultiSpinEngine",
                          "ClusterEngine", "BlockGibbsEngine", "GenericEngine", "PackedStates", "random_packed",
                          "unpack"}


def _unannotated(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    missing = [p.name for p in signature.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is p.empty]
    if signature.return_annotation is signature.empty and function.__name__ != "__init__":
        missing.append("return")
    return missing


def _public_callables():
    seen = set()
    modules = PUBLIC + ["statmech.mc.engines"]
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            if name == "statmech.mc.engines" and attr in ENGINE_IMPLEMENTATIONS:
                continue
            obj = getattr(module, attr)
            if id(obj) in seen or not getattr(obj, "__module__", "").startswith("statmech"):
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                protocol = getattr(obj, "_is_protocol", False)
                for key, value in vars(obj).items():
                    if key.startswith("_") and key != "__init__" or (protocol and key == "__init__"):
                        continue
                    value = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                    value = value.fget if isinstance(value, property) else value
                    if inspect.isfunction(value):
                        yield f"{obj.__module__}.{obj.__qualname__}.{key}", value
                if dataclasses.is_dataclass(obj):
                    for field in dataclasses.fields(obj):
                        if field.type is None or field.type == "":
                            yield f"{obj.__module__}.{obj.__qualname__}.{field.name} (field)", None
            elif callable(obj):
                function = getattr(obj, "py_func", obj)            # a jitted function's Python source
                if inspect.isfunction(function):
                    yield f"{function.__module__}.{function.__qualname__}", function


def test_every_public_function_method_and_record_field_is_annotated():
    missing = {}
    for label, function in _public_callables():
        gaps = ["type"] if function is None else _unannotated(function)
        if gaps:
            missing[label] = gaps
    assert not missing, f"{len(missing)} public callables lack annotations: {missing}"


def test_the_package_says_it_is_typed():
    assert (Path(statmech.__file__).parent / "py.typed").exists()


@pytest.mark.parametrize("name", ["Seed", "PathLike", "ArrayLike"])
def test_the_vocabulary_has_type_aliases(name):
    assert hasattr(statmech.typing, name)
