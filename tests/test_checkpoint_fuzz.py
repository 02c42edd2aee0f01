"""A checkpoint fuzzer: every array of a checkpoint of every driver, replaced by a wrong
shape, a wrong dtype, NaN or a value out of its range, gives a ValueError naming the file
and the array, never a run that continues from it (found: a one-row states array was
broadcast to every chain and the run resumed to E = -134 on a model whose minimum is
-22; NaN and negative betas and an all-zero generator were accepted; structural damage
gave raw KeyError, broadcast and AttributeError messages)."""
import re

import numpy as np
import pytest

import statmech
from statmech import learning, mc
from statmech.models import RBM, EdwardsAnderson, Ising, SherringtonKirkpatrick
from statmech.records import load_npz, save_npz

from reference import Triangles


GLASS = EdwardsAnderson.square(4, "pm1", seed=1)
DATA = (np.random.default_rng(0).random((12, 5)) < 0.5).astype(float)
SPINS = np.where(np.random.default_rng(1).random((20, 4)) < 0.6, 1, -1)

# name: run(path) -> result; run once to write the checkpoint, again to resume from it.
SCENARIOS = {
    "sample-pairwise": lambda path: statmech.sample(GLASS, 0.5, n_sweeps=6, n_chains=3, burn_in=2, seed=0,
                                                    checkpoint=path, progress=False),
    "sample-float32": lambda path: statmech.sample(SherringtonKirkpatrick(6, seed=2), 0.7, n_sweeps=6, n_chains=3,
                                                   sampler=mc.Metropolis(precision="float32"), seed=0,
                                                   checkpoint=path, progress=False),
    "sample-multispin": lambda path: statmech.sample(GLASS, 0.5, n_sweeps=6, n_chains=64, seed=0, checkpoint=path,
                                                     progress=False),
    "sample-lanes": lambda path: statmech.sample(SherringtonKirkpatrick(6, seed=2), 0.7, n_sweeps=6, n_chains=40,
                                                 sampler=mc.Metropolis(lanes=True), seed=0, checkpoint=path,
                                                 progress=False),
    "sample-checkerboard": lambda path: statmech.sample(Ising.square(32), 0.4, n_sweeps=4, n_chains=2, seed=0,
                                                        checkpoint=path, progress=False),
    "sample-wolff": lambda path: statmech.sample(Ising.square(4), 0.4, n_sweeps=6, n_chains=3, sampler=mc.Wolff(),
                                                 seed=0, checkpoint=path, progress=False),
    "sample-block-gibbs": lambda path: statmech.sample(RBM.random(4, 3, scale=0.3, seed=0, visible="gaussian"), 1.0,
                                                       n_sweeps=6, n_chains=3, seed=0, checkpoint=path,
                                                       progress=False),
    "sample-generic": lambda path: statmech.sample(Triangles(6), 0.5, n_sweeps=6, n_chains=3, seed=0,
                                                   checkpoint=path, progress=False),
    "tempering-multispin": lambda path: statmech.parallel_tempering(GLASS, [0.2, 0.5, 0.9], n_sweeps=6, seed=0,
                                                                    checkpoint=path, progress=False),
    "tempering-pairwise": lambda path: statmech.parallel_tempering(SherringtonKirkpatrick(6, seed=2),
                                                                   [0.2, 0.5, 0.9], n_sweeps=6, seed=0,
                                                                   checkpoint=path, progress=False),
    "tempering-batch": lambda path: mc.parallel_tempering_batch(
        [GLASS, EdwardsAnderson.square(4, "pm1", seed=2)], [0.2, 0.5], n_sweeps=6, seed=0, checkpoint=path,
        progress=False),
    "population-annealing": lambda path: mc.population_annealing(GLASS, [0.1, 0.3, 0.5], n_chains=40,
                                                                 n_populations=4, seed=0, checkpoint=path,
                                                                 progress=False),
    "wang-landau": lambda path: mc.wang_landau(Ising.square(4), check_every=1000, log_f_final=1e-2, seed=0,
                                               checkpoint=path, progress=False),
    "boltzmann-pcd": lambda path: learning.boltzmann_learning(statmech.PairwiseHamiltonian(np.zeros((4, 4))), SPINS,
                                                              method="pcd", n_iter=3, n_chains=4, seed=0,
                                                              checkpoint=path, progress=False),
    "boltzmann-exact-sgd": lambda path: learning.boltzmann_learning(
        statmech.PairwiseHamiltonian(np.zeros((4, 4))), SPINS, n_iter=3, optimizer=statmech.nn.optim.SGD(0.1, 0.5),
        seed=0, checkpoint=path, progress=False),
    "rbm-pcd": lambda path: learning.BernoulliRBM(n_components=3, n_iter=2, batch_size=5, random_state=0).fit(
        DATA, checkpoint=path),
    "rbm-tap2-adam": lambda path: learning.BernoulliRBM(n_components=3, n_iter=2, batch_size=5, random_state=0,
                                                        method="tap2", optimizer="adam").fit(DATA, checkpoint=path),
}
FAST = ("sample-pairwise", "tempering-pairwise", "rbm-pcd")     # kernels the fast tier compiles anyway


def out_of_range(name, array):
    """(a value of array ``name`` out of its range, the array the error should name), or
    None where every finite value of the right shape and dtype is valid."""
    bad = array.copy()
    if name.endswith("rng") and name != "resample_rng" and name != "epoch_rng" or name == "term_streams":
        bad[...] = 0                                    # generators that never leave zero
        return bad, name
    rules = {
        "states": (lambda a: a.flat.__setitem__(-1, 3.0), None),        # the last unit: binary in every model here
        "black": (lambda a: a.flat.__setitem__(0, 3), None), "white": (lambda a: a.flat.__setitem__(0, 3), None),
        # site 0 flipped in every chain of the word (one spin flip can leave E unchanged)
        "spins": (lambda a: a.__setitem__((0, 0), ~a[0, 0]), "engine_lane_energy"),
        "energy": (lambda a: a.flat.__setitem__(0, a.flat[0] + 1.0), None),
        "local": (lambda a: a.flat.__setitem__(0, a.flat[0] + 1.0), None),
        "betas": (lambda a: a.flat.__setitem__(0, -1.0), None),
        "accepted": (lambda a: a.flat.__setitem__(0, -1), None),
        "magnetization": (lambda a: a.flat.__setitem__(0, 1e9), None),
        "progress": (lambda a: a.__setitem__(1, a[1] + 1), None),
        "chain_at_beta": (lambda a: a.__setitem__((0, 0), a[0, 1]), None),
        "swap_accepted": (lambda a: a.flat.__setitem__(0, -1), None),
        "swap_attempted": (lambda a: a.flat.__setitem__(0, a.flat[0] + 1), None),
        "direction": (lambda a: a.flat.__setitem__(0, 5), None),
        "round_trips": (lambda a: a.flat.__setitem__(0, -1), None),
        "overlap": (lambda a: a.flat.__setitem__(0, 2.0), None),
        "link_overlap": (lambda a: a.flat.__setitem__(0, 2.0), None),
        "fourier_overlap": (lambda a: a.flat.__setitem__(0, -1.0), None),
        "fourier_magnetization": (lambda a: a.flat.__setitem__(0, -1.0), None),
        "best_states": (lambda a: a.flat.__setitem__(0, 3), None),
        "best_energy": (lambda a: a.flat.__setitem__(0, a.flat[0] - 1.0), None),    # not its state's energy
        "ess": (lambda a: a.flat.__setitem__(0, 0.5), None),
        "family": (lambda a: a.flat.__setitem__(0, -1), None),
        "hist": (lambda a: a.flat.__setitem__(0, -1), None),
        "visited": (lambda a: a.__setitem__(..., False), None),
        "log_f": (lambda a: a.flat.__setitem__(0, -1.0), None),
        "moment2": (lambda a: a.flat.__setitem__(0, -1.0), None),
        "adam_t": (lambda a: a.__setitem__((), a + 1), None),
        "gradient_norm": (lambda a: a.flat.__setitem__(0, -1.0), None),
        "term_state": (lambda a: a.flat.__setitem__(0, 2.0), None),
        "position": (lambda a: a.__setitem__(0, a[0] + 1), None),
    }
    if name in ("resample_rng", "epoch_rng"):
        return np.array("not a generator state"), name
    key = name.removeprefix("engine_").removeprefix("lane_")
    key = "moment2" if key.startswith("moment2_") else key
    if key.endswith("energy") and not name.startswith("engine_") and key != "best_energy":
        return None                                     # a trace: any finite value
    if key in ("log_z_pop", "one_over_t", "history", "log_g") or key.startswith(("param_", "moment1_", "velocity_")):
        return None
    if key not in rules:
        raise AssertionError(f"the fuzzer knows no out-of-range value for {name!r}: add one")
    mutate, named = rules[key]
    if name == "engine_states" and bad.dtype == np.float64 and bad.ndim == 3:      # lanes: (blocks, n, lanes)
        bad[0, -1, 0] = 3.0
    else:
        mutate(bad)
    return bad, named or name


def wrong_shape(array):
    return array.reshape(1) if array.ndim == 0 else np.concatenate([array, array[..., :1]], axis=-1)


def wrong_dtype(array):
    if array.dtype.kind == "U":
        return np.array(str(array).encode())
    other = {"f": np.float32, "i": np.int32, "u": np.int64, "b": np.int8}[array.dtype.kind]
    return array.astype(np.float64 if array.dtype == np.float32 else other)


def corruptions(arrays):
    """(label, arrays, metadata change, field the error must name) of every corruption."""
    for name, array in arrays.items():
        yield f"{name}:shape", {**arrays, name: wrong_shape(array)}, name
        yield f"{name}:dtype", {**arrays, name: wrong_dtype(array)}, name
        if array.dtype.kind == "f":
            nan = array.copy()
            nan.flat[0] = np.nan
            yield f"{name}:nan", {**arrays, name: nan}, name
        bad = out_of_range(name, array)
        if bad is not None:
            yield f"{name}:value", {**arrays, name: bad[0]}, bad[1]
        yield f"{name}:missing", {k: v for k, v in arrays.items() if k != name}, name
    yield "extra", {**arrays, "junk": np.zeros(3)}, "junk"


def fuzz(scenario, tmp_path):
    run = SCENARIOS[scenario]
    original = tmp_path / "original.npz"
    run(original)
    arrays, metadata = load_npz(original)
    run(original)                                        # the intact file resumes
    path = tmp_path / "damaged.npz"
    tried = 0
    for label, damaged, field in corruptions(arrays):
        save_npz(path, damaged, metadata)
        try:
            with pytest.raises(ValueError, match=rf"checkpoint '{re.escape(str(path))}' is damaged: {field} "):
                run(path)
        except (AssertionError, pytest.fail.Exception) as failure:
            raise AssertionError(f"{scenario}, {label}: {failure}") from None
        tried += 1
    for label, bad_metadata in (("metadata", ["not", "a", "dict"]), ("step", dict(metadata, step=-1)),
                                ("seed", dict(metadata, seed={"entropy": "x"}))):
        save_npz(path, arrays, bad_metadata)
        with pytest.raises(ValueError, match=rf"checkpoint '{re.escape(str(path))}' is damaged"):
            run(path)
    assert tried >= 4 * len(arrays)


@pytest.mark.parametrize("scenario", FAST)
def test_a_damaged_checkpoint_is_refused_naming_the_array(scenario, tmp_path):
    fuzz(scenario, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s not in FAST])
def test_every_drivers_damaged_checkpoint_is_refused_naming_the_array(scenario, tmp_path):
    fuzz(scenario, tmp_path)
