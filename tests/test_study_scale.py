"""Studies across processes: the same store from a process pool and a Dask LocalCluster as
from one process; a driver killed with SIGKILL or stopped by Ctrl-C leaves a readable
store that resumes to the uninterrupted one."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr
from threadpoolctl import threadpool_info

import statmech
from statmech import study
from statmech.models import SherringtonKirkpatrick

pytestmark = pytest.mark.slow

GRID = {"n": [6, 8], "instance": range(5)}


def tempering(n, instance, seed):
    H = SherringtonKirkpatrick(n, seed=instance)
    r = statmech.parallel_tempering(H, [0.5, 1.0], n_sweeps=30, n_chains=2, seed=seed, progress=False)
    q = r.overlap[0]
    return {"q2": xr.DataArray((q ** 2).mean(-1), dims=["beta"], coords={"beta": r.betas}),
            "threads": statmech.get_num_threads(),
            "blas_threads": max((pool["num_threads"] for pool in threadpool_info()), default=1)}


def _same(a, b):
    for name in a.data_vars:
        if name not in ("elapsed", "threads", "blas_threads"):
            assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    s = study.Study(tmp_path_factory.mktemp("ref") / "s.zarr", tempering, grid=GRID, seed=9)
    s.run(executor="serial", progress=False)
    return s.results()


def test_process_pool_store_equals_the_serial_one(tmp_path, reference):
    s = study.Study(tmp_path / "s.zarr", tempering, grid=GRID, seed=9)
    record = s.run(progress=False)
    assert record.executor.startswith("loky.ProcessPoolExecutor") and record.n_completed == 10
    ds = s.results()
    _same(ds, reference)
    assert (ds.threads == 1).all() and (ds.blas_threads == 1).all()     # one numba and BLAS thread per worker


def test_dask_local_cluster_store_equals_the_serial_one(tmp_path, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        s = study.Study(tmp_path / "s.zarr", tempering, grid=GRID, seed=9)
        record = s.run(executor=client, progress=False)
    assert record.executor.startswith("dask") and record.n_completed == 10
    ds = s.results()
    _same(ds, reference)
    assert (ds.threads == 1).all() and (ds.blas_threads == 1).all()


INTERACTIVE = textwrap.dedent('''
    import sys, warnings
    from statmech import study

    def task(x, seed):                      # defined in __main__ of `python -c`: no module to import it from
        return {"y": 2.0 * x}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = study.Study(sys.argv[1], task, grid={"x": [1, 2, 3]}, seed=0)
    record = s.run(progress=False)
    print(record.executor, record.n_completed, s.results().y.values.tolist())
    print([str(w.message) for w in caught])
''')


def test_a_task_defined_in_python_c_runs_on_the_default_pool(tmp_path):
    """Found: every point failed with "BrokenProcessPool ... guard it with if __name__ ==
    '__main__'": the standard pool sent the function by reference and its workers could
    not find __main__.task."""
    out = subprocess.run([sys.executable, "-c", INTERACTIVE, str(tmp_path / "s.zarr")], capture_output=True,
                         text=True, timeout=300, check=True).stdout.splitlines()
    assert out[0].startswith("loky.ProcessPoolExecutor") and out[0].endswith(" 3 [2.0, 4.0, 6.0]"), out
    assert "has no source to digest" in out[1] and "__main__.task" in out[1]


def crash(x, seed):
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)        # as the kernel's out-of-memory killer would
    return {"y": float(x)}


def test_a_worker_that_dies_is_named_with_its_signal(tmp_path):
    s = study.Study(tmp_path / "s.zarr", crash, grid={"x": [1, 2, 3]}, seed=0)
    with pytest.warns(RuntimeWarning, match="points failed"):
        s.run(progress=False)
    failures = {f.coordinates["x"]: f.error for f in s.failures()}
    assert 2 in failures
    assert "SIGKILL" in failures[2] and "operating system killed the worker" in failures[2], failures[2]
    assert s.run(executor="serial", progress=False, retry_failed=False).n_completed == 0


TASKS = textwrap.dedent('''
    import time
    import numpy as np

    def slow(n, instance, seed):
        time.sleep(0.1)
        return {"x": np.random.default_rng(seed).normal(size=4)}
''')
DRIVER = textwrap.dedent('''
    import sys
    from statmech import study
    from killable import slow
    if __name__ == "__main__":
        record = study.Study(sys.argv[1], slow, grid={"n": [1, 2, 3], "instance": range(12)}, seed=4).run(progress=False)
        print("interrupted" if record.interrupted else "finished", record.n_done, flush=True)
''')


def _start(tmp_path):
    (tmp_path / "killable.py").write_text(TASKS)
    (tmp_path / "driver.py").write_text(DRIVER)
    env = dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, str(tmp_path / "driver.py"), str(tmp_path / "s.zarr")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_done(path, at_least, process, timeout=120):
    import zarr

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert process.poll() is None, process.communicate()
        try:
            done = int(np.asarray(zarr.open_array(os.path.join(path, "done"), mode="r")[...]).sum())
        except Exception:   # noqa: BLE001 -- not created yet
            done = 0
        if done >= at_least:
            return done
        time.sleep(0.02)
    raise AssertionError("the study made no progress")


def _resume_and_compare(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    from killable import slow

    with xr.open_zarr(tmp_path / "s.zarr", consolidated=False) as killed:     # readable as it was left
        n_done = int(killed.done.sum())
        assert 4 <= n_done < 36
        assert not np.isnan(killed.x.where(killed.done, 0.0)).any()
    grid = {"n": [1, 2, 3], "instance": range(12)}
    resumed = study.Study(tmp_path / "s.zarr", slow, grid=grid)
    record = resumed.run(executor="serial", progress=False)
    assert record.n_completed == 36 - n_done
    straight = study.Study(tmp_path / "t.zarr", slow, grid=grid, seed=4)
    straight.run(executor="serial", progress=False)
    _same(resumed.results(), straight.results())


def test_sigkill_of_the_driver_loses_only_tasks_in_flight(tmp_path, monkeypatch):
    process = _start(tmp_path)
    try:
        _wait_for_done(tmp_path / "s.zarr", 4, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)        # the orphaned workers
        except ProcessLookupError:
            pass
    _resume_and_compare(tmp_path, monkeypatch)


def test_no_worker_outlives_a_killed_driver(tmp_path, monkeypatch):
    """Found: a driver killed with SIGKILL left its forkserver and both workers (~400 MB)
    running, still there 53 minutes later."""
    psutil = pytest.importorskip("psutil")
    process = _start(tmp_path)
    try:
        _wait_for_done(tmp_path / "s.zarr", 4, process)
        pool = psutil.Process(process.pid).children(recursive=True)
        assert len(pool) >= 2                           # the workers (and forkserver, resource tracker)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        gone, alive = psutil.wait_procs(pool, timeout=10)
        assert alive == [], [p.cmdline()[:3] for p in alive]
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _resume_and_compare(tmp_path, monkeypatch)


def test_ctrl_c_stops_the_study_and_it_resumes(tmp_path, monkeypatch):
    process = _start(tmp_path)
    try:
        _wait_for_done(tmp_path / "s.zarr", 4, process)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert process.returncode == 0, err
    assert out.startswith("interrupted"), out
    _resume_and_compare(tmp_path, monkeypatch)
