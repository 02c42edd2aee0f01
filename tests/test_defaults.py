"""Every driver's default sampler agrees with exact enumeration where a fixed-order
Metropolis sweep that accepts every Delta E = 0 move does not: periodic chains (a domain
wall rides the sweep round the ring), beta = 0 (every variable flips every sweep), a
Hopfield net and a small SK model. Compared in units of each estimate's own error bar."""
import numpy as np
import pytest

import statmech
from statmech import mc, schedules
from statmech.models import Hopfield, Ising, SherringtonKirkpatrick

from reference import all_states, boltzmann, chi_square_p_value

CASES = [("chain", Ising.chain(16), 0.0), ("chain", Ising.chain(16), 0.5), ("chain", Ising.chain(16), 1.0),
         ("torus", Ising.square(4), 0.0),
         ("Hopfield", Hopfield(np.where(np.random.default_rng(3).random((2, 12)) < 0.5, -1, 1)), 1.5),
         ("SK", SherringtonKirkpatrick(10, seed=1), 1.0)]
IDS = [f"{name}-beta={beta}" for name, _, beta in CASES]
Z_MAX = 4.5       # |z| beyond this has probability < 1e-5 for a Gaussian estimate


def exact_energy_moments(hamiltonian, beta):
    """<E> and Var E by enumeration."""
    energies = hamiltonian.energy(all_states(hamiltonian.n, hamiltonian.domain))
    p = boltzmann(energies, beta)
    mean = p @ energies
    return mean, p @ (energies - mean) ** 2


def assert_moments_agree(traces, hamiltonian, beta):
    """traces: (n_independent, n_steps). Per-chain time averages of E and (E - <E>)^2 are
    independent estimates; their spread over chains gives the error bars."""
    mean, var = exact_energy_moments(hamiltonian, beta)
    for statistic, expected in ((traces, mean), ((traces - mean) ** 2, var)):
        per_chain = statistic.mean(axis=1)
        error = per_chain.std(ddof=1) / np.sqrt(per_chain.size)
        z = (per_chain.mean() - expected) / max(error, 1e-12)
        assert abs(z) < Z_MAX, (per_chain.mean(), expected, error)


@pytest.mark.parametrize("name, hamiltonian, beta", CASES, ids=IDS)
def test_sample_default(name, hamiltonian, beta):
    run = statmech.sample(hamiltonian, beta, n_sweeps=1000, n_chains=16, burn_in=100, seed=1, progress=False)
    assert_moments_agree(run.energy, hamiltonian, beta)


# beta = 0 compiles the anneal kernels' every-class plan, which nothing else in the fast tier
# needs (sample's beta = 0 cases guard the same tie rule there): those two run in the slow tier.
ANNEAL_CASES = [pytest.param(*case, marks=pytest.mark.slow) if case[2] == 0.0 else case for case in CASES]


@pytest.mark.parametrize("name, hamiltonian, beta", ANNEAL_CASES, ids=IDS)
def test_anneal_default_at_constant_beta(name, hamiltonian, beta):
    """A constant schedule: the reads' final states are samples after 200 sweeps at beta.
    192 reads: three MultiSpin words on the lattices, the kernel the other defaults compile
    (the four-word SIMD groups are tested bit for bit and against exact in test_multispin)."""
    result = statmech.anneal(hamiltonian, np.full(200, beta), n_chains=192, seed=2, progress=False)
    assert_moments_agree(result.final_energy[:, None], hamiltonian, beta)


@pytest.mark.parametrize("name, hamiltonian, beta", [c for c in CASES if c[2] > 0], ids=IDS[1:3] + IDS[4:])
def test_parallel_tempering_default(name, hamiltonian, beta):
    ladder = np.linspace(0.0, beta, 4)
    result = statmech.parallel_tempering(hamiltonian, ladder, n_sweeps=1500, n_chains=12, seed=3, progress=False)
    for k, b in enumerate(ladder):
        assert_moments_agree(result.energy[:, k, 100:], hamiltonian, b)


@pytest.mark.parametrize("name, hamiltonian, beta", [c for c in CASES if c[2] > 0], ids=IDS[1:3] + IDS[4:])
@pytest.mark.parametrize("driver", ["ais", "population_annealing"])
def test_free_energy_defaults(name, hamiltonian, beta, driver):
    schedule = schedules.linear(0.0, beta, 60)
    if driver == "ais":
        result = mc.ais(hamiltonian, schedule, n_chains=400, seed=4, progress=False)
    else:
        result = mc.population_annealing(hamiltonian, schedule, n_chains=2000, n_populations=20, seed=4,
                                         progress=False)
    exact = statmech.exact(hamiltonian, beta).log_z
    assert abs(result.log_z - exact) < Z_MAX * result.log_z_err + 1e-3, (result.log_z, exact)


CHAIN8 = Ising.chain(8)
TORUS = Ising.lattice((2, 4))
HOPFIELD8 = Hopfield(np.where(np.random.default_rng(4).random((2, 8)) < 0.5, -1, 1))
SK8 = SherringtonKirkpatrick(8, seed=2)


@pytest.mark.parametrize("sampler", [mc.Metropolis(lanes=False), mc.Metropolis(lanes=True),
                                     mc.HeatBath(lanes=False), mc.HeatBath(lanes=True),
                                     mc.Metropolis(checkerboard=True), mc.HeatBath(checkerboard=True)], ids=repr)
@pytest.mark.parametrize("hamiltonian, beta", [(CHAIN8, 0.0), (CHAIN8, 0.5), (CHAIN8, 1.0), (TORUS, 0.0),
                                               (HOPFIELD8, 1.5), (SK8, 1.0)],
                         ids=["chain-0", "chain-0.5", "chain-1", "torus-0", "Hopfield-1.5", "SK-1"])
def test_every_kernel_reaches_boltzmann_from_one_state(sampler, hamiltonian, beta):
    """Chains started in one state: after 200 sweeps the states must be Boltzmann-distributed
    (chi-square over all 256 states). A periodic or non-ergodic sweep fails this."""
    if getattr(sampler, "checkerboard", None) and hamiltonian is not TORUS:
        pytest.skip("checkerboard sweeps need a torus")
    n_chains = 4000
    start = np.ones((n_chains, hamiltonian.n), np.int8)
    states = statmech.sample(hamiltonian, beta, sampler=sampler, n_sweeps=200, n_chains=n_chains,
                             initial_states=start, seed=5, progress=False).states
    pi = boltzmann(hamiltonian.energy(all_states(hamiltonian.n, "spin")), beta)
    assert chi_square_p_value(states, pi, "spin") > 1e-4


def test_the_chi_square_test_sees_a_deterministic_sweep():
    """What the textbook rule gives on the ring at beta = 0 (every chain back in its
    starting state after an even number of sweeps) is rejected by the test above."""
    pi = boltzmann(CHAIN8.energy(all_states(8, "spin")), 0.0)
    assert chi_square_p_value(np.ones((4000, 8), np.int8), pi, "spin") < 1e-100


def test_default_chain_counts_fill_the_words_of_the_packed_engine():
    """Where the multi-spin engine runs, the default numbers of chains leave no lane idle
    (64 chains a word; a tempering ladder takes one lane per beta); elsewhere they stay
    4, 16 and 2. A count given, or the initial states', is kept."""
    from statmech.models import EdwardsAnderson
    glass, sk = EdwardsAnderson.square(4, "pm1", seed=0), SherringtonKirkpatrick(8, seed=0)
    quiet = {"seed": 0, "progress": False}
    run = statmech.sample(glass, 1.0, n_sweeps=2, **quiet)
    assert (run.engine, run.states.shape[0]) == ("multispin", 64)
    run = statmech.anneal(glass, [0.5, 1.0], **quiet)
    assert (run.engine, run.final_states.shape[0]) == ("multispin", 64)
    for n_betas, ladders in ((16, 4), (20, 3), (64, 2)):
        run = statmech.parallel_tempering(glass, np.linspace(0.2, 1.0, n_betas), n_sweeps=2, **quiet)
        assert (run.engine, run.states.shape[0]) == ("multispin", ladders), n_betas
    runs = mc.parallel_tempering_batch([glass, EdwardsAnderson.square(4, "pm1", seed=1)], np.linspace(0.2, 1.0, 16),
                                       n_sweeps=2, **quiet)
    assert [r.states.shape[0] for r in runs] == [2, 2]           # 2 x 2 x 16 lanes fill the word already
    assert statmech.sample(sk, 1.0, n_sweeps=2, **quiet).states.shape[0] == 4
    assert statmech.anneal(sk, [0.5, 1.0], **quiet).final_states.shape[0] == 16
    assert statmech.parallel_tempering(sk, [0.5, 1.0], n_sweeps=2, **quiet).states.shape[0] == 2
    assert statmech.sample(glass, 1.0, n_sweeps=2, n_chains=5, **quiet).states.shape[0] == 5
