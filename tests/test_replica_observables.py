"""What tempering records besides E and M (link overlap, Fourier-mode overlaps and
magnetizations, the lowest state visited), checked against their definitions written out
here site by site; the estimators of the correlation length and the Binder cumulant
against their formulas; and the 2D Ising model's xi_L / L at beta_c against its exact
limit 0.9050488 (Salas and Sokal 2000)."""
import numpy as np
import pytest

import statmech
from statmech import mc
from statmech.estimators import binder_cumulant, correlation_length, jackknife
from statmech.exact import all_states
from statmech.models import EdwardsAnderson, Ising, SherringtonKirkpatrick

BETA_C = np.log(1 + np.sqrt(2)) / 2
XI_OVER_L = 0.9050488       # second-moment xi / L of the periodic 2D Ising model at beta_c, L -> infinity


def definitions(model, a, b):
    """q, q_l and |q(k_min e_mu)|^2 of two spin states, one sum per site or bond."""
    q = a.astype(float) * b
    n = model.n
    if getattr(model, "geometry", None) is not None:
        bonds = [tuple(e) for e in model.geometry.edges()]
    else:
        bonds = [(i, j) for i in range(n) for j in range(i + 1, n) if model.couplings[i, j] != 0]
    link = sum(q[i] * q[j] for i, j in bonds) / len(bonds)
    fourier = []
    if getattr(model, "geometry", None) is not None:
        x = model.geometry.coordinates()
        for axis, side in enumerate(model.geometry.shape):
            mode = sum(q[i] * np.exp(2j * np.pi * x[i, axis] / side) for i in range(n)) / n
            fourier.append(abs(mode) ** 2)
    return q.mean(), link, np.array(fourier)


CASES = {
    "3D +-J, multi-spin": (EdwardsAnderson.cubic(4, couplings="pm1", seed=1), None),
    "2D Gaussian, single-spin": (EdwardsAnderson.square(5, couplings="gaussian", seed=2), mc.HeatBath(multispin=False)),
    "2D open +-J": (EdwardsAnderson((4, 3), couplings="pm1", periodic=False, seed=3), mc.Metropolis()),
    "SK": (SherringtonKirkpatrick(9, seed=4), None),
}
#: the lattice cases compile tempering kernels of their own: the slow tier's
SLOW = pytest.mark.slow


@pytest.mark.parametrize("name", [pytest.param(name, marks=() if name == "SK" else SLOW) for name in sorted(CASES)])
def test_tempering_records_the_pair_observables_of_its_configurations(name):
    model, sampler = CASES[name]
    r = statmech.parallel_tempering(model, [0.3, 0.8, 1.4], n_sweeps=30, n_chains=4, seed=0, progress=False,
                                    **({} if sampler is None else {"sampler": sampler}))
    lattice = getattr(model, "geometry", None) is not None
    assert r.link_overlap.shape == r.overlap.shape == (2, 3, 30)
    assert (r.fourier_overlap is not None) == lattice and r.fourier_magnetization is None
    for pair in range(2):                         # the last round's entries are the final states' values
        for b in range(3):
            q, link, fourier = definitions(model, r.states[2 * pair, b], r.states[2 * pair + 1, b])
            assert r.overlap[pair, b, -1] == pytest.approx(q, abs=1e-12)
            assert r.link_overlap[pair, b, -1] == pytest.approx(link, abs=1e-12)
            if lattice:
                np.testing.assert_allclose(r.fourier_overlap[pair, b, -1], fourier, atol=1e-12)
    if lattice:
        np.testing.assert_allclose(r.k_min, 2 * np.pi / np.array(model.geometry.shape))
        assert np.all((0 <= r.fourier_overlap) & (r.fourier_overlap <= 1))


@SLOW
def test_the_batch_records_each_instances_observables():
    glasses = [EdwardsAnderson.cubic(3, couplings="pm1", seed=s) for s in range(3)]
    runs = statmech.parallel_tempering_batch(glasses, [0.4, 1.0], n_sweeps=20, seed=1, progress=False)
    for model, r in zip(glasses, runs):
        for b in range(2):
            q, link, fourier = definitions(model, r.states[0, b], r.states[1, b])
            assert (r.overlap[0, b, -1], r.link_overlap[0, b, -1]) == pytest.approx((q, link), abs=1e-12)
            np.testing.assert_allclose(r.fourier_overlap[0, b, -1], fourier, atol=1e-12)
        np.testing.assert_allclose(model.energy(r.best_states), r.best_energy)


def test_the_link_overlap_of_a_complete_graph_is_a_function_of_q():
    """Every pair a bond: sum_{i<j} q_i q_j = ((n q)^2 - n) / 2, so q_l = (n q^2 - 1) / (n - 1)."""
    r = statmech.parallel_tempering(SherringtonKirkpatrick(11, seed=0), [0.5, 1.5], n_sweeps=50, seed=0,
                                    progress=False)
    np.testing.assert_allclose(r.link_overlap, (11 * r.overlap ** 2 - 1) / 10, atol=1e-12)


@SLOW
@pytest.mark.parametrize("sampler", [None, mc.Wolff(), mc.HeatBath(multispin=False)])
def test_fourier_magnetization_of_every_configuration(sampler):
    model = Ising.square(6)
    r = statmech.parallel_tempering(model, [0.3, 0.5], n_sweeps=20, n_chains=2, observables=["fourier_magnetization"],
                                    seed=2, progress=False, **({} if sampler is None else {"sampler": sampler}))
    assert r.link_overlap is None and r.fourier_overlap is None
    x = model.geometry.coordinates()
    for chain in range(r.states.shape[0]):
        for b in range(2):
            s = r.states[chain, b].astype(float)
            expected = [abs((s * np.exp(2j * np.pi * x[:, axis] / 6)).sum()) ** 2 for axis in range(2)]
            np.testing.assert_allclose(r.fourier_magnetization[chain, b, -1], expected, atol=1e-9)


def test_tempering_keeps_the_lowest_state_each_ladder_visited():
    model = SherringtonKirkpatrick(12, seed=3)
    r = statmech.parallel_tempering(model, np.linspace(0.3, 2.0, 6), n_sweeps=300, n_chains=2, seed=0,
                                    progress=False)
    np.testing.assert_allclose(model.energy(r.best_states), r.best_energy)
    assert np.all(r.best_energy <= r.energy.min(axis=(1, 2)))
    assert r.best_energy.min() == pytest.approx(model.energy(all_states(12, "spin")).min())
    assert r.n == 12


def test_observables_are_checked():
    sk = SherringtonKirkpatrick(6, seed=0)
    with pytest.raises(ValueError, match="fourier_overlap.*no lattice geometry"):
        statmech.parallel_tempering(sk, [0.5, 1.0], n_sweeps=2, observables=["fourier_overlap"], progress=False)
    with pytest.raises(ValueError, match="must be names from"):
        statmech.parallel_tempering(sk, [0.5, 1.0], n_sweeps=2, observables=["q(k)"], progress=False)
    with pytest.raises(TypeError, match="observables must be a sequence"):
        statmech.parallel_tempering(sk, [0.5, 1.0], n_sweeps=2, observables="link_overlap", progress=False)
    with pytest.raises(ValueError, match="no replica pairs"):
        statmech.parallel_tempering(sk, [0.5, 1.0], n_sweeps=2, n_chains=1, observables=["link_overlap"],
                                    progress=False)
    none = statmech.parallel_tempering(Ising.square(4), [0.5, 1.0], n_sweeps=2, n_chains=2, observables=(),
                                       progress=False)
    assert none.link_overlap is None and none.fourier_overlap is None and none.overlap is not None


def test_the_records_round_trip_with_the_new_fields(tmp_path):
    r = statmech.parallel_tempering(EdwardsAnderson.square(4, couplings="pm1", seed=0), [0.5, 1.0], n_sweeps=40,
                                    seed=0, progress=False)
    r.save(tmp_path / "r")
    back = type(r).load(tmp_path / "r")
    for name in ("link_overlap", "fourier_overlap", "k_min", "best_states", "best_energy"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name))
    data = r.to_xarray()
    assert data.fourier_overlap.dims == ("pair", "beta", "draw", "axis") and data.best_states.dims == ("chain", "site")


# -- the estimators -----------------------------------------------------------------------------

def test_correlation_length_from_its_definition():
    rng = np.random.default_rng(0)
    zero = rng.gamma(4.0, 1.0, size=(3, 640))
    k = rng.gamma(2.0, 0.5, size=(3, 640, 2))
    k_min = 2 * np.pi / 8
    xi = correlation_length(zero, k, k_min)
    expected = np.sqrt(zero.mean() / k.mean() - 1) / (2 * np.sin(k_min / 2))
    assert xi.value == pytest.approx(expected, rel=1e-12)
    # the jackknife leaves out the same block of draws of every chain
    blocks = np.array_split(np.arange(640), 32)
    leave_out = [np.sqrt(np.delete(zero, blk, 1).mean() / np.delete(k, blk, 1).mean() - 1) / (2 * np.sin(k_min / 2))
                 for blk in blocks]
    assert xi.error == pytest.approx(np.sqrt(31 / 32 * np.sum((leave_out - np.mean(leave_out)) ** 2)), rel=1e-10)


def test_the_disorder_average_is_a_ratio_of_averages_jackknifed_over_instances():
    rng = np.random.default_rng(1)
    zero = rng.gamma(4.0, 1.0, size=(5, 2, 100))
    k = rng.gamma(2.0, 0.5, size=(5, 2, 100))
    k_min = 2 * np.pi / 6
    xi = correlation_length(zero, k, k_min, instances=True)
    z, m = zero.mean((1, 2)), k.mean((1, 2))
    assert xi.value == pytest.approx(np.sqrt(z.mean() / m.mean() - 1) / (2 * np.sin(k_min / 2)), rel=1e-12)
    expected = jackknife(lambda x: np.sqrt(x[:, 0].mean() / x[:, 1].mean() - 1) / (2 * np.sin(k_min / 2)),
                         np.stack([z, m], 1), n_blocks=5)
    assert xi.error == pytest.approx(expected.error, rel=1e-12)


def test_correlation_length_refuses_bad_input_and_warns_on_an_undefined_ratio():
    with pytest.raises(ValueError, match="k_mode must have zero_mode's shape"):
        correlation_length(np.ones((2, 64)), np.ones((3, 64)), 1.0)
    with pytest.raises(ValueError, match="k_min"):
        correlation_length(np.ones(64), np.ones(64), 0.0)
    with pytest.warns(RuntimeWarning, match="below 1"):
        assert np.isnan(correlation_length(np.ones(64), 2 * np.ones(64), 1.0).value)


def test_binder_cumulant_is_chain_aware_and_instance_aware():
    rng = np.random.default_rng(2)
    m = rng.normal(size=(4, 320)) * np.array([[1.0], [2.0], [1.0], [2.0]])
    u = binder_cumulant(m)
    assert u.value == pytest.approx(1 - np.mean(m ** 4) / (3 * np.mean(m ** 2) ** 2), rel=1e-12)
    blocks = np.array_split(np.arange(320), 32)
    leave_out = [1 - np.mean(np.delete(m, blk, 1) ** 4) / (3 * np.mean(np.delete(m, blk, 1) ** 2) ** 2)
                 for blk in blocks]
    assert u.error == pytest.approx(np.sqrt(31 / 32 * np.sum((leave_out - np.mean(leave_out)) ** 2)), rel=1e-10)
    per_instance = rng.normal(size=(6, 2, 50)) * np.arange(1, 7)[:, None, None]
    g = binder_cumulant(per_instance, instances=True)
    two, four = (per_instance ** 2).mean((1, 2)), (per_instance ** 4).mean((1, 2))
    assert g.value == pytest.approx(1 - four.mean() / (3 * two.mean() ** 2), rel=1e-12)
    with pytest.raises(ValueError, match="at least two instances"):
        binder_cumulant(per_instance[:1], instances=True)


# -- the 2D Ising model at beta_c: xi_L / L against its exact limit ------------------------------

def ising_xi_over_l(L, betas, n_sweeps, seed):
    """xi_L / L of the periodic L x L Ising model at each beta from Wolff tempering (10% burn-in)."""
    r = statmech.parallel_tempering(Ising.square(L), betas, n_sweeps=n_sweeps, n_chains=4, sampler=mc.Wolff(),
                                    observables=["fourier_magnetization"], seed=seed, progress=False)
    burn = n_sweeps // 10
    return [correlation_length(r.magnetization[:, b, burn:] ** 2, r.fourier_magnetization[:, b, burn:],
                               r.k_min[0]) / L for b in range(len(betas))]


@pytest.mark.slow
def test_ising_xi_over_l_at_beta_c_is_salas_and_sokals_limit():
    """0.9050488 at L = 16, 32, 64 within three error bars (the L^-2 corrections are far
    smaller than the errors here)."""
    for L, n_sweeps in ((16, 40_000), (32, 40_000), (64, 20_000)):
        (xi,) = ising_xi_over_l(L, [BETA_C], n_sweeps, seed=L)
        assert abs(xi.value - XI_OVER_L) < 3 * xi.error, (L, xi)
        assert xi.error < 0.01


@pytest.mark.slow
def test_ising_xi_over_l_curves_cross_at_beta_c():
    """Below beta_c the larger lattice has the smaller xi_L / L, above it the larger; at
    beta_c the two agree within errors."""
    betas = [0.40, BETA_C, 0.47]
    small, large = ising_xi_over_l(8, betas, 20_000, seed=1), ising_xi_over_l(16, betas, 20_000, seed=2)
    combined = [np.hypot(a.error, b.error) for a, b in zip(small, large)]
    assert small[0].value - large[0].value > 3 * combined[0]
    assert abs(small[1].value - large[1].value) < 3 * combined[1]
    assert large[2].value - small[2].value > 3 * combined[2]


# -- equilibration: logarithmic bins and the energy / link-overlap identity ---------------------

def test_log_binning_from_its_definition():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 300)) + np.linspace(1, 0, 300)
    b = statmech.estimators.log_binning(x)
    np.testing.assert_array_equal(b.bin_start, [0, 1, 2, 4, 8, 16, 32, 64, 128])
    np.testing.assert_array_equal(b.bin_stop, [1, 2, 4, 8, 16, 32, 64, 128, 256])
    for k, (lo, hi) in enumerate(zip(b.bin_start, b.bin_stop)):
        assert b.bin_mean[0, k] == pytest.approx(x[:, lo:hi].mean())
        error = (statmech.estimators.blocking_error(x[:, lo:hi]) if hi - lo >= 16
                 else x[:, lo:hi].mean(1).std(ddof=1) / np.sqrt(5))
        assert b.bin_error[0, k] == pytest.approx(error)


def test_log_binning_reports_the_instances_not_yet_in_equilibrium():
    rng = np.random.default_rng(4)
    t = np.arange(2048)
    settled = rng.normal(size=(6, 4, 2048)) + 2 * np.exp(-t / 10)
    drifting = settled.copy()
    drifting[[1, 4]] += 3 * np.exp(-t / 800)           # two instances still relax at the end
    assert statmech.estimators.log_binning(settled, instances=True).equilibrated.all()
    b = statmech.estimators.log_binning(drifting, instances=True)
    np.testing.assert_array_equal(b.failed, [1, 4])
    assert b.bin_mean.shape == (6, 12)
    with pytest.raises(ValueError, match="at least 32 draws"):
        statmech.estimators.log_binning(np.ones(20))
    with pytest.raises(ValueError, match="tolerance"):
        statmech.estimators.log_binning(np.ones(64), tolerance=0.0)


def exact_energy_and_link_overlap(model, beta):
    """<E> and (1/N_b) sum over bonds of <s_i s_j>^2 by enumeration."""
    states = all_states(model.n, "spin").astype(float)
    energies = model.energy(states)
    weights = np.exp(-beta * (energies - energies.min()))
    weights /= weights.sum()
    i, j = model.edges[:, 0], model.edges[:, 1]
    correlations = weights @ (states[:, i] * states[:, j])
    return weights @ energies, np.mean(correlations ** 2)


def test_the_energy_gives_the_link_overlap_for_gaussian_couplings():
    """[<E>] = -beta N_b (1 - [q_l]): over 300 Gaussian 3 x 3 tori, enumerated, the mean of
    q_l - q_l(E) is zero within three standard errors; with the wrong variance it is not
    (the test can fail)."""
    beta = 0.8
    difference, wrong = [], []
    for seed in range(300):
        model = EdwardsAnderson.square(3, couplings="gaussian", seed=seed)
        energy, q_l = exact_energy_and_link_overlap(model, beta)
        difference.append(q_l - statmech.estimators.link_overlap_from_energy(energy, beta, len(model.edges)))
        wrong.append(q_l - statmech.estimators.link_overlap_from_energy(energy, beta, len(model.edges), variance=1.5))
    for values, zero in ((difference, True), (wrong, False)):
        mean, error = np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))
        assert (abs(mean) < 3 * error) == zero, (mean, error)


@pytest.mark.slow
def test_tempering_of_gaussian_glasses_meets_the_identity_in_its_last_bins():
    """Twelve 4 x 4 Gaussian glasses by tempering: the disorder average of the binned
    q_l - q_l(E) falls to zero within errors in the last bins, and each instance's q_l
    equilibrates by its own log-binning."""
    betas = np.linspace(0.3, 1.5, 8)
    glasses = [EdwardsAnderson.square(4, couplings="gaussian", seed=s) for s in range(12)]
    differences, links = [], []
    for model in glasses:
        r = statmech.parallel_tempering(model, betas, n_sweeps=4096, n_chains=8, seed=7, progress=False)
        implied = statmech.estimators.link_overlap_from_energy(r.energy[:, -1], betas[-1], len(model.edges))
        link = r.link_overlap[:, -1]
        differences.append(link - 0.5 * (implied[0::2] + implied[1::2]))
        links.append(link)
    bins = statmech.estimators.log_binning(np.stack(differences), instances=True)
    average = bins.bin_mean.mean(0)
    error = bins.bin_mean.std(0, ddof=1) / np.sqrt(len(glasses))
    assert average[1] < -3 * error[1]                  # the replicas start far apart: q_l below q_l(E)
    assert np.all(np.abs(average[-3:]) < 3 * error[-3:]), (average[-3:], error[-3:])
    assert statmech.estimators.log_binning(np.stack(links), instances=True).equilibrated.sum() >= 10
