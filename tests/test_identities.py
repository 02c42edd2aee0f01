"""Thermodynamic identities as properties over random small models of every kind."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

import statmech
from statmech.models.strategies import ea_models, models, sk_models
from statmech.testing import check_thermodynamic_identities
from statmech.testing.strategies import bipartite_hamiltonians, pairwise_hamiltonians, seeds

betas = st.lists(st.floats(0.05, 3.0), min_size=1, max_size=3).map(np.array)


@given(models(max_n=9), betas)
def test_canonical_identities_hold_for_every_model(hamiltonian, beta):
    # F = U - TS, U = -d ln Z/d beta, C = beta^2 Var E = -beta^2 dU/d beta,
    # ln Z convex, S >= 0, S(0) = n ln 2.
    check_thermodynamic_identities(hamiltonian, beta)


@given(pairwise_hamiltonians(max_n=8), betas)
def test_canonical_identities_hold_for_random_pairwise_models(hamiltonian, beta):
    check_thermodynamic_identities(hamiltonian, beta)


@given(models(max_n=9))
def test_entropy_tends_to_n_ln_2_at_infinite_temperature(hamiltonian):
    record = statmech.exact(hamiltonian, [0.0, 1e-7])
    np.testing.assert_allclose(record.entropy, hamiltonian.n * np.log(2), rtol=1e-6)


@given(st.one_of(sk_models(max_n=9), ea_models(max_n=9)), seeds, st.floats(0.1, 2.0))
def test_spin_glass_gauge_invariance(hamiltonian, seed, beta):
    eps = np.random.default_rng(seed).choice([-1.0, 1.0], size=hamiltonian.n)
    couplings = hamiltonian.couplings
    gauged_couplings = (sp.diags(eps) @ couplings @ sp.diags(eps) if sp.issparse(couplings)
                        else eps[:, None] * couplings * eps[None, :])
    gauged = statmech.PairwiseHamiltonian(gauged_couplings, eps * hamiltonian.fields)
    a, b = statmech.exact(hamiltonian, beta), statmech.exact(gauged, beta)
    for name in ("log_z", "energy", "specific_heat", "entropy"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-10, abs=1e-10)


@given(models(max_n=8), st.floats(0.1, 2.0))
def test_domain_conversion_preserves_thermodynamics(hamiltonian, beta):
    other = "binary" if hamiltonian.domain == "spin" else "spin"
    a, b = statmech.exact(hamiltonian, beta), statmech.exact(hamiltonian.to_domain(other), beta)
    for name in ("log_z", "energy", "specific_heat", "entropy"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-9, abs=1e-9)


def test_identity_check_catches_a_wrong_specific_heat(monkeypatch):
    """The identity checker is not vacuous: a deliberately wrong C is caught."""
    import sys
    from dataclasses import replace
    exact_module = sys.modules["statmech.exact.enumeration"]
    true_exact = exact_module.exact
    testing_module = sys.modules["statmech.testing"]
    monkeypatch.setattr(testing_module, "exact",
                        lambda h, b: replace(true_exact(h, b), specific_heat=1.01 * true_exact(h, b).specific_heat))
    hamiltonian = statmech.PairwiseHamiltonian(np.array([[0, 1.0], [1.0, 0]]), [0.3, 0.0])
    with pytest.raises(AssertionError, match="C = beta"):
        check_thermodynamic_identities(hamiltonian, 1.0)


@given(st.one_of(pairwise_hamiltonians(max_n=8), bipartite_hamiltonians()), st.floats(0.2, 3.0), st.floats(0.05, 2.0))
def test_scaling_every_parameter_is_a_change_of_temperature(hamiltonian, factor, beta):
    # E is linear in (J, h) or (W, a, b): Z(lambda theta, beta) = Z(theta, lambda beta), up to the
    # constant offset, which is not a parameter (with_parameters keeps it)
    from statmech.tour.temperature import scaled
    offset = hamiltonian.offset
    hot, cold = statmech.exact(scaled(hamiltonian, factor), beta), statmech.exact(hamiltonian, factor * beta)
    np.testing.assert_allclose(hot.log_z + beta * offset, cold.log_z + factor * beta * offset, rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(hot.energy - offset, factor * (cold.energy - offset), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose([hot.entropy, hot.specific_heat], [cold.entropy, cold.specific_heat], rtol=1e-8,
                               atol=1e-9)
