"""statmech.dimod: binary quadratic models to and from statmech models with exact signs,
offsets and labels, and dimod samplers that pass dimod's own test kit."""
import unittest

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")

from statmech import dimod as sd                                          # noqa: E402
from statmech import PairwiseHamiltonian, exact                           # noqa: E402
from statmech.models import EdwardsAnderson, Ising, SherringtonKirkpatrick  # noqa: E402

FAST = {sd.SimulatedAnnealingSampler: {"num_sweeps": 50}, sd.ParallelTemperingSampler: {"num_sweeps": 20},
        sd.BoltzmannSampler: {"num_sweeps": 20}, sd.ExactGroundStateSolver: {}}


def _quick(kind):
    """The sampler with short runs, as dimod's kit calls it (sample(bqm), no parameters)."""
    class Quick(kind):
        def sample(self, bqm, **kwargs):
            return super().sample(bqm, **{**FAST[kind], **kwargs})
    Quick.__name__ = kind.__name__
    return Quick


@dimod.testing.load_sampler_bqm_tests(_quick(sd.SimulatedAnnealingSampler))
@pytest.mark.slow                                 # compiles every engine's binary and spin kernels
class TestSimulatedAnnealingKit(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(_quick(sd.ParallelTemperingSampler))
@pytest.mark.slow                                 # compiles every engine's binary and spin kernels
class TestParallelTemperingKit(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(_quick(sd.BoltzmannSampler))
@pytest.mark.slow                                 # compiles every engine's binary and spin kernels
class TestBoltzmannKit(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(sd.ExactGroundStateSolver)
@pytest.mark.slow                                 # compiles every engine's binary and spin kernels
class TestExactKit(unittest.TestCase):
    pass


@pytest.mark.parametrize("kind", list(FAST))
def test_the_samplers_have_dimods_api(kind):
    sampler = kind()
    dimod.testing.assert_sampler_api(sampler)
    assert "seed" in sampler.parameters or kind is sd.ExactGroundStateSolver


LABELS = {"integers": list(range(8)), "strings": list("abcdefgh"), "tuples": [(i, "x") for i in range(8)],
          "scattered integers": [3, 17, -2, 40, 5, 1000, 8, 9]}


@pytest.mark.parametrize("labels", list(LABELS), ids=str)
@pytest.mark.parametrize("domain", ["spin", "binary"])
def test_to_bqm_and_back_keep_every_energy(labels, domain):
    rng = np.random.default_rng(1)
    J = np.triu(rng.normal(size=(8, 8)) * (rng.random((8, 8)) < 0.5), 1)
    H = PairwiseHamiltonian(J + J.T, rng.normal(size=8), offset=2.5, domain=domain)
    bqm = sd.to_bqm(H, LABELS[labels])
    assert bqm.vartype is (dimod.SPIN if domain == "spin" else dimod.BINARY)
    assert list(bqm.variables) == LABELS[labels] and bqm.offset == 2.5
    states = H.random_states(50, seed=2)
    np.testing.assert_allclose(bqm.energies((states, LABELS[labels])), H.energy(states), rtol=1e-12, atol=1e-12)
    back = sd.from_bqm(bqm)
    assert back.domain == domain and back.offset == 2.5
    np.testing.assert_allclose(back.energy(states), H.energy(states), rtol=1e-12, atol=1e-12)


def test_from_bqm_orders_variables_as_the_bqm_and_refuses_what_it_cannot_take():
    bqm = dimod.BinaryQuadraticModel({"b": 1.0, ("t", 1): -0.5}, {("b", 7): 2.0}, -1.0, "SPIN")
    H = sd.from_bqm(bqm)
    assert set(bqm.variables) == {"b", ("t", 1), 7} and H.n == 3       # variable i is list(bqm.variables)[i]
    for state in ([1, -1, 1], [-1, 1, -1]):
        assert H.energy(np.array([state]))[0] == pytest.approx(bqm.energy(dict(zip(bqm.variables, state))))
    with pytest.raises(ValueError, match="not finite"):
        sd.from_bqm(dimod.BinaryQuadraticModel({"a": np.nan}, {}, 0.0, "SPIN"))
    with pytest.raises(TypeError, match="must be a dimod.BinaryQuadraticModel; got dict"):
        sd.from_bqm({"a": 1.0})
    with pytest.raises(ValueError, match="variables must be 4 distinct labels"):
        sd.to_bqm(Ising.chain(4), variables="abc")
    with pytest.raises(TypeError, match="to_bqm takes a pairwise model"):
        sd.to_bqm("not a model")
    with pytest.raises(ValueError, match="n = 31 exceeds 30"):
        sd.ExactGroundStateSolver().sample(dimod.BinaryQuadraticModel({k: 1.0 for k in range(31)}, {}, 0.0, "SPIN"))


@pytest.mark.slow
def test_samplers_find_the_ground_states_enumeration_finds():
    H = EdwardsAnderson.square(4, "pm1", seed=3)
    bqm = sd.to_bqm(H)
    ground = sd.ExactGroundStateSolver().sample(bqm)
    minimum = ground.first.energy
    assert minimum == pytest.approx(exact(H, 50.0).energy, abs=1e-6)      # U at very low T
    assert len(ground) % 2 == 0 and np.all(ground.record.energy == minimum)   # flip-symmetric pairs
    annealed = sd.SimulatedAnnealingSampler().sample(bqm, num_reads=64, num_sweeps=500, seed=1)
    tempered = sd.ParallelTemperingSampler().sample(bqm, num_reads=4, num_sweeps=500, seed=1)
    assert annealed.first.energy == minimum and tempered.first.energy == minimum
    assert annealed.info["engine"] == "multispin" and len(annealed) == 64


@pytest.mark.slow
def test_boltzmann_sampler_draws_the_exact_distribution():
    """Energies of 4000 independent chains of a 6-spin SK at beta = 0.7 against the exact
    Boltzmann probabilities of each energy level: chi-square, fixed seed."""
    from scipy import stats

    from statmech.exact import all_states

    H = SherringtonKirkpatrick(6, seed=4)
    bqm = sd.to_bqm(H)
    sampleset = sd.BoltzmannSampler().sample(bqm, beta=0.7, num_reads=4000, num_sweeps=30, seed=2)
    states = all_states(6)
    weights = np.exp(-0.7 * H.energy(states))
    levels, index = np.unique(np.round(H.energy(states), 9), return_inverse=True)
    expected = np.bincount(index, weights / weights.sum()) * len(sampleset)
    observed = np.bincount(np.searchsorted(levels, np.round(sampleset.record.energy, 9)), minlength=len(levels))
    assert stats.chisquare(observed, expected).pvalue > 1e-3


@pytest.mark.slow
def test_parameters_named_as_dwave_samplers_and_the_early_stops():
    bqm = sd.to_bqm(EdwardsAnderson.square(4, "pm1", seed=0))
    sampler = sd.SimulatedAnnealingSampler()
    a = sampler.sample(bqm, num_reads=10, num_sweeps=100, beta_range=(0.1, 3.0), beta_schedule_type="linear", seed=7)
    b = sampler.sample(bqm, num_reads=10, num_sweeps=100, beta_range=(0.1, 3.0), beta_schedule_type="linear", seed=7)
    assert np.array_equal(a.record.sample, b.record.sample)                      # seeded: reproducible
    assert a.info["beta_range"] == (0.1, 3.0) and a.info["seed"] == 7
    assert set(a.info["timing"]) == {"preprocessing_ns", "sampling_ns", "postprocessing_ns"}
    custom = sampler.sample(bqm, num_reads=3, beta_schedule_type="custom", beta_schedule=[0.1, 1.0, 2.0], seed=1)
    assert custom.info["num_sweeps"] == 3
    start = sampler.sample(bqm, num_reads=5, num_sweeps=10, seed=1)
    again = sampler.sample(bqm, initial_states=start, num_sweeps=10, beta_range=(5.0, 5.0), seed=2)
    assert len(again) == 5 and np.all(again.record.energy <= start.record.energy + 8)
    stopped = sampler.sample(bqm, num_reads=200, num_sweeps=10, seed=1, interrupt_function=lambda: True)
    assert len(stopped) == 64                                     # the first batch, whole
    assert len(sampler.sample(bqm, num_reads=200, num_sweeps=10, seed=1, time_limit=0)) == 64
    assert len(sampler.sample(bqm, num_reads=200, num_sweeps=10, seed=1, time_limit=60)) == 200
    for bad, match in [({"num_reads": 0}, "num_reads must be >= 1"), ({"beta_range": (2.0, 1.0)}, "beta_range"),
                       ({"beta_schedule_type": "custom"}, "needs beta_schedule"), ({"seed": -1}, "seed"),
                       ({"proposal_acceptance_criteria": "Glauber"}, "Metropolis' or 'Gibbs'")]:
        with pytest.raises(ValueError, match=match):
            sampler.sample(bqm, num_sweeps=10, **bad)
    with pytest.raises(TypeError, match="unknown parameter\\(s\\) 'num_sweep'"):
        sampler.sample(bqm, num_sweep=10)
