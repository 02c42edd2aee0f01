"""Detailed balance and stationarity of every move, by exact transition matrices on tiny
systems and by one move of the real kernels applied to exact Boltzmann samples."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import statmech
from statmech import mc
from statmech.unit_types import unit_up_probability
from statmech.mc import acceptance as rules
from statmech.rng import random_streams, uniform
from statmech.models import RBM, Ising
from statmech.models.strategies import models
from statmech.testing.strategies import pairwise_hamiltonians

from reference import (all_states, boltzmann, chi_square_p_value, cluster_transition_matrix, exact_samples,
                       state_index)


def single_flip_matrix(hamiltonian, beta, i, rule):
    """P_i(s -> s'): propose flipping variable i, accept with the kernels' own probability."""
    states = all_states(hamiltonian.n, hamiltonian.domain)
    delta_energy = hamiltonian.delta_energy(states, i)
    accept = np.array([rules.acceptance_probability(rule, beta * d) for d in delta_energy])
    flipped = states.copy()
    flipped[:, i] = (1 + (-1 if hamiltonian.domain == "spin" else 0)) - flipped[:, i]
    P = np.diag(1 - accept)
    P[np.arange(len(states)), state_index(flipped, hamiltonian.domain)] += accept
    return P


@pytest.mark.parametrize("rule", [rules.METROPOLIS, rules.HEAT_BATH])
@given(hamiltonian=models(max_n=6), beta=st.floats(0.1, 2.0))
def test_single_variable_updates_obey_detailed_balance_and_sweeps_are_stationary(rule, hamiltonian, beta):
    states = all_states(hamiltonian.n, hamiltonian.domain)
    pi = boltzmann(hamiltonian.energy(states), beta)
    sweep = np.eye(len(states))
    for i in range(hamiltonian.n):
        P = single_flip_matrix(hamiltonian, beta, i, rule)
        np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
        flow = pi[:, None] * P
        np.testing.assert_allclose(flow, flow.T, atol=1e-13)         # pi_i P_ij = pi_j P_ji
        sweep = sweep @ P
    np.testing.assert_allclose(pi @ sweep, pi, atol=1e-12)            # pi P = pi


@given(pairwise_hamiltonians(max_n=5, domain="binary"), st.floats(0.1, 2.0))
def test_binary_domain_single_flip_balance(hamiltonian, beta):
    states = all_states(hamiltonian.n, "binary")
    pi = boltzmann(hamiltonian.energy(states), beta)
    for i in range(hamiltonian.n):
        flow = pi[:, None] * single_flip_matrix(hamiltonian, beta, i, rules.METROPOLIS)
        np.testing.assert_allclose(flow, flow.T, atol=1e-13)


@pytest.mark.parametrize("kind", ["wolff", "swendsen_wang"])
@pytest.mark.parametrize("beta", [0.2, 0.7])
def test_cluster_moves_obey_detailed_balance(kind, beta):
    rng = np.random.default_rng(1)
    ring = Ising.from_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)], couplings=rng.uniform(0.2, 1.5, 5))
    states = all_states(4, "spin")
    pi = boltzmann(ring.energy(states), beta)
    P = cluster_transition_matrix(ring.couplings, beta, kind)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    flow = pi[:, None] * P
    np.testing.assert_allclose(flow, flow.T, atol=1e-13)
    np.testing.assert_allclose(pi @ P, pi, atol=1e-13)


@pytest.mark.parametrize("domain", ["binary", "spin"])
def test_block_gibbs_is_stationary(domain):
    rbm = RBM.random(3, 2, scale=1.0, seed=4, bias_scale=0.7).to_domain(domain)
    beta = 0.8
    states = all_states(rbm.n, domain)
    pi = boltzmann(rbm.energy(states), beta)
    v, h = rbm.split(states)
    low = -1 if domain == "spin" else 0

    def layer_probability(target, probabilities):
        up = target[None, :, :] == 1
        return np.where(up, probabilities[:, None, :], 1 - probabilities[:, None, :]).prod(-1)

    # The sampler's own conditional: p(unit = 1 | other layer) = unit_up_probability(field).
    p_h = layer_probability(h, unit_up_probability(v @ rbm.weights + rbm.hidden_bias, beta, low))
    p_v = layer_probability(v, unit_up_probability(h @ rbm.weights.T + rbm.visible_bias, beta, low))
    # T[(v,h) -> (v',h')] = p(h' | v) p(v' | h'): p_h[a, b] = p(h_b | v_a), p_v[b, b] = p(v_b | h_b).
    transition = p_h * np.diag(p_v)[None, :]
    np.testing.assert_allclose(transition.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(pi @ transition, pi, atol=1e-13)


@pytest.mark.parametrize("rule", [rules.METROPOLIS, rules.HEAT_BATH])
def test_rejecting_without_an_exp_keeps_every_decision(rule):
    """``accept`` rejects most uphill draws by a bound, without the exp: the largest draw
    u < p = acceptance_probability(x) is never rejected by it (it is monotone in u), for x
    from 1e-12 (below its threshold) to past exp's range; it does reject where it should;
    and ``accept`` decides as ``uniform() < p`` does, from the same draws."""
    for x in np.concatenate([np.geomspace(1e-12, 800.0, 20001), [0.015625]]):
        p = rules.acceptance_probability(rule, x)
        assert not rules.rejects_without_exp(np.nextafter(p, 0.0), x), x
    assert rules.rejects_without_exp(0.9, 1.0) and not rules.rejects_without_exp(0.9, 0.01)
    stream = random_streams(np.random.SeedSequence(3), (1,))[0]
    ours, theirs = stream.copy(), stream.copy()
    x = np.random.default_rng(4).exponential(2.0, 5000) - 0.5
    decisions = [rules.accept(rule, value, ours) for value in x]
    reference = [rule == rules.METROPOLIS and value < 0.0
                 or uniform(theirs) < rules.acceptance_probability(rule, value) for value in x]
    assert decisions == reference and np.array_equal(ours, theirs)
    assert 0 < sum(decisions) < len(x)


@given(pairwise_hamiltonians(max_n=3, domain="spin"), st.floats(0.2, 1.0), st.floats(1.1, 3.0))
def test_replica_exchange_is_stationary(hamiltonian, beta_hot, beta_cold):
    """Joint chain over (s at beta_hot, s' at beta_cold): the swap move keeps prod_b pi_b."""
    states = all_states(hamiltonian.n, "spin")
    energies = hamiltonian.energy(states)
    m = len(states)
    pi = np.outer(boltzmann(energies, beta_hot), boltzmann(energies, beta_cold)).ravel()
    P = np.zeros((m * m, m * m))
    for a in range(m):
        for b in range(m):
            x = (beta_hot - beta_cold) * (energies[a] - energies[b])
            p = rules.acceptance_probability(rules.METROPOLIS, -x)
            P[a * m + b, b * m + a] += p
            P[a * m + b, a * m + b] += 1 - p
    np.testing.assert_allclose(pi @ P, pi, atol=1e-14)


TORUS = Ising.lattice((2, 4))   # 8 spins, even sides: checkerboard available


@pytest.mark.parametrize("sampler", [mc.Metropolis(checkerboard=True), mc.Metropolis(checkerboard=False, lanes=False),
                                     mc.Metropolis(lanes=True), mc.HeatBath(checkerboard=True),
                                     mc.HeatBath(lanes=False), mc.HeatBath(lanes=True), mc.Wolff(), mc.SwendsenWang()],
                         ids=repr)
def test_one_move_keeps_exact_boltzmann_samples_boltzmann(sampler):
    beta = 0.35
    initial, pi = exact_samples(TORUS, beta, 100_000, seed=0)
    moved = statmech.sample(TORUS, beta, sampler=sampler, n_sweeps=1, n_chains=len(initial),
                            initial_states=initial, seed=1, progress=False).states
    assert chi_square_p_value(moved, pi, "spin") > 1e-3
    # A deliberately broken move (acceptance computed at the wrong temperature) is caught.
    broken = statmech.sample(TORUS, 1.5 * beta, sampler=sampler, n_sweeps=1, n_chains=len(initial),
                             initial_states=initial, seed=1, progress=False).states
    assert chi_square_p_value(broken, pi, "spin") < 1e-8


@pytest.mark.parametrize("hamiltonian", [Ising.square(5).to_domain("binary"), Ising.chain(7, h=0.3),
                                         RBM.random(4, 3, scale=1.0, seed=2).to_domain("spin"),
                                         statmech.models.SherringtonKirkpatrick(7, seed=2)], ids=repr)
def test_heat_bath_lanes_run_the_scalar_kernels_chains(hamiltonian):
    """Heat bath draws one uniform per attempt in both kernels and chain c owns stream c,
    so the lane kernel (16-32 chains per SIMD vector, vectorised exp) must reproduce the
    scalar kernel's chains exactly, for a chain count that is not a multiple of the lane
    width (padding) and for dense couplings too (up to 2**-32 uniform-grid events)."""
    runs = [statmech.sample(hamiltonian, 0.6, sampler=mc.HeatBath(lanes=lanes), n_sweeps=200, n_chains=45,
                            seed=3, progress=False) for lanes in (False, True)]
    assert np.array_equal(runs[0].states, runs[1].states)
    np.testing.assert_allclose(runs[0].energy, runs[1].energy, atol=1e-9)
    assert np.array_equal(runs[0].magnetization, runs[1].magnetization)


def test_lanes_are_picked_for_many_chains_on_sparse_models_only():
    from statmech.mc import engines
    seed = np.random.SeedSequence(0)
    torus, dense = Ising.square(6), statmech.models.SherringtonKirkpatrick(6, seed=0)
    for model, chains, sampler, expected in (
            (torus, 64, mc.Metropolis(multispin=False), engines.LaneEngine),
            (torus, 8, mc.Metropolis(multispin=False), engines.PairwiseEngine),
            (torus, 64, mc.Metropolis(lanes=False), engines.PairwiseEngine),
            (dense, 64, mc.HeatBath(), engines.PairwiseEngine),
            (dense, 4, mc.HeatBath(lanes=True), engines.LaneEngine)):
        engine = sampler.engine(model, model.random_states(chains, seed=0), np.ones(chains), seed)
        assert type(engine) is expected, (model, chains, sampler)
    with pytest.raises(ValueError, match="exclude each other"):
        mc.Metropolis(checkerboard=True, lanes=True).engine(torus, torus.random_states(2, seed=0), np.ones(2), seed)
