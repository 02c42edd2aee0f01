"""statmech.plot draws the data it is given: line data, error-band extents, labels (not pixels)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

import statmech
from statmech import estimators, plot
from statmech.models import Ising
from statmech.records import Estimate


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _band(collection):
    """(x, lower, upper) of a fill_between band."""
    vertices = collection.get_paths()[0].vertices
    return vertices[:, 0].min(), vertices[:, 1].min(), vertices[:, 1].max()


def test_thermodynamics_draws_the_exact_curve_against_temperature():
    betas = np.array([0.25, 0.5, 1.0, 2.0])
    record = statmech.exact(Ising.chain(8), betas)
    ax = plot.thermodynamics(record, "specific_heat", label="exact")
    x, y = ax.lines[0].get_data()
    assert np.allclose(x, 1 / betas[::-1]) and np.allclose(y, record.specific_heat[::-1] / 8)
    assert ax.get_xlabel() == "T" and ax.get_ylabel() == "specific heat per spin"
    assert ax.lines[0].get_label() == "exact"
    with pytest.raises(ValueError, match="no 'magnetisation'"):
        plot.thermodynamics(record, "magnetisation")


def test_versus_temperature_bands_and_points_carry_the_errors():
    _, ax = plt.subplots()
    beta, value, error = np.array([1.0, 0.5]), np.array([3.0, 1.0]), np.array([0.5, 0.25])
    assert plot.versus_temperature(beta, value, error, ax=ax) is ax
    x_min, low, high = _band(ax.collections[0])
    assert (x_min, low, high) == (1.0, 0.75, 3.5)
    plot.versus_temperature(beta, value, error, ax=ax, points=True, label="MC")
    container = ax.containers[0]
    line_x, line_y = container.lines[0].get_data()
    assert np.allclose(line_x, [1.0, 2.0]) and np.allclose(line_y, [3.0, 1.0])
    segments = container.lines[2][0].get_segments()
    assert np.allclose([s[:, 1] for s in segments], [[2.5, 3.5], [0.75, 1.25]])
    with pytest.raises(ValueError, match="one shape"):
        plot.versus_temperature([1.0, 2.0], [1.0])


def test_binder_crossing_draws_one_curve_per_size():
    beta = [0.8, 1.0, 1.25]
    value = xr.DataArray([[0.2, 0.4, 0.6], [0.1, 0.4, 0.7]], dims=("n", "beta"), coords={"n": [16, 32], "beta": beta})
    ax = plot.binder_crossing(Estimate(value, value * 0 + 0.05), size_dim="n")
    assert [line.get_label() for line in ax.lines] == ["n = 16", "n = 32"]
    x, y = ax.lines[1].get_data()
    assert np.allclose(x, [0.8, 1.0, 1.25]) and np.allclose(y, [0.7, 0.4, 0.1])
    assert np.isclose(_band(ax.collections[1])[2], 0.75)
    assert ax.get_legend() is not None
    t_axis = value.rename(beta="T")
    ax = plot.binder_crossing(Estimate(t_axis, t_axis * 0), size_dim="n")
    assert np.allclose(ax.lines[0].get_xdata(), [0.8, 1.0, 1.25])
    with pytest.raises(ValueError, match="dims"):
        plot.binder_crossing(Estimate(value.expand_dims(h=[0]), value.expand_dims(h=[0])), size_dim="n")


def test_overlap_distribution_trace_and_autocorrelation():
    rng = np.random.default_rng(0)
    a, b = rng.choice([-1, 1], size=(2, 400, 16))
    dist = estimators.overlap_distribution(a, b, n_bins=8)
    ax = plot.overlap_distribution(dist)
    patch = ax.patches[0]
    assert np.allclose(patch.get_data().values, dist.density) and np.allclose(patch.get_data().edges, dist.edges)
    series = np.cumsum(rng.normal(size=(2, 50)), axis=1)
    ax = plot.trace(series)
    assert len(ax.lines) == 2 and np.array_equal(ax.lines[1].get_ydata(), series[1])
    x = np.zeros(4000)
    for t in range(1, 4000):
        x[t] = 0.8 * x[t - 1] + rng.normal()
    ax = plot.autocorrelation(x, max_lag=20)
    rho = estimators.autocorrelation_function(x)
    assert np.allclose(ax.lines[0].get_ydata(), rho[:21])
    assert f"{estimators.autocorrelation_time(x):.3g}" in ax.lines[0].get_label()
    ax = plot.autocorrelation(x[:60])
    assert "too short" in ax.lines[0].get_label()


def test_density_of_states_and_entropy():
    dos = statmech.density_of_states(Ising.chain(8))
    ax = plot.density_of_states(dos)
    assert np.array_equal(ax.lines[0].get_xdata(), dos.energies) and ax.get_ylabel() == "ln g(E)"
    ax = plot.density_of_states(dos, entropy=True)
    assert np.allclose(ax.lines[0].get_ydata(), dos.log_g / 8) and ax.get_xlabel() == "E / n"


def test_basins_and_learning_curves():
    class Minima:
        values = np.array([-3.0, -2.0])
        basin_fraction = np.array([0.7, 0.3])
        kind = "energy"

    ax = plot.basins(Minima())
    segments = ax.collections[0].get_segments()
    assert np.allclose(segments, [[[-3.0, 0.0], [-3.0, 0.7]], [[-2.0, 0.0], [-2.0, 0.3]]])
    assert ax.get_xlabel() == "energy of the minimum"
    curve = xr.DataArray([-60.0, -55.0, -52.0], dims="epoch", coords={"epoch": [2, 4, 6]})
    ax = plot.learning_curve(Estimate(curve, curve * 0 + 1.0))
    assert np.array_equal(ax.lines[0].get_xdata(), [2, 4, 6])
    assert np.isclose(_band(ax.collections[0])[1], -61.0)
    ax = plot.learning_curve([1.0, 2.0])
    assert np.array_equal(ax.lines[0].get_xdata(), [1, 2])
