"""The project's own metadata: one version, a license, citation metadata, a changelog."""
import configparser
import pathlib
import re

import yaml

import statmech

ROOT = pathlib.Path(__file__).resolve().parent.parent


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
