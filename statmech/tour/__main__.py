"""``python -m statmech.tour [--quick] [--out DIR] [--only NAME ...]``: run every chapter of the
tour and write ``DIR/report.md`` (Markdown: a summary, then each chapter's claim, tables,
figure and reading). A chapter that fails is reported with its traceback; the rest go on."""
import argparse
import importlib
import time
import traceback
from pathlib import Path

from . import CHAPTERS
from ._report import write_page


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m statmech.tour", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every chapter's quick mode (minutes in all)")
    parser.add_argument("--out", default="statmech-tour", help="directory for report.md and the figures")
    parser.add_argument("--only", nargs="+", choices=CHAPTERS, help="run these studies only")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        parser.error(f"--out must be a directory (for report.md and the figures); {str(out)!r} is a file")
    out.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    reports, failures = [], {}
    for name in args.only or CHAPTERS:
        print(f"{name} ...", end=" ", flush=True)
        try:
            report = importlib.import_module(f"statmech.tour.{name}").run(quick=args.quick, out=out)
        except Exception:                   # one broken chapter must not lose the others
            failures[name] = traceback.format_exc()
            print("failed")
            continue
        reports.append(report)
        print(f"{report.elapsed:.0f} s")
    path = write_page(reports, failures, out, args.quick, time.perf_counter() - clock)
    print(f"report: {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
