"""Concrete models: constructors, energies, disorder statistics, conformance."""
import numpy as np
import pytest
from hypothesis import given

import statmech
from statmech import mc
from statmech.models import (RBM, CurieWeiss, EdwardsAnderson, Hopfield, Ising, PSpin,
                             RandomEnergyModel, SherringtonKirkpatrick)
from statmech.models.strategies import models
from statmech.testing import check_hamiltonian

from reference import all_states


@given(models(max_n=8))
def test_every_model_passes_the_conformance_kit(hamiltonian):
    check_hamiltonian(hamiltonian)


def test_ising_lattices_have_the_right_bonds():
    assert Ising.chain(5).couplings.nnz == 2 * 5
    assert Ising.chain(5, periodic=False).couplings.nnz == 2 * 4
    square = Ising.square(4)
    assert square.couplings.sum() == 2 * 2 * 16          # 2 bonds per site, J counted twice
    assert np.all(np.asarray(square.couplings.sum(axis=1)).ravel() == 4)
    assert Ising.square(4, periodic=False).couplings.sum() == 2 * 2 * 4 * 3
    assert Ising.cubic(3).couplings.sum() == 2 * 3 * 27
    # A periodic side of length 2 has two bonds between the same pair (as in Kaufman's formula).
    assert Ising.square(2).couplings[0, 1] == 2.0


def test_lattice_models_declare_their_lattice():
    from statmech.lattice import Lattice
    from statmech.mc import engines

    square = Lattice((4, 6))
    assert (square.dimension, square.n_sites, square.degree) == (2, 24, 4)
    assert Lattice((4, 4), periodic=False).degree is None and Lattice((2, 4)).degree is None
    assert Lattice((3, 3, 3)).degree == 6 and len(Lattice((3, 3, 3)).edges()) == 3 * 27
    edges = square.edges()
    step = (square.coordinates()[edges[:, 1]] - square.coordinates()[edges[:, 0]]) % np.array(square.shape)
    assert np.all((step == 1).sum(1) == 1) and np.all((step == 0).sum(1) == 1)     # one step along one axis
    assert len(np.unique(np.sort(edges, 1), axis=0)) == len(edges) == 2 * 24
    table = square.neighbours()                 # the bonds again, as one row per site
    assert table.shape == (24, 4) and np.all(np.diff(table, axis=1) > 0)
    for i, row in enumerate(table):
        assert set(row) == set(edges[edges[:, 0] == i, 1]) | set(edges[edges[:, 1] == i, 0])
    with pytest.raises(ValueError, match="different numbers of neighbours"):
        Lattice((4, 4), periodic=False).neighbours()
    edges[0] = 0                                # a copy: the lattice's own cannot change
    assert not np.array_equal(square.edges(), edges)
    assert square == Lattice((4, 6), True) and hash(square) == hash(Lattice((4, 6)))
    with pytest.raises(Exception):
        square.shape = (2, 2)
    with pytest.raises(TypeError, match="shape must be a tuple"):
        Lattice(4)
    with pytest.raises(TypeError, match="periodic must be True or False"):
        Lattice((4,), periodic="yes")

    ising = Ising.square(4, J=0.5, h=0.1)
    assert ising.geometry == Lattice((4, 4)) and (ising.J, ising.h) == (0.5, 0.1)
    assert EdwardsAnderson.cubic(3, seed=0).geometry == Lattice((3, 3, 3))
    assert Ising.from_graph([[0, 1], [1, 2]]).geometry is None
    with pytest.raises(ValueError, match="geometry must be a statmech.lattice.Lattice of n = 4 sites"):
        Ising(4, Lattice((2, 2)).edges()[::-1], geometry=Lattice((2, 2)))
    # Checkerboard sweeps run on what a model declares, not on couplings that happen to
    # form a torus: the same couplings as a PairwiseHamiltonian, or per-edge couplings of
    # one value, run on the general kernel.
    checkerboard = mc.Metropolis(checkerboard=True)
    assert engines.select(checkerboard, Ising.square(4), 2).name == "checkerboard"
    for undeclared in (statmech.PairwiseHamiltonian(Ising.square(4).couplings),
                       Ising(16, Lattice((4, 4)).edges(), np.ones(32), geometry=Lattice((4, 4))),
                       Ising.lattice((4, 4), periodic=False), Ising.lattice((3, 4))):
        with pytest.raises(ValueError, match="checkerboard=True needs a periodic square-lattice"):
            engines.select(checkerboard, undeclared, 2)


def test_ising_energy_of_ordered_and_checkerboard_states():
    L = 4
    model = Ising.square(L, J=1.0, h=0.5)
    up = np.ones(L * L)
    assert model.energy(up) == pytest.approx(-2 * L * L - 0.5 * L * L)
    checker = np.indices((L, L)).sum(0) % 2 * 2 - 1
    assert model.energy(checker.ravel()) == pytest.approx(2 * L * L)


def test_ising_from_graph_and_errors():
    model = Ising.from_graph([(0, 1), (1, 2)], couplings=[1.0, -2.0], h=0.1)
    assert model.n == 3
    assert model.energy([1, 1, -1]) == pytest.approx(-1.0 - 2.0 - 0.1)
    with pytest.raises(ValueError, match="self-loops"):
        Ising.from_graph([(0, 0)])
    with pytest.raises(ValueError, match=r"couplings must be a scalar or have shape \(2,\)"):
        Ising.from_graph([(0, 1), (1, 2)], couplings=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="edges must index sites 0..1"):
        Ising(2, [(0, 2)])
    with pytest.raises(ValueError, match="L must be >= 1; got 0"):
        Ising.square(0)


def test_curie_weiss_closed_form_energy_equals_the_pairwise_energy():
    model = CurieWeiss(7, J=1.3, h=-0.2)
    states = all_states(7, "spin")
    pairwise = statmech.PairwiseHamiltonian(model.couplings, model.fields)
    np.testing.assert_allclose(model.energy(states), pairwise.energy(states), rtol=1e-12, atol=1e-12)


def test_sk_couplings_have_variance_one_over_n():
    n = 400
    model = SherringtonKirkpatrick(n, seed=0)
    upper = model.couplings[np.triu_indices(n, 1)]
    m = upper.size
    # Sample variance of m Gaussians has standard error sqrt(2/(m-1)) * sigma^2.
    z = (upper.var() - 1 / n) / (np.sqrt(2 / (m - 1)) / n)
    assert abs(z) < 4
    assert abs(upper.mean()) < 4 / np.sqrt(n * m)
    np.testing.assert_array_equal(SherringtonKirkpatrick(10, seed=3).couplings,
                                  SherringtonKirkpatrick(10, seed=3).couplings)


def test_edwards_anderson_couplings():
    model = EdwardsAnderson.square(6, couplings="pm1", seed=1)
    assert set(np.unique(model.bond_couplings)) == {-1.0, 1.0}
    assert model.edges.shape == (72, 2)
    cubic = EdwardsAnderson.cubic(3, seed=2)
    assert cubic.n == 27 and cubic.edges.shape == (81, 2)
    with pytest.raises(ValueError, match="couplings must be 'gaussian' or 'pm1'; got 'uniform'"):
        EdwardsAnderson.square(3, couplings="uniform")


def test_rem_energies_are_gaussian_with_variance_n_over_2_and_table_equals_hash():
    n = 16
    model = RandomEnergyModel(n, seed=5)
    energies = model.energy(all_states(n, "spin"))
    m = energies.size
    assert abs(energies.mean()) < 4 * np.sqrt(n / 2 / m)
    assert abs(energies.var() - n / 2) < 4 * np.sqrt(2 / (m - 1)) * n / 2
    states = model.random_states(50, seed=1)
    np.testing.assert_array_equal(model.energy(states), model._hash_energy(model._words(states)))
    assert len(np.unique(energies)) == m


def test_rem_works_without_a_table_for_n_64_and_beyond():
    for n in (64, 100):
        model = RandomEnergyModel(n, seed=0)
        states = model.random_states(1000, seed=0)
        e = model.energy(states)
        assert e.shape == (1000,) and np.all(np.isfinite(e))
        np.testing.assert_array_equal(e, model.energy(states))         # deterministic
        assert abs(e.var() / (n / 2) - 1) < 4 * np.sqrt(2 / 999)
        flipped = states.copy()
        flipped[:, -1] *= -1
        assert np.all(model.energy(flipped) != e)                     # the last bit matters


def test_pspin_energy_variance_and_errors():
    n, p = 12, 3
    model = PSpin(n, p, seed=0)
    assert len(model.terms) == 220
    # E over random states, couplings fixed: Var = sum J^2, expected n/2 (1 + O(1/n)).
    expected = (model.couplings ** 2).sum()
    energies = model.energy(all_states(n, "spin"))
    assert energies.var() == pytest.approx(expected, rel=1e-10)
    assert abs(expected - n / 2 * (n - 1) * (n - 2) / n ** 2) < 4 * np.sqrt(2 * 220) * 3 / n ** 2
    with pytest.raises(ValueError, match="p must be >= 3; got 2"):
        PSpin(5, 2)
    with pytest.raises(ValueError, match="p must be <= n = 3; got 4"):
        PSpin(3, 4)


def test_hopfield_stores_few_orthogonal_patterns_as_ground_states():
    patterns = np.array([[1, 1, 1, 1, -1, -1, -1, -1], [1, -1, 1, -1, 1, -1, 1, -1]])
    model = Hopfield(patterns)
    energies = model.energy(all_states(8, "spin"))
    assert np.isclose(model.energy(patterns), energies.min()).all()
    np.testing.assert_allclose(model.overlaps(patterns), [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="patterns must take values"):
        Hopfield([[1, 0, 1]])


def test_rbm_random_is_seeded_binary_and_bipartite():
    rbm = RBM.random(6, 3, scale=0.5, seed=0)
    assert rbm.domain == "binary" and rbm.n == 9
    np.testing.assert_array_equal(rbm.weights, RBM.random(6, 3, scale=0.5, seed=0).weights)
    assert np.all(rbm.visible_bias == 0)
    with pytest.raises(ValueError, match="scale must be >= 0"):
        RBM.random(2, 2, scale=-1.0)
