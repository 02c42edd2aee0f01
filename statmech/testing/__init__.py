"""The conformance kit: checks a user runs on their own Hamiltonian, and the
thermodynamic identities the project's own tests check first.

Each check raises ``AssertionError`` with a message that says what failed, like
scikit-learn's ``check_estimator``. Hypothesis strategies for random small models
live in :mod:`statmech.testing.strategies` (core structures) and
:mod:`statmech.models.strategies` (every concrete model).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..validation import LOW_VALUE, as_beta
from ..exact import all_states, exact
from ..hamiltonian import BipartiteHamiltonian, Hamiltonian, convert_states, has_structure, pairwise_form

if TYPE_CHECKING:
    from statmech.thermodynamics import Thermodynamics
    from statmech.typing import Seed

__all__ = ["check_hamiltonian", "check_thermodynamic_identities"]


def _close(actual, expected, what, rtol=1e-9, atol=1e-9):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, expected {expected.shape}")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(actual - expected))
        raise AssertionError(f"{what}: max deviation {worst:.3g} (rtol={rtol}, atol={atol})")


def _flip(states, i, low):
    flipped = states.copy()
    flipped[..., i] = (low + 1) - flipped[..., i]
    return flipped


def check_hamiltonian(hamiltonian: Hamiltonian, n_states: int = 16, seed: Seed = 0) -> None:
    """Check that a Hamiltonian honours the contract every algorithm relies on.

    Checks: ``n`` and ``domain``; ``random_states`` shape, dtype and values;
    ``energy`` returns finite floats of shape (...) for states of shape (..., n) and is
    vectorised consistently over leading axes; ``delta_energy`` equals the brute-force
    difference of energies for every variable; ``to_domain`` gives the same energy on
    the mapped states, both ways; ``local_fields`` of models with a pairwise form; for
    bipartite models ``to_pairwise`` and the conditionals and free energies (against enumeration of a layer
    when it has at most 10 units); and that the attributes the class lists in ``values``
    cannot change (their arrays read-only, the attributes not assignable).

    Parameters
    ----------
    hamiltonian : Hamiltonian
    n_states : int, default 16
        Number of random states to test on.
    seed : int, default 0

    Raises
    ------
    AssertionError
        Naming the first property that failed.
    """
    if not isinstance(hamiltonian, Hamiltonian):
        raise TypeError(f"hamiltonian must be a statmech.Hamiltonian; got {type(hamiltonian).__name__}")
    n, domain = hamiltonian.n, hamiltonian.domain
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise AssertionError(f"n must be a positive int; got {n!r}")
    if domain not in LOW_VALUE:
        raise AssertionError(f"domain must be 'spin' or 'binary'; got {domain!r}")
    states = hamiltonian.random_states(n_states, seed=seed)
    if states.shape != (n_states, n) or states.dtype != np.int8:
        raise AssertionError(f"random_states gave {states.shape} {states.dtype}, expected ({n_states}, {n}) int8")
    if not np.all((states == LOW_VALUE[domain]) | (states == 1)):
        raise AssertionError(f"random_states gave values outside the {domain!r} domain")

    energies = np.asarray(hamiltonian.energy(states))
    if energies.shape != (n_states,) or not np.issubdtype(energies.dtype, np.floating):
        raise AssertionError(f"energy of states {states.shape} gave {energies.shape} {energies.dtype}, "
                             f"expected ({n_states},) float")
    if not np.all(np.isfinite(energies)):
        raise AssertionError("energy returned a non-finite value")
    scale = max(1.0, float(np.abs(energies).max()))
    tol = dict(rtol=1e-9, atol=1e-9 * scale)
    if n_states % 2 == 0:
        grid = np.asarray(hamiltonian.energy(states.reshape(2, n_states // 2, n)))
        _close(grid, energies.reshape(2, n_states // 2), "energy over leading axes (2, k, n)", **tol)
    single = np.asarray(hamiltonian.energy(states[0]))
    _close(single, energies[0], "energy of a single state of shape (n,)", **tol)

    for i in range(n):
        brute = np.asarray(hamiltonian.energy(_flip(states, i, hamiltonian.low))) - energies
        _close(hamiltonian.delta_energy(states, i), brute, f"delta_energy(states, {i})", **tol)

    other = "binary" if domain == "spin" else "spin"
    converted = hamiltonian.to_domain(other)
    if converted.domain != other or converted.n != n:
        raise AssertionError(f"to_domain({other!r}) gave domain {converted.domain!r}, n {converted.n}")
    mapped = convert_states(states, other)
    _close(converted.energy(mapped), energies, f"energy after to_domain({other!r})", **tol)
    _close(converted.to_domain(domain).energy(states), energies, "energy after a round trip of to_domain", **tol)

    if pairwise_form(hamiltonian) is not None:
        local = hamiltonian.local_fields(states)  # type: ignore[attr-defined]  # pairwise and bipartite models have them
        delta = (float(LOW_VALUE[domain]) + 1) - 2.0 * states
        for i in range(n):
            _close(-delta[:, i] * local[:, i], hamiltonian.delta_energy(states, i),
                   f"-delta * local_fields[:, {i}] vs delta_energy", **tol)
    if has_structure(hamiltonian, BipartiteHamiltonian):
        _check_bipartite(hamiltonian, states, tol)
    _check_values(hamiltonian)


def _check_values(hamiltonian):
    """The attributes listed in ``values`` are frozen: arrays (and sparse matrices' arrays)
    read-only, and assigning the attribute refused."""
    for name in sorted(type(hamiltonian)._value_names):
        value = getattr(hamiltonian, name, None)
        arrays = ([value.data, value.indices, value.indptr] if sp.issparse(value)
                  else [value] if isinstance(value, np.ndarray) else [])
        if any(array.flags.writeable for array in arrays):
            raise AssertionError(f"{type(hamiltonian).__name__}.{name} is listed in values but is writable")
        if name in vars(hamiltonian):
            try:
                setattr(hamiltonian, name, value)
            except AttributeError:
                continue
            raise AssertionError(f"{type(hamiltonian).__name__}.{name} is listed in values but can be assigned")


def _check_bipartite(hamiltonian, states, tol, beta=0.7):
    v, h = hamiltonian.split(states)
    domain = hamiltonian.domain
    pairwise = hamiltonian.to_pairwise()
    _close(pairwise.energy(states), hamiltonian.energy(states), "to_pairwise().energy vs energy", **tol)
    for size, layer, fixed, free_energy, conditional, name in (
            (hamiltonian.n_hidden, "hidden", v, hamiltonian.free_energy_visible,
             hamiltonian.conditional_hidden, "free_energy_visible"),
            (hamiltonian.n_visible, "visible", h, hamiltonian.free_energy_hidden,
             hamiltonian.conditional_visible, "free_energy_hidden")):
        if size > 10:
            continue
        summed = all_states(size, domain)
        # Energies of every (fixed state, summed-layer state) pair: shape (k, 2**size).
        pairs = (fixed.shape[0], summed.shape[0])
        fixed_b = np.broadcast_to(fixed[:, None, :], pairs + fixed.shape[-1:])
        summed_b = np.broadcast_to(summed[None, :, :], pairs + summed.shape[-1:])
        joint = np.concatenate([fixed_b, summed_b] if layer == "hidden" else [summed_b, fixed_b], axis=-1)
        log_w = -beta * hamiltonian.energy(joint)
        top = log_w.max(axis=1, keepdims=True)
        w = np.exp(log_w - top)
        brute_free = -(top[:, 0] + np.log(w.sum(axis=1))) / beta
        _close(free_energy(fixed, beta), brute_free, f"{name} vs enumeration of the {layer} layer", **tol)
        p_up = (w[:, :, None] * (summed[None, :, :] == 1)).sum(axis=1) / w.sum(axis=1)[:, None]
        _close(conditional(fixed, beta), p_up, f"conditional_{layer} vs enumeration", rtol=1e-9, atol=1e-12)


def check_thermodynamic_identities(hamiltonian: Hamiltonian, beta: float, rtol: float = 1e-7) -> Thermodynamics:
    """Check the identities of canonical thermodynamics on ``statmech.exact(hamiltonian, beta)``.

    F = U - TS; C = beta^2 Var(E) = -beta^2 dU/dbeta and U = -d ln Z/dbeta (central
    differences); ln Z convex in beta; for discrete states S >= 0 and S(beta = 0) = n ln 2
    (a model with continuous units has a differential entropy of any sign, and no
    beta = 0 limit).

    Parameters
    ----------
    hamiltonian : Hamiltonian
    beta : float or array_like of shape (k,), each > 0
    rtol : float
        Relative tolerance of the finite-difference checks.

    Returns
    -------
    Thermodynamics
        The record at ``beta`` that was checked.
    """
    betas, _ = as_beta(beta)
    if np.any(betas <= 0):
        raise ValueError(f"beta must be > 0 for these checks; got {betas.min()}")
    th = exact(hamiltonian, betas)
    continuous = any(not units.discrete for units in getattr(hamiltonian, "unit_types", ()))
    scale = max(1.0, float(np.max(np.abs(th.energy))), float(np.max(np.abs(th.log_z))))
    _close(th.free_energy, th.energy - th.entropy / betas, "F = U - T S", rtol=1e-10, atol=1e-10 * scale)
    if not continuous and np.any(th.entropy < -1e-9 * scale):
        raise AssertionError(f"entropy is negative: {th.entropy.min():.3g}")
    step = 1e-4 * np.maximum(betas, 1e-2)
    up, down = exact(hamiltonian, betas + step), exact(hamiltonian, betas - step)
    heat_scale = max(1.0, float(np.max(th.specific_heat)))
    _close(-(up.log_z - down.log_z) / (2 * step), th.energy, "U = -d ln Z / d beta",
           rtol=rtol * 10, atol=rtol * 10 * scale)
    _close(-betas ** 2 * (up.energy - down.energy) / (2 * step), th.specific_heat,
           "C = beta^2 Var E = -beta^2 dU/dbeta", rtol=1e-5, atol=1e-5 * heat_scale)
    curvature = (up.log_z - 2 * th.log_z + down.log_z) / step ** 2
    if np.any(curvature < -1e-6 * scale / step.min()):
        raise AssertionError(f"ln Z is not convex in beta: second difference {curvature.min():.3g}")
    if not continuous:
        hot = exact(hamiltonian, 0.0)
        _close(hot.entropy, hamiltonian.n * np.log(2.0), "S(beta = 0) = n ln 2", rtol=1e-12, atol=1e-12)
    return th
