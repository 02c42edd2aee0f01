"""Monte Carlo on bipartite models of every pair of unit types: block-Gibbs chains are
stationary on the exact distribution (chi-square of the discrete layer's states, mean
energy in units of its error bar), AIS from a base of the same unit types matches exact
ln Z within its error bar, and what cannot be sampled is refused."""
import itertools

import numpy as np
import pytest
from scipy import stats

import statmech
from unit_pairs import pairs, solvable
from statmech import BipartiteHamiltonian
from statmech.mc import BlockGibbs, HeatBath
from statmech.mc.free_energy import ais
from statmech.schedules import linear



def model(visible, hidden, n_visible=2, n_hidden=3, seed=0, scale=0.4):
    rng = np.random.default_rng(seed)
    return BipartiteHamiltonian(rng.normal(0, scale, (n_visible, n_hidden)), rng.normal(0, 0.5, n_visible),
                                rng.normal(0, 0.5, n_hidden), offset=0.25, visible=visible, hidden=hidden)


def _layer_probabilities(H, beta, layer):
    """Exact p of every state of a two-state layer, from its marginal free energy."""
    units = H.visible_units if layer == "visible" else H.hidden_units
    size = H.n_visible if layer == "visible" else H.n_hidden
    states = np.array(list(itertools.product([units.low, 1.0], repeat=size)))
    free_energy = H.free_energy_visible(states, beta) if layer == "visible" else H.free_energy_hidden(states, beta)
    log_p = -beta * free_energy - statmech.exact(H, beta).log_z
    return states, np.exp(log_p)


@pytest.mark.parametrize("visible, hidden", pairs(solvable))
def test_block_gibbs_is_stationary_on_the_exact_distribution(visible, hidden):
    H = model(visible, hidden)
    beta = 1.3
    sampler = None if H.domain is None else BlockGibbs()      # the default for unit types
    samples = statmech.sample(H, beta, sampler=sampler, n_chains=2000, n_sweeps=40, burn_in=40, seed=3,
                              progress=False)
    assert samples.sampler == "BlockGibbs()"
    assert samples.states.dtype == (np.int8 if H.domain else np.float64)
    # mean energy in units of its error bar (chains independent; 40 sweeps are many
    # autocorrelation times for these weakly coupled models)
    chain_means = samples.energy.mean(axis=1)
    error = chain_means.std(ddof=1) / np.sqrt(len(chain_means))
    assert abs(chain_means.mean() - statmech.exact(H, beta).energy) < 4 * error
    # the final states of a two-state layer against its exact marginal
    layer = "visible" if H.visible_units.discrete else "hidden" if H.hidden_units.discrete else None
    if layer is None:
        return
    states, p = _layer_probabilities(H, beta, layer)
    assert p.sum() == pytest.approx(1.0, rel=1e-10)
    part = samples.states[:, :H.n_visible] if layer == "visible" else samples.states[:, H.n_visible:]
    counts = np.array([np.all(part == s, axis=1).sum() for s in states])
    assert counts.sum() == len(part)
    assert stats.chisquare(counts, p * len(part)).pvalue > 1e-3


@pytest.mark.parametrize("visible, hidden", pairs(solvable))
def test_ais_from_a_base_of_the_same_unit_types(visible, hidden):
    H = model(visible, hidden, n_visible=3, n_hidden=3)
    base = BipartiteHamiltonian(np.zeros((3, 3)), H.visible_bias, np.zeros(3), visible=visible, hidden=hidden)
    exact = statmech.exact(H, 1.0).log_z
    for sampler in (None, BlockGibbs()):       # hidden layer summed out, and the full-state engine path
        result = ais(H, linear(0.0, 1.0, 200), base=base, n_chains=400, n_sweeps=1, sampler=sampler, seed=5,
                     progress=False)
        assert 0 < result.log_z_err < 0.05
        assert abs(result.log_z - exact) < 4 * result.log_z_err, (sampler, result.log_z, exact)


def test_sampling_with_unit_types_is_seeded_and_other_drivers_run():
    H = model("binary", "relu")
    a = statmech.sample(H, 1.0, n_chains=3, n_sweeps=20, seed=7, progress=False)
    b = statmech.sample(H, 1.0, n_chains=3, n_sweeps=20, seed=7, progress=False)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.energy, b.energy)
    assert np.all(a.states[:, H.n_visible:] >= 0) and set(np.unique(a.states[:, :H.n_visible])) <= {0.0, 1.0}
    np.testing.assert_allclose(a.energy[:, -1], H.energy(a.states))
    # resumed from initial states of the model's kind
    c = statmech.sample(H, 1.0, n_chains=3, n_sweeps=5, seed=8, initial_states=a.states, progress=False)
    assert c.states.shape == a.states.shape
    annealed = statmech.anneal(H, linear(0.2, 3.0, 20), n_chains=4, seed=1, progress=False)
    np.testing.assert_allclose(annealed.best_energy, H.energy(annealed.best_states))
    assert annealed.best_states.dtype == np.float64
    tempered = statmech.parallel_tempering(H, [0.5, 1.0], n_sweeps=10, n_chains=2, seed=1, progress=False)
    assert tempered.overlap is None and tempered.energy.shape == (2, 2, 10)


def test_what_cannot_be_sampled_is_refused():
    H = model("gaussian", "binary")
    with pytest.raises(ValueError, match="sampler must be BlockGibbs"):
        statmech.sample(H, 1.0, sampler=HeatBath(), progress=False)
    with pytest.raises(ValueError, match="beta must be > 0 for gaussian units"):
        statmech.sample(H, 0.0, progress=False)
    with pytest.raises(ValueError, match="beta must be > 0"):
        statmech.anneal(H, linear(0.0, 1.0, 5), progress=False)
    with pytest.raises(ValueError, match="visible part"):
        statmech.sample(H, 1.0, n_chains=1, initial_states=[[0.5, np.nan, 0, 1, 0]], progress=False)
    with pytest.raises(ValueError, match="base is required"):
        ais(H, linear(0.0, 1.0, 10), progress=False)
    base = BipartiteHamiltonian(np.zeros((2, 3)), visible="gaussian", hidden="spin")
    with pytest.raises(ValueError, match="unit types"):
        ais(H, linear(0.0, 1.0, 10), base=base, progress=False)
    unbounded = BipartiteHamiltonian(1.5 * np.eye(2), visible="gaussian", hidden="gaussian")
    with pytest.raises(ValueError, match="singular value of W"):
        statmech.sample(unbounded, 1.0, progress=False)
