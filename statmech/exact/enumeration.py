"""Exact thermodynamics by enumerating every state: the ground truth of the project.

Pairwise models are enumerated in Gray-code order inside numba (one variable changes
per state, so the energy costs O(n) or O(degree) per state), in blocks of 2**12
states that share a prefix of the high variables, in parallel over prefixes.
Moments are accumulated as a streaming log-sum-exp, so memory is O(n) per thread and
nothing overflows at any beta. Bipartite models enumerate their smaller layer and
sum the other out in closed form. Any other Hamiltonian is evaluated through its own
``energy`` on batches of states.
"""
from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from . import gray_code
from ..validation import as_beta, as_float, as_generator, as_int, check_domain
from ..errors import EnumerationTooLarge, SlowPathWarning
from ..frozen import read_only_view
from ..jit import threads_for
from ..hamiltonian import (BipartiteHamiltonian, PairwiseHamiltonian, checked_energy, has_structure,
                          pairwise_form, structure_hint, validate_hamiltonian)
from ..thermodynamics import DensityOfStates, thermodynamics_from_moments

if TYPE_CHECKING:
    from statmech.hamiltonian import Hamiltonian
    from statmech.thermodynamics import Thermodynamics
    from statmech.typing import ArrayLike, Seed

__all__ = ["exact", "density_of_states", "all_states", "energy_grid", "MAX_KERNEL_N", "MAX_GENERIC_N"]

#: Largest n (largest enumerated layer for bipartite models) the numba kernels accept:
#: 2**36 = 6.9e10 states take about an hour on two cores at ~100 million states/s.
MAX_KERNEL_N = 36
#: Largest n for a Hamiltonian that only defines ``energy``: 2**24 = 1.7e7 states, each
#: through the user's Python/numpy energy function.
MAX_GENERIC_N = 24

_BLOCK_BITS = 12       # states per Gray-code block: 2**12
_MAX_BLOCKS = 1024     # parallel work items; fixed, so results do not depend on threads
_BATCH = 1 << 14       # states per energy() call on the generic path
_CALL_STATES = 1 << 25  # states per kernel call of a pairwise model at one beta (~0.1 s)
_SECONDS_PER_STATE = 4e-9   # one thread, a pairwise model at one beta: what threads_for is told
_warned_slow: set[str] = set()


def exact(hamiltonian: Hamiltonian, beta: ArrayLike) -> Thermodynamics:
    """Exact canonical thermodynamics by enumerating all states.

    Parameters
    ----------
    hamiltonian : Hamiltonian
        Any Hamiltonian; pairwise and bipartite ones use numba kernels.
    beta : float or array_like of shape (k,)
        Inverse temperature(s), finite and >= 0.

    Returns
    -------
    Thermodynamics
        Totals (not per spin) for the whole system: ``log_z``, ``free_energy``,
        ``energy``, ``entropy``, ``specific_heat``, ``magnetization`` <M> with
        M = sum_i s_i, ``abs_magnetization`` ``<|M|>``, ``susceptibility`` beta Var(M).
        Floats for a scalar beta, arrays of shape (k,) otherwise.

    Raises
    ------
    EnumerationTooLarge
        When n (for bipartite models: the smaller layer) exceeds :data:`MAX_KERNEL_N`,
        or :data:`MAX_GENERIC_N` for a Hamiltonian without a kernel.

    Examples
    --------
    >>> import numpy as np, statmech
    >>> chain = statmech.PairwiseHamiltonian(np.array([[0., 1.], [1., 0.]]))
    >>> bool(np.isclose(statmech.exact(chain, 0.0).log_z, 2 * np.log(2)))      # 4 states at beta = 0
    True
    """
    validate_hamiltonian(hamiltonian, unit_types=True)
    betas, scalar = as_beta(beta)
    if has_structure(hamiltonian, BipartiteHamiltonian) and hamiltonian.domain is None:
        return _unit_types_exact(hamiltonian, betas, scalar)
    low = hamiltonian.low
    if has_structure(hamiltonian, BipartiteHamiltonian):
        rows = _bipartite_moments(hamiltonian, betas, low)
    elif has_structure(hamiltonian, PairwiseHamiltonian):
        _check_size(hamiltonian.n, MAX_KERNEL_N, "n")
        rows = _in_calls(gray_code.exact_pairwise, (*_pairwise_arrays(hamiltonian), hamiltonian.offset, low, betas),
                         hamiltonian.n, betas.size)
    else:
        rows = _generic_moments(hamiltonian, betas)
    return _thermodynamics_from_rows(rows, betas, hamiltonian.n, scalar)


def density_of_states(hamiltonian: Hamiltonian, *, resolution: float = 1.0) -> DensityOfStates:
    """Exact density of states g(E) of a model whose energies lie on a grid.

    Parameters
    ----------
    hamiltonian : Hamiltonian
        Energies must be integer multiples of ``resolution`` relative to the lowest
        possible energy (the Ising ferromagnet with integer J and h, for instance).
    resolution : float, default 1
        Grid spacing of the energies.

    Returns
    -------
    DensityOfStates
        ``counts`` holds the exact number of states at each energy.

    Raises
    ------
    ValueError
        If some energy is not on the grid (more than 1e-6 * resolution away).

    Examples
    --------
    The 2 x 2 Ising torus (each bond counted twice): 16 states on three levels:

    >>> import numpy as np, statmech
    >>> from statmech.models import Ising
    >>> g = statmech.density_of_states(Ising.square(2))
    >>> g.energies.tolist(), np.exp(g.log_g).round().tolist()
    ([-8.0, 0.0, 8.0], [2.0, 12.0, 2.0])
    """
    validate_hamiltonian(hamiltonian)
    resolution = as_float(resolution, "resolution", minimum=0.0, allow_equal=False)
    if has_structure(hamiltonian, PairwiseHamiltonian):
        _check_size(hamiltonian.n, MAX_KERNEL_N, "n")
        couplings, indptr, indices, data, dense, fields = _pairwise_arrays(hamiltonian)
        energy_min, n_bins = energy_grid(hamiltonian, resolution)
        n_low, n_blocks = _blocks(hamiltonian.n)
        counts, off_grid = gray_code.energy_histogram_pairwise(
            couplings, indptr, indices, data, dense, fields, hamiltonian.offset,
            hamiltonian.low, n_low, n_blocks, energy_min, resolution, n_bins)
    else:
        _check_size(hamiltonian.n, MAX_GENERIC_N, "n")
        energies = np.concatenate([e for e, _ in _generic_batches(hamiltonian)])
        energy_min = np.floor(energies.min() / resolution) * resolution
        x = (energies - energy_min) / resolution
        off_grid = np.abs(x - np.rint(x)).max()
        counts = np.bincount(np.rint(x).astype(np.int64))
    if off_grid > 1e-6:
        raise ValueError(f"energies are not multiples of resolution = {resolution}: some energy "
                         f"is {off_grid:.3g} * resolution off the grid; pass a finer resolution")
    occupied = np.flatnonzero(counts)
    return DensityOfStates(energies=energy_min + resolution * occupied,
                           log_g=np.log(counts[occupied].astype(np.float64)),
                           counts=counts[occupied], n=hamiltonian.n)


def _check_size(n, limit, name):
    if n > limit:
        raise EnumerationTooLarge(
            f"exact enumeration visits all 2**{name} states; {name} = {n} exceeds the limit {limit} "
            f"(2**{limit} = {2.0 ** limit:.2g} states). Use Monte Carlo or mean-field estimates instead.")


def _blocks(n_bits):
    """Bits enumerated inside one Gray-code block, and the number of parallel blocks."""
    n_low = min(n_bits, _BLOCK_BITS)
    return n_low, min(1 << (n_bits - n_low), _MAX_BLOCKS)


def _in_calls(kernel, arguments, n_bits, cost):
    """Run an enumeration kernel over all 2**n_bits states in calls of about
    _CALL_STATES / cost states each (at least 16 Gray-code blocks, so that threads have
    work) and merge their rows: Ctrl-C, raised when a call returns, then stops a large
    enumeration within a fraction of a second. The split depends on n_bits and cost
    only, never on the number of threads, so neither do the results."""
    n_low, _ = _blocks(n_bits)
    n_prefixes = 1 << (n_bits - n_low)
    budget = max(_CALL_STATES // (cost << n_low), 1)
    per_call = min(max(1 << (budget.bit_length() - 1), 16), n_prefixes)       # powers of two
    n_blocks = min(per_call, _MAX_BLOCKS)
    per_block = per_call // n_blocks
    with threads_for(n_blocks, _SECONDS_PER_STATE * cost * (per_call << n_low)):     # small ones on one thread
        rows = [kernel(*arguments, n_low, n_blocks, first, per_block) for first in range(0, n_prefixes, per_call)]
    return rows[0] if len(rows) == 1 else gray_code.merge_blocks(np.array(rows))


def energy_grid(hamiltonian: Hamiltonian, resolution: float) -> tuple[float, int]:
    """(lowest grid energy, number of bins) of a grid of spacing ``resolution`` that holds
    every energy of a model with a pairwise form (:func:`~statmech.hamiltonian.pairwise_form`):
    ``|E - offset| <= sum_{i<j} |J_ij| + sum_i |h_i|``."""
    form = pairwise_form(hamiltonian)
    if form is None:
        raise TypeError(f"an energy grid needs a model with a pairwise form; got {hamiltonian!r}")
    bound = 0.5 * float(abs(form.couplings).sum()) + float(np.abs(form.fields).sum())
    energy_min = float(np.floor((form.offset - bound) / resolution) * resolution)
    return energy_min, int(np.ceil((form.offset + bound - energy_min) / resolution)) + 1


def _pairwise_arrays(hamiltonian):
    """Arguments of the pairwise kernels: couplings (dense or CSR), the dense flag, fields."""
    dense, matrix, indptr, indices, data = hamiltonian.kernel_couplings()
    return matrix, indptr, indices, data, dense, read_only_view(np.ascontiguousarray(hamiltonian.fields, np.float64))


def _bipartite_moments(hamiltonian, betas, low):
    """Enumerate the smaller layer, sum the larger one out analytically."""
    weights = hamiltonian.weights
    if hamiltonian.n_hidden <= hamiltonian.n_visible:
        enumerated, other, weights = hamiltonian.hidden_bias, hamiltonian.visible_bias, weights.T
    else:
        enumerated, other = hamiltonian.visible_bias, hamiltonian.hidden_bias
    _check_size(enumerated.size, MAX_KERNEL_N, "min(n_visible, n_hidden)")
    arrays = (read_only_view(np.ascontiguousarray(a, np.float64)) for a in (weights, enumerated, other))
    return _in_calls(gray_code.exact_bipartite, (*arrays, hamiltonian.offset, low, betas), enumerated.size,
                     betas.size * (32 * other.size + 1))     # a summed-out unit costs ~30 Gray steps


def _unit_types_exact(hamiltonian, betas, scalar):
    """Bipartite models with other unit types: enumerate a two-state layer (the smaller
    when both are) and integrate the other out with its unit's closed forms; two Gaussian
    layers by the Gaussian integral. ``<|M|>`` is not given (None)."""
    visible, hidden = hamiltonian.unit_types
    if not visible.discrete and not hidden.discrete:
        if visible.name == hidden.name == "gaussian":
            return _gaussian_gaussian(hamiltonian, betas, scalar)
        raise ValueError(f"exact has no closed form for {visible.name} visible and {hidden.name} hidden units "
                         f"(a truncated multivariate normal integral); it takes a two-state layer with any "
                         f"other, or two gaussian layers")
    enumerate_visible = visible.discrete and (not hidden.discrete or hamiltonian.n_visible <= hamiltonian.n_hidden)
    if enumerate_visible:
        units, other, weights = visible, hidden, hamiltonian.weights
        bias, other_bias = hamiltonian.visible_bias, hamiltonian.hidden_bias
    else:
        units, other, weights = hidden, visible, hamiltonian.weights.T
        bias, other_bias = hamiltonian.hidden_bias, hamiltonian.visible_bias
    if not other.discrete and np.any(betas == 0):
        raise ValueError(f"beta must be > 0 for a model with {other.name} units: their integral over the real "
                         f"line diverges at beta = 0")
    k = bias.size
    _check_size(k, MAX_GENERIC_N, "the enumerated (two-state) layer")
    blocks = []
    for start in range(0, 2 ** k, _BATCH):
        states = all_states(k, units.name, start, min(start + _BATCH, 2 ** k)).astype(np.float64)
        fields = states @ weights + other_bias
        e_fixed = hamiltonian.offset - states @ bias
        m_fixed = states.sum(axis=1)
        block = np.empty((betas.size, gray_code.N_MOMENTS))
        for b, beta in enumerate(betas):
            e_mean, e_var = other.energy_moments(fields, beta)
            m_mean = m_fixed + other.mean(fields, beta).sum(axis=1)
            gray_code.accumulate(-beta * e_fixed + other.log_partition(fields, beta).sum(axis=1),
                                 e_fixed + e_mean.sum(axis=1), e_var.sum(axis=1), m_mean,
                                 other.variance(fields, beta).sum(axis=1), np.abs(m_mean), block[b])
        blocks.append(block)
    result = _thermodynamics_from_rows(gray_code.merge_blocks(np.array(blocks)), betas, hamiltonian.n, scalar)
    return replace(result, abs_magnetization=None)


def _gaussian_gaussian(hamiltonian, betas, scalar):
    """E = x^T P x / 2 - c^T x + offset with P = [[I, -W], [-W^T, I]], c = (a, b):
    ln Z = (n/2) ln(2 pi / beta) - ln det P / 2 + beta (c^T P^-1 c / 2 - offset),
    U = n / (2 beta) - c^T P^-1 c / 2 + offset, Var E = n / (2 beta^2),
    <M> = 1^T P^-1 c, Var M = 1^T P^-1 1 / beta."""
    n = hamiltonian.n
    precision, factor = hamiltonian.gaussian_precision()
    if np.any(betas == 0):
        raise ValueError("beta must be > 0 for a model with gaussian units: their integral diverges at beta = 0")
    c = np.concatenate([hamiltonian.visible_bias, hamiltonian.hidden_bias])
    solve = np.linalg.solve
    inverse_c = solve(precision, c)
    inverse_one = solve(precision, np.ones(n))
    quadratic = float(c @ inverse_c)
    log_det = 2.0 * np.log(np.diag(factor)).sum()
    log_z = 0.5 * n * np.log(2 * np.pi / betas) - 0.5 * log_det + betas * (0.5 * quadratic - hamiltonian.offset)
    energy = 0.5 * n / betas - 0.5 * quadratic + hamiltonian.offset
    return thermodynamics_from_moments(betas, log_z, energy, 0.5 * n / betas ** 2,
                                       np.full(betas.shape, inverse_one @ c), inverse_one.sum() / betas,
                                       n=n, scalar=scalar)


def boltzmann_samples(hamiltonian: Hamiltonian, beta: float, *, n_samples: int, seed: Seed | None = None) -> np.ndarray:
    """Independent samples of the Boltzmann distribution p(s) = exp(-beta E(s)) / Z, drawn
    exactly by enumerating every state: data for learning and inverse problems whose answer
    is known, and a reference for samplers.

    Parameters
    ----------
    hamiltonian : Hamiltonian
        Of two-state variables (``domain`` "spin" or "binary"), at most ``MAX_GENERIC_N``
        of them (the 2**n energies are held in memory).
    beta : float
        Inverse temperature, >= 0.
    n_samples : int
        Number of samples.
    seed : int, SeedSequence or Generator, optional

    Returns
    -------
    ndarray of shape (n_samples, n), int8
        The states, in the model's domain.

    Examples
    --------
    At beta = 0 every state is equally likely; at large beta a ferromagnet sits in its two
    ground states:

    >>> import numpy as np
    >>> from statmech.exact import boltzmann_samples
    >>> from statmech.models import Ising
    >>> s = boltzmann_samples(Ising.chain(6), 5.0, n_samples=1000, seed=0)
    >>> s.shape, bool((np.abs(s.sum(axis=1)) == 6).mean() > 0.99)
    ((1000, 6), True)
    """
    validate_hamiltonian(hamiltonian)
    beta = as_float(beta, "beta", minimum=0.0)
    n_samples = as_int(n_samples, "n_samples", minimum=1)
    rng = as_generator(seed)
    _check_size(hamiltonian.n, MAX_GENERIC_N, "n")
    states = all_states(hamiltonian.n, hamiltonian.domain)
    energy = checked_energy(hamiltonian, states)
    weights = np.exp(-beta * (energy - energy.min()))
    return states[rng.choice(len(states), size=n_samples, p=weights / weights.sum())]


def all_states(n: int, domain: str = "spin", start: float = 0, stop: float | None = None) -> np.ndarray:
    """States number ``start`` to ``stop`` (default all 2**n) of n two-state variables, in
    binary counting order (bit i of the number is variable i): int8 array (stop - start, n)
    with values {-1, 1} ("spin") or {0, 1} ("binary")."""
    n, domain = as_int(n, "n", minimum=0), check_domain(domain)
    if n > 62:
        raise ValueError(f"n must be <= 62 (states are numbered by int64); got {n}")
    codes = np.arange(start, 1 << n if stop is None else stop, dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(n)) & 1).astype(np.int8)
    return bits if domain == "binary" else (2 * bits - 1).astype(np.int8)


def _generic_batches(hamiltonian):
    """(energies, magnetizations) of all states, batch by batch, via hamiltonian.energy."""
    key = type(hamiltonian)
    if key not in _warned_slow:
        _warned_slow.add(key)
        advice = structure_hint(hamiltonian) or (". Subclass PairwiseHamiltonian or BipartiteHamiltonian when "
                                                 "the energy has that form to use statmech's numba kernels")
        warnings.warn(f"exact enumeration calls {key.__name__}.energy on batches of states, which is slow"
                      f"{advice}.", SlowPathWarning, stacklevel=4)
    n = hamiltonian.n
    for start in range(0, 1 << n, _BATCH):
        states = all_states(n, hamiltonian.domain, start, min(start + _BATCH, 1 << n))
        energies = checked_energy(hamiltonian, states)
        yield energies, states.sum(axis=1, dtype=np.float64)


def _generic_moments(hamiltonian, betas):
    _check_size(hamiltonian.n, MAX_GENERIC_N, "n")
    rows = []
    for energies, mags in _generic_batches(hamiltonian):
        zeros = np.zeros_like(energies)
        block = np.empty((betas.size, gray_code.N_MOMENTS))
        for b, beta in enumerate(betas):
            gray_code.accumulate(-beta * energies, energies, zeros, mags, zeros, np.abs(mags), block[b])
        rows.append(block)
    return gray_code.merge_blocks(np.array(rows))


#: Every field of exact's record but the free energy (whose beta = 0 limit is -inf).
_CHECKED = ("log_z", "energy", "entropy", "specific_heat", "magnetization", "abs_magnetization", "susceptibility")


def _thermodynamics_from_rows(rows, betas, n, scalar):
    ref, energy_ref, s0, s1, s2, sm, sm2, sa = rows.T
    mean_shift = s1 / s0
    magnetization = sm / s0
    with np.errstate(over="ignore", invalid="ignore"):
        result = thermodynamics_from_moments(
            betas, ref + np.log(s0), energy_ref + mean_shift, np.maximum(s2 / s0 - mean_shift ** 2, 0.0),
            magnetization, np.maximum(sm2 / s0 - magnetization ** 2, 0.0), sa / s0, n=n, scalar=scalar)
    values = np.array([np.atleast_1d(getattr(result, name)) for name in _CHECKED])
    bad = ~np.all(np.isfinite(values), axis=0) | ~np.all(np.isfinite(rows), axis=1)
    if np.any(bad):
        raise ValueError(f"beta = {betas[bad][0]:g} is too large for floating point: beta * E or beta^2 Var(E) "
                         f"overflows for this model's energies (its canonical averages there are those of its "
                         f"ground states)")
    return result
