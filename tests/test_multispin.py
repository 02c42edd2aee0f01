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
