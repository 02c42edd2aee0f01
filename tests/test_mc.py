"""Monte Carlo against exact answers, reproducibility, checkpoints, records and errors."""
import os
import re

import numpy as np
import pytest

import statmech
from statmech import mc, schedules
from statmech.analysis.exact_results import ising_square_torus
from statmech.estimators import blocking_error
from statmech.models import (RBM, CurieWeiss, EdwardsAnderson, Hopfield, Ising, PSpin,
                             RandomEnergyModel, SherringtonKirkpatrick)
from statmech.results import SampleResult

from reference import all_states, boltzmann, chi_square_p_value

rng = np.random.default_rng(11)
_upper = np.triu(rng.normal(size=(7, 7)), 1)
CASES = [
    ("SK Metropolis", SherringtonKirkpatrick(8, seed=2), mc.Metropolis(), 1.0),
    ("SK heat bath", SherringtonKirkpatrick(8, seed=2), mc.HeatBath(), 1.0),
    ("binary sparse", statmech.PairwiseHamiltonian(__import__("scipy.sparse").sparse.csr_matrix(_upper + _upper.T),
                                                   rng.normal(size=7), 0.0, "binary"), mc.Metropolis(), 0.7),
    ("EA torus", EdwardsAnderson.square(3, seed=1), mc.Metropolis(lanes=False), 0.8),
    ("EA torus lanes", EdwardsAnderson.square(3, seed=1), mc.Metropolis(lanes=True), 0.8),
    ("binary sparse lanes heat bath", statmech.PairwiseHamiltonian(
        __import__("scipy.sparse").sparse.csr_matrix(_upper + _upper.T), rng.normal(size=7), 0.0, "binary"),
     mc.HeatBath(lanes=True), 0.7),
    ("Ising torus checkerboard", Ising.lattice((2, 4), h=0.3), mc.HeatBath(checkerboard=True), 0.3),
    ("Curie-Weiss", CurieWeiss(9, J=1.2, h=0.1), mc.Metropolis(), 1.0),
    ("Hopfield", Hopfield(np.sign(rng.normal(size=(2, 8)))), mc.HeatBath(), 1.5),
    ("Ising Wolff", Ising.chain(8, J=0.8), mc.Wolff(), 0.9),
    ("Ising Swendsen-Wang", Ising.square(3), mc.SwendsenWang(), 0.4),
    ("RBM block Gibbs", RBM.random(5, 4, scale=1.0, seed=3, bias_scale=0.5), mc.BlockGibbs(), 1.0),
    ("RBM spins Metropolis", RBM.random(4, 3, scale=1.0, seed=3).to_domain("spin"), mc.Metropolis(), 1.0),
    pytest.param("REM generic", RandomEnergyModel(6, seed=4), mc.Metropolis(), 0.8, id="REM generic",
                 marks=pytest.mark.slow),       # the generic path is in the fast tier by p-spin
    ("p-spin generic", PSpin(6, 3, seed=5), mc.HeatBath(), 1.0),
]


@pytest.mark.parametrize("name, hamiltonian, sampler, beta",
                         [c if hasattr(c, "marks") else pytest.param(*c, id=c[0]) for c in CASES])
def test_samples_match_exact_enumeration(name, hamiltonian, sampler, beta):
    """Final states of many independent chains: a chi^2 test of the state histogram, and
    <E> and C within 4 standard errors of statmech.exact."""
    n_chains = 20_000
    run = statmech.sample(hamiltonian, beta, sampler=sampler, n_sweeps=1, n_chains=n_chains,
                          burn_in=60, seed=7, progress=False)
    states = all_states(hamiltonian.n, hamiltonian.domain)
    pi = boltzmann(hamiltonian.energy(states), beta)
    assert chi_square_p_value(run.states, pi, hamiltonian.domain) > 1e-4
    exact = statmech.exact(hamiltonian, beta)
    energy = run.energy[:, -1]
    np.testing.assert_allclose(energy, hamiltonian.energy(run.states), atol=1e-9)
    assert abs(energy.mean() - exact.energy) < 4 * energy.std() / np.sqrt(n_chains)
    heat = beta ** 2 * energy.var(ddof=1)
    centred = energy - energy.mean()
    heat_error = beta ** 2 * np.sqrt((np.mean(centred ** 4) - energy.var() ** 2) / n_chains)
    assert abs(heat - exact.specific_heat) < 4 * heat_error


def test_metropolis_time_average_on_a_degenerate_hopfield_net():
    """Fixed-order Metropolis can be periodic where Delta E = 0 moves abound (see the
    Metropolis docstring); its time averages still converge to the exact ones."""
    model = Hopfield(np.sign(np.random.default_rng(11).normal(size=(2, 8))))
    run = statmech.sample(model, 0.6, n_sweeps=40_000, n_chains=4, burn_in=100, seed=2, progress=False)
    assert abs(run.energy.mean() - statmech.exact(model, 0.6).energy) < 4 * blocking_error(run.energy)


@pytest.mark.slow
@pytest.mark.parametrize("temperature", [2.0, 2.269, 3.0])
def test_ising_16x16_energy_matches_kaufman_and_wolff_matches_metropolis(temperature):
    L, beta = 16, 1 / temperature
    model = Ising.square(L)
    exact = ising_square_torus(L, beta).energy / L ** 2
    estimates = {}
    for sampler, sweeps, thin in ((mc.Metropolis(checkerboard=True), 20_000, 1), (mc.Wolff(), 20_000, 8)):
        run = statmech.sample(model, beta, sampler=sampler, n_sweeps=sweeps, n_chains=4, burn_in=2000,
                              thin=thin, seed=3, progress=False)
        per_site = run.energy / L ** 2
        error = blocking_error(per_site)
        z = (per_site.mean() - exact) / error
        assert abs(z) < 4, (sampler, per_site.mean(), exact, error)
        estimates[repr(sampler)] = (per_site.mean(), error)
    (a, ea), (b, eb) = estimates.values()
    assert abs(a - b) < 4 * np.hypot(ea, eb)


def test_annealing_finds_sk_ground_states():
    found = []
    for seed in range(3):
        sk = SherringtonKirkpatrick(16, seed=seed)
        states = all_states(16, "spin")
        ground = sk.energy(states).min()
        result = statmech.anneal(sk, schedules.geometric(0.1, 5.0, 1000), n_chains=16, seed=seed, progress=False)
        np.testing.assert_allclose(result.best_energy, sk.energy(result.best_states), atol=1e-9)
        assert np.all(result.best_energy >= ground - 1e-9)
        found.append(np.mean(np.isclose(result.best_energy, ground)))
        assert result.energy.shape == (16, 1000)
    assert min(found) >= 0.5, found


def test_parallel_tempering_swap_rates_and_overlap():
    sk = SherringtonKirkpatrick(24, seed=0)
    ladder = schedules.geometric(0.3, 2.0, 8)
    result = statmech.parallel_tempering(sk, ladder, n_sweeps=3000, seed=0, progress=False)
    assert result.swap_acceptance.shape == (2, 7)
    assert np.all((result.swap_acceptance > 0.2) & (result.swap_acceptance < 0.98))
    assert np.all(result.round_trips > 0)
    assert result.overlap.shape == (1, 8, 3000)
    assert np.all(np.abs(result.overlap) <= 1)
    # Overlaps spread wider at low temperature (spin-glass order), and P(q) is symmetric at h = 0.
    q = result.overlap[0, :, 500:]
    assert np.mean(q[-1] ** 2) > np.mean(q[0] ** 2)
    # Traces at each beta agree with enumeration-free identity E = H(states) at the end.
    np.testing.assert_allclose(result.energy[..., -1], sk.energy(result.states), atol=1e-9)


def test_parallel_tempering_energies_match_exact():
    sk = SherringtonKirkpatrick(12, seed=5)
    ladder = schedules.geometric(0.4, 2.5, 6)
    result = statmech.parallel_tempering(sk, ladder, n_sweeps=20_000, n_chains=4, seed=1,
                                         progress=False)
    exact = statmech.exact(sk, ladder.betas)
    for b in range(6):
        trace = result.energy[:, b, 1000:]
        assert abs(trace.mean() - exact.energy[b]) < 4 * blocking_error(trace)


@pytest.mark.parametrize("sampler", [mc.Metropolis(checkerboard=True), mc.Metropolis(checkerboard=False),
                                     mc.Metropolis(lanes=True), mc.Wolff()], ids=repr)
def test_same_seed_same_result_for_one_and_two_threads(sampler, thread_counts):
    model = Ising.square(8)
    runs = []
    for threads in thread_counts:
        statmech.set_num_threads(threads)
        runs.append(statmech.sample(model, 0.4, sampler=sampler, n_sweeps=200, n_chains=70, seed=9,
                                    progress=False))
        runs.append(statmech.parallel_tempering(model, [0.3, 0.4, 0.5], n_sweeps=50, sampler=sampler,
                                                seed=9, progress=False))
    for a, b in ((runs[0], runs[2]), (runs[1], runs[3])):
        assert np.array_equal(a.energy, b.energy) and np.array_equal(a.states, b.states)
    other = statmech.sample(model, 0.4, sampler=sampler, n_sweeps=200, n_chains=70, seed=10, progress=False)
    assert not np.array_equal(other.energy, runs[0].energy)


def test_checkpoint_resume_is_bit_identical(tmp_path):
    sk = SherringtonKirkpatrick(10, seed=1)
    ladder = schedules.geometric(0.3, 2.0, 4)
    whole = statmech.parallel_tempering(sk, ladder, n_sweeps=300, seed=2, progress=False)
    path = tmp_path / "pt.npz"
    first = statmech.parallel_tempering(sk, ladder, n_sweeps=120, seed=2, checkpoint=path,
                                        checkpoint_every=7, progress=False)
    assert first.energy.shape[-1] == 120 and path.exists()
    resumed = statmech.parallel_tempering(sk, ladder, n_sweeps=300, seed=2, checkpoint=path, progress=False)
    for name in ("energy", "magnetization", "overlap", "states", "swap_acceptance", "round_trips"):
        assert np.array_equal(getattr(whole, name), getattr(resumed, name)), name
    with pytest.raises(ValueError, match="written with seed"):
        statmech.parallel_tempering(sk, ladder, n_sweeps=300, seed=3, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="already holds 300 swap rounds"):
        statmech.parallel_tempering(sk, ladder, n_sweeps=100, seed=2, checkpoint=path, progress=False)


def test_ctrl_c_returns_what_was_done(monkeypatch):
    from statmech.mc import engines
    calls = {"n": 0}
    original = engines.PairwiseEngine.run

    def interrupted_run(self, *args):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(engines.PairwiseEngine, "run", interrupted_run)
    run = statmech.sample(SherringtonKirkpatrick(10, seed=0), 1.0, n_sweeps=1000, seed=0, progress=False)
    # three whole calls done: a short run goes in ten calls of 10%, a long one in calls of 1%
    assert run.interrupted and run.energy.shape == (4, 300) and run.n_sweeps == 300


def test_samples_save_and_load_round_trip(tmp_path):
    run = statmech.sample(CurieWeiss(6), 0.5, n_sweeps=50, n_chains=2, seed=1, progress=False)
    path = tmp_path / "run.npz"
    run.save(path)
    loaded = SampleResult.load(path)
    for name in ("energy", "magnetization", "states", "acceptance"):
        assert np.array_equal(getattr(run, name), getattr(loaded, name))
    assert loaded.seed.entropy == run.seed.entropy and loaded.seed.spawn_key == run.seed.spawn_key
    assert loaded.sampler == run.sampler and loaded.beta == 0.5
    assert os.listdir(tmp_path) == ["run.npz"]          # no temporary file left behind
    result = statmech.anneal(CurieWeiss(6), [0.1, 1.0], n_chains=2, seed=0, progress=False)
    result.save(tmp_path / "anneal.npz")
    assert np.array_equal(type(result).load(tmp_path / "anneal.npz").best_states, result.best_states)


def test_seed_reproduces_the_run():
    model = SherringtonKirkpatrick(12, seed=0)
    a = statmech.sample(model, 1.0, n_sweeps=100, seed=5, progress=False)
    b = statmech.sample(model, 1.0, n_sweeps=100, seed=a.seed, progress=False)
    assert np.array_equal(a.energy, b.energy)


class TestErrors:
    model = SherringtonKirkpatrick(6, seed=0)

    @pytest.mark.parametrize("beta, match", [(-1.0, "beta must be >= 0"), (np.nan, "beta must be finite"),
                                             ([0.1, 0.2], "beta must be a scalar")])
    def test_bad_beta(self, beta, match):
        with pytest.raises(ValueError, match=match):
            statmech.sample(self.model, beta)

    def test_bad_counts(self):
        with pytest.raises(ValueError, match="n_sweeps must be >= 1; got 0"):
            statmech.sample(self.model, 1.0, n_sweeps=0)
        with pytest.raises(TypeError, match="n_chains must be an integer; got float"):
            statmech.sample(self.model, 1.0, n_chains=2.0)
        with pytest.raises(ValueError, match="n_sweeps must be a multiple of thin = 10 .*; got 5: pass 10$"):
            statmech.sample(self.model, 1.0, n_sweeps=5, thin=10)
        with pytest.raises(ValueError, match=r"initial_states must have shape \(4, 6\)"):
            statmech.sample(self.model, 1.0, n_chains=4, initial_states=np.ones((3, 6)))
        # without n_chains, the initial states say how many chains there are
        assert statmech.sample(self.model, 1.0, n_sweeps=2, initial_states=np.ones((3, 6))).states.shape == (3, 6)
        assert statmech.anneal(self.model, [1.0], initial_states=np.ones((3, 6))).final_states.shape == (3, 6)

    def test_schedules_must_increase(self):
        with pytest.raises(ValueError, match=r"schedule must be non-decreasing in beta; got beta\[1\] = 2"):
            statmech.anneal(self.model, [1.0, 2.0, 1.5])
        with pytest.raises(ValueError, match="betas must be strictly increasing"):
            statmech.parallel_tempering(self.model, [0.5, 0.5, 1.0])
        with pytest.raises(ValueError, match="schedule must be >= 0"):
            statmech.anneal(self.model, [-1.0, 1.0])

    def test_wrong_sampler_for_the_model(self):
        with pytest.raises(ValueError, match="ferromagnetic couplings J_ij >= 0"):
            statmech.sample(self.model, 1.0, sampler=mc.Wolff())
        with pytest.raises(ValueError, match="zero fields"):
            statmech.sample(Ising.chain(5, h=0.1), 1.0, sampler=mc.SwendsenWang())
        with pytest.raises(ValueError, match="needs spins"):
            statmech.sample(Ising.chain(5).to_domain("binary"), 1.0, sampler=mc.Wolff())
        with pytest.raises(TypeError, match="BlockGibbs needs a BipartiteHamiltonian"):
            statmech.sample(self.model, 1.0, sampler=mc.BlockGibbs())
        with pytest.raises(TypeError, match="Wolff needs a pairwise Ising ferromagnet"):
            statmech.sample(RandomEnergyModel(5), 1.0, sampler=mc.Wolff())
        with pytest.raises(ValueError, match="checkerboard=True needs a periodic square-lattice"):
            statmech.sample(self.model, 1.0, sampler=mc.Metropolis(checkerboard=True))
        with pytest.raises(TypeError, match="sampler must be one of"):
            statmech.sample(self.model, 1.0, sampler=mc.Metropolis)
        with pytest.raises(TypeError, match="hamiltonian must be a statmech.Hamiltonian"):
            statmech.sample("model", 1.0)


def test_ctrl_c_during_tempering_saves_a_checkpoint_that_resumes_exactly(monkeypatch, tmp_path):
    from statmech.mc import engines
    sk = SherringtonKirkpatrick(8, seed=3)
    ladder = [0.5, 1.0, 1.5]
    whole = statmech.parallel_tempering(sk, ladder, n_sweeps=80, seed=4, progress=False)
    calls = {"n": 0}
    original = engines.PairwiseEngine.run

    def interrupted_run(self, *args):
        calls["n"] += 1
        if calls["n"] == 31:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(engines.PairwiseEngine, "run", interrupted_run)
    path = tmp_path / "pt.npz"
    partial = statmech.parallel_tempering(sk, ladder, n_sweeps=80, seed=4, checkpoint=path, progress=False)
    assert partial.interrupted and partial.energy.shape[-1] == 30
    monkeypatch.setattr(engines.PairwiseEngine, "run", original)
    resumed = statmech.parallel_tempering(sk, ladder, n_sweeps=80, seed=4, checkpoint=path, progress=False)
    assert not resumed.interrupted
    assert np.array_equal(resumed.energy, whole.energy) and np.array_equal(resumed.overlap, whole.overlap)


def test_metropolis_picks_checkerboard_sweeps_for_long_rows_only():
    from statmech.mc import engines
    seed = np.random.SeedSequence(0)
    for L, expected in ((32, engines.CheckerboardEngine), (8, engines.PairwiseEngine)):
        model = Ising.square(L)
        engine = mc.Metropolis().engine(model, model.random_states(2, seed=0), np.ones(2), seed)
        assert type(engine) is expected


def test_float32_coupling_rows_anneal_to_the_ground_state_with_exact_energies():
    from statmech.models import SherringtonKirkpatrick
    sk = SherringtonKirkpatrick(14, seed=3)
    ground = sk.energy(all_states(14, "spin")).min()
    result = statmech.anneal(sk, schedules.geometric(0.1, 5.0, 300), n_chains=16,
                             sampler=mc.Metropolis(precision="float32"), seed=2, progress=False)
    assert result.best_energy.min() == pytest.approx(ground, abs=1e-9)
    np.testing.assert_array_equal(result.best_energy, sk.energy(result.best_states))     # recomputed in float64
    np.testing.assert_array_equal(result.final_energy, sk.energy(result.final_states))


def test_float32_coupling_rows_sample_the_boltzmann_distribution():
    from statmech.models import SherringtonKirkpatrick
    sk = SherringtonKirkpatrick(10, seed=1)
    run = statmech.sample(sk, 0.8, sampler=mc.HeatBath(precision="float32"), n_sweeps=4000, n_chains=16,
                          burn_in=200, seed=3, progress=False)
    per_chain = run.energy.mean(axis=1)
    z = (per_chain.mean() - statmech.exact(sk, 0.8).energy) / (per_chain.std(ddof=1) / np.sqrt(per_chain.size))
    assert abs(z) < 4
    np.testing.assert_allclose(run.energy[:, -1], sk.energy(run.states), atol=1e-12)


@pytest.mark.parametrize("make, message", [
    (lambda: mc.Metropolis(precision="float16"), "precision must be"),
    (lambda: mc.HeatBath(precision="float32", lanes=True), "excludes"),
    (lambda: statmech.sample(PSpin(6, 3, seed=0), 1.0, sampler=mc.Metropolis(precision="float32"), progress=False),
     "needs a PairwiseHamiltonian"),
])
def test_float32_precision_is_refused_where_it_does_not_apply(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_run_is_checked_against_the_machines_memory_before_it_allocates(monkeypatch):
    """Found: sample of 4096^2 x 256 chains peaked at 14.2 GB for 0.54 GB of packed spins,
    with no warning. The estimate comes first; the multi-spin engine draws its random
    states a word at a time and can keep its final states packed."""
    from statmech import validation
    from statmech.errors import MemoryWarning

    model = Ising.square(64)                    # 4096 spins; 256 chains: 1 MiB as int8, 128 KiB packed
    gib = 1024 ** 3
    monkeypatch.setattr(validation, "machine_memory", lambda: (0.5 * 2 ** 20, 2 * gib))
    with pytest.warns(MemoryWarning, match=r"256 chains of Ising\(shape=\(64, 64\).* on the multispin engine needs "
                                           r"about 0\.0 GB; 0\.0 GB are available now"):
        statmech.sample(model, 0.4, n_sweeps=2, n_chains=256, seed=0, progress=False)
    monkeypatch.setattr(validation, "machine_memory", lambda: (0.5 * 2 ** 20, 0.5 * 2 ** 20))
    with pytest.raises(MemoryError, match="on the checkerboard engine needs about .* this machine has .* Run fewer "
                                          "chains at a time, or a sampler whose engine packs them"):
        statmech.sample(model, 0.4, n_sweeps=2, n_chains=64, sampler=mc.HeatBath(multispin=False), progress=False)
    packed = statmech.sample(model, 0.4, n_sweeps=2, n_chains=256, seed=0, progress=False, packed_states=True)
    assert packed.states is None and packed.packed_states.shape == (4, 4096)        # fits: 128 KiB
    monkeypatch.undo()
    whole = statmech.sample(model, 0.4, n_sweeps=2, n_chains=256, seed=0, progress=False)
    assert np.array_equal(mc.unpack_states(packed.packed_states, 256), whole.states)
    assert np.array_equal(packed.energy, whole.energy) and packed.engine == whole.engine == "multispin"
    assert "packed_states" in packed.to_xarray() and "states" not in packed.to_xarray()
    with pytest.raises(ValueError, match="packed_states=True keeps the multi-spin engine's words; .* on the "
                                         "checkerboard engine"):
        statmech.sample(model, 0.4, n_chains=2, packed_states=True, progress=False)


def test_the_multispin_engine_starts_from_the_states_random_states_draws():
    model = EdwardsAnderson.square(6, "pm1", seed=3)
    drawn = statmech.sample(model, 0.5, n_sweeps=1, n_chains=150, seed=4, progress=False)
    state_seed = np.random.SeedSequence(drawn.seed.entropy).spawn(2)[0]
    given = statmech.sample(model, 0.5, n_sweeps=1, n_chains=150, seed=4, progress=False,
                            initial_states=model.random_states(150, seed=np.random.default_rng(state_seed)))
    assert np.array_equal(drawn.states, given.states) and np.array_equal(drawn.energy, given.energy)


def test_records_say_which_engine_ran():
    """Found: a record said HeatBath while MultiSpin ran."""
    glass = EdwardsAnderson.square(4, "pm1", seed=1)
    assert statmech.sample(glass, 0.5, n_sweeps=2, n_chains=64, progress=False).engine == "multispin"
    assert statmech.sample(glass, 0.5, n_sweeps=2, n_chains=2, progress=False).engine == "pairwise"
    assert statmech.sample(Ising.square(32), 0.5, n_sweeps=2, n_chains=2, progress=False).engine == "checkerboard"
    assert statmech.sample(SherringtonKirkpatrick(5), 0.5, n_sweeps=2, n_chains=40, sampler=mc.Metropolis(lanes=True),
                           progress=False).engine == "lanes"
    assert statmech.sample(PSpin(5, 3), 0.5, n_sweeps=2, progress=False).engine == "generic"
    assert statmech.anneal(glass, [0.1, 1.0], n_chains=64, progress=False).engine == "multispin"
    result = statmech.parallel_tempering(glass, [0.5, 1.0], n_sweeps=2, progress=False)
    assert result.engine == "multispin" and result.to_xarray().attrs["engine"] == "multispin"
    assert mc.population_annealing(glass, [0.5], n_chains=20, progress=False).engine == "multispin"
    assert mc.ais(RBM.random(4, 3, seed=0), [0.0, 1.0], base=RBM(np.zeros((4, 3))), progress=False).engine == "marginal"


def test_n_sweeps_must_be_a_multiple_of_swap_every():
    """Found: parallel_tempering(..., swap_every=7, n_sweeps=20) silently ran 14 sweeps."""
    with pytest.raises(ValueError, match=r"n_sweeps must be a multiple of swap_every = 7 .*; got 20: pass 14 or 21"):
        statmech.parallel_tempering(CurieWeiss(4), [0.5, 1.0], n_sweeps=20, swap_every=7, progress=False)
    assert statmech.parallel_tempering(CurieWeiss(4), [0.5, 1.0], n_sweeps=21, swap_every=7,
                                       progress=False).n_sweeps == 21


def test_saving_to_a_folder_names_it_and_partial_files_are_removed(tmp_path):
    """Found: saving a record to a folder named a temporary path; a checkpoint's temporary
    file stayed behind when its writer was stopped mid-write."""
    run = statmech.sample(CurieWeiss(4), 0.5, n_sweeps=4, progress=False)
    with pytest.raises(ValueError, match=rf"path {re.escape(repr(str(tmp_path)))} is a directory; pass a file name"):
        run.save(tmp_path)
    with pytest.raises(ValueError, match="its folder .* does not exist"):
        run.save(tmp_path / "missing" / "run.npz")
    checkpoint = tmp_path / "run.npz"
    (tmp_path / ".run.npz.tmp-abc123.npz").write_bytes(b"half a file")
    statmech.sample(CurieWeiss(4), 0.5, n_sweeps=4, seed=0, checkpoint=checkpoint, progress=False)
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]
