"""Layout: models/ and analysis/ install as statmech.models and statmech.analysis; one
version, a license, citation metadata and a changelog."""
import configparser
import os
import pathlib
import re
import subprocess
import textwrap
import sys

import numpy as np
import pytest
import yaml

import statmech
import statmech.analysis
import statmech.models

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_subpackages_install_into_the_statmech_namespace():
    assert statmech.models.__name__ == "statmech.models"
    assert statmech.analysis.__name__ == "statmech.analysis"
    assert pathlib.Path(statmech.models.__file__).parent.name == "models"
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    package_dir = config["options"]["package_dir"]
    assert "statmech.models = models" in package_dir
    assert "statmech.analysis = analysis" in package_dir


def test_nothing_imports_a_top_level_models_or_analysis_package():
    pattern = re.compile(r"^\s*(from|import)\s+(models|analysis)\b", re.MULTILINE)
    offenders = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*.py")
                 if not any(part.startswith(".") or part in {"build", "venv"} for part in path.parts)
                 and pattern.search(path.read_text())]
    assert offenders == []


def test_core_never_imports_a_concrete_model():
    pattern = re.compile(r"^\s*(from|import)\s+statmech\.(models|analysis)\b", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "statmech").rglob("*.py")
                 if pattern.search(p.read_text())]
    assert offenders == []


def test_pyproject_holds_only_the_build_system():
    text = (ROOT / "pyproject.toml").read_text()
    assert "[build-system]" in text
    assert [line for line in text.splitlines() if line.startswith("[")] == ["[build-system]"]


def test_readme_quick_start_runs():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", quick_start, re.DOTALL).group(1)
    assert len(code.strip().splitlines()) <= 10
    exec(compile(code, "README quick start", "exec"), {})


@pytest.mark.slow
def test_guide_study_example_runs_as_a_script(tmp_path):
    """The 2D Ising Binder crossing of the studies guide, run as a script on the default
    pool: U4 at beta_c within its error of 0.611."""
    page = (ROOT / "docs" / "guide" / "studies.rst").read_text()
    lines = page.split(".. code-block:: python\n", 1)[1].splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("   "))
    code = textwrap.dedent("\n".join(lines[:end]))
    (tmp_path / "binder.py").write_text(code)
    result = subprocess.run([sys.executable, "binder.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    values, errors = (np.array(part.strip(" []\n").split(), dtype=float) for part in result.stdout.split("+-"))
    # U4* = 0.61069 (Salas & Sokal, J. Stat. Phys. 98, 551 (2000)); at L = 8 the finite-size
    # correction is a few 1e-3, hence the 0.01 beside the statistical error.
    assert values.shape == (3,) and np.all(np.abs(values - 0.6107) < 4 * errors + 0.01)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "README.md" in ci and "venv" in ci


@pytest.mark.slow
def test_examples_run(tmp_path):
    """Every example, in its quick mode where it has one (under a minute each). Under
    pytest-xdist the scripts' BLAS and OpenMP pools get one thread, as the workers' do
    (conftest.py): spinning threads of two processes on two cores slow both many times."""
    env = dict(os.environ)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for script in sorted((ROOT / "examples").glob("*.py")):
        source = script.read_text()
        options = (["--quick"] if "--quick" in source else []) + (["--out", str(tmp_path)] if "--out" in source else [])
        result = subprocess.run([sys.executable, str(script), *options], capture_output=True, text=True, timeout=300,
                                env=env)
        assert result.returncode == 0, f"{script.name}:\n{result.stderr}"


def test_the_version_is_written_in_one_place():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["version"] == "attr: statmech.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", statmech.__version__)
    mentions = [path.relative_to(ROOT) for path in ROOT.glob("*.*")
                if path.is_file() and path.suffix in {".cfg", ".toml", ".cff", ".py"}
                and statmech.__version__ in path.read_text()]
    assert mentions == [], f"the version {statmech.__version__} is also written in {mentions}"


def test_license_citation_and_changelog_are_there():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    license_text = (ROOT / "LICENSE").read_text()
    assert config["metadata"]["license"] == "BSD-3-Clause" and "BSD 3-Clause License" in license_text
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())       # the fields CFF 1.2.0 requires
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "BSD-3-Clause"
    assert citation["message"] and citation["title"] and citation["authors"][0]["name"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(r"^## 0\.1\.0", changelog, re.M) and re.search(r"^## Unreleased", changelog, re.M)
