"""The Hamiltonian layer: energies, local fields, domain conversion and input validation."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given

import statmech
from statmech.testing import check_hamiltonian
from statmech.testing.strategies import bipartite_hamiltonians, pairwise_hamiltonians

from reference import all_states, pairwise_energy


@given(pairwise_hamiltonians(max_n=7))
def test_pairwise_energy_matches_the_sum_over_pairs(hamiltonian):
    states = all_states(hamiltonian.n, hamiltonian.domain)
    expected = pairwise_energy(hamiltonian.couplings, hamiltonian.fields, hamiltonian.offset, states)
    np.testing.assert_allclose(hamiltonian.energy(states), expected, rtol=1e-12, atol=1e-12)


@given(pairwise_hamiltonians(max_n=7))
def test_pairwise_conformance(hamiltonian):
    check_hamiltonian(hamiltonian)


@given(bipartite_hamiltonians())
def test_bipartite_conformance_and_block_couplings(hamiltonian):
    check_hamiltonian(hamiltonian)
    states = hamiltonian.random_states(8, seed=0)
    expected = pairwise_energy(hamiltonian.couplings, hamiltonian.fields, hamiltonian.offset, states)
    np.testing.assert_allclose(hamiltonian.energy(states), expected, rtol=1e-12, atol=1e-12)


def test_bipartite_models_are_not_pairwise_and_convert_explicitly():
    rbm = statmech.BipartiteHamiltonian(np.array([[0.5, -1.0], [2.0, 0.25], [0.0, 1.5]]), [0.1, -0.2, 0.3],
                                        [1.0, -1.0], offset=0.5, domain="spin")
    assert not isinstance(rbm, statmech.PairwiseHamiltonian)
    pairwise = rbm.to_pairwise()
    assert type(pairwise) is statmech.PairwiseHamiltonian and rbm.to_pairwise() is pairwise   # built once
    assert (pairwise.n, pairwise.domain, pairwise.offset) == (5, "spin", 0.5)
    states = all_states(5, "spin")
    np.testing.assert_allclose(pairwise.energy(states), rbm.energy(states), rtol=1e-13)
    assert statmech.hamiltonian.pairwise_form(rbm) is pairwise
    assert statmech.hamiltonian.pairwise_form(pairwise) is pairwise
    gaussian = statmech.BipartiteHamiltonian(np.ones((2, 2)) * 0.1, visible="gaussian")
    assert statmech.hamiltonian.pairwise_form(gaussian) is None
    with pytest.raises(ValueError, match="pairwise form exists for two-state units.*gaussian visible"):
        gaussian.to_pairwise()
    with pytest.raises(ValueError, match="flips are defined for two-state units"):
        gaussian.delta_energy(gaussian.random_states(2, seed=0), 0)
    for i in range(5):              # its own single-flip energy change, not the pairwise form's
        flipped = states.copy()
        flipped[:, i] *= -1
        np.testing.assert_allclose(rbm.delta_energy(states, i), rbm.energy(flipped) - rbm.energy(states),
                                   rtol=1e-12, atol=1e-12)
    import pickle
    twin = pickle.loads(pickle.dumps(rbm))          # what was derived from a model is not pickled
    assert "_derived_pairwise" not in vars(twin) and twin.content_hash() == rbm.content_hash()


def test_from_arrays_reads_the_arrays_in_place_in_their_dtype():
    rng = np.random.default_rng(0)
    W, a, b = (rng.normal(size=shape).astype(np.float32) for shape in ((4, 3), (4,), (3,)))
    model = statmech.BipartiteHamiltonian.from_arrays(W, a, b, visible="binary", hidden="spin")
    assert np.shares_memory(model.weights, W) and model.weights.dtype == np.float32
    assert not model.weights.flags.writeable and W.flags.writeable        # the owner keeps its rights
    assert model.unit_types == (statmech.unit_types.UNIT_TYPES["binary"], statmech.unit_types.UNIT_TYPES["spin"])
    reference = statmech.BipartiteHamiltonian(W, a, b, visible="binary", hidden="spin")
    states = reference.random_states(6, seed=1)
    np.testing.assert_allclose(model.energy(states), reference.energy(states), rtol=1e-6)
    with pytest.raises(TypeError, match="visible_bias must be a float32 or float64 ndarray; got int64"):
        statmech.BipartiteHamiltonian.from_arrays(W, np.zeros(4, np.int64), b)
    with pytest.raises(ValueError, match=r"hidden_bias must have shape \(3,\) and dtype float32; got \(3,\) float64"):
        statmech.BipartiteHamiltonian.from_arrays(W, a, b.astype(np.float64))
    with pytest.raises(ValueError, match="weights must have shape"):
        statmech.BipartiteHamiltonian.from_arrays(W[:0], a[:0], b)


@given(pairwise_hamiltonians(max_n=6))
def test_domain_conversion_preserves_boltzmann_weights(hamiltonian):
    other = "binary" if hamiltonian.domain == "spin" else "spin"
    converted = hamiltonian.to_domain(other)
    a, b = statmech.exact(hamiltonian, [0.4, 1.7]), statmech.exact(converted, [0.4, 1.7])
    np.testing.assert_allclose(a.log_z, b.log_z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.energy, b.energy, rtol=1e-10, atol=1e-10)
    states = all_states(hamiltonian.n, hamiltonian.domain)
    np.testing.assert_allclose(converted.energy(statmech.convert_states(states, other)),
                               hamiltonian.energy(states), rtol=1e-12, atol=1e-12)


def test_convert_states_is_the_affine_map():
    spins = np.array([[-1, 1, 1], [1, -1, -1]])
    bits = statmech.convert_states(spins, "binary")
    np.testing.assert_array_equal(bits, (spins + 1) // 2)
    np.testing.assert_array_equal(statmech.convert_states(bits, "spin"), spins)
    with pytest.raises(ValueError, match="must take values 0/1"):
        statmech.convert_states(spins, "spin")


def test_generic_hamiltonian_derives_delta_energy_and_domain_view():
    class Plaquette(statmech.Hamiltonian):
        domain = "spin"

        def __init__(self, L):
            self.L, self.n = L, L * L

        def energy(self, s):
            g = np.asarray(s, float).reshape(np.shape(s)[:-1] + (self.L, self.L))
            return -(g * np.roll(g, 1, -1) * np.roll(g, 1, -2) * np.roll(np.roll(g, 1, -1), 1, -2)).sum((-1, -2))

    model = Plaquette(3)
    check_hamiltonian(model)
    binary = model.to_domain("binary")
    assert binary.to_domain("spin") is model
    assert model.to_domain("spin") is model


def test_random_states_are_reproducible_and_in_domain():
    hamiltonian = statmech.PairwiseHamiltonian(np.zeros((5, 5)), domain="binary")
    a, b = hamiltonian.random_states(100, seed=4), hamiltonian.random_states(100, seed=4)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) == {0, 1} and a.dtype == np.int8
    assert hamiltonian.random_states(seed=1).shape == (5,)


def test_local_fields_dense_and_sparse_agree():
    rng = np.random.default_rng(0)
    upper = np.triu(rng.normal(size=(6, 6)), 1)
    dense = statmech.PairwiseHamiltonian(upper + upper.T, rng.normal(size=6))
    sparse = statmech.PairwiseHamiltonian(sp.csr_matrix(upper + upper.T), dense.fields)
    states = dense.random_states((4), seed=0).reshape(2, 2, 6)
    np.testing.assert_allclose(dense.local_fields(states), sparse.local_fields(states))
    np.testing.assert_allclose(dense.energy(states), sparse.energy(states))
    assert dense.local_fields(states).shape == (2, 2, 6)


def test_rbm_conditional_is_the_sigmoid_of_the_field():
    rng = np.random.default_rng(0)
    rbm = statmech.BipartiteHamiltonian(rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3))
    v = rbm.random_states(5, seed=1)[:, :4]
    beta = 0.8
    field = rbm.hidden_bias + v @ rbm.weights
    np.testing.assert_allclose(rbm.conditional_hidden(v, beta), 1 / (1 + np.exp(-beta * field)), rtol=1e-13)
    assert np.all(rbm.free_energy_visible(v, 0.0) == -np.inf)


class TestValidation:
    def test_asymmetric_couplings(self):
        with pytest.raises(ValueError, match=r"couplings must be symmetric; max \|J - J.T\| = 0.37"):
            statmech.PairwiseHamiltonian(np.array([[0, 0.37], [0, 0]]))
        with pytest.raises(ValueError, match="couplings must be symmetric"):
            statmech.PairwiseHamiltonian(sp.csr_matrix(np.array([[0, 1.0], [0, 0]])))

    def test_non_finite_couplings_and_fields(self):
        with pytest.raises(ValueError, match=r"couplings must be finite; got nan at index \(0, 1\)"):
            statmech.PairwiseHamiltonian(np.array([[0, np.nan], [np.nan, 0]]))
        with pytest.raises(ValueError, match="couplings must be finite"):
            statmech.PairwiseHamiltonian(sp.csr_matrix(np.array([[0, np.inf], [np.inf, 0]])))
        with pytest.raises(ValueError, match="fields must be finite"):
            statmech.PairwiseHamiltonian(np.zeros((2, 2)), [0.0, np.inf])
        with pytest.raises(ValueError, match="offset must be finite"):
            statmech.PairwiseHamiltonian(np.zeros((2, 2)), offset=np.nan)
        with pytest.raises(ValueError, match="weights must be finite"):
            statmech.BipartiteHamiltonian(np.array([[np.nan]]))

    def test_shapes(self):
        with pytest.raises(ValueError, match=r"couplings must be a square \(n, n\) matrix; got shape \(2, 3\)"):
            statmech.PairwiseHamiltonian(np.zeros((2, 3)))
        with pytest.raises(ValueError, match="couplings must have 2 dimension"):
            statmech.PairwiseHamiltonian(np.zeros(4))
        with pytest.raises(ValueError, match=r"fields must have shape \(3\); got \(2,\)"):
            statmech.PairwiseHamiltonian(np.zeros((3, 3)), np.zeros(2))
        with pytest.raises(ValueError, match=r"hidden_bias must have shape \(2\)"):
            statmech.BipartiteHamiltonian(np.zeros((3, 2)), hidden_bias=np.zeros(3))
        with pytest.raises(ValueError, match="zero diagonal"):
            statmech.PairwiseHamiltonian(np.eye(2))

    def test_types_and_domains(self):
        with pytest.raises(TypeError, match="couplings must be array-like of real numbers"):
            statmech.PairwiseHamiltonian([["a", "b"], ["c", "d"]])
        with pytest.raises(TypeError, match="couplings must be real"):
            statmech.PairwiseHamiltonian(np.zeros((2, 2), complex))
        with pytest.raises(ValueError, match="domain must be 'spin' or 'binary'; got 'ising'"):
            statmech.PairwiseHamiltonian(np.zeros((2, 2)), domain="ising")
        with pytest.raises(TypeError, match="domain must be 'spin' or 'binary'; got int"):
            statmech.PairwiseHamiltonian(np.zeros((2, 2)), domain=1)

    def test_states_outside_domain_and_wrong_shape(self):
        hamiltonian = statmech.PairwiseHamiltonian(np.zeros((3, 3)))
        with pytest.raises(ValueError, match=r"states must take values \+1/-1 in the 'spin' domain; got 0"):
            hamiltonian.energy([1, 0, 1])
        many = np.ones((40_000, 3))             # checked block by block: a bad value in a late block
        many[-1, 2] = np.nan
        with pytest.raises(ValueError, match=r"states must take values \+1/-1 in the 'spin' domain; got nan"):
            hamiltonian.energy(many)
        with pytest.raises(ValueError, match=r"states must have shape \(\.\.\., 3\); got \(2, 4\)"):
            hamiltonian.energy(np.ones((2, 4)))
        with pytest.raises(TypeError, match="states must be an array of numbers"):
            hamiltonian.energy(np.array(["a", "b", "c"]))
        with pytest.raises(ValueError, match=r"i must satisfy 0 <= i < n = 3; got 3"):
            hamiltonian.delta_energy(np.ones(3), 3)
        with pytest.raises(TypeError, match="i must be an integer; got float"):
            hamiltonian.delta_energy(np.ones(3), 1.0)

    def test_seed(self):
        hamiltonian = statmech.PairwiseHamiltonian(np.zeros((3, 3)))
        with pytest.raises(TypeError, match="seed must be an int, a numpy SeedSequence or Generator"):
            hamiltonian.random_states(2, seed="x")
        with pytest.raises(ValueError, match="seed must be non-negative"):
            hamiltonian.random_states(2, seed=-1)
        assert hamiltonian.random_states(2, seed=np.random.SeedSequence(1)).shape == (2, 3)


def test_check_hamiltonian_catches_a_broken_model():
    class WrongDelta(statmech.PairwiseHamiltonian):
        def delta_energy(self, states, i):
            return 2 * super().delta_energy(states, i)

    rng = np.random.default_rng(0)
    upper = np.triu(rng.normal(size=(4, 4)), 1)
    with pytest.raises(AssertionError, match=r"delta_energy\(states, 0\)"):
        check_hamiltonian(WrongDelta(upper + upper.T))

    class NotVectorised(statmech.Hamiltonian):
        domain, n = "spin", 3

        def energy(self, s):
            return float(np.sum(s))

    with pytest.raises(AssertionError, match="energy of states"):
        check_hamiltonian(NotVectorised())


def test_weighted_coupling_gradient_is_exactly_symmetric():
    """A weighted s^T diag(w) s from BLAS need not be bit-symmetric; the model built from
    a step along it must still pass the symmetry check (found: 6.9e-12 asymmetry)."""
    model = statmech.PairwiseHamiltonian(np.zeros((5, 5)))
    states = np.where(np.random.default_rng(2).random((32, 5)) < 0.6, 1, -1)
    weights = np.random.default_rng(3).random(32)
    gradient = model.energy_gradient(states, weights / weights.sum())["couplings"]
    assert np.array_equal(gradient, gradient.T)
    model.with_parameters(gradient * 1e4, np.zeros(5))


def test_models_are_values_their_parameters_cannot_change():
    """Found: H = Ising.square(32); H.fields[::2] = 1 and H.couplings *= 3 were silently
    ignored by the square-lattice path, which had cached J and h. Now every edit raises,
    naming the attribute and how to build a changed model."""
    import copy
    import pickle

    from statmech.models import RBM, CurieWeiss, Hopfield, Ising

    model = Ising.square(8)
    for edit in (lambda: model.fields.__setitem__(slice(None, None, 2), 1.0),
                 lambda: model.fields.__iadd__(1.0),
                 lambda: model.couplings.__imul__(3),
                 lambda: model.couplings.__setitem__((0, 9), 2.0),       # a new entry: structure change
                 lambda: model.couplings.setdiag(1.0)):
        with pytest.raises(ValueError, match=r"Ising\.(fields|couplings) is read-only.*Ising\.square"):
            edit()
    for name, value in (("couplings", model.couplings * 3), ("fields", np.ones(64)), ("offset", 1.0),
                        ("h", 2.0)):
        with pytest.raises(AttributeError, match=rf"Ising\.{name} is read-only"):
            setattr(model, name, value)
    assert model.energy(np.ones(64)) == -128.0 and model.couplings.nnz == 4 * 64

    dense = statmech.PairwiseHamiltonian(np.array([[0.0, 1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"PairwiseHamiltonian\.couplings is read-only.*with_parameters"):
        dense.couplings *= 3
    assert dense.with_parameters(couplings=3 * dense.couplings).couplings[0, 1] == 3.0
    copied = dense.couplings.copy()              # copies and arithmetic are the caller's to change
    copied[0, 1] = copied[1, 0] = 5.0
    assert type(copied) is np.ndarray and (dense.couplings * 2).flags.writeable

    rbm = RBM.random(4, 3, scale=0.5, seed=0)
    for array in (rbm.weights, rbm.visible_bias, rbm.fields, rbm.couplings.data):
        with pytest.raises(ValueError, match="RBM.* is read-only"):
            array[0] = 1.0
    with pytest.raises(AttributeError, match=r"RBM\.weights is read-only.*with_parameters"):
        rbm.weights = np.zeros((4, 3))
    with pytest.raises(AttributeError, match=r"CurieWeiss\.J is read-only"):
        CurieWeiss(4).J = 2.0

    patterns = np.array([[1, -1, 1, -1], [1, 1, -1, -1]], np.int8)
    hopfield = Hopfield(patterns)
    patterns[0] = 1                               # the caller's array is the caller's own
    assert hopfield.patterns[0, 1] == -1 and not hopfield.patterns.flags.writeable

    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):   # values after a round trip too
        assert not twin.fields.flags.writeable and not twin.couplings.data.flags.writeable
        with pytest.raises(ValueError, match=r"Ising\.fields is read-only"):
            twin.fields[0] = 1.0
        assert twin.content_hash() == model.content_hash()


def test_a_users_class_is_frozen_only_if_it_asks():
    class Free(statmech.Hamiltonian):
        domain = "spin"

        def __init__(self, n):
            self.n, self.scale = n, np.ones(n)

        def energy(self, s):
            return -(self.scale * s).sum(-1)

    free = Free(3)
    free.scale[0] = 2.0
    free.scale = np.zeros(3)

    class Frozen(Free):
        values = ("n", "scale")

    frozen = Frozen(3)
    with pytest.raises(ValueError, match=r"Frozen\.scale is read-only"):
        frozen.scale[0] = 2.0
    check_hamiltonian(frozen)
