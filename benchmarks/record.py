"""Run a benchmark and keep its output, with the command and the machine, in
``benchmarks/results/<name>.txt`` (the performance page of the documentation includes
these files).

Run: python benchmarks/record.py bench_free_energy.py [arguments ...]
"""
import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path


def machine():
    """CPU model, cores, memory, Python, numpy and numba versions, the load before the run."""
    import numba
    import numpy
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    load = ", load before the run %.2f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else ""
    return (f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"numba {numba.__version__}{load}")


def main(script, *arguments):
    here = Path(__file__).resolve().parent
    header = [f"$ python benchmarks/{' '.join([script, *arguments])}",
              f"# {datetime.date.today().isoformat()}; {machine()}"]
    result = subprocess.run([sys.executable, str(here / script), *arguments], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{script} failed (exit status {result.returncode}):\n{result.stdout}{result.stderr}")
    out = here / "results" / (Path(script).stem + ".txt")
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(header) + "\n\n" + result.stdout.rstrip() + "\n")
    print(out.read_text())


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:])
