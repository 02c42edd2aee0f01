"""Multi-spin coding primitives: the per-lane Bernoulli word, exact and bit for bit."""
import numpy as np
import pytest

from statmech._simd import vload, vselect, vstore
from statmech.jit import njit
from statmech.mc.engines.multispin_kernels import N_PLANES, bernoulli_word, probability_planes
from statmech.rng import next_uint64, random_streams, xoshiro_vector_step

P = np.concatenate([[0.0, 1.0, 0.5, 1 / 3, 1e-6, 1 - 1e-6, np.exp(-8 * 0.44)],
                    np.random.default_rng(0).random(57)])


def _stream(seed):
    return random_streams(np.random.SeedSequence(seed), (1,))[0].copy()


def _reference(p, rng):
    """Lane by lane: U_l < floor(p_l 2^53), U_l's bits (most significant first) being bit l of
    successive random words, read until every lane with 0 < p < 1 is decided."""
    k = [int(np.floor(q * 2.0 ** N_PLANES)) if q < 1 else None for q in p]
    outcome = [q == 1.0 for q in p]
    undecided = {lane for lane, q in enumerate(p) if 0 < q < 1}
    for j in range(N_PLANES):
        if not undecided:
            break
        r = int(next_uint64(rng))
        for lane in sorted(undecided):
            u, bit = (r >> lane) & 1, (k[lane] >> (N_PLANES - 1 - j)) & 1
            if u != bit:
                outcome[lane] = bit == 1
                undecided.discard(lane)
    return sum(1 << lane for lane, value in enumerate(outcome) if value)


def test_bernoulli_word_is_bit_for_bit_the_lane_by_lane_comparison():
    planes, certain, fixed = probability_planes(P)
    fast, slow = _stream(1), _stream(1)
    for _ in range(200):
        assert int(bernoulli_word(planes, certain, fixed, fast)) == _reference(P, slow)
        np.testing.assert_array_equal(fast, slow)        # the same random words consumed


@njit
def _vector_steps(states, active, n_steps):
    """n_steps of xoshiro_vector_step on the four streams states (4, 4) (column = stream);
    the outputs (n_steps, 4); written back into ``states``: the stepped state where
    ``active`` is all ones, the first where it is 0 (``vselect``, as ``_select`` keeps the
    state of a word that read no more)."""
    group = (0, 0, 0, 0)
    s0, s1, s2, s3 = vload(states, 0, group), vload(states, 4, group), vload(states, 8, group), vload(states, 12, group)
    t0, t1, t2, t3 = s0, s1, s2, s3
    mask = vload(active, 0, group)
    out = np.empty((n_steps, 4), np.uint64)
    for t in range(n_steps):
        r, t0, t1, t2, t3 = xoshiro_vector_step(t0, t1, t2, t3)
        vstore(out, 4 * t, r)
    vstore(states, 0, vselect(mask, t0, s0))
    vstore(states, 4, vselect(mask, t1, s1))
    vstore(states, 8, vselect(mask, t2, s2))
    vstore(states, 12, vselect(mask, t3, s3))
    return out


def test_vector_xoshiro_is_the_scalar_stream_in_every_element():
    streams = random_streams(np.random.SeedSequence(5), (4,))
    active = np.array([~np.uint64(0), 0, ~np.uint64(0), 0], np.uint64)
    states = np.ascontiguousarray(streams.T)
    outputs = _vector_steps(states, active, 10)
    for g in range(4):
        scalar = streams[g].copy()
        np.testing.assert_array_equal(outputs[:, g], [next_uint64(scalar) for _ in range(10)])
        np.testing.assert_array_equal(states[:, g], scalar if active[g] else streams[g])


def test_bernoulli_word_frequencies_and_lane_independence():
    planes, certain, fixed = probability_planes(P)
    rng, n = _stream(2), 20_000
    words = np.array([bernoulli_word(planes, certain, fixed, rng) for _ in range(n)], dtype=np.uint64)
    bits = ((words[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(float)
    se = np.sqrt(P * (1 - P) / n)
    free = (P > 0) & (P < 1)
    assert np.all(np.abs(bits.mean(0) - P)[free] < 4 * se[free] + 1e-12)
    assert np.all(bits[:, P == 0] == 0) and np.all(bits[:, P == 1] == 1)
    # neighbouring lanes uncorrelated: covariance within 4 standard errors of 0
    a, b = bits[:, 2:63], bits[:, 3:64]
    cov = ((a - a.mean(0)) * (b - b.mean(0))).mean(0)
    cov_se = np.sqrt(P[2:63] * (1 - P[2:63]) * P[3:64] * (1 - P[3:64]) / n)
    assert np.all(np.abs(cov) < 4 * cov_se + 1e-12)


def test_bernoulli_word_reads_about_log2_64_words():
    planes, certain, fixed = probability_planes(np.full(64, 0.3))
    rng, before = _stream(3), None
    counts = []
    for _ in range(2000):
        before = rng.copy()
        bernoulli_word(planes, certain, fixed, rng)
        used, probe = 0, before.copy()
        while not np.array_equal(probe, rng):
            next_uint64(probe)
            used += 1
        counts.append(used)
    assert 6 < np.mean(counts) < 10            # E = sum_j 1 - (1 - 2^-j)^64 ~ 7.3 for 64 undecided lanes


@pytest.mark.parametrize("p, message", [(np.full(65, 0.5), "at most 64"), ([0.5, 1.5], r"in \[0, 1\]"),
                                        ([np.nan], r"in \[0, 1\]")])
def test_probability_planes_refuses_bad_probabilities(p, message):
    with pytest.raises(ValueError, match=message):
        probability_planes(p)


# -- packed sweeps ----------------------------------------------------------------------------

from statmech import PairwiseHamiltonian, exact                              # noqa: E402
from statmech.exact import all_states                                        # noqa: E402
from statmech.mc.acceptance import HEAT_BATH, METROPOLIS, acceptance_probability  # noqa: E402
from statmech.mc.engines.multispin_kernels import (GROUP, class_planes, multispin_run, pack, packed_batch,  # noqa: E402
                                    packed_lattice, sweep_plan, unpack)
from statmech.models import EdwardsAnderson                                  # noqa: E402


def _circulant(n=12, seed=0):
    """A 6-regular +-1 spin glass (i ~ i +- 1, 2, 3 mod n): exercises the third counter bit."""
    rng = np.random.default_rng(seed)
    J = np.zeros((n, n))
    for i in range(n):
        for d in (1, 2, 3):
            J[i, (i + d) % n] = J[(i + d) % n, i] = rng.choice([-1.0, 1.0])
    return PairwiseHamiltonian(J)


def _setup(model, betas, rule, seed, n_words=1):
    """(lattice, (sweep plan, fold, planes, certain, fixed), packed random states, streams)."""
    lattice = packed_lattice(model)
    betas = np.broadcast_to(betas, (n_words, 64))
    planes = class_planes(lattice, betas, rule)
    spins = pack(model.random_states(64 * n_words, seed=seed))
    rng = random_streams(np.random.SeedSequence(seed), (n_words,)).copy()
    every_lane = np.full(n_words, ~np.uint64(0))
    return lattice, (*sweep_plan(lattice, rule, planes[1], every_lane), *planes), spins, rng


def _sweeps(lattice, planes, spins, rng, n_sweeps):
    """n_sweeps packed sweeps of every word (the engine's kernel); the flips (n_words, 64)."""
    n_words, n_chains = spins.shape[0], 64 * spins.shape[0]
    accepted = np.zeros((n_words, 64), np.int64)
    constants = np.array([lattice.magnitude, lattice.field, lattice.offset])
    plan, fold, *planes = planes
    multispin_run(spins, lattice.neighbours, lattice.anti, lattice.frustrated, plan, fold, constants, *planes, rng,
                  accepted, 1, n_sweeps, np.empty(n_chains),
                  np.empty((n_chains, 1)), np.empty((n_chains, 1)), 0)
    return accepted


def _reference_sweep(model, lattice, betas, rule, spins, rng, flips, anti=None):
    """One sweep, site by site and lane by lane: count the lane's unsatisfied bonds u, accept
    with acceptance_probability(beta_l (2 J (z - 2u) + 2 h s_i)), drawn by the lane-by-lane
    comparison; flips counted per lane. Without a field, heat bath draws a lane of class
    u > z / 2 (the mirror of z - u) with the mirror's probability and flips on a no
    (Metropolis never: its tie, accepted with METROPOLIS_TIE, is not 1 minus itself). ``anti`` (64, n, z): each
    lane's own bonds (1 on -J), else the lattice's for every lane."""
    states = unpack(spins[None]).astype(int)        # (64, n)
    anti = np.broadcast_to(lattice.anti, (64,) + lattice.neighbours.shape) if anti is None else anti
    for i in range(model.n):
        u = np.array([sum(states[l, i] * states[l, j] * (-1 if a else 1) < 0
                          for j, a in zip(lattice.neighbours[i], anti[l, i])) for l in range(64)])
        delta = 2 * lattice.magnitude * (lattice.z - 2 * u) + 2 * lattice.field * states[:, i]
        mirrored = (2 * u > lattice.z) & (lattice.field == 0) & (rule == HEAT_BATH)
        delta = np.where(mirrored, -delta, delta)
        word = _reference([acceptance_probability(rule, betas[l] * delta[l]) for l in range(64)], rng)
        word ^= sum(1 << lane for lane in range(64) if mirrored[lane])
        for l in range(64):
            if (word >> l) & 1:
                states[l, i] *= -1
                flips[l] += 1
    return pack(states)[0]


@pytest.mark.parametrize("rule", [METROPOLIS, HEAT_BATH])
@pytest.mark.parametrize("field", [0.0, pytest.param(0.3, marks=pytest.mark.slow)])     # slow: one more kernel
@pytest.mark.parametrize("n_words", [1, pytest.param(len(GROUP) + 1, marks=pytest.mark.slow)])   # slow: the group kernel
def test_packed_sweeps_are_bit_for_bit_the_lane_by_lane_update(rule, field, n_words):
    """One word swept alone, or five: two SIMD groups, the second with three idle columns.
    Every word is the reference's lane-by-lane update of that word, stream included."""
    glass = EdwardsAnderson.square(3, "pm1", seed=1)
    model = PairwiseHamiltonian(glass.couplings, np.full(glass.n, field))
    betas = np.linspace(0.0, 1.5, 64) + np.arange(n_words)[:, None] * np.array([0.0] + [0.1] * 63)
    lattice, planes, spins, rng = _setup(model, betas, rule, seed=3, n_words=n_words)
    assert lattice.n_classes == (lattice.z + 1) * (2 if field else 1)
    slow_spins, slow_rng = spins.copy(), rng.copy()     # lane 0 at beta = 0: Metropolis draws every class
    for _ in range(3):
        flips = _sweeps(lattice, planes, spins, rng, 1)
        for w in range(n_words):
            slow_flips = np.zeros(64, np.int64)
            slow_spins[w] = _reference_sweep(model, lattice, betas[w], rule, slow_spins[w], slow_rng[w], slow_flips)
            np.testing.assert_array_equal(flips[w], slow_flips)
        np.testing.assert_array_equal(spins, slow_spins)
        np.testing.assert_array_equal(rng, slow_rng)


def test_metropolis_reads_only_the_classes_that_need_random_bits():
    """Without a field and at beta > 0 Metropolis accepts every downhill move (u > z / 2
    unsatisfied bonds), so the plan draws only the uphill and level classes (that this
    changes no chain is the bit-for-bit test's: its reference reads every class); with a
    lane at beta = 0 (every move a tie, accepted with METROPOLIS_TIE, which is not 1 minus
    itself, so no fold) every class is drawn, as with a field."""
    model = EdwardsAnderson.square(3, "pm1", seed=1)
    betas = np.linspace(0.1, 1.5, 64)
    lattice, planes, spins, rng = _setup(model, betas, METROPOLIS, seed=3)
    (bonds, classes, drawn), fold = planes[:2]
    assert len(classes) == lattice.n_classes == 5
    assert len(drawn) == np.count_nonzero(lattice.deltas >= 0) == 3 and fold[0] == 0
    betas[[0, 5]] = 0.0
    (_, _, drawn), fold = _setup(model, betas, METROPOLIS, seed=3)[1][:2]
    assert len(drawn) == 5 and fold[0] == 0
    tiny = PairwiseHamiltonian(model.couplings * 1e-300)     # beta dE underflows to 0: ties
    (_, _, drawn), fold = _setup(tiny, np.full(64, 1e-30), METROPOLIS, seed=3)[1][:2]
    assert len(drawn) == 5 and fold[0] == 0
    assert _setup(model, betas, HEAT_BATH, seed=3)[1][1][0] == ~np.uint64(0)
    with_field = PairwiseHamiltonian(model.couplings, np.full(model.n, 0.3))
    (_, classes, drawn), fold = _setup(with_field, betas, HEAT_BATH, seed=3)[1][:2]
    assert len(drawn) == len(classes) == 10 and fold[0] == 0


@pytest.mark.slow
@pytest.mark.parametrize("rule", [METROPOLIS, HEAT_BATH])
@pytest.mark.parametrize("name", ["square", "six_regular"])
def test_packed_chains_sample_the_boltzmann_distribution(rule, name):
    from scipy import stats
    model = EdwardsAnderson.square(3, "pm1", seed=2) if name == "square" else _circulant()
    beta = 0.6
    lattice, planes, spins, rng = _setup(model, beta, rule, seed=4, n_words=2)
    _sweeps(lattice, planes, spins, rng, 100)
    states = all_states(model.n)
    index = {tuple(s): k for k, s in enumerate(states)}
    counts = np.zeros(len(states))
    for _ in range(200):                          # 200 snapshots x 128 lanes, 5 sweeps apart
        _sweeps(lattice, planes, spins, rng, 5)
        for s in unpack(spins):
            counts[index[tuple(s)]] += 1
    weights = np.exp(-beta * model.energy(states))
    expected = counts.sum() * weights / weights.sum()
    big = expected >= 5
    observed = np.append(counts[big], counts[~big].sum())
    expected = np.append(expected[big], expected[~big].sum())
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    # lanes at their own beta: mean energy of each half against exact
    betas = np.where(np.arange(64) < 32, 0.3, 1.0)
    lattice, planes, spins, rng = _setup(model, betas, rule, seed=5, n_words=2)
    _sweeps(lattice, planes, spins, rng, 100)
    energies = []
    for _ in range(300):
        _sweeps(lattice, planes, spins, rng, 5)
        energies.append(model.energy(unpack(spins)).reshape(2, 64))
    energies = np.array(energies)
    for half, b in ((slice(0, 32), 0.3), (slice(32, 64), 1.0)):
        e = energies[:, :, half].ravel()
        assert abs(e.mean() - exact(model, b).energy) < 4 * e.std() / np.sqrt(e.size) + 1e-9


@pytest.mark.parametrize("rule", [METROPOLIS, HEAT_BATH])
@pytest.mark.parametrize("n_words", [1, pytest.param(len(GROUP) + 1, marks=pytest.mark.slow)])  # slow: group kernel
def test_a_batch_of_glasses_is_swept_lane_by_lane_each_with_its_own_bonds(rule, n_words):
    """Different +-J glasses in the lanes of the same words (packed_batch; the models change
    inside a word and across words, and the last lanes are idle): every word is the
    reference's update with each lane's own bonds, and the masks are the models' bonds."""
    models = [EdwardsAnderson.square(3, "pm1", seed=s) for s in range(5)]
    per_model = (64 * n_words - 3) // len(models)           # the last 3 or more lanes hold no model
    batch = packed_batch(models, per_model)
    width = len(GROUP) if n_words >= len(GROUP) else 1
    assert batch.anti.shape == (-(-n_words // width), 9, 4, width) and batch.frustrated
    words = batch.anti.transpose(0, 3, 1, 2).reshape(-1, 9, 4)[:n_words]     # word w's masks (n, z)
    assert not batch.anti.transpose(0, 3, 1, 2).reshape(-1, 9, 4)[n_words:].any()      # idle words: +J
    lanes = (words[:, None] >> np.arange(64, dtype=np.uint64)[None, :, None, None]) & np.uint64(1)
    lanes = lanes.reshape(64 * n_words, 9, 4)              # (chains, n, z) 0/1
    for c in range(64 * n_words):
        expected = packed_lattice(models[c // per_model]).anti if c < per_model * len(models) else 0
        np.testing.assert_array_equal(lanes[c], expected)
    betas = np.linspace(0.0, 1.5, 64) + np.arange(n_words)[:, None] * np.array([0.0] + [0.1] * 63)
    _, planes, spins, rng = _setup(models[0], betas, rule, seed=3, n_words=n_words)
    slow_spins, slow_rng = spins.copy(), rng.copy()
    for _ in range(2):
        flips = _sweeps(batch, planes, spins, rng, 1)
        for w in range(n_words):
            slow_flips = np.zeros(64, np.int64)
            slow_spins[w] = _reference_sweep(models[0], batch, betas[w], rule, slow_spins[w], slow_rng[w], slow_flips,
                                             lanes[64 * w:64 * (w + 1)])
            np.testing.assert_array_equal(flips[w], slow_flips)
        np.testing.assert_array_equal(spins, slow_spins)
        np.testing.assert_array_equal(rng, slow_rng)


@pytest.mark.slow                                             # the group kernel
def test_packed_sweeps_do_not_depend_on_the_number_of_threads(thread_counts):
    """Nine words: three SIMD groups (the last padded), shared out between the threads."""
    import statmech
    model = EdwardsAnderson.square(4, "pm1", seed=0)
    results = []
    for threads in thread_counts:
        statmech.set_num_threads(threads)
        lattice, planes, spins, rng = _setup(model, 0.7, METROPOLIS, seed=6, n_words=2 * len(GROUP) + 1)
        _sweeps(lattice, planes, spins, rng, 20)
        results.append(spins)
    np.testing.assert_array_equal(results[0], results[1])


def test_packing_round_trips_and_lattices_that_cannot_be_packed_are_refused():
    from statmech.models import Ising, SherringtonKirkpatrick
    states = EdwardsAnderson.square(3, seed=0).random_states(128, seed=1)
    np.testing.assert_array_equal(unpack(pack(states)), states)
    assert packed_lattice(Ising.cubic(3)).z == 6
    with pytest.raises(ValueError, match="one magnitude"):
        packed_lattice(SherringtonKirkpatrick(8, seed=0))
    with pytest.raises(ValueError, match="one uniform field"):
        packed_lattice(PairwiseHamiltonian(Ising.square(3).couplings, np.linspace(0, 1, 9)))
    with pytest.raises(ValueError, match="at most 7 neighbours"):
        packed_lattice(Ising.lattice((3, 3, 3, 3)))
    with pytest.raises(ValueError, match="spins"):
        packed_lattice(Ising.square(3).to_domain("binary"))
    # A declared geometry gives the neighbour table, checked against the couplings (a bond
    # of zero coupling is no bond); a model without one packs when its couplings are regular.
    ea = EdwardsAnderson.cubic(3, "pm1", seed=0)
    np.testing.assert_array_equal(packed_lattice(ea).neighbours, ea.geometry.neighbours())
    couplings = np.ones(18)
    couplings[0] = 0.0
    with pytest.raises(ValueError, match="its geometry's 4"):
        packed_lattice(Ising(9, Ising.square(3).edges, couplings, geometry=Ising.square(3).geometry))
    assert packed_lattice(PairwiseHamiltonian(Ising.square(3).couplings)).z == 4


# -- through the public API: statmech.sample and parallel_tempering with MultiSpin ------------

import statmech                                                               # noqa: E402
from statmech import estimators, mc, schedules                                           # noqa: E402
from statmech.analysis.exact_results import ising_square_torus              # noqa: E402
from statmech.models import Ising                                            # noqa: E402


def _state_counts(model, beta, sampler, n_chains=128, n_snapshots=300, gap=3, seed=0):
    """Visits of each state over n_snapshots snapshots of n_chains chains, gap sweeps apart
    (each call continues the chains from the last states, with its own seed)."""
    counts = np.zeros(2 ** model.n)
    weights = 1 << np.arange(model.n)
    run = statmech.sample(model, beta, sampler=sampler, n_sweeps=50, n_chains=n_chains, seed=seed, progress=False)
    for k in range(n_snapshots):
        run = statmech.sample(model, beta, sampler=sampler, n_sweeps=gap, n_chains=n_chains, seed=seed + 1 + k,
                              initial_states=run.states, progress=False)
        counts += np.bincount((run.states < 0) @ weights, minlength=counts.size)
    return counts


def _chi_square_pvalue(model, beta, counts):
    from scipy import stats
    states = np.where((np.arange(2 ** model.n)[:, None] >> np.arange(model.n)) & 1, -1, 1)   # k: bit i = s_i down
    weights = np.exp(-beta * (model.energy(states) - model.energy(states).min()))
    expected = counts.sum() * weights / weights.sum()
    big = expected >= 5
    observed = np.append(counts[big], counts[~big].sum())
    expected = np.append(expected[big], expected[~big].sum())
    return stats.chisquare(observed, expected).pvalue


MODELS = {
    "ferromagnet 3x3": lambda: Ising.square(3),
    "+-J 3x3": lambda: EdwardsAnderson.square(3, "pm1", seed=2),
    "ferromagnet 4x4, h = 0.3": lambda: Ising.square(4, h=0.3),
    "+-J 4x4": lambda: EdwardsAnderson.square(4, "pm1", seed=5),
}


def test_multispin_samples_the_boltzmann_distribution_of_a_3x3_glass():
    model = MODELS["+-J 3x3"]()
    counts = _state_counts(model, 0.7, mc.MultiSpin(), n_snapshots=150)
    assert _chi_square_pvalue(model, 0.7, counts) > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("model", [Ising.square(4, h=0.3), EdwardsAnderson.cubic(3, "pm1", seed=3)],
                         ids=["square with a field", "cubic +-J"])
def test_multispin_energies_and_magnetizations_are_those_of_the_states(model):
    """The energies and magnetizations the packed kernel counts in the words (with a field;
    z = 6, -J bonds) against the model's own energy of the unpacked states."""
    run = statmech.sample(model, 0.4, sampler=mc.MultiSpin(), n_sweeps=7, n_chains=70, seed=0, progress=False)
    np.testing.assert_allclose(run.energy[:, -1], model.energy(run.states), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(run.magnetization[:, -1], run.states.sum(axis=1))


@pytest.mark.slow
@pytest.mark.parametrize("acceptance", ["metropolis", "heat_bath"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_multispin_chi_square_of_states_on_small_tori(name, acceptance):
    """320 chains: five words, a SIMD group of four and a padded group of one."""
    model = MODELS[name]()
    beta = 0.5
    counts = _state_counts(model, beta, mc.MultiSpin(acceptance), n_chains=320,
                           n_snapshots=800 if model.n > 9 else 300)
    assert _chi_square_pvalue(model, beta, counts) > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("L", [16, 32])
@pytest.mark.parametrize("T", [2.0, 2.269, 3.0])
def test_multispin_energy_and_specific_heat_match_kaufman(L, T):
    """128 independent chains (two words): chain means give honest error bars even near T_c."""
    model, beta = Ising.square(L), 1.0 / T
    run = statmech.sample(model, beta, sampler=mc.MultiSpin(), n_sweeps=8000, burn_in=4000, n_chains=128,
                          seed=int(10 * T) + L, progress=False)
    exact = ising_square_torus(L, beta)
    per_chain = run.energy.mean(axis=1)
    z_energy = (per_chain.mean() - exact.energy) / (per_chain.std(ddof=1) / np.sqrt(per_chain.size))
    # Var(E) pooled over chains (a chain's variance about its own mean is biased low by
    # ~2 tau / n_sweeps); jackknife over blocks of the independent chains
    heat = estimators.jackknife(lambda energy: beta ** 2 * energy.var(), run.energy)
    z_heat = (heat.value - exact.specific_heat) / heat.error
    assert abs(z_energy) < 4 and abs(z_heat) < 4, (z_energy, z_heat)


@pytest.mark.slow
def test_multispin_overlaps_match_the_unpacked_kernel_and_exact():
    """<q^2> of a 4x4 +-J glass from parallel tempering with MultiSpin (overlaps read from
    the words), with the pairwise kernel, and exactly: <q^2> = sum_ij <s_i s_j>^2 / n^2."""
    model = EdwardsAnderson.square(4, "pm1", seed=7)
    ladder = np.linspace(0.3, 1.5, 6)
    states = np.where((np.arange(2 ** model.n)[:, None] >> np.arange(model.n)) & 1, -1.0, 1.0)
    estimates = {}
    for name, sampler in (("multispin", mc.MultiSpin()), ("pairwise", mc.HeatBath(multispin=False))):
        run = statmech.parallel_tempering(model, ladder, n_sweeps=3000, n_chains=64, sampler=sampler, seed=11,
                                          progress=False)
        q2 = (run.overlap[..., 500:] ** 2).mean(axis=-1)             # (pairs, betas)
        estimates[name] = (q2.mean(0), q2.std(0, ddof=1) / np.sqrt(q2.shape[0]))
    for k, beta in enumerate(ladder):
        weights = np.exp(-beta * (model.energy(states) - model.energy(states).min()))
        correlation = (states * (weights / weights.sum())[:, None]).T @ states
        exact = (correlation ** 2).sum() / model.n ** 2
        (a, da), (b, db) = estimates["multispin"], estimates["pairwise"]
        assert abs(a[k] - exact) < 4 * da[k], (beta, a[k], exact, da[k])
        assert abs(a[k] - b[k]) < 4 * np.hypot(da[k], db[k])


def test_multispin_results_do_not_depend_on_the_number_of_threads(thread_counts):
    model = EdwardsAnderson.cubic(4, "pm1", seed=0)
    runs = []
    for threads in thread_counts:
        statmech.set_num_threads(threads)
        runs.append(statmech.sample(model, 0.8, sampler=mc.MultiSpin(), n_sweeps=20, n_chains=130, seed=4,
                                    progress=False))
    assert np.array_equal(runs[0].states, runs[1].states) and np.array_equal(runs[0].energy, runs[1].energy)
    np.testing.assert_allclose(model.energy(runs[0].states), runs[0].energy[:, -1], atol=1e-9)
    np.testing.assert_allclose(runs[0].magnetization[:, -1], runs[0].states.sum(axis=1))
    # flips counted in the words: the acceptance rate of the same chains run unpacked
    reference = statmech.sample(model, 0.8, sampler=mc.HeatBath(multispin=False), n_sweeps=20, n_chains=130,
                                seed=4, progress=False)
    a, b = runs[0].acceptance, reference.acceptance
    assert abs(a.mean() - b.mean()) < 4 * np.hypot(a.std(), b.std()) / np.sqrt(a.size)


@pytest.mark.parametrize("acceptance, h, n_chains", [   # each compiles its own kernels: one in the fast tier
    ("metropolis", 0.0, 64), pytest.param("heat_bath", 0.0, 300, marks=pytest.mark.slow),
    pytest.param("metropolis", 0.3, 300, marks=pytest.mark.slow), pytest.param("heat_bath", 0.3, 10, marks=pytest.mark.slow)])
def test_multispin_anneal_in_one_call_is_one_run_per_beta(acceptance, h, n_chains, thread_counts):
    """The annealing kernel (planes built in it, whole chunks per call) draws what one run
    per beta draws (ChainEngine.anneal): traces, best and final states bit for bit, for
    one word, groups of four with an idle column, a field, either rule and any threads."""
    from statmech.mc.engines import ChainEngine
    model = Ising.square(6, h=h) if h else EdwardsAnderson.square(6, "pm1", seed=3)
    sampler, schedule = mc.MultiSpin(acceptance), np.geomspace(0.05, 3.0, 40)
    states = model.random_states(n_chains, seed=1)
    results = []
    for threads, anneal in [(thread_counts[0], None), (thread_counts[1], None), (1, ChainEngine.anneal)]:
        statmech.set_num_threads(threads)
        engine = sampler.engine(model, states, np.full(n_chains, schedule[0]), np.random.SeedSequence(5))
        best_energy, best_states = engine.energy.copy(), states.astype(np.float64)
        trace = np.zeros((n_chains, len(schedule) + 2))
        (anneal or type(engine).anneal)(engine, schedule, 2, best_energy, best_states, trace, 2)
        results.append((trace, best_energy, best_states, engine.get_states(), engine.accepted.copy(), engine.betas))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    trace, best_energy, best_states, final = results[0][:4]
    np.testing.assert_allclose(model.energy(best_states.astype(np.int8)), best_energy, atol=1e-9)
    np.testing.assert_allclose(model.energy(final), trace[:, -1], atol=1e-9)
    assert np.array_equal(best_energy, np.minimum(model.energy(states), trace[:, 2:].min(axis=1)))


def test_metropolis_and_heat_bath_choose_multispin_where_it_applies_and_is_faster():
    from statmech.mc import engines
    seed = np.random.SeedSequence(0)
    glass, square = EdwardsAnderson.cubic(3, "pm1", seed=0), Ising.square(32)
    gaussian = EdwardsAnderson.cubic(3, "gaussian", seed=0)
    fields = PairwiseHamiltonian(Ising.square(4).couplings, np.linspace(0, 1, 16))
    for model, chains, sampler, expected in (
            (glass, mc.MULTISPIN_MIN_CHAINS, mc.HeatBath(), engines.MultiSpinEngine),
            (glass, mc.MULTISPIN_MIN_CHAINS - 1, mc.HeatBath(), engines.PairwiseEngine),
            (glass, 64, mc.HeatBath(multispin=False), engines.LaneEngine),
            (glass, 64, mc.Metropolis(lanes=False), engines.PairwiseEngine),
            (gaussian, 64, mc.Metropolis(), engines.LaneEngine),
            (fields, 64, mc.Metropolis(), engines.LaneEngine),
            (square, mc.MULTISPIN_MIN_CHAINS, mc.Metropolis(), engines.CheckerboardEngine),
            (square, engines.MULTISPIN_MIN_CHAINS_CHECKERBOARD, mc.Metropolis(), engines.MultiSpinEngine),
            (square, 2, mc.Metropolis(multispin=True), engines.MultiSpinEngine)):
        engine = sampler.engine(model, model.random_states(chains, seed=0), np.ones(chains), seed)
        assert type(engine) is expected, (model, chains, sampler)
    # a path of models (AIS from a base, learning) never gets a layout tied to one model
    engine = mc.HeatBath().engine(glass, glass.random_states(64, seed=0), np.ones(64), seed, path=True)
    assert type(engine) is engines.LaneEngine
    assert mc.Metropolis(multispin=True).engine(glass, glass.random_states(3, seed=0), np.ones(3),
                                                seed).sampler.rule == METROPOLIS


@pytest.mark.parametrize("make, error, message", [
    (lambda: mc.MultiSpin("glauber"), ValueError, "acceptance must be one of"),
    (lambda: mc.Metropolis(multispin="yes"), TypeError, "multispin must be True, False or None"),
    (lambda: mc.Metropolis(multispin=True, lanes=True), ValueError, "exclude each other"),
    (lambda: statmech.sample(EdwardsAnderson.square(3, seed=0), 1.0, sampler=mc.MultiSpin(), progress=False),
     ValueError, "one magnitude"),
    (lambda: statmech.sample(Ising.square(3).to_domain("binary"), 1.0, sampler=mc.MultiSpin(), progress=False),
     ValueError, "needs spins"),
    (lambda: mc.ais(Ising.square(3), np.linspace(0, 1, 3), base=Ising.square(3, J=0.0, h=0.1),
                    sampler=mc.MultiSpin(), progress=False), ValueError, "cannot follow a path"),
])
def test_multispin_refuses_what_it_cannot_run(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("rule", [METROPOLIS, HEAT_BATH])
@pytest.mark.parametrize("kind", ["common", "ladder", "per lane"])
def test_class_planes_are_the_bit_planes_of_each_lanes_acceptance(kind, rule):
    """The planes of one beta for every active lane, of a shuffled tempering ladder (beta = 0
    and beta = 40 in it), and of a beta per lane, against probability_planes of the
    acceptance probabilities, under both rules (Metropolis: certain lanes); inactive lanes
    fixed at 0."""
    model = PairwiseHamiltonian(EdwardsAnderson.square(3, "pm1", seed=1).couplings, np.full(9, 0.2))
    lattice = packed_lattice(model)
    rng = np.random.default_rng(0)
    if kind == "common":
        betas = np.full((2, 64), 0.7)
    elif kind == "ladder":
        betas = rng.permuted(np.tile(np.concatenate([[0.0, 40.0], np.geomspace(0.05, 3, 14)]), 8)).reshape(2, 64)
    else:
        betas = rng.uniform(0, 2, (2, 64))
    betas[1, 40:] = 5.0                                    # inactive lanes: their beta is ignored
    active = np.array([~np.uint64(0), (np.uint64(1) << np.uint64(40)) - np.uint64(1)], np.uint64)
    planes, certain, fixed = class_planes(lattice, betas, rule, active)
    for w, n_lanes in ((0, 64), (1, 40)):
        for k in range(lattice.n_classes):
            u, down = k % (lattice.z + 1), k // (lattice.z + 1)
            delta = 2 * lattice.magnitude * (lattice.z - 2 * u) + 2 * lattice.field * (1 - 2 * down)
            p = [acceptance_probability(rule, b * delta) for b in betas[w, :n_lanes]]
            expected_planes, expected_certain, expected_fixed = probability_planes(p)
            np.testing.assert_array_equal(planes[w, :, k], expected_planes[:, 0])
            assert certain[w, k] == expected_certain and fixed[w, k] == expected_fixed


# -- parallel_tempering_batch: many disorder instances in the same words ----------------------

def test_a_batch_of_copies_is_bit_for_bit_one_model_with_more_ladders():
    """Copies of one glass run as a batch are the shared-bond run of that glass with as many
    ladders: the same chains, swaps, overlaps and round trips, cut into one record per copy.
    256 chains: one SIMD group of per-lane bonds."""
    model = EdwardsAnderson.square(4, "pm1", seed=3)
    betas = np.linspace(0.2, 1.2, 8)
    batch = mc.parallel_tempering_batch([model] * 4, betas, n_sweeps=30, n_chains=8, seed=1, progress=False)
    one = mc.parallel_tempering(model, betas, n_sweeps=30, n_chains=32, sampler=mc.MultiSpin(), seed=1, progress=False)
    assert len(batch) == 4
    for k, run in enumerate(batch):
        rows, pairs = slice(8 * k, 8 * k + 8), slice(4 * k, 4 * k + 4)
        for name in ("energy", "magnetization", "states", "swap_acceptance", "round_trips"):
            np.testing.assert_array_equal(getattr(run, name), getattr(one, name)[rows], err_msg=name)
        np.testing.assert_array_equal(run.overlap, one.overlap[pairs])
        assert run.seed.entropy == one.seed.entropy and run.n_sweeps == 30 and run.model == repr(model)


def test_a_batch_of_different_glasses_gives_each_its_own_boltzmann_averages():
    """Five 3x3 +-J glasses sharing one word (12 chains each): every record's energies are
    its own model's energies of its states, and <E> and <q^2> at every beta agree with exact
    enumeration of that model (z-scores from blocks of the traces)."""
    models = [EdwardsAnderson.square(3, "pm1", seed=s) for s in range(5)]
    betas = np.linspace(0.2, 1.2, 6)
    runs = mc.parallel_tempering_batch(models, betas, n_sweeps=4000, n_chains=2, seed=5, progress=False)
    states = np.where((np.arange(2 ** 9)[:, None] >> np.arange(9)) & 1, -1.0, 1.0)
    for model, run in zip(models, runs):
        np.testing.assert_allclose(model.energy(run.states.reshape(-1, 9)), run.energy[..., -1].ravel())
        exact = statmech.exact(model, betas)
        energy = run.energy[..., 400:].reshape(2, 6, 36, 100).mean(-1)           # 72 blocks per beta
        z = (energy.mean((0, 2)) - exact.energy) / (energy.std((0, 2), ddof=1) / np.sqrt(72))
        assert np.all(np.abs(z) < 4), (model, z)
        q2 = (run.overlap[0, :, 400:] ** 2).reshape(6, 36, 100).mean(-1)
        for k, beta in enumerate(betas):
            weights = np.exp(-beta * (model.energy(states) - model.energy(states).min()))
            reference = (((states * (weights / weights.sum())[:, None]).T @ states) ** 2).sum() / 81
            assert abs(q2[k].mean() - reference) < 4 * q2[k].std(ddof=1) / 6, (model, beta)


def test_a_batch_resumes_from_its_checkpoint_bit_for_bit_and_only_on_the_same_models(tmp_path):
    models = [EdwardsAnderson.square(3, "pm1", seed=s) for s in range(3)]
    betas = np.linspace(0.3, 1.0, 4)
    path = str(tmp_path / "batch.npz")
    mc.parallel_tempering_batch(models, betas, n_sweeps=40, seed=2, checkpoint=path, checkpoint_every=7,
                                progress=False)
    resumed = mc.parallel_tempering_batch(models, betas, n_sweeps=90, seed=2, checkpoint=path, progress=False)
    straight = mc.parallel_tempering_batch(models, betas, n_sweeps=90, seed=2, progress=False)
    for a, b in zip(resumed, straight):
        assert np.array_equal(a.energy, b.energy) and np.array_equal(a.overlap, b.overlap)
        assert np.array_equal(a.states, b.states) and np.array_equal(a.round_trips, b.round_trips)
    swapped = [models[1], models[0], models[2]]
    with pytest.raises(ValueError, match=r"\(model differ\)"):
        mc.parallel_tempering_batch(swapped, betas, n_sweeps=100, seed=2, checkpoint=path, progress=False)


def test_a_batch_does_not_depend_on_the_number_of_threads(thread_counts):
    """Five words: a SIMD group and a word alone, shared out between the threads."""
    models = [EdwardsAnderson.square(4, "pm1", seed=s) for s in range(5)]
    runs = []
    for threads in thread_counts:
        statmech.set_num_threads(threads)
        runs.append(mc.parallel_tempering_batch(models, np.linspace(0.2, 1.0, 32), n_sweeps=10, n_chains=2, seed=4,
                                                sampler=mc.Metropolis(), progress=False))
    for a, b in zip(*runs):
        assert np.array_equal(a.energy, b.energy) and np.array_equal(a.states, b.states)


# -- anneal_batch: many disorder instances annealed in the same words ------------------------

@pytest.mark.slow                             # compiles the per-lane-bond annealing kernel
def test_an_annealing_batch_of_copies_is_bit_for_bit_one_model_with_more_reads():
    """Eight copies of 64 reads (eight words, two SIMD groups of per-lane bonds) are the
    shared-bond annealing of the glass with 512 reads, cut into one record per copy."""
    model = EdwardsAnderson.cubic(4, "pm1", seed=2)
    schedule = schedules.geometric(0.2, 3.0, 40)
    batch = statmech.anneal_batch([model] * 8, schedule, n_sweeps=2, n_chains=64, seed=3, progress=False)
    one = statmech.anneal(model, schedule, n_sweeps=2, n_chains=512, sampler=mc.MultiSpin("metropolis"), seed=3,
                          progress=False)
    for k, run in enumerate(batch):
        rows = slice(64 * k, 64 * k + 64)
        for name in ("best_states", "best_energy", "final_states", "final_energy", "energy"):
            np.testing.assert_array_equal(getattr(run, name), getattr(one, name)[rows], err_msg=name)
        assert run.engine == "multispin" and run.model == repr(model)


@pytest.mark.slow                             # compiles the per-lane-bond annealing kernel
def test_an_annealing_batch_finds_each_instances_ground_state():
    """Ten 4 x 4 +-J glasses, 16 reads each: every instance's best read is its ground state
    (enumerated), and every record's energies are its own model's energies of its states."""
    models = [EdwardsAnderson.square(4, "pm1", seed=s) for s in range(10)]
    runs = statmech.anneal_batch(models, schedules.geometric(0.1, 4.0, 300), n_chains=16, seed=0, progress=False)
    states = np.where((np.arange(2 ** 16)[:, None] >> np.arange(16)) & 1, -1.0, 1.0)
    for model, run in zip(models, runs):
        np.testing.assert_array_equal(model.energy(run.best_states), run.best_energy)
        np.testing.assert_array_equal(model.energy(run.final_states), run.final_energy)
        assert run.best_energy.min() == model.energy(states).min(), model


@pytest.mark.slow                             # compiles the per-lane-bond annealing kernel
def test_an_annealing_batch_does_not_depend_on_the_number_of_threads(thread_counts):
    models = [EdwardsAnderson.square(4, "pm1", seed=s) for s in range(5)]
    runs = []
    for threads in thread_counts:
        statmech.set_num_threads(threads)
        runs.append(statmech.anneal_batch(models, schedules.linear(0.1, 2.0, 20), n_chains=64, seed=4,
                                          progress=False))
    for a, b in zip(*runs):
        assert np.array_equal(a.best_states, b.best_states) and np.array_equal(a.energy, b.energy)


@pytest.mark.parametrize("make, error, message", [
    (lambda: mc.parallel_tempering_batch(EdwardsAnderson.square(3, "pm1", seed=0), [0.5, 1.0], progress=False),
     TypeError, "sequence of Hamiltonians"),
    (lambda: mc.parallel_tempering_batch([], [0.5, 1.0], progress=False), ValueError, "at least one model"),
    (lambda: statmech.anneal_batch(EdwardsAnderson.square(3, "pm1", seed=0), [0.5, 1.0], progress=False),
     TypeError, r"sequence of Hamiltonians \(one model: anneal\)"),
    (lambda: statmech.anneal_batch([Ising.square(3)], [0.5, 1.0], sampler=mc.Wolff(), progress=False),
     TypeError, "sampler must be MultiSpin"),
    (lambda: mc.parallel_tempering_batch([EdwardsAnderson.square(3, "pm1", seed=0), "glass"], [0.5, 1.0],
                                         progress=False), TypeError, r"hamiltonians\[1\]"),
    (lambda: mc.parallel_tempering_batch([EdwardsAnderson.square(3, "pm1", seed=0),
                                          EdwardsAnderson.square(4, "pm1", seed=0)], [0.5, 1.0], progress=False),
     ValueError, r"hamiltonians\[1\] differs .* neighbours"),
    (lambda: mc.parallel_tempering_batch([Ising.square(3), Ising.square(3, J=2.0)], [0.5, 1.0], progress=False),
     ValueError, "magnitude"),
    (lambda: mc.parallel_tempering_batch([Ising.square(3), EdwardsAnderson.square(3, seed=0)], [0.5, 1.0],
                                         progress=False), ValueError, r"hamiltonians\[1\]: .*one magnitude"),
    (lambda: mc.parallel_tempering_batch([Ising.square(3)], [0.5, 1.0], sampler=mc.Metropolis(multispin=False),
                                         progress=False), ValueError, "packed"),
    (lambda: mc.parallel_tempering_batch([Ising.square(3)], [0.5, 1.0], sampler=mc.Wolff(), progress=False),
     TypeError, "sampler must be"),
])
def test_parallel_tempering_batch_refuses_what_it_cannot_run(make, error, message):
    with pytest.raises(error, match=message):
        make()
