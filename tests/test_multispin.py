"""Multi-spin coding primitives: the per-lane Bernoulli word, exact and bit for bit."""
import numpy as np
import pytest

from statmech.mc._multispin import N_PLANES, bernoulli_word, probability_planes
from statmech.rng import next_uint64, random_streams

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
from statmech.mc._kernels import HEAT_BATH, METROPOLIS, acceptance_probability  # noqa: E402
from statmech.mc._multispin import class_planes, multispin_sweeps, pack, packed_lattice, unpack  # noqa: E402
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
    lattice = packed_lattice(model)
    planes = class_planes(lattice, np.broadcast_to(betas, (n_words, 64)), rule)
    spins = pack(model.random_states(64 * n_words, seed=seed))
    rng = random_streams(np.random.SeedSequence(seed), (n_words,)).copy()
    return lattice, planes, spins, rng


def _reference_sweep(model, lattice, betas, rule, spins, rng):
    """One sweep, site by site and lane by lane: count the lane's unsatisfied bonds u, accept
    with acceptance_probability(2 J (z - 2u) beta_l), drawn by the lane-by-lane comparison."""
    states = unpack(spins[None])[:, :].astype(int)        # (64, n)
    for i in range(model.n):
        u = np.array([sum(states[l, i] * states[l, j] * (-1 if a else 1) < 0
                          for j, a in zip(lattice.neighbours[i], lattice.anti[i])) for l in range(64)])
        p = [acceptance_probability(rule, betas[l] * 2 * lattice.magnitude * (lattice.z - 2 * u[l])) for l in range(64)]
        flips = _reference(p, rng)
        for l in range(64):
            if (flips >> l) & 1:
                states[l, i] *= -1
    return pack(states)[0]


@pytest.mark.parametrize("rule", [METROPOLIS, HEAT_BATH])
def test_packed_sweeps_are_bit_for_bit_the_lane_by_lane_update(rule):
    model = EdwardsAnderson.square(3, "pm1", seed=1)
    betas = np.linspace(0.1, 1.5, 64)
    lattice, (planes, certain, fixed), spins, rng = _setup(model, betas, rule, seed=3)
    slow_spins, slow_rng = spins[0].copy(), rng[0].copy()
    for _ in range(3):
        multispin_sweeps(spins, lattice.neighbours, lattice.anti, planes, certain, fixed, rng, 1)
        slow_spins = _reference_sweep(model, lattice, betas, rule, slow_spins, slow_rng)
        np.testing.assert_array_equal(spins[0], slow_spins)
        np.testing.assert_array_equal(rng[0], slow_rng)


@pytest.mark.slow
@pytest.mark.parametrize("rule", [METROPOLIS, HEAT_BATH])
@pytest.mark.parametrize("name", ["square", "six_regular"])
def test_packed_chains_sample_the_boltzmann_distribution(rule, name):
    from scipy import stats
    model = EdwardsAnderson.square(3, "pm1", seed=2) if name == "square" else _circulant()
    beta = 0.6
    lattice, (planes, certain, fixed), spins, rng = _setup(model, beta, rule, seed=4, n_words=2)
    multispin_sweeps(spins, lattice.neighbours, lattice.anti, planes, certain, fixed, rng, 100)
    states = all_states(model.n)
    index = {tuple(s): k for k, s in enumerate(states)}
    counts = np.zeros(len(states))
    for _ in range(200):                          # 200 snapshots x 128 lanes, 5 sweeps apart
        multispin_sweeps(spins, lattice.neighbours, lattice.anti, planes, certain, fixed, rng, 5)
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
    lattice, (planes, certain, fixed), spins, rng = _setup(model, betas, rule, seed=5, n_words=2)
    multispin_sweeps(spins, lattice.neighbours, lattice.anti, planes, certain, fixed, rng, 100)
    energies = []
    for _ in range(300):
        multispin_sweeps(spins, lattice.neighbours, lattice.anti, planes, certain, fixed, rng, 5)
        energies.append(model.energy(unpack(spins)).reshape(2, 64))
    energies = np.array(energies)
    for half, b in ((slice(0, 32), 0.3), (slice(32, 64), 1.0)):
        e = energies[:, :, half].ravel()
        assert abs(e.mean() - exact(model, b).energy) < 4 * e.std() / np.sqrt(e.size) + 1e-9


def test_packed_sweeps_do_not_depend_on_the_number_of_threads():
    import statmech
    model = EdwardsAnderson.square(4, "pm1", seed=0)
    results, original = [], statmech.get_num_threads()
    try:
        for threads in (1, max(2, original)):
            statmech.set_num_threads(min(threads, original))
            lattice, (planes, certain, fixed), spins, rng = _setup(model, 0.7, METROPOLIS, seed=6, n_words=4)
            multispin_sweeps(spins, lattice.neighbours, lattice.anti, planes, certain, fixed, rng, 20)
            results.append(spins)
    finally:
        statmech.set_num_threads(original)
    np.testing.assert_array_equal(results[0], results[1])


def test_packing_round_trips_and_lattices_that_cannot_be_packed_are_refused():
    from statmech.models import Ising, SherringtonKirkpatrick
    states = EdwardsAnderson.square(3, seed=0).random_states(128, seed=1)
    np.testing.assert_array_equal(unpack(pack(states)), states)
    assert packed_lattice(Ising.cubic(3)).z == 6
    with pytest.raises(ValueError, match="one magnitude"):
        packed_lattice(SherringtonKirkpatrick(8, seed=0))
    with pytest.raises(ValueError, match="zero fields"):
        packed_lattice(Ising.square(3, h=0.5))
    with pytest.raises(ValueError, match="spins"):
        packed_lattice(Ising.square(3).to_domain("binary"))
