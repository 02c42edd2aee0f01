"""The tour: each claim behind statmech as a chapter that computes, tabulates and plots,
held to a reference (``python -m statmech.tour [--quick] [--out DIR]``).

Each chapter is a module with ``run(quick, out) -> ChapterReport``; the example scripts in
``examples/`` run one each, and the tour runs them all and writes ``report.md``.
"""
from ._report import ChapterReport, Table, write_page

#: The chapters, in the order of the tour: module names in statmech.tour.
CHAPTERS = ("activations", "unrolled", "emf", "conjecture", "classification", "landscape", "temperature", "rem",
           "entropy", "spin_glass")

__all__ = ["CHAPTERS", "ChapterReport", "Table", "write_page"]
