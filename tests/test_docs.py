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
