"""The tour: each claim behind statmech as a study that computes, tabulates and plots,
held to a reference (``python -m statmech.tour [--quick] [--out DIR]``).

Each study is a module with ``run(quick, out) -> StudyReport``; the example scripts in
``examples/`` run one each, and the tour runs them all and writes ``report.md``.
"""
from ._report import StudyReport, Table, write_page

#: The studies, in the order of the tour: module names in statmech.tour.
STUDIES = ("activations", "unrolled", "emf", "classification", "landscape", "temperature", "rem",
           "spin_glass")

__all__ = ["STUDIES", "StudyReport", "Table", "write_page"]
