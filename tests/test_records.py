"""Every record is a frozen dataclass that saves and loads back equal (no pickle) and
converts to xarray; every run record carries seed, elapsed and interrupted."""
import dataclasses

import numpy as np
import pytest

import statmech
from statmech import learning, mc, results
from statmech.models import RBM, Ising, SherringtonKirkpatrick

SK = SherringtonKirkpatrick(6, seed=1)


def _instances():
    """One record of every class, from small runs."""
    chain = Ising.chain(6)
    traces = [statmech.sample(chain, b, n_sweeps=50, n_chains=1, seed=k, progress=False).energy[0]
              for k, b in enumerate((0.2, 0.4))]
    rbm = RBM.random(4, 3, scale=0.5, seed=0)
    data = (np.random.default_rng(0).random((20, 4)) < 0.5).astype(float)
    spins = chain.random_states(200, seed=1)
    return {
        results.Estimate: statmech.records.Estimate(1.5, 0.25),
        results.Thermodynamics: statmech.exact(chain, [0.3, 0.6]),
        results.DensityOfStates: mc.wang_landau(chain, log_f_final=1e-2, seed=2, progress=False),
        results.SampleResult: statmech.sample(SK, 0.5, n_sweeps=10, seed=1, progress=False),
        results.AnnealResult: statmech.anneal(SK, [0.1, 1.0], n_chains=3, seed=1, progress=False),
        results.TemperingResult: statmech.parallel_tempering(SK, [0.5, 1.0], n_sweeps=4, seed=1, progress=False),
        results.FreeEnergyResult: mc.ais(SK, [0.0, 0.5, 1.0], n_chains=8, seed=1, progress=False),
        results.MeanFieldResult: statmech.mean_field(SK, 0.5, method="tap2", seed=0),
        results.MeanFieldPathResult: statmech.deterministic_annealing(SK, [0.2, 0.5], method="naive", seed=0),
        results.GibbsFreeEnergy: statmech.gibbs_free_energy(SK, 0.5, np.full(6, 0.1), method="tap2"),
        results.OverlapDistribution: statmech.estimators.overlap_distribution(
            spins[:100].astype(float), spins[100:].astype(float)),
        results.Reweighted: statmech.estimators.reweight(traces[0], 0.2, 0.25),
        results.Equilibration: statmech.estimators.equilibration(traces),
        results.LogBinning: statmech.estimators.log_binning(np.stack([traces[:2]] * 3)[..., :32], instances=True),
        results.MultistateReweighting: statmech.estimators.multistate_reweighting(traces, [0.2, 0.4]),
        results.InverseIsingResult: learning.inverse_ising(spins, method="naive"),
        results.BoltzmannResult: learning.boltzmann_learning(Ising.chain(4), spins[:, :4], n_iter=5,
                                                             progress=False),
        results.LogLikelihood: learning.log_likelihood(rbm, data, method="ais", n_steps=20, n_chains=8, seed=3),
    }


@pytest.fixture(scope="module")
def instances():
    return _instances()


def _equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, statmech.records.Estimate):
        return _equal(a.value, b.value) and _equal(a.error, b.error)
    if isinstance(a, np.random.SeedSequence):
        return a.entropy == b.entropy and a.spawn_key == b.spawn_key
    if isinstance(a, (np.ndarray, float)) or np.ndim(a):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    return a == b


def test_the_instances_cover_every_record():
    assert set(_instances()) == set(results.RECORDS)


@pytest.mark.parametrize("kind", results.RECORDS, ids=lambda c: c.__name__)
def test_every_record_saves_loads_and_converts(instances, kind, tmp_path):
    record = instances[kind]
    assert type(record) is kind and dataclasses.is_dataclass(record)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, dataclasses.fields(record)[0].name, None)
    path = tmp_path / f"{kind.__name__}.npz"
    record.save(path)
    with np.load(path, allow_pickle=False) as archive:      # nothing needs pickle to be read
        assert "__metadata__" in archive.files
    loaded = kind.load(path)
    for field in dataclasses.fields(record):
        assert _equal(getattr(loaded, field.name), getattr(record, field.name)), field.name
    dataset = record.to_xarray()
    assert len(dataset.data_vars) + len(dataset.coords) >= 1


@pytest.mark.parametrize("kind", results.RECORDS, ids=lambda c: c.__name__)
def test_run_records_carry_seed_elapsed_interrupted_and_a_model_description(instances, kind):
    record = instances[kind]
    names = {field.name for field in dataclasses.fields(record)}
    if issubclass(kind, statmech.records.RunRecord):
        assert {"seed", "elapsed", "interrupted"} <= names
        assert record.elapsed is not None and record.elapsed >= 0 and record.interrupted is False
    if "model" in names:
        assert isinstance(record.model, str)
    assert "hamiltonian" not in names        # a record never holds a live model


@pytest.mark.parametrize("kind", results.RECORDS, ids=lambda c: c.__name__)
def test_a_record_shows_its_fields_without_printing_its_arrays(instances, kind):
    record = instances[kind]
    text = repr(record)
    assert text.startswith(kind.__name__ + "(")
    for field in dataclasses.fields(record):
        assert f"{field.name}=" in text
        value = getattr(record, field.name)
        if isinstance(value, np.ndarray) and value.size > 6:
            assert f"<{value.dtype} array {value.shape}>" in text
    assert len(text) < 120 * (len(dataclasses.fields(record)) + 2)
    assert "array([" not in text


def test_a_record_refuses_to_save_what_it_cannot_load(tmp_path):
    bad = results.SampleResult(energy=np.zeros((1, 1)), magnetization=np.zeros((1, 1)), states=None,
                               acceptance=np.zeros(1), beta=1.0, sampler="s", model=Ising.chain(3), n=3, n_sweeps=1,
                               burn_in=0, thin=1)
    with pytest.raises(TypeError, match="SampleResult.model is a Ising, which a record cannot save"):
        bad.save(tmp_path / "bad.npz")
