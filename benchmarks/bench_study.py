"""Study overheads: per-task cost of an empty task on the default process pool and on a
Dask LocalCluster, parallel efficiency of 2 workers on 1-second tasks, and the store's
write time per point.

Per-task overhead and efficiency come from the slope of wall time against the number of
tasks (two study sizes), so the pool's or cluster's start-up (spawning workers, importing
statmech) is reported apart. Each figure is the median of repeats; the load average
before the run says how quiet the machine was.
Run: python benchmarks/bench_study.py
"""
import os
import shutil
import tempfile
import time

import numpy as np

from statmech import study
from statmech.study._store import Store
from statmech.study._task import PointResult, normalise

REPEATS = 3


def empty(i, seed):
    return {"x": 0.0}


def one_second(i, seed, work):
    """A fixed amount of CPU work (``work`` iterations of a small numpy update)."""
    x = np.random.default_rng(seed).normal(size=64)
    for _ in range(work):
        x = np.tanh(x + 0.1)
    return {"x": float(x.sum())}


def run_study(folder, task, n, executor=None, **partial):
    import functools

    path = os.path.join(folder, f"s{n}-{time.perf_counter_ns()}.zarr")
    s = study.Study(path, functools.partial(task, **partial) if partial else task, grid={"i": range(n)}, seed=0)
    start = time.perf_counter()
    record = s.run(executor=executor, progress=False)
    wall = time.perf_counter() - start
    assert record.n_done == n, record
    shutil.rmtree(path)
    return wall


def slope(folder, task, sizes, executor=None, **partial):
    """(seconds per extra task, intercept) from runs of two sizes, medians of REPEATS."""
    walls = [float(np.median([run_study(folder, task, n, executor, **partial) for _ in range(REPEATS)]))
             for n in sizes]
    per_task = (walls[1] - walls[0]) / (sizes[1] - sizes[0])
    return per_task, walls[0] - per_task * sizes[0]


def calibrate_work(target=1.0):
    work = 20_000
    start = time.perf_counter()
    one_second(0, 0, work)
    per = (time.perf_counter() - start) / work
    work = int(target / per)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        one_second(0, 0, work)
        times.append(time.perf_counter() - start)
    return work, float(np.median(times))


def store_write(folder, batch):
    """Seconds per point for writing points in batches of ``batch`` (q2, q4 over 11
    temperatures and one scalar, as in examples/spin_glass_binder.py)."""
    import xarray as xr

    from statmech.study._grid import Grid

    grid = Grid({"n": [32, 64, 128], "instance": range(400)})
    store = Store(os.path.join(folder, f"w{batch}-{time.perf_counter_ns()}.zarr"))
    T = np.linspace(0.5, 1.5, 11)
    results = [PointResult((k // 400, k % 400), normalise({"q2": xr.DataArray(np.random.rand(11), dims="T", coords={"T": T}),
                                                           "q4": xr.DataArray(np.random.rand(11), dims="T", coords={"T": T}),
                                                           "swap_min": 0.5}), None, None, 0.1) for k in range(1200)]
    with store.writer():
        store.create(grid, {"grid": grid.to_json()})
        rows = [(r.index, store.conform(r.variables, {})[0], r.elapsed) for r in results[:240]]
        start = time.perf_counter()
        for k in range(0, 240, batch):
            store.write(rows[k:k + batch])
        return (time.perf_counter() - start) / 240


def main():
    load = os.getloadavg()
    print(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores\n")
    folder = tempfile.mkdtemp()
    try:
        for batch in (1, 16):
            print(f"store write, batches of {batch:2d}: {1e3 * float(np.median([store_write(folder, batch) for _ in range(REPEATS)])):6.2f} ms per point")

        per_task, start_up = slope(folder, empty, (50, 400))
        print(f"\nprocess pool (default, 2 workers): empty task {1e3 * per_task:6.2f} ms per task "
              f"(goal < 5 ms); start-up {start_up:.2f} s")
        per_task, start_up = slope(folder, empty, (50, 400), executor="serial")
        print(f"serial (no pool):                   empty task {1e3 * per_task:6.2f} ms per task")

        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("dask.distributed not installed: skipping the LocalCluster figures")
        else:
            start = time.perf_counter()
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                cluster_start = time.perf_counter() - start
                per_task, start_up = slope(folder, empty, (50, 400), executor=client)
                print(f"dask LocalCluster (2 workers):      empty task {1e3 * per_task:6.2f} ms per task "
                      f"(goal < 20 ms); cluster start {cluster_start:.2f} s, per-study start {start_up:.2f} s")

        work, serial = calibrate_work()
        per_task, _ = slope(folder, one_second, (4, 12), work=work)
        efficiency = serial / (2 * per_task)
        print(f"\n2 workers on {serial:.2f}-s tasks: {per_task:.3f} s per task, parallel efficiency "
              f"{100 * efficiency:.0f}% (goal >= 85%)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average after the run:  {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
