"""sphinx-gallery's hooks for statmech's examples: each script runs in its quick mode (the
options ``tests/test_packaging.py::test_examples_run`` gives it), and the figures it saves
into its ``--out`` folder are collected onto its page, as matplotlib's open figures are."""
import shutil
import tempfile
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst

_OUT = {}       # example source file -> the folder given to it as --out


def reset_argv(gallery_conf, script_vars):
    """The command-line options of an example: ``--quick`` and ``--out DIR`` where its
    source mentions them."""
    source_file = script_vars["src_file"]
    source = Path(source_file).read_text()
    options = ["--quick"] if "--quick" in source else []
    if "--out" in source:
        _OUT[source_file] = tempfile.mkdtemp(prefix="statmech-gallery-")
        options += ["--out", _OUT[source_file]]
    return options


_SEEN = set()     # the PNG files already put on a page


def saved_figures(block, block_vars, gallery_conf):
    """An image scraper for the PNG files an example writes into its ``--out`` folder."""
    folder = _OUT.get(block_vars["src_file"])
    if folder is None:
        return ""
    images = []
    for png in sorted(Path(folder).rglob("*.png")):
        if png in _SEEN:
            continue
        _SEEN.add(png)
        target = next(block_vars["image_path_iterator"])
        shutil.copyfile(png, target)
        images.append(target)
    return figure_rst(images, gallery_conf["src_dir"])
