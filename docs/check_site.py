"""Open the built site in a real browser (headless Chromium) and check what a reader sees.

    python docs/check_site.py [BUILD_DIR] [SCREENSHOT_DIR]

BUILD_DIR defaults to docs/_build/html, SCREENSHOT_DIR to BUILD_DIR/../screenshots. Takes
screenshots of the front page, an API page, a gallery page and the search page, and
checks from the rendered DOM that the gallery page shows its figure and that searching
for ``statmech.sample`` finds its API page. Exits 1 on a failed check; where Chromium is
not installed (Debian: ``apt-get install chromium``) it says so and exits 0.
"""
import shutil
import subprocess
import sys
from pathlib import Path

PAGES = {"index": "index.html", "api": "api/generated/statmech.sample.html",
         "gallery": "gallery/multispin_ising.html", "search": "search.html?q=statmech.sample"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000"]


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render(chromium, url, *args):
    result = subprocess.run([chromium, *FLAGS, *args, url], capture_output=True, text=True, timeout=120)
    if result.returncode:
        raise RuntimeError(f"{chromium} failed on {url}:\n{result.stderr[-2000:]}")
    return result.stdout


def main(build=Path("docs/_build/html"), shots=None):
    build = Path(build).resolve()
    shots = Path(shots) if shots else build.parent / "screenshots"
    chromium = browser()
    if chromium is None:
        print("check_site: Chromium is not installed (Debian: apt-get install chromium): the browser check is skipped")
        return 0
    shots.mkdir(parents=True, exist_ok=True)
    failures = []
    for name, page in PAGES.items():
        if not (build / page.split("?")[0]).exists():
            failures.append(f"{page}: not built")
            continue
        url = (build / page.split("?")[0]).as_uri() + ("?" + page.split("?")[1] if "?" in page else "")
        render(chromium, url, "--window-size=1280,1400", f"--screenshot={shots / (name + '.png')}")
        dom = render(chromium, url, "--dump-dom")
        if name == "gallery" and "sphx-glr-single-img" not in dom and "sphx-glr-multi-img" not in dom:
            failures.append(f"{page}: no figure on the page")
        if name == "search" and "generated/statmech.sample.html" not in dom:
            failures.append(f"{page}: the search for statmech.sample does not list its API page")
        if name in ("index", "api") and "<h1" not in dom:
            failures.append(f"{page}: no title")
        print(f"check_site: {page} -> {shots / (name + '.png')}")
    for failure in failures:
        print(f"check_site: FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
