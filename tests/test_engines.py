"""Every Monte Carlo engine implements the whole engine interface: advance (run), states,
energies, set betas, take (population resampling), snapshot / restore."""
import numpy as np
import pytest

import statmech
from statmech import mc
from statmech.models import RBM, EdwardsAnderson, Ising, PSpin, SherringtonKirkpatrick

ENGINES = {
    "pairwise dense": (SherringtonKirkpatrick(9, seed=0), mc.HeatBath(lanes=False)),
    "pairwise sparse": (Ising.chain(9, h=0.2), mc.Metropolis(lanes=False)),
    "lanes": (Ising.square(4), mc.HeatBath(lanes=True)),
    "checkerboard": (Ising.square(4), mc.Metropolis(checkerboard=True)),
    # the square-lattice kernels the defaults' tests compile anyway (a field and z = 6: slow tests of test_multispin)
    "multi-spin": (Ising.square(4), mc.MultiSpin("metropolis")),
    "multi-spin +-J": (EdwardsAnderson.square(4, "pm1", seed=3), mc.MultiSpin()),
    "Wolff": (Ising.square(4), mc.Wolff()),
    "Swendsen-Wang": (Ising.square(4), mc.SwendsenWang()),
    "block Gibbs": (RBM.random(5, 4, scale=1.0, seed=1), mc.BlockGibbs()),
    "generic": (PSpin(6, 3, seed=2), mc.HeatBath()),
}
N_CHAINS = 6


def make(name, seed=0):
    model, sampler = ENGINES[name]
    states = model.random_states(N_CHAINS, seed=seed)
    return model, sampler.engine(model, states, np.linspace(0.2, 1.2, N_CHAINS), np.random.SeedSequence(seed))


def advance(engine, sweeps=3):
    energy = np.empty((N_CHAINS, 2))
    magnetization = np.empty((N_CHAINS, 2))
    engine.run(2, sweeps, energy, magnetization, 0)
    return energy, magnetization


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_states_energies_and_traces_agree(name):
    model, engine = make(name)
    energy, magnetization = advance(engine)
    states = engine.get_states()
    assert states.shape == (N_CHAINS, model.n) and states.dtype == np.int8
    np.testing.assert_allclose(model.energy(states), engine.energy, atol=1e-9)
    np.testing.assert_allclose(energy[:, -1], engine.energy, atol=1e-9)
    np.testing.assert_allclose(magnetization[:, -1], states.sum(axis=1))
    assert engine.attempts_per_sweep >= 1 and np.all(engine.accepted >= 0)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_snapshot_and_restore_continue_bit_identically(name):
    _, engine = make(name)
    advance(engine)
    saved = engine.snapshot()
    first = advance(engine)
    states = engine.get_states()
    engine.restore(saved)
    second = advance(engine)
    assert np.array_equal(first[0], second[0]) and np.array_equal(states, engine.get_states())


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_take_moves_states_and_energies_together(name):
    model, engine = make(name)
    advance(engine)
    indices = np.array([3, 3, 0, 5, 1, 1])
    before = engine.get_states()
    engine.take(indices)
    assert np.array_equal(engine.get_states(), before[indices])
    np.testing.assert_allclose(model.energy(engine.get_states()), engine.energy, atol=1e-9)
    advance(engine)                                    # and the chains go on from there
    np.testing.assert_allclose(model.energy(engine.get_states()), engine.energy, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_set_betas(name):
    _, engine = make(name)
    engine.set_betas(np.full(N_CHAINS, 0.7))
    assert np.all(engine.betas == 0.7)
    engine.set_betas(0.3)
    assert np.all(engine.betas == 0.3)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_site_overlaps_and_states_of_chains(name):
    model, engine = make(name)
    advance(engine)
    states = engine.get_states()
    spins = states if model.domain == "spin" else 2 * states - 1
    first, second = np.array([[0, 1], [2, 2]]), np.array([[3, 4], [5, 2]])
    q = engine.site_overlaps(first, second)
    assert q.shape == (2, 2, model.n) and q.dtype == np.int8
    np.testing.assert_array_equal(q, spins[first] * spins[second])
    np.testing.assert_array_equal(engine.states_of(first), states[first])


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_every_engine_implements_the_protocol(name):
    from statmech.mc.engines import Engine

    _, engine = make(name)
    assert isinstance(engine, Engine)
    for member in ("name", "bytes_per_variable", "chains_per_word", "energy", "betas", "accepted",
                   "arrays"):
        assert hasattr(engine, member), member
    with engine.threads(1) as threads:          # a few sweeps of a small test model: not worth a second thread
        assert threads == 1
    flips = engine.flip_state()
    if flips is not None:           # its contract: a flip of i changes E by -delta local[i], local by delta J[i]
        model = engine.hamiltonian
        i, chain = 2, 1
        delta = (1.0 + flips.low) - 2.0 * flips.states[chain, i]
        flips.energy[chain] -= delta * flips.local[chain, i]
        flips.states[chain, i] += delta
        row = model.couplings[[i]].toarray().ravel() if hasattr(model.couplings, "toarray") else model.couplings[i]
        flips.local[chain] += delta * row
        assert engine.check_state() is None
        np.testing.assert_allclose(engine.energy, model.energy(engine.get_states()), atol=1e-9)


def test_the_engine_table_covers_every_engine_and_reads_as_text():
    from statmech.mc import engines

    names = {row[4] for row in engines.engine_table()}
    assert names == {"multispin", "pairwise", "checkerboard", "lanes", "generic", "cluster", "block-gibbs"}
    for row in engines.engine_table():
        assert all(isinstance(cell, str) and cell for cell in row), row
    # the table decides, in order: an explicit setting first, then the automatic choices
    glass = EdwardsAnderson.square(4, "pm1", seed=1)
    assert engines.select(mc.HeatBath(), glass, 64).name == "multispin"
    assert engines.select(mc.HeatBath(), glass, 64, path=True).name == "lanes"      # multispin cannot follow paths
    assert engines.select(mc.HeatBath(multispin=False), glass, 2).name == "pairwise"
    assert engines.select(mc.Metropolis(), Ising.square(32), 2).name == "checkerboard"
    assert engines.select(mc.Metropolis(), PSpin(5, 3), 64).name == "generic"
    with pytest.raises(ValueError, match="checkerboard=True cannot follow a path of models"):
        engines.select(mc.Metropolis(checkerboard=True), Ising.square(4), 2, path=True)


def test_threads_follow_the_work_of_a_call_and_come_back_after_it():
    import numba

    from statmech.jit import SECONDS_PER_THREAD, threads_for
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread only")
    before = statmech.get_num_threads()
    statmech.set_num_threads(2)
    try:
        for n_units, seconds, expected in [(8, 0.1 * SECONDS_PER_THREAD, 1), (8, 5 * SECONDS_PER_THREAD, 2),
                                           (1, 5 * SECONDS_PER_THREAD, 1), (8, 0.0, 1)]:
            with threads_for(n_units, seconds) as used:
                assert used == expected == numba.get_num_threads()
            assert numba.get_num_threads() == 2
        _, engine = make("pairwise dense")      # a few chains of 9 spins: one thread; 10^6 sweeps: two
        with engine.threads(1) as used:
            assert used == 1
        with engine.threads(1e6) as used:
            assert used == 2
    finally:
        statmech.set_num_threads(before)
