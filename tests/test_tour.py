"""The tour: its report page, one chapter end to end (fast), every chapter in quick mode (slow)."""
import subprocess
import sys

import numpy as np
import pytest

from statmech.tour import CHAPTERS, ChapterReport, Table, write_page
from statmech.tour.__main__ import main


def test_report_page_has_every_chapter_its_tables_and_failures(tmp_path):
    table = Table("caption", ("a", "⟨h | v⟩"), [[1, "x | y"]])
    assert table.markdown().splitlines()[2] == "| a | ⟨h \\| v⟩ |"          # a | inside a cell is escaped
    report = ChapterReport("one", "Study one", "A claim on p(y | x).", ["Ref 2000"], [table], ["one.png"], "It holds.",
                         2.0)
    path = write_page([report], {"two": "Traceback: boom"}, tmp_path, quick=True, elapsed=3.0)
    page = path.read_text()
    for text in ("# The statmech tour", "## Study one", "| [Study one](#study-one) | A claim on p(y \\| x). | 2 |",
                 "**Claim.** A claim on p(y | x).", "![Study one](one.png)",
                 "**Reading.** It holds.", "Ref 2000", "| two | **failed** (below) | |", "## two: failed",
                 "Traceback: boom", "Mode: quick"):
        assert text in page, text


@pytest.mark.slow      # ~2 s with matplotlib; the page itself is tested above
def test_tour_runs_a_chapter_and_writes_its_section_and_figure(tmp_path):
    assert main(["--quick", "--out", str(tmp_path), "--only", "activations"]) == 0
    page = (tmp_path / "report.md").read_text()
    assert "## Activations are conditional means" in page and "smooth_relu → linear" in page
    assert (tmp_path / "activations_from_units.png").stat().st_size > 10_000


@pytest.mark.slow
def test_the_quick_tour_runs_every_chapter(tmp_path):
    # run outside the source tree: there "statmech" would be the source folder, without statmech.models
    result = subprocess.run([sys.executable, "-m", "statmech.tour", "--quick", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "report.md").read_text()
    assert page.count("**Reading.**") == len(CHAPTERS) and "**failed**" not in page    # (readings may say "failed")


def test_brute_force_class_posterior_is_the_free_energy_softmax():
    from statmech.learning import ClassificationRBM
    from statmech.tour.classification import brute_force_posterior
    rng = np.random.default_rng(0)
    clf = ClassificationRBM(n_components=5)
    clf.params_ = {"W": rng.normal(0, 1, (6, 5)), "U": rng.normal(0, 1, (3, 5)), "a": rng.normal(0, 1, 6),
                   "b": rng.normal(0, 1, 5), "d": rng.normal(0, 1, 3)}
    x = (rng.random((20, 6)) < 0.5).astype(float)
    np.testing.assert_allclose(brute_force_posterior(clf.params_, x), clf.predict_proba(x), atol=1e-12)


@pytest.mark.slow
def test_spin_glass_chapter_crosses_the_3d_ea_correlation_lengths(tmp_path):
    from statmech.tour import spin_glass
    report = spin_glass.run(quick=True, out=tmp_path, instances=4, ea_sizes=[3, 4], ea_instances=4, ea_sweeps=512)
    captions = [table.caption for table in report.tables]
    assert len(report.tables) == 5 and captions[2].startswith("3D ±J Edwards–Anderson model on L³ tori: ξ_L / L")
    assert "correlation lengths ξ_L / L" in report.reading and "failed log-binning" in report.reading
    xi = report.tables[2]
    assert [row[0] for row in xi.rows] == [f"{t:.3f}" for t in spin_glass.EA_TEMPERATURES]
    assert [row[0] for row in report.tables[3].rows] == ["L = 3 and 4"]
    xi_small_at_high_t = float(xi.rows[-1][1].split(" ± ")[0])
    assert xi_small_at_high_t < 0.5                 # paramagnet at T = 2: xi_L well below L


def test_xi_over_l_of_a_study_is_the_estimators_correlation_length():
    """The tour's disorder-averaged xi_L / L is estimators.correlation_length(instances=True) / L."""
    import xarray as xr

    from statmech.estimators import correlation_length
    from statmech.tour.spin_glass import xi_over_l
    rng = np.random.default_rng(0)
    q2, qk2 = rng.gamma(5.0, 0.05, (2, 12)), rng.gamma(2.0, 0.02, (2, 12))      # (n, instance)
    ds = xr.Dataset({"q2": (("n", "instance"), q2), "qk2": (("n", "instance"), qk2)}, coords={"n": [4, 6]})
    value = xi_over_l(ds.q2.mean("instance"), ds.qk2.mean("instance"))
    for i, L in enumerate((4, 6)):
        expected = correlation_length(q2[i][:, None], qk2[i][:, None], 2 * np.pi / L, instances=True) / L
        assert float(value.sel(n=L)) == pytest.approx(expected.value, rel=1e-12)


def test_the_ea_study_runs_its_instances_in_blocks_that_hold_exactly_those_asked_for():
    from statmech.tour import spin_glass
    assert spin_glass.EA_BLOCK == 32
    for instances, block in ((400, 25), (64, 32), (4, 4), (37, 1), (96, 32)):
        assert spin_glass.ea_block_size(instances) == block
        assert instances % block == 0


def test_an_out_that_is_a_file_is_refused_clearly(tmp_path, capsys):
    """Found: --out FILE gave a raw FileExistsError."""
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SystemExit):
        main(["--quick", "--out", str(tmp_path / "afile"), "--only", CHAPTERS[0]])
    assert "--out must be a directory" in capsys.readouterr().err


def test_the_conjecture_chapter_measures_the_rbm_its_network_carries():
    """Tied or untied (every layer a copy), the unrolled network carries its source RBM; the
    cosine of a step with itself is 1, and the cosines lie in [-1, 1]."""
    from statmech import unroll
    from statmech.models import RBM
    from statmech.tour.conjecture import _cosine, _rbm_of, alignment
    rbm = RBM.random(6, 4, scale=0.5, seed=0)
    tied = unroll(rbm, 1.0, steps=2, method="tap2")
    for network in (tied, tied.untie()):
        carried = _rbm_of(network)
        for name, value in rbm.parameters().items():
            np.testing.assert_allclose(carried.parameters()[name], value)
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.5).astype(float)
    y = rng.integers(0, 2, 40)
    tied.fit(X, y, epochs=1, batch_size=10, seed=0, progress=False)
    cosines = alignment(tied, X, np.eye(2)[y], [np.arange(10), np.arange(10, 20)], rng)
    assert cosines.shape == (2, 3) and np.all(np.abs(cosines) <= 1 + 1e-12)
    step = rng.normal(size=(6, 4))
    assert _cosine(step, step) == pytest.approx(1.0)
