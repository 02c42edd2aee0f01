"""Studies: seeds per point, one store whatever the executor, resume, extension, refusals,
failures with tracebacks, per-point checkpoints, disorder averages against hand-computed
jackknife, and records as xarray."""
import concurrent.futures as cf
import os
import random
import re
import threading
import time

import numpy as np
import pytest
import xarray as xr

import statmech
from statmech import study
from statmech.models import Ising, SherringtonKirkpatrick

GRID = {"n": [4, 6], "instance": range(4)}


def overlaps(n, instance, seed):
    """A small real task: tempering on an SK instance, replica overlaps at each beta."""
    H = SherringtonKirkpatrick(n, seed=instance)
    r = statmech.parallel_tempering(H, [0.5, 1.0], n_sweeps=40, n_chains=2, seed=seed, progress=False)
    q = r.overlap[0]
    beta = r.betas
    return {"q2": xr.DataArray((q ** 2).mean(-1), dims=["beta"], coords={"beta": beta}),
            "q4": xr.DataArray((q ** 4).mean(-1), dims=["beta"], coords={"beta": beta}),
            "energy": float(r.energy[:, 0].mean()), "sweeps": r.n_sweeps}


def jittery(n, instance, seed):
    """Finishes in a random order (the sleep is not seeded by the point's seed)."""
    time.sleep(random.uniform(0.0, 0.01))
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=3), "k": int(rng.integers(1000))}


def flaky(n, instance, seed):
    if instance == 2:
        raise RuntimeError(f"no convergence at n={n}")
    return {"x": float(n * instance)}


def sampled(n, instance, seed, checkpoint):
    """Samples with a checkpoint; the first attempt at (6, 1) 'crashes' after its run."""
    resumed = os.path.exists(checkpoint)
    r = statmech.sample(Ising.chain(n), 0.5, n_sweeps=50, n_chains=2, seed=seed, checkpoint=checkpoint,
                        checkpoint_every=10, progress=False)
    if (n, instance) == (6, 1) and not resumed and os.environ.get("STATMECH_TEST_CRASH") == "1":
        raise RuntimeError("killed")
    return {"energy": r.energy.mean(), "resumed": resumed}


def _same(a, b, skip=("elapsed",)):
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        if name not in skip:
            assert a[name].dtype == b[name].dtype, name
            assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name
    for name in a.coords:
        assert np.array_equal(a[name].values, b[name].values), name


def test_a_study_runs_and_labels_its_results(tmp_path):
    s = study.Study(tmp_path / "s.zarr", overlaps, grid=GRID, seed=3)
    record = s.run(executor="serial", progress=False)
    assert (record.n_points, record.n_done, record.n_completed, record.n_failed) == (8, 8, 8, 0)
    ds = s.results()
    assert ds.q2.dims == ("n", "instance", "beta") and ds.energy.dims == ("n", "instance")
    assert ds.done.all() and ds.done.dtype == bool and (ds.elapsed > 0).all()
    assert list(ds.n.values) == [4, 6] and list(ds.beta.values) == [0.5, 1.0]
    assert ds.sweeps.dtype == np.int64 and (ds.sweeps == 40).all()
    assert ds.attrs["task"] == "test_study.overlaps" and ds.attrs["statmech_version"] == statmech.__version__
    assert ds.attrs["grid"] == {"n": [4, 6], "instance": [0, 1, 2, 3]}
    assert ds.attrs["seed"] == {"entropy": 3, "spawn_key": [], "pool_size": 4}
    assert ds.attrs["runs"][0]["completed"] == 8
    # a point's result is the task's own with the point's seed: the store adds nothing
    direct = overlaps(6, 2, s.point_seed(n=6, instance=2))
    assert np.array_equal(ds.q2.sel(n=6, instance=2).values, direct["q2"].values)
    # the store is a plain zarr store that xarray opens
    with xr.open_zarr(tmp_path / "s.zarr", consolidated=False) as raw:
        assert np.array_equal(raw.q4.values, ds.q4.values)


def test_point_seeds_depend_on_coordinates_not_on_order():
    root = np.random.SeedSequence(11)
    a = study.point_seed(root, {"n": 4, "instance": 1})
    assert a.entropy == 11 and len(a.spawn_key) == 1
    assert a.generate_state(4).tolist() == study.point_seed(root, {"n": 4, "instance": 1}).generate_state(4).tolist()
    others = [study.point_seed(root, c).generate_state(2).tolist()
              for c in ({"n": 4, "instance": 2}, {"n": 1, "instance": 4}, {"n": 4.0, "instance": 1})]
    assert a.generate_state(2).tolist() not in others
    assert study.point_seed(np.random.SeedSequence(12), {"n": 4, "instance": 1}).generate_state(2).tolist() \
        != a.generate_state(2).tolist()


def test_serial_and_thread_pool_stores_are_bit_identical(tmp_path):
    grid = {"n": [4, 6, 8], "instance": range(6)}
    serial = study.Study(tmp_path / "a.zarr", jittery, grid=grid, seed=5)
    serial.run(executor="serial", progress=False)
    threaded = study.Study(tmp_path / "b.zarr", jittery, grid=grid, seed=5)
    with cf.ThreadPoolExecutor(4) as pool:
        threaded.run(executor=pool, progress=False)
    _same(serial.results(), threaded.results())
    other = study.Study(tmp_path / "c.zarr", jittery, grid=grid, seed=6)
    other.run(executor="serial", progress=False)
    assert not np.array_equal(other.results().x.values, serial.results().x.values)


def test_resume_skips_done_points_and_extension_adds_new_ones(tmp_path):
    path = tmp_path / "s.zarr"
    first = study.Study(path, jittery, grid={"n": [4, 6], "instance": range(3)}, seed=1)
    first.run(executor="serial", progress=False)
    again = study.Study(path, jittery, grid={"n": [4, 6], "instance": range(3)}, seed=None)
    assert again.run(executor="serial", progress=False).n_completed == 0
    grown = study.Study(path, jittery, grid={"n": [4, 6, 8], "instance": range(5)})
    assert grown.results().done.sum() == 6
    record = grown.run(executor="serial", progress=False)
    assert record.n_completed == 15 - 6 and record.n_done == 15
    fresh = study.Study(tmp_path / "fresh.zarr", jittery, grid={"n": [4, 6, 8], "instance": range(5)}, seed=1)
    fresh.run(executor="serial", progress=False)
    _same(grown.results(), fresh.results())


@pytest.mark.parametrize("grid, message", [
    ({"n": [4, 8], "instance": range(3)}, r"grid\['n'\] was \[4, 6\]"),
    ({"n": [6, 4], "instance": range(3)}, "appended at the end"),
    ({"n": [4], "instance": range(3)}, r"grid\['n'\]"),
    ({"instance": range(3), "n": [4, 6]}, "coordinates"),
])
def test_a_changed_grid_is_refused(tmp_path, grid, message):
    study.Study(tmp_path / "s.zarr", jittery, grid={"n": [4, 6], "instance": range(3)}, seed=1)
    with pytest.raises(ValueError, match=message):
        study.Study(tmp_path / "s.zarr", jittery, grid=grid, seed=1)


def test_another_task_or_seed_is_refused(tmp_path):
    study.Study(tmp_path / "s.zarr", jittery, grid=GRID, seed=1)
    with pytest.raises(ValueError, match="holds results of task test_study.jittery"):
        study.Study(tmp_path / "s.zarr", flaky, grid=GRID, seed=1)
    with pytest.raises(ValueError, match="written with seed"):
        study.Study(tmp_path / "s.zarr", jittery, grid=GRID, seed=2)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="not a statmech study store"):
        study.Study(tmp_path / "other", jittery, grid=GRID, seed=1)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"grid": {"seed": [1]}}, ValueError, "'seed' is reserved"),
    ({"grid": {"checkpoint": [1]}}, ValueError, "reserved"),
    ({"grid": {"n": []}}, ValueError, "empty"),
    ({"grid": {"n": [1, 1]}}, ValueError, "repeats"),
    ({"grid": {"n": [1, "a"]}}, TypeError, "mixes"),
    ({"grid": {"n": [1.0, float("nan")]}}, ValueError, "finite"),
    ({"grid": {"n-1": [1]}}, ValueError, "identifiers"),
    ({"grid": [1, 2]}, TypeError, "dict"),
    ({"grid": {"L": [4]}}, TypeError, "no parameter 'L'"),
    # found: a set was accepted, then refused on resume in a new process (hash order)
    ({"grid": {"n": {4, 6}}}, TypeError, "ordered sequence"),
    # found: 2**70 left a half-made store that blocked the path
    ({"grid": {"n": [1, 2 ** 70]}}, ValueError, "fit in 64 bits"),
    # found: a 0-d array gave a raw numpy error
    ({"grid": {"n": np.array(3)}}, TypeError, r"grid\['n'\] must be a sequence"),
    ({"grid": {"n": [4]}, "dtypes": {"x": "U4"}}, ValueError, "bool, integer or float"),
])
def test_bad_studies_are_refused_before_running(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        study.Study(tmp_path / "s.zarr", jittery, seed=0, **kwargs)
    assert not (tmp_path / "s.zarr").exists()


def test_bad_tasks_and_executors(tmp_path):
    def no_seed(n, instance):
        return {}

    with pytest.raises(TypeError, match="no parameter 'seed'"):
        study.Study(tmp_path / "a.zarr", no_seed, grid=GRID)
    with pytest.raises(TypeError, match="required parameters the grid does not give: 'beta'"):
        study.Study(tmp_path / "a.zarr", lambda n, instance, seed, beta: {}, grid=GRID)
    s = study.Study(tmp_path / "b.zarr", lambda n, instance, seed: {"x": 1.0}, grid=GRID, seed=0)
    with cf.ProcessPoolExecutor(1) as pool, pytest.raises(TypeError, match="by reference"):
        s.run(executor=pool, progress=False)     # concurrent.futures sends functions by reference
    lock = threading.Lock()
    holds_a_lock = study.Study(tmp_path / "c.zarr", lambda n, instance, seed: {"x": float(lock.locked())},
                               grid=GRID, seed=0)
    with pytest.raises(TypeError, match="cannot be sent to the pool's worker processes: TypeError: .*lock"):
        holds_a_lock.run(progress=False)
    assert holds_a_lock.run(executor="serial", progress=False).n_completed == 8
    with pytest.raises(ValueError, match="executor must be"):
        s.run(executor="threads", progress=False)
    with pytest.raises(TypeError, match="executor must be"):
        s.run(executor=4, progress=False)
    assert s.run(executor="serial", progress=False).n_completed == 8


def test_failures_are_recorded_and_the_rest_goes_on(tmp_path):
    s = study.Study(tmp_path / "s.zarr", flaky, grid=GRID, seed=0)
    with pytest.warns(RuntimeWarning, match="2 of 8 points failed"):
        record = s.run(executor="serial", progress=False)
    assert (record.n_completed, record.n_failed) == (6, 2)
    failures = s.failures()
    assert [f.coordinates for f in failures] == [{"n": 4, "instance": 2}, {"n": 6, "instance": 2}]
    assert failures[1].error == "RuntimeError: no convergence at n=6"
    assert "raise RuntimeError" in failures[1].traceback and "flaky" in failures[1].traceback
    ds = s.results()
    assert ds.done.sum() == 6 and np.isnan(ds.x.sel(instance=2)).all()
    reopened = study.Study(tmp_path / "s.zarr", flaky, grid=GRID)
    assert reopened.run(executor="serial", progress=False, retry_failed=False).n_completed == 0
    with pytest.warns(RuntimeWarning, match="2 of 2 points failed"):
        assert reopened.run(executor="serial", progress=False).n_failed == 2


def shapeshifter(n, instance, seed):
    return {"x": np.zeros(n)}


def test_results_that_do_not_fit_are_failures(tmp_path):
    s = study.Study(tmp_path / "s.zarr", shapeshifter, grid=GRID, seed=0)
    with pytest.warns(RuntimeWarning, match="4 of 8"):
        s.run(executor="serial", progress=False)
    assert "earlier points gave dims ('x_dim_0',) and shape (4,)" in s.failures()[0].error


MIXED = {0: np.int8(3), 1: 200, 2: 1000, 3: -129, 4: 0.5, 5: 2 ** 60 + 1, 6: True, 7: np.float32(0.25)}


def mixed(x, seed, order=None):
    """One kind of value per point, finishing in the order ``order`` gives (threads)."""
    if order is not None:
        time.sleep(0.02 * order.index(x))
    return {"y": MIXED[x], "z": 1e300 if x == 2 else 16777217.0 if x == 3 else np.float32(0.5)}


def test_results_are_never_narrowed_whatever_finishes_first(tmp_path):
    """Found: the first result's dtype was the store's: int8 3 first stored 200, 1000, -129
    as -56, -24, 127; float32 0.5 first stored 1e300 as inf and 16777217 as 16777216; which
    point finished first decided which points failed."""
    import functools

    stores = []
    for k, order in enumerate(([0, 1, 2, 3, 4, 5, 6, 7], [7, 5, 4, 6, 3, 2, 1, 0], [5, 0, 6, 4, 1, 7, 2, 3])):
        s = study.Study(tmp_path / f"s{k}.zarr", functools.partial(mixed, order=order), grid={"x": range(8)}, seed=0)
        with cf.ThreadPoolExecutor(8) as pool, pytest.warns(RuntimeWarning, match="1 of 8 points failed"):
            s.run(executor=pool, progress=False)
        stores.append((s.results(), [f.coordinates for f in s.failures()]))
    ds, failed = stores[0]
    for other, other_failed in stores[1:]:
        _same(ds, other)
        assert other_failed == failed == [{"x": 5}]          # 2**60 + 1 is no float64
    assert ds.y.dtype == np.float64 and ds.z.dtype == np.float64
    assert ds.y.values[[0, 1, 2, 3, 4, 6, 7]].tolist() == [3, 200, 1000, -129, 0.5, 1, 0.25]
    assert ds.z.values[2] == 1e300 and ds.z.values[3] == 16777217.0
    ints = study.Study(tmp_path / "ints.zarr", mixed, grid={"x": [0, 1, 2, 3]}, seed=0)
    ints.run(executor="serial", progress=False)
    assert ints.results().y.dtype == np.int64 and ints.results().y.values.tolist() == [3, 200, 1000, -129]


def test_declared_dtypes_take_values_that_fit_them(tmp_path):
    s = study.Study(tmp_path / "s.zarr", mixed, grid={"x": [0, 1, 3]}, seed=0, dtypes={"y": "int8", "z": np.float32})
    with pytest.warns(RuntimeWarning, match="2 of 3 points failed"):
        s.run(executor="serial", progress=False)
    assert [f.coordinates["x"] for f in s.failures()] == [1, 3]
    assert "does not fit int8 exactly, the dtype 'y' is declared as" in s.failures()[0].error
    ds = s.results()
    assert ds.y.dtype == np.int8 and ds.z.dtype == np.float32 and ds.y.values[0] == 3
    with pytest.raises(ValueError, match="written with dtypes"):
        study.Study(tmp_path / "s.zarr", mixed, grid={"x": [0, 1, 3]}, dtypes={"y": "int16"})
    floats = study.Study(tmp_path / "f.zarr", mixed, grid={"x": [2, 3]}, seed=0, dtypes={"z": "float32"})
    with pytest.warns(RuntimeWarning, match="1 of 2"):          # 1e300 overflows; 16777217 rounds
        floats.run(executor="serial", progress=False)
    assert floats.results().z.values[1] == np.float32(16777216.0)


def test_one_writer_per_store(tmp_path):
    """Found: two processes extending one store left 47 entries along x and results under
    the wrong labels; two creating it crashed with raw zarr errors. (Across processes, with
    a holder killed by SIGKILL: tests/test_study_faults.py.)"""
    from statmech.errors import StoreLockedError
    from statmech.study._store import Store

    path = tmp_path / "s.zarr"
    s = study.Study(path, jittery, grid={"n": [4], "instance": range(2)}, seed=1)
    holder = rf"store {re.escape(repr(str(path)))} is being written by process {os.getpid()} on "
    with Store(path).writer():                      # another writer holds it: running, extending, creating refused
        with pytest.raises(StoreLockedError, match=holder):
            s.run(executor="serial", progress=False)
        with pytest.raises(StoreLockedError, match=holder):
            study.Study(path, jittery, grid={"n": [4], "instance": range(3)})
        reader = study.Study(path, jittery, grid={"n": [4], "instance": range(2)})    # reading is fine
        assert reader.results().sizes["instance"] == 2
        with Store(tmp_path / "new.zarr").writer(), pytest.raises(StoreLockedError):
            study.Study(tmp_path / "new.zarr", jittery, grid=GRID, seed=0)
    assert not (tmp_path / "new.zarr" / "zarr.json").exists()
    grown = study.Study(path, jittery, grid={"n": [4], "instance": range(3)})
    assert grown.run(executor="serial", progress=False).n_done == 3


def test_a_store_that_disagrees_with_its_grid_is_repaired_or_refused(tmp_path):
    import zarr

    path = tmp_path / "s.zarr"
    s = study.Study(path, jittery, grid={"n": [4, 6], "instance": range(3)}, seed=1)
    s.run(executor="serial", progress=False)
    before = s.results()
    # an extension killed after growing some arrays, before it recorded the grid: undone
    for name, shape in (("done", (2, 5)), ("x", (2, 5, 3)), ("instance", (5,))):
        zarr.open_array(str(path / name), mode="r+").resize(shape)
    again = study.Study(path, jittery, grid={"n": [4, 6], "instance": range(3)})
    _same(again.results(), before)
    # an array shorter than the grid cannot come from a killed writer: refused, naming it
    zarr.open_array(str(path / "k"), mode="r+").resize((2, 2))
    with pytest.raises(ValueError, match=r"damaged: array 'k' has shape \(2, 2\) where the recorded grid"):
        study.Study(path, jittery, grid={"n": [4, 6], "instance": range(3)})


def test_a_lost_or_damaged_chunk_is_found_and_computed_again(tmp_path):
    """Found: a deleted chunk left every point done with NaN values and run() had nothing
    to do; a truncated one gave a 110-line zstd error naming neither file nor store."""
    path = tmp_path / "s.zarr"
    grid = {"n": [4, 6], "instance": range(3)}
    s = study.Study(path, jittery, grid=grid, seed=1)
    s.run(executor="serial", progress=False)
    reference = s.results()
    os.remove(path / "x" / "c" / "1" / "0" / "0")             # n = 6: three points' x
    chunk = path / "k" / "c" / "0" / "0"
    chunk.write_bytes(chunk.read_bytes()[:-3])                 # n = 4: truncated
    damage = s.verify()
    assert sorted((d.variable, d.problem.split(":")[0], len(d.points)) for d in damage) == [
        ("k", "ValueError", 3), ("x", "is missing", 3)]
    with pytest.raises(ValueError, match=rf"store {re.escape(repr(str(path)))} could not be read .*k/c/0/0 "
                                         rf"ValueError.*\(3 points\)"):
        s.results()
    with pytest.warns(RuntimeWarning, match="its 6 points will be computed again"):
        record = s.run(executor="serial", progress=False)
    assert record.n_completed == 6 and s.verify() == []
    _same(s.results(), reference)
    assert len(s.results().attrs["repairs"]) == 2


def test_a_damaged_metadata_file_is_named(tmp_path):
    path = tmp_path / "s.zarr"
    s = study.Study(path, jittery, grid=GRID, seed=1)
    s.run(executor="serial", progress=False)
    (path / "x" / "zarr.json").write_text("{ not json")
    with pytest.raises(ValueError, match=r"array 'x' cannot be opened .*x/zarr.json"):
        study.Study(path, jittery, grid=GRID)
    (path / "zarr.json").write_text("garbage")
    with pytest.raises(ValueError, match=r"not a readable zarr store .*s.zarr/zarr.json"):
        study.Study(path, jittery, grid=GRID)


def test_per_point_checkpoints_resume_long_tasks(tmp_path, monkeypatch):
    grid = {"n": [4, 6], "instance": range(2)}
    monkeypatch.setenv("STATMECH_TEST_CRASH", "1")
    s = study.Study(tmp_path / "s.zarr", sampled, grid=grid, seed=2)
    with pytest.warns(RuntimeWarning, match="1 of 4"):
        s.run(executor="serial", progress=False)
    left = os.listdir(tmp_path / "s.zarr" / "_study" / "checkpoints")
    assert left == ["n=6,instance=1.npz"]           # done points' checkpoints are removed
    s.run(executor="serial", progress=False)
    ds = s.results()
    assert ds.done.all() and ds.resumed.sel(n=6, instance=1) and ds.resumed.sum() == 1
    assert os.listdir(tmp_path / "s.zarr" / "_study" / "checkpoints") == []
    monkeypatch.setenv("STATMECH_TEST_CRASH", "0")
    straight = study.Study(tmp_path / "t.zarr", sampled, grid=grid, seed=2)
    straight.run(executor="serial", progress=False)
    _same(ds.drop_vars("resumed"), straight.results().drop_vars("resumed"))


def test_partial_checkpoint_files_of_stopped_workers_are_removed(tmp_path):
    """Found: .tmp-*.npz files stayed in the store after Ctrl-C stopped workers mid-write."""
    grid = {"n": [4], "instance": range(2)}
    s = study.Study(tmp_path / "s.zarr", sampled, grid=grid, seed=2)
    folder = tmp_path / "s.zarr" / "_study" / "checkpoints"
    (folder / ".n=4,instance=0.npz.tmp-x1y2.npz").write_bytes(b"half")
    s.run(executor="serial", progress=False)
    assert os.listdir(folder) == []


def test_records_go_into_a_study(tmp_path):
    def thermo(n, instance, seed):
        return statmech.exact(SherringtonKirkpatrick(n, seed=instance), [0.5, 1.0]).to_xarray()

    s = study.Study(tmp_path / "s.zarr", thermo, grid={"n": [4, 5], "instance": range(2)}, seed=0)
    s.run(executor="serial", progress=False)
    ds = s.results()
    assert ds.log_z.dims == ("n", "instance", "beta")
    assert ds.log_z.sel(n=5, instance=1).values.tolist() == \
        statmech.exact(SherringtonKirkpatrick(5, seed=1), [0.5, 1.0]).log_z.tolist()


# -- disorder averages ----------------------------------------------------------------------

def _instances(seed=0, n_instances=7):
    rng = np.random.default_rng(seed)
    q2 = rng.uniform(0.2, 1.0, size=(2, n_instances, 3))
    q4 = q2 ** 2 * rng.uniform(1.0, 2.5, size=q2.shape)
    coords = {"n": [16, 32], "instance": np.arange(n_instances), "beta": [0.5, 1.0, 2.0]}
    dims = ("n", "instance", "beta")
    return xr.Dataset({"q2": (dims, q2), "q4": (dims, q4), "done": (("n", "instance"), np.ones((2, n_instances), bool))},
                      coords=coords)


def _binder(q2, q4):
    return 0.5 * (3 - q4 / q2 ** 2)


def _hand_jackknife(q2, q4):
    """Loops, straight from the definition: q2, q4 of shape (N,)."""
    n = len(q2)
    theta = [_binder(np.mean(np.delete(q2, i)), np.mean(np.delete(q4, i))) for i in range(n)]
    return _binder(q2.mean(), q4.mean()), np.sqrt((n - 1) / n * sum((t - np.mean(theta)) ** 2 for t in theta))


def test_jackknife_of_the_binder_ratio_equals_the_hand_computed_one():
    ds = _instances()
    g = study.disorder_average(ds, "instance", statistic=_binder)
    assert g.value.dims == ("n", "beta") and g.error.dims == ("n", "beta")
    for i in range(2):
        for k in range(3):
            value, error = _hand_jackknife(ds.q2.values[i, :, k], ds.q4.values[i, :, k])
            assert g.value.values[i, k] == pytest.approx(value, rel=1e-12)
            assert g.error.values[i, k] == pytest.approx(error, rel=1e-10)


def test_points_not_done_are_left_out():
    ds = _instances()
    ds["done"][1, 3] = False
    ds["q2"][1, 3] = np.nan
    g = study.disorder_average(ds, "instance", statistic=_binder)
    keep = [i for i in range(7) if i != 3]
    value, error = _hand_jackknife(ds.q2.values[1, keep, 2], ds.q4.values[1, keep, 2])
    assert (g.value.values[1, 2], g.error.values[1, 2]) == (pytest.approx(value), pytest.approx(error))
    value, error = _hand_jackknife(ds.q2.values[0, :, 0], ds.q4.values[0, :, 0])
    assert g.error.values[0, 0] == pytest.approx(error)
    ds["done"][0, 1:] = False
    with pytest.raises(ValueError, match="at least 2 instances done"):
        study.disorder_average(ds, "instance", statistic=_binder)


def test_jackknife_of_a_mean_is_the_standard_error():
    ds = _instances()
    m = study.disorder_average(ds, "instance")
    assert set(m.value.data_vars) == {"q2", "q4"}
    assert np.allclose(m.value.q2.values, ds.q2.values.mean(1))
    assert np.allclose(m.error.q4.values, ds.q4.values.std(1, ddof=1) / np.sqrt(7))


def test_bootstrap_agrees_with_the_standard_error_and_is_seeded():
    ds = _instances(n_instances=60)
    b = study.disorder_average(ds, "instance", method="bootstrap", n_bootstrap=4000, seed=1)
    se = ds.q2.values.std(1, ddof=1) / np.sqrt(60)
    # the bootstrap SE of a mean is sqrt((N-1)/N) s/sqrt(N) up to resampling noise ~ 1/sqrt(2B)
    assert np.allclose(b.error.q2.values / se, np.sqrt(59 / 60), rtol=0.05)
    again = study.disorder_average(ds, "instance", method="bootstrap", n_bootstrap=4000, seed=1)
    assert np.array_equal(again.error.q2.values, b.error.q2.values)
    g = study.disorder_average(ds, "instance", statistic=_binder, method="bootstrap", n_bootstrap=4000, seed=2)
    j = study.disorder_average(ds, "instance", statistic=_binder)
    assert np.allclose(g.error.values / j.error.values, 1.0, rtol=0.15)


def test_disorder_average_input_errors():
    ds = _instances()
    with pytest.raises(ValueError, match="dim 'disorder'"):
        study.disorder_average(ds, "disorder")
    with pytest.raises(ValueError, match=r"takes \['m2'\]"):
        study.disorder_average(ds, statistic=lambda m2: m2)
    with pytest.raises(ValueError, match="method"):
        study.disorder_average(ds, method="blocking")
    with pytest.raises(TypeError, match="Dataset"):
        study.disorder_average(ds.q2.values)


# -- records as xarray ---------------------------------------------------------------------

def test_records_to_xarray_keep_their_arrays_and_labels():
    H = Ising.chain(6)
    s = statmech.sample(H, 0.5, n_sweeps=20, n_chains=2, burn_in=4, thin=2, seed=1, progress=False)
    x = s.to_xarray()
    assert x.energy.dims == ("chain", "draw") and np.array_equal(x.energy.values, s.energy)
    assert x.sweep.values.tolist() == list(range(6, 25, 2)) and x.states.dims == ("chain", "site")
    assert x.attrs["beta"] == 0.5 and '"entropy": 1' in x.attrs["seed"]
    t = statmech.parallel_tempering(SherringtonKirkpatrick(6, seed=1), [0.5, 1.0, 2.0], n_sweeps=10, n_chains=2,
                                    seed=0, progress=False).to_xarray()
    assert t.energy.dims == ("chain", "beta", "draw") and t.overlap.dims == ("pair", "beta", "draw")
    assert t.beta.values.tolist() == [0.5, 1.0, 2.0] and t.swap_acceptance.dims == ("chain", "swap")
    e = statmech.exact(H, [0.5, 1.0]).to_xarray()
    assert e.specific_heat.dims == ("beta",) and e.attrs["n"] == 6
    assert e.log_z.values.tolist() == statmech.exact(H, [0.5, 1.0]).log_z.tolist()
    assert statmech.exact(H, 0.5).to_xarray().log_z.dims == ()
    d = statmech.density_of_states(H).to_xarray()
    assert d.counts.sum() == 2 ** 6 and d.log_g.dims == ("energy",)
    a = statmech.mc.ais(H, np.linspace(0, 1, 5), n_chains=8, seed=0, progress=False)
    ax = a.to_xarray()
    assert ax.log_z == a.log_z and ax.schedule.values.tolist() == np.linspace(0, 1, 5).tolist()
    r = statmech.anneal(H, [0.1, 1.0], n_chains=2, seed=0, progress=False).to_xarray()
    assert r.energy.dims == ("chain", "step") and r.beta.values.tolist() == [0.1, 1.0]
    sk = SherringtonKirkpatrick(6, seed=2)
    mf = statmech.mean_field(sk, 0.5, method="tap2", seed=0)
    m = mf.to_xarray()
    assert m.m.dims == ("site",) and float(m.log_z) == mf.log_z and m.attrs["method"] == "tap2"
    path = statmech.deterministic_annealing(sk, [0.2, 0.5], method="naive", seed=0)
    p = path.to_xarray()
    assert p.m.dims == ("beta", "site") and np.array_equal(p.log_z.values, path.log_z)


@pytest.mark.slow                                 # starts a process pool
def test_a_worker_that_dies_is_a_failure_that_says_what_that_usually_means(tmp_path, monkeypatch):
    (tmp_path / "dying_task.py").write_text("import os\n\n\ndef task(x, seed):\n    os._exit(3)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import dying_task
    task = study.Study(str(tmp_path / "dies.zarr"), dying_task.task, grid={"x": [1]}, seed=0)
    with pytest.warns(RuntimeWarning, match="1 of 1 points failed"):
        task.run(progress=False)
    (failure,) = task.failures()
    assert failure.error.startswith("TerminatedWorkerError") and "EXIT(3)" in failure.error      # loky's exit code
    assert "died without a Python error" in failure.error and 'if __name__ == "__main__":' in failure.error
