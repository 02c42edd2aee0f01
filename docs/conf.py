"""Sphinx configuration of statmech's documentation site (``pip install ".[docs]"``, then
``sphinx-build -W --keep-going docs docs/_build/html``). Offline: no intersphinx."""
import inspect
import os
import sys
from pathlib import Path

import statmech

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

project = "statmech"
author = "the statmech developers"
copyright = "2026, the statmech developers"
version = release = statmech.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc", "sphinx.ext.mathjax",
              "sphinx_gallery.gen_gallery", "myst_nb"]
templates_path = ["_templates"]
exclude_patterns = ["_build", "tour", "api/generated/*.examples", "gallery/*.ipynb", "jupyter_execute"]
html_theme = "pydata_sphinx_theme"
html_title = f"statmech {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2,
                       "header_links_before_dropdown": 6}
html_static_path: list = []

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"           # the signatures show the hints; numpydoc's sections describe
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
default_role = "literal"
smartquotes = False            # --out stays --out
nitpicky = False

from _api import API, documented  # noqa: E402  (module, title) pairs: the API reference, module by module

# The gallery: every script of examples/ run in its quick mode at build time; a script that
# fails fails the build.
# The notebooks (docs/notebooks) run at every build, each in a temporary folder; a cell that
# raises fails the build.
nb_execution_mode = "force"
nb_execution_in_temp = True
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True

sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "gallery",
    "filename_pattern": r".*\.py$",
    "reset_argv": "_gallery.reset_argv",      # names, so that Sphinx can pickle the configuration
    "image_scrapers": ("matplotlib", "_gallery.saved_figures"),
    "download_all_examples": False,
    "show_memory": False,
    "show_signature": False,
    "min_reported_time": 3600,
    "backreferences_dir": None,
    "within_subsection_order": "FileNameSortKey",
}


def _write_api_pages():
    """docs/api/<module>.rst with an autosummary of the module's ``__all__`` (generated at
    every build, so the reference cannot miss a public name)."""
    import importlib
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    seen = {}
    index = ["API reference", "=============", "", "Every public name, module by module.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    for module_name, title in API:
        module = importlib.import_module(module_name)
        rows, elsewhere = [], []
        for name in module.__all__:
            obj = getattr(module, name)
            if not documented(obj):
                continue
            if id(obj) in seen:
                elsewhere.append(f"``{name}`` (:obj:`{seen[id(obj)]}`)")
                continue
            seen[id(obj)] = f"{module_name}.{name}"
            rows.append(f"   {name}")
        doc = (inspect.getdoc(module) or "").split("\n\n")[0]
        # statmech.exact is a module and, in statmech, a function: the function keeps the name
        target = ".. currentmodule::" if module_name in seen.values() else ".. module::"
        text = [title, "=" * len(title), "", f"{target} {module_name}", "", doc, "",
                f".. currentmodule:: {module_name}", "", ".. autosummary::", "   :toctree: generated", ""]
        text += rows
        if elsewhere:
            text += ["", "Also exported here: " + ", ".join(elsewhere) + "."]
        (out / f"{module_name}.rst").write_text("\n".join(text) + "\n")
        index.append(f"   {module_name}")
    (out / "index.rst").write_text("\n".join(index) + "\n")


_write_api_pages()


def _list_table(header, rows, widths):
    """An rST list-table (the cells' text escaped for inline markup)."""
    def cell(text):
        return str(text).replace("*", "\\*").replace("|", "\\|") or " "
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {' '.join(map(str, widths))}", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {cell(row[0])}")
        lines += [f"     - {cell(value)}" for value in row[1:]]
    return "\n".join(lines) + "\n"


def _write_tables():
    """Tables the guide includes, generated from the code's own tables so they cannot drift:
    the engine selection table (``statmech.mc.engine_table``) and the record fields
    (``statmech.results.FIELDS``)."""
    from statmech import mc, results
    out = HERE / "guide" / "generated"
    out.mkdir(parents=True, exist_ok=True)
    (out / "engines.rst").write_text(_list_table(
        ("sampler family", "setting", "model", "chains", "engine", "follows a path of models"),
        mc.engine_table(), (10, 14, 36, 14, 10, 8)))
    (out / "fields.rst").write_text(_list_table(("field", "meaning"), sorted(results.FIELDS.items()), (20, 80)))


_write_tables()


def _write_benchmarks():
    """guide/generated/benchmarks.rst: every script in benchmarks/, its docstring (what it
    measures, against which peer, how to run it) and, where one was recorded
    (``benchmarks/record.py``), its last output with the command and the machine."""
    import ast
    root = HERE.parent / "benchmarks"
    lines = []
    for script in sorted(root.glob("bench_*.py")):
        doc = ast.get_docstring(ast.parse(script.read_text())) or ""
        title, _, body = doc.partition("\n")
        title = title.strip().rstrip(".").replace("*", "\\*")
        lines += [f"``{script.name}``", "~" * (len(script.name) + 4), "", f"**{title}.**", "",
                  ".. code-block:: text", ""]
        lines += [f"   {line}" if line else "" for line in body.strip().splitlines()]
        result = root / "results" / f"{script.stem}.txt"
        if result.exists():
            lines += ["", "Last recorded:", "", f".. literalinclude:: /../benchmarks/results/{result.name}",
                      "   :language: text"]
        else:
            lines += ["", "No recorded output yet: ``python benchmarks/record.py " + script.name + "``."]
        lines.append("")
    out = HERE / "guide" / "generated"
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.rst").write_text("\n".join(lines) + "\n")


_write_benchmarks()


def _skip_member(app, what, name, obj, skip, options):
    """Leave out scikit-learn's metadata-routing methods (``set_fit_request`` ...), which
    BaseEstimator adds to every estimator and documents with scikit-learn's own labels."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
