"""What a long run guarantees: seeds that reproduce it, checkpoints checked against the
model and the path, Ctrl-C at any moment followed by a bit-identical resume, and a
user's energy function checked in every driver."""
import signal

import numpy as np
import pytest

import statmech
from statmech import mc, schedules
from statmech.models import Ising, SherringtonKirkpatrick

SK = SherringtonKirkpatrick(8, seed=1)
LADDER = schedules.geometric(0.3, 2.0, 3)
SEEDS = [7, np.random.SeedSequence([1, 2, 3]), np.random.SeedSequence(5).spawn(3)[2],
         np.random.SeedSequence(2 ** 100 + 1), None]
DRIVERS = {
    "sample": lambda seed: statmech.sample(SK, 0.5, n_sweeps=30, seed=seed, progress=False).states,
    "anneal": lambda seed: statmech.anneal(SK, [0.1, 1.0], n_sweeps=5, n_chains=4, seed=seed,
                                           progress=False).best_energy,
    "parallel_tempering": lambda seed: statmech.parallel_tempering(SK, LADDER, n_sweeps=20, seed=seed,
                                                                   progress=False).energy,
    "ais": lambda seed: mc.ais(SK, [0.0, 0.5, 1.0], n_chains=8, seed=seed, progress=False).log_weights,
    "population_annealing": lambda seed: mc.population_annealing(SK, [0.0, 0.5, 1.0], n_chains=40, seed=seed,
                                                                 progress=False).log_z,
}


def _record(driver, seed):
    calls = {
        "sample": lambda: statmech.sample(SK, 0.5, n_sweeps=30, seed=seed, progress=False),
        "anneal": lambda: statmech.anneal(SK, [0.1, 1.0], n_sweeps=5, n_chains=4, seed=seed, progress=False),
        "parallel_tempering": lambda: statmech.parallel_tempering(SK, LADDER, n_sweeps=20, seed=seed,
                                                                  progress=False),
        "ais": lambda: mc.ais(SK, [0.0, 0.5, 1.0], n_chains=8, seed=seed, progress=False),
        "population_annealing": lambda: mc.population_annealing(SK, [0.0, 0.5, 1.0], n_chains=40, seed=seed,
                                                                progress=False),
    }
    return calls[driver]()


@pytest.mark.parametrize("driver", sorted(DRIVERS))
@pytest.mark.parametrize("seed", SEEDS, ids=["int", "entropy-list", "spawned-child", "big-int", "None"])
def test_every_seed_form_works_and_the_recorded_seed_reproduces_the_run(driver, seed):
    record = _record(driver, seed)
    assert isinstance(record.seed, np.random.SeedSequence)
    again = DRIVERS[driver](record.seed)
    assert np.array_equal(DRIVERS[driver](record.seed), again)
    if seed is not None:
        assert np.array_equal(DRIVERS[driver](seed), again)
        assert np.array_equal(DRIVERS[driver](seed), again)     # a SeedSequence used twice: same run


def test_wang_landau_and_mean_field_records_carry_seed_and_elapsed():
    dos = mc.wang_landau(Ising.square(4), log_f_final=1e-3, seed=np.random.SeedSequence([4, 5]), progress=False)
    again = mc.wang_landau(Ising.square(4), log_f_final=1e-3, seed=dos.seed, progress=False)
    assert np.array_equal(dos.log_g, again.log_g) and dos.elapsed > 0
    solution = statmech.mean_field(SK, 0.5, method="naive", seed=np.random.SeedSequence([1, 2]))
    assert statmech.mean_field(SK, 0.5, method="naive", seed=solution.seed).log_z == solution.log_z
    assert solution.elapsed >= 0


# --- checkpoints ------------------------------------------------------------------------

def test_checkpoint_of_one_disorder_instance_refuses_another(tmp_path):
    path = tmp_path / "pt.npz"
    statmech.parallel_tempering(SherringtonKirkpatrick(8, seed=1), LADDER, n_sweeps=10, seed=0, checkpoint=path,
                                progress=False)
    with pytest.raises(ValueError, match="another model.*model"):
        statmech.parallel_tempering(SherringtonKirkpatrick(8, seed=2), LADDER, n_sweeps=20, seed=0,
                                    checkpoint=path, progress=False)


@pytest.mark.parametrize("run", [
    lambda path: statmech.parallel_tempering(SK, LADDER, n_sweeps=10, checkpoint=path, progress=False),
    lambda path: statmech.sample(SK, 0.5, n_sweeps=10, checkpoint=path, progress=False)], ids=["pt", "sample"])
def test_checkpoint_path_is_checked_before_the_run(tmp_path, run, monkeypatch):
    from statmech.mc.engines.pairwise import PairwiseEngine
    monkeypatch.setattr(PairwiseEngine, "run", lambda *a: pytest.fail("the run started"))
    with pytest.raises(ValueError, match="does not exist"):
        run(str(tmp_path / "missing" / "run.npz"))
    with pytest.raises(ValueError, match="is a directory"):
        run(tmp_path)
    with pytest.raises(TypeError, match="checkpoint must be a path"):
        run(3)


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"PK\x03\x04 truncated", "not a readable statmech checkpoint"),
    (b"hello, world\n", "not a readable statmech checkpoint")], ids=["empty", "truncated", "foreign"])
def test_damaged_checkpoints_are_named_and_explained(tmp_path, content, message):
    path = tmp_path / "pt.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path.name}.*{message}"):
        statmech.parallel_tempering(SK, LADDER, n_sweeps=10, checkpoint=path, progress=False)


def test_truncated_real_checkpoint_and_another_drivers_checkpoint(tmp_path):
    path = tmp_path / "run.npz"
    statmech.sample(SK, 0.5, n_sweeps=10, seed=0, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="written by 'sample', not by 'parallel_tempering'"):
        statmech.parallel_tempering(SK, LADDER, n_sweeps=10, seed=0, checkpoint=path, progress=False)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable statmech checkpoint"):
        statmech.sample(SK, 0.5, n_sweeps=10, seed=0, checkpoint=path, progress=False)


@pytest.mark.parametrize("driver", ["pt", "sample"])
def test_seed_none_checkpoint_resumes_with_the_recorded_seed(tmp_path, driver):
    path = tmp_path / "run.npz"
    if driver == "pt":
        first = statmech.parallel_tempering(SK, LADDER, n_sweeps=20, checkpoint=path, progress=False)
        resumed = statmech.parallel_tempering(SK, LADDER, n_sweeps=50, checkpoint=path, progress=False)
        whole = statmech.parallel_tempering(SK, LADDER, n_sweeps=50, seed=first.seed, progress=False)
    else:
        first = statmech.sample(SK, 0.5, n_sweeps=20, burn_in=7, checkpoint=path, progress=False)
        resumed = statmech.sample(SK, 0.5, n_sweeps=50, burn_in=7, checkpoint=path, progress=False)
        whole = statmech.sample(SK, 0.5, n_sweeps=50, burn_in=7, seed=first.seed, progress=False)
    assert np.array_equal(resumed.energy, whole.energy) and np.array_equal(resumed.states, whole.states)


def _interrupt_at(monkeypatch, target, name, k):
    """Ctrl-C (a real SIGINT) delivered while the k-th call of target.name runs."""
    original = getattr(target, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == k:
            signal.raise_signal(signal.SIGINT)
        return result

    monkeypatch.setattr(target, name, wrapped)
    return calls


def test_ctrl_c_at_every_kernel_call_then_resume_is_bit_identical(tmp_path, monkeypatch):
    from statmech.mc import tempering
    from statmech.mc.engines.pairwise import PairwiseEngine
    whole = statmech.parallel_tempering(SK, LADDER, n_sweeps=8, seed=3, progress=False)
    for target, name in ((PairwiseEngine, "run"), (tempering, "swap_round")):
        for k in range(1, 9):
            path = tmp_path / f"{name}-{k}.npz"
            with monkeypatch.context() as patch:
                _interrupt_at(patch, target, name, k)
                cut = statmech.parallel_tempering(SK, LADDER, n_sweeps=8, seed=3, checkpoint=path,
                                                  checkpoint_every=3, progress=False)
            assert cut.interrupted and cut.energy.shape[-1] == k
            resumed = statmech.parallel_tempering(SK, LADDER, n_sweeps=8, seed=3, checkpoint=path, progress=False)
            assert not resumed.interrupted
            for field in ("energy", "overlap", "states", "swap_acceptance", "round_trips"):
                assert np.array_equal(getattr(resumed, field), getattr(whole, field)), (name, k, field)


@pytest.mark.parametrize("driver", ["population_annealing", "wang_landau"])
def test_ctrl_c_then_resume_is_bit_identical_for_the_free_energy_drivers(tmp_path, monkeypatch, driver):
    import importlib

    from statmech.mc.engines.multispin import MultiSpinEngine
    walks = importlib.import_module("statmech.mc.wang_landau")      # the module (mc.wang_landau is the driver)
    model = Ising.square(4)
    if driver == "population_annealing":
        run = lambda path: mc.population_annealing(model, np.linspace(0, 0.4, 9), n_chains=24, n_populations=4,
                                                   seed=5, checkpoint=path, checkpoint_every=3, progress=False)
        target, name, fields = MultiSpinEngine, "run", ("log_z_path", "log_z_err_path", "energy")
    else:
        run = lambda path: mc.wang_landau(model, log_f_final=1e-2, check_every=500, seed=5, checkpoint=path,
                                          checkpoint_every=3, progress=False)
        target, name, fields = walks, "walk", ("log_g", "chain_log_g", "flatness_history")
    whole = run(None)
    for k in (1, 2, 4, 7):
        path = tmp_path / f"{k}.npz"
        with monkeypatch.context() as patch:
            _interrupt_at(patch, target, name, k)
            assert run(path).interrupted
        resumed = run(path)
        assert not resumed.interrupted
        for field in fields:
            assert np.array_equal(getattr(resumed, field), getattr(whole, field)), (k, field)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_interrupted_sample_returns_states_that_match_its_traces(monkeypatch, tmp_path, k):
    from statmech.mc.engines.pairwise import PairwiseEngine
    _interrupt_at(monkeypatch, PairwiseEngine, "run", k)
    path = tmp_path / "run.npz"
    run = statmech.sample(SK, 0.7, n_sweeps=300, burn_in=400, seed=4, checkpoint=path, progress=False)
    assert run.interrupted
    acceptance = run.acceptance[np.isfinite(run.acceptance)]
    assert np.all((acceptance >= 0) & (acceptance <= 1))
    if run.energy.shape[1]:
        np.testing.assert_allclose(SK.energy(run.states), run.energy[:, -1])
    monkeypatch.undo()
    resumed = statmech.sample(SK, 0.7, n_sweeps=300, burn_in=400, seed=4, checkpoint=path, progress=False)
    whole = statmech.sample(SK, 0.7, n_sweeps=300, burn_in=400, seed=4, progress=False)
    assert np.array_equal(resumed.energy, whole.energy) and np.array_equal(resumed.acceptance, whole.acceptance)


def test_burn_in_interrupt_reports_acceptance_of_the_sweeps_made(monkeypatch):
    from statmech.mc.engines.pairwise import PairwiseEngine
    _interrupt_at(monkeypatch, PairwiseEngine, "run", 2)
    run = statmech.sample(SK, 0.7, n_sweeps=100, burn_in=1000, seed=4, progress=False)
    assert run.interrupted and run.energy.shape == (4, 0)
    assert np.all((run.acceptance >= 0) & (run.acceptance <= 1))


# --- a user's energy --------------------------------------------------------------------

class UserModel(statmech.Hamiltonian):
    domain = "spin"

    def __init__(self, n, result):
        self.n, self.result = n, result

    def energy(self, states):
        return self.result(np.asarray(states))


BAD_ENERGIES = {
    "NaN": (lambda s: np.full(s.shape[:-1], np.nan), ValueError, "non-finite"),
    "inf": (lambda s: np.where(s[..., 0] > 0, np.inf, 0.0), ValueError, "non-finite"),
    "shape": (lambda s: np.zeros(s.shape[:-1] + (2,)), ValueError, "must return shape"),
    "not an array": (lambda s: "energy", TypeError, "array of real numbers"),
}
USER_DRIVERS = {
    "sample": lambda H: statmech.sample(H, 0.5, n_sweeps=5, seed=0, progress=False),
    "anneal": lambda H: statmech.anneal(H, [0.1, 1.0], seed=0, progress=False),
    "parallel_tempering": lambda H: statmech.parallel_tempering(H, [0.5, 1.0], n_sweeps=5, seed=0, progress=False),
    "ais": lambda H: mc.ais(H, [0.0, 1.0], n_chains=4, seed=0, progress=False),
    "population_annealing": lambda H: mc.population_annealing(H, [0.0, 1.0], n_chains=40, seed=0, progress=False),
    "exact": lambda H: statmech.exact(H, 1.0),
}


@pytest.mark.parametrize("driver", sorted(USER_DRIVERS))
@pytest.mark.parametrize("bad", sorted(BAD_ENERGIES))
def test_a_bad_user_energy_is_named_in_every_driver(driver, bad):
    result, error, message = BAD_ENERGIES[bad]
    with pytest.raises(error, match=f"UserModel.energy.*{message}|UserModel.energy must return an {message}"):
        USER_DRIVERS[driver](UserModel(4, result))


@pytest.mark.parametrize("n, error, message", [(None, TypeError, "has no attribute n"),
                                               (4.0, TypeError, "n must be an integer"),
                                               (True, TypeError, "n must be an integer"),
                                               (0, ValueError, "n must be >= 1")])
@pytest.mark.parametrize("driver", sorted(USER_DRIVERS))
def test_a_model_without_a_usable_n_is_refused_when_first_used(driver, n, error, message):
    model = UserModel(4, lambda s: np.zeros(s.shape[:-1]))
    if n is None:
        del model.n
    else:
        model.n = n
    with pytest.raises(error, match=message):
        USER_DRIVERS[driver](model)


@pytest.mark.parametrize("driver", sorted(USER_DRIVERS))
def test_an_unknown_domain_is_refused(driver):
    model = UserModel(4, lambda s: np.zeros(s.shape[:-1]))
    model.domain = "ising"
    with pytest.raises(ValueError, match="domain must be 'spin' or 'binary'"):
        USER_DRIVERS[driver](model)


# --- learning ---------------------------------------------------------------------------

@pytest.mark.parametrize("options", [dict(method="pcd", shuffle=True, momentum=0.5),
                                     dict(method="tap2", optimizer="adam", learning_rate=0.01),
                                     dict(method="cd", k=2)], ids=["pcd", "tap2", "cd"])
def test_fit_resumes_from_its_checkpoint_bit_identically(tmp_path, monkeypatch, options):
    from statmech.learning import BernoulliRBM, _rbm
    data = (np.random.default_rng(1).random((30, 6)) < 0.4).astype(float)
    make = lambda: BernoulliRBM(n_components=4, batch_size=7, n_iter=4, random_state=np.random.SeedSequence([3, 4]),
                                **options)
    whole = make().fit(data)
    for k in (1, 5, 10, 15):            # 5 minibatches per epoch: inside, at the end of and across epochs
        path = tmp_path / f"fit-{k}.npz"
        with monkeypatch.context() as patch:
            _interrupt_at(patch, _rbm.BernoulliRBM, "_update", k)
            cut = make().fit(data, checkpoint=path, checkpoint_every=3)
        assert cut.interrupted_ and cut.n_iter_ == k // 5
        resumed = make().fit(data, checkpoint=path)
        assert not resumed.interrupted_ and resumed.n_iter_ == 4
        for name in ("components_", "intercept_hidden_", "intercept_visible_"):
            assert np.array_equal(getattr(resumed, name), getattr(whole, name)), (k, name)
    with pytest.raises(ValueError, match="other arguments or another model"):
        make().fit(data[::-1], checkpoint=path)
    path = tmp_path / "fit-unseeded.npz"        # random_state=None resumes with the recorded seed
    with monkeypatch.context() as patch:
        _interrupt_at(patch, _rbm.BernoulliRBM, "_update", 7)
        make().fit(data, checkpoint=path)
    resumed = make().set_params(random_state=None).fit(data, checkpoint=path)
    assert np.array_equal(resumed.components_, whole.components_)


@pytest.mark.parametrize("method", ["pcd", "exact"])
def test_boltzmann_learning_resumes_from_its_checkpoint_bit_identically(tmp_path, monkeypatch, method):
    from statmech.learning import _boltzmann, boltzmann_learning
    model = statmech.PairwiseHamiltonian(np.zeros((5, 5)))
    data = np.where(np.random.default_rng(2).random((40, 5)) < 0.6, 1, -1)
    fit = lambda **kw: boltzmann_learning(model, data, method=method, n_iter=12, n_chains=16,
                                          seed=np.random.SeedSequence(9), progress=False, **kw)
    whole = fit()
    for k in (2, 7):
        path = tmp_path / f"{method}-{k}.npz"
        with monkeypatch.context() as patch:
            _interrupt_at(patch, _boltzmann.Run, "due", k)
            assert fit(checkpoint=path, checkpoint_every=5).interrupted
        resumed = fit(checkpoint=path)
        assert not resumed.interrupted
        assert np.array_equal(resumed.gradient_norm, whole.gradient_norm)
        assert np.array_equal(resumed.parameters["couplings"], whole.parameters["couplings"])


# --- the run loop ------------------------------------------------------------------------

class _Counter(statmech.runloop.Loop):
    """A loop of n steps whose state is a running sum; Ctrl-C arrives during step ``stop_at``."""

    def __init__(self, n, stop_at=None):
        self.n, self.stop_at, self.total, self.asked = n, stop_at, np.zeros(1), []

    @property
    def work(self):
        return self.position

    def steps(self):
        while self.position < self.n:
            self.asked.append(self.position)
            yield self.position

    def advance(self, k):
        self.total += k
        self.position = k + 1
        if k == self.stop_at:
            signal.raise_signal(signal.SIGINT)

    def fields(self, position):
        return {"total": statmech.runloop.Field(np.float64, (1,), statmech.runloop.finite)}

    def restore(self, saved, run):
        self.total[:] = saved["total"]
        self.position = run.resumed_step

    def snapshot(self):
        return {"total": self.total}


def test_the_run_loop_stops_between_steps_saves_and_resumes(tmp_path):
    from statmech.runloop import Run
    path = tmp_path / "counter.npz"
    run = Run("counter", 3, False, 10, "", path, 3)
    first = run.execute(_Counter(10, stop_at=4))
    # the step in progress ends, the next is not even asked for, and the checkpoint holds step 5
    assert run.interrupted and first.position == 5 and first.asked == [0, 1, 2, 3, 4]
    again = Run("counter", None, False, 10, "", path, 3)
    assert again.resumed_step == 5
    second = again.execute(_Counter(10))
    assert not again.interrupted and second.asked == [5, 6, 7, 8, 9] and second.total[0] == sum(range(10))
    assert str(again.seed.entropy) == "3"          # the recorded seed, with seed=None
