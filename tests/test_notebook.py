"""A real notebook, executed by a real Jupyter kernel: a task defined in a cell runs as a
study on the default process pool and on a Dask cluster, and a notebook shows progress
as a widget, a dataset as HTML, a figure, and a record without its arrays."""
import base64
import pathlib
import signal

import pytest
import xarray as xr

pytestmark = pytest.mark.slow

NOTEBOOK = pathlib.Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "spin_glass_study.ipynb"


def test_the_study_notebook_runs_in_a_jupyter_kernel(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # nbclient handles Ctrl-C with asyncio's loop.add_signal_handler, whose removal leaves
    # Python's default handler behind, whatever was there before (SIG_IGN in a background job)
    before = signal.getsignal(signal.SIGINT)
    try:
        nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on a cell's error
    finally:
        signal.signal(signal.SIGINT, before)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    data = [output.get("data", {}) for output in outputs]
    text = "".join(output.get("text", "") for output in outputs)
    assert any("application/vnd.jupyter.widget-view+json" in d for d in data)      # tqdm.auto drew a widget
    assert any("text/html" in d and "xarray" in d["text/html"] for d in data)       # the dataset's own HTML
    assert "executor='loky.ProcessPoolExecutor" in str(data) and "the two stores hold the same numbers: True" in text
    png = [base64.b64decode(d["image/png"]) for d in data if "image/png" in d]
    assert len(png) == 1 and png[0].startswith(b"\x89PNG")
    record = data[-1]["text/plain"]
    assert record.startswith("SampleResult(") and "<float64 array (4, 100)>" in record and len(record) < 1000
    with xr.open_zarr(tmp_path / "sk_binder.zarr", consolidated=False) as store:
        assert store.attrs["task"] == "__main__.overlaps"
        assert store.attrs["task_source_sha256"] is not None        # IPython keeps the cell's source
        assert bool(store.done.all())
