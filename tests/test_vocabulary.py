"""The public drivers speak one vocabulary (DESIGN.md, "One vocabulary"): the model first,
then what fixes the ensemble, everything else keyword-only, and the same words for the
same things everywhere."""
import inspect

import pytest

import statmech
import statmech.models
from statmech import learning, mc

ENSEMBLE = {"beta", "schedule", "betas"}
DRIVERS = {   # function: (second positional or None, stochastic, long-running)
    statmech.sample: ("beta", True, True),
    statmech.anneal: ("schedule", True, False),
    statmech.parallel_tempering: ("betas", True, True),
    mc.ais: ("schedule", True, False),
    mc.population_annealing: ("schedule", True, True),
    mc.wang_landau: (None, True, True),
    statmech.exact: ("beta", False, False),
    statmech.density_of_states: (None, False, False),
    statmech.mean_field: ("beta", True, False),
    statmech.deterministic_annealing: ("schedule", True, False),
    mc.adaptive_ladder: ("betas", True, False),
}
RENAMED = {"n_reads", "n_replicas_per_beta", "population", "n_walkers", "random_state", "rng", "n_samples_per_beta"}


@pytest.mark.parametrize("driver", list(DRIVERS), ids=lambda f: f.__name__)
def test_model_first_then_the_ensemble_then_keywords(driver):
    second, stochastic, long_running = DRIVERS[driver]
    parameters = list(inspect.signature(driver).parameters.values())
    assert parameters[0].name == "hamiltonian"
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == ["hamiltonian"] + ([second] if second else [])
    names = {p.name for p in parameters}
    assert not names & RENAMED
    if stochastic:
        assert "seed" in names
    if driver.__module__.startswith("statmech.mc"):
        assert {"seed", "progress"} <= names
    if long_running:
        assert {"checkpoint", "checkpoint_every"} <= names


def test_parallel_chains_are_n_chains_everywhere():
    for driver in (statmech.sample, statmech.anneal, statmech.parallel_tempering, mc.ais,
                   mc.population_annealing, mc.wang_landau):
        assert "n_chains" in inspect.signature(driver).parameters, driver.__name__


def test_one_set_of_method_names():
    assert set(statmech.meanfield.METHODS) == {"naive", "tap2", "tap3", "bethe"}
    assert set(learning.METHODS) == {"exact", "cd", "pcd", "naive", "tap2", "tap3"}
    doc = learning.inverse_ising.__doc__ + learning.log_likelihood.__doc__
    for old in ('"mf"', '"nmf"', '"tap"'):
        assert old not in doc


def test_learning_functions_take_their_data_then_keywords():
    for function in (learning.log_likelihood, learning.pseudo_log_likelihood, learning.boltzmann_learning):
        kinds = [p.kind for p in inspect.signature(function).parameters.values()]
        assert kinds[:2] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 2
        assert all(kind is inspect.Parameter.KEYWORD_ONLY for kind in kinds[2:])


def test_every_value_with_an_error_is_an_estimate():
    from statmech.records import Estimate
    assert issubclass(learning.LogLikelihood, Estimate)
    assert float(Estimate(1.5, 0.1)) == 1.5
    result = mc.ais(statmech.models.CurieWeiss(4), [0.0, 0.5], n_chains=8, seed=0, progress=False)
    assert isinstance(result.log_z, float) and isinstance(result.log_z_err, float)
    assert result.log_z == result.log_z_path[-1] and result.estimate.error == result.log_z_err_path[-1]


def test_learning_loops_take_checkpoints_too():
    for function in (learning.boltzmann_learning, learning.BernoulliRBM.fit):
        assert {"checkpoint", "checkpoint_every"} <= set(inspect.signature(function).parameters), function


def test_batch_tempering_speaks_as_parallel_tempering_does():
    """Its first argument is the models, the rest is parallel_tempering's signature."""
    batch = list(inspect.signature(mc.parallel_tempering_batch).parameters.values())
    single = list(inspect.signature(statmech.parallel_tempering).parameters.values())
    assert batch[0].name == "hamiltonians"
    assert [(p.name, p.kind, p.default) for p in batch[1:]] == [(p.name, p.kind, p.default) for p in single[1:]]


def _record_classes():
    """Every Record subclass statmech defines (after importing its packages)."""
    import statmech.estimators, statmech.learning, statmech.meanfield, statmech.mc  # noqa: F401
    from statmech.records import Record
    found, stack = set(), [Record]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("statmech") and sub not in found:
                found.add(sub)
                stack.append(sub)
    return found - {statmech.records.RunRecord}


def test_every_record_is_listed_and_every_field_means_one_thing():
    """statmech.results lists every record, and the table statmech.results.FIELDS gives each
    field name its one meaning: a record whose field is not in it (a new name, or an old
    one such as ``hamiltonian``, ``energy_trace`` or ``walkers``) fails here."""
    import dataclasses

    from statmech import results
    assert _record_classes() == set(results.RECORDS)
    assert {cls.__name__ for cls in results.RECORDS} <= set(results.__all__)
    used = set()
    for cls in results.RECORDS:
        names = {field.name for field in dataclasses.fields(cls)}
        assert names <= set(results.FIELDS), (cls.__name__, names - set(results.FIELDS))
        used |= names
    assert used == set(results.FIELDS), set(results.FIELDS) - used          # no stale entries
    assert not {"hamiltonian", "energy_trace", "walkers", "magnetizations"} & used
    for name in results.FIELDS:
        assert f"{name}  " in results.__doc__                                 # the table is published


def test_records_of_runs_are_results_and_values_with_errors_are_estimates():
    from statmech import results
    from statmech.records import Estimate, RunRecord
    quantities_of_runs = {results.DensityOfStates, results.LogLikelihood}      # a quantity, possibly from a run
    for cls in results.RECORDS:
        if cls.__name__.endswith("Result"):
            assert issubclass(cls, RunRecord), cls
        elif issubclass(cls, RunRecord):
            assert cls in quantities_of_runs, cls
    assert issubclass(results.LogLikelihood, Estimate)
