"""What a chapter of the tour returns, and the page the tour writes."""
import math
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Table", "ChapterReport", "write_page", "run_as_script", "pyplot", "save_figure", "pm"]


def pm(value, error, digits=2):
    """"value ± error" with the error to ``digits`` significant figures and the value to the
    same decimal place (at least one decimal, at most eight)."""
    if not (math.isfinite(error) and error > 0):
        return f"{value:.4g} ± {error}"
    places = min(8, max(1, digits - 1 - math.floor(math.log10(error))))
    return f"{value:.{places}f} ± {error:.{places}f}"


@dataclass(frozen=True)
class Table:
    """A table of numbers: ``rows`` of already formatted cells under ``header``."""

    caption: str
    header: tuple
    rows: list

    def markdown(self):
        lines = [f"*{self.caption}*", "", _cells(self.header), "|" + "---|" * len(self.header)]
        return "\n".join(lines + [_cells(row) for row in self.rows])


def _cells(values):
    """One Markdown table row; a "|" inside a cell (as in <h | v>) would end it, so it is escaped."""
    return "| " + " | ".join(str(value).replace("|", "\\|") for value in values) + " |"


@dataclass
class ChapterReport:
    """One chapter's result: its claim and references, tables (with error bars where they
    are estimates), figures (file names in the output directory) and a one-paragraph
    reading that says whether the references were reproduced and by how much.

    Attributes
    ----------
    name, title, claim : str
    references : list of str
    tables : list of Table
    figures : list of str
    reading : str
    elapsed : float
        Seconds the chapter took.
    """

    name: str
    title: str
    claim: str
    references: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    reading: str = ""
    elapsed: float = 0.0

    def markdown(self, level=2):
        parts = [f"{'#' * level} {self.title}", "", f"**Claim.** {self.claim}", ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        parts += [f"![{self.title}]({figure})" for figure in self.figures]
        parts += ["", f"**Reading.** {self.reading}", ""]
        if self.references:
            parts += ["References: " + "; ".join(self.references) + ".", ""]
        parts += [f"*{self.elapsed:.0f} s.*", ""]
        return "\n".join(parts)

    def text(self):
        """The report for a terminal (what the example scripts print)."""
        return self.markdown(level=1)


def write_page(reports, failures, out, quick, elapsed):
    """Write ``out/report.md``: a summary, then each chapter; failures with their traceback."""
    lines = ["# The statmech tour", "",
             "Each claim behind statmech as a chapter that computes, tabulates (with error bars) and plots, held to "
             f"a reference. Mode: {'quick' if quick else 'full'}; {elapsed:.0f} s in all.", "",
             "| chapter | claim | seconds |", "|---|---|---|"]
    lines += [_cells([f"[{r.title}](#{_anchor(r.title)})", r.claim, f"{r.elapsed:.0f}"]) for r in reports]
    lines += [f"| {name} | **failed** (below) | |" for name in failures]
    lines.append("")
    for report in reports:
        lines.append(report.markdown())
    for name, trace in failures.items():
        lines += [f"## {name}: failed", "", "```", trace.rstrip(), "```", ""]
    path = Path(out) / "report.md"
    path.write_text("\n".join(lines))
    return path


def _anchor(title):
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c == "-")


def run_as_script(run, description, argv=None):
    """``run(quick, out)`` from the command line (``--quick``, ``--out DIR``); prints the report."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="the quick mode (under a minute)")
    parser.add_argument("--out", default=tempfile.gettempdir(), help="directory for the figures")
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    report = run(quick=args.quick, out=Path(args.out))
    print(report.text())
    for figure in report.figures:
        print(f"figure: {Path(args.out) / figure}")
    return report


def pyplot():
    """matplotlib.pyplot on the Agg backend, or None when matplotlib is not installed (the
    chapter then reports without its figure)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def save_figure(figure, out, name):
    """Lay out, save as ``out/name`` and close ``figure``; returns ``name``."""
    figure.tight_layout()
    figure.savefig(Path(out) / name, dpi=120)
    import matplotlib.pyplot as plt

    plt.close(figure)
    return name
