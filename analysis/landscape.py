"""Energy landscapes against free-energy landscapes (``statmech.analysis.landscape``).

The claim under test: at finite temperature the TAP free energy G(m) has fewer local
minima (its fixed points, reached from many starts) than the zero-temperature energy
E(s) has single-flip local minima. Both are counted here from many random starts,
with the fraction of starts that reach each one (its basin size).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy import optimize

import statmech
from statmech.validation import as_beta, as_generator, as_int, as_scalar_beta
from statmech.errors import ConvergenceWarning
from statmech.exact import all_states
from statmech.hamiltonian import PairwiseHamiltonian, pairwise_form, structure_hint, validate_hamiltonian
from statmech.meanfield.plefka import ORDERS, Couplings, check_pairwise, gibbs_value_and_gradient

if TYPE_CHECKING:
    from statmech.hamiltonian import Structured
    from statmech.typing import ArrayLike, Seed

__all__ = ["Minima", "Landscape", "energy_minima", "all_energy_minima", "tap_fixed_points", "landscape"]


@dataclass(frozen=True)
class Minima:
    """Distinct local minima (or fixed points) found from random starts.

    Attributes
    ----------
    points : ndarray of shape (k, n)
        States (energy minima) or magnetizations (fixed points), best first.
    values : ndarray of shape (k,)
        Their energies or free energies.
    basin_fraction : ndarray of shape (k,) or None
        Fraction of the starts that ended at each; None from :func:`all_energy_minima`
        (every state checked, no descent).
    n_starts : int
        Starts (or, for :func:`all_energy_minima`, states checked: 2**n).
    n_unconverged : int
        Starts that did not reach a fixed point (excluded from the counts).
    kind : str
        "energy" or the mean-field method.
    """

    points: np.ndarray
    values: np.ndarray
    basin_fraction: np.ndarray | None
    n_starts: int
    n_unconverged: int
    kind: str

    @property
    def count(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Landscape:
    """Counts of TAP fixed points along beta, next to the energy's local minima.

    Attributes
    ----------
    betas : ndarray of shape (K,)
    n_fixed_points : ndarray of shape (K,)
    largest_basin : ndarray of shape (K,)
        Basin fraction of the most popular fixed point at each beta.
    n_unconverged : ndarray of shape (K,)
    n_energy_minima : int
    energy_largest_basin : float
    method : str
    n_starts : int
    """

    betas: np.ndarray
    n_fixed_points: np.ndarray
    largest_basin: np.ndarray
    n_unconverged: np.ndarray
    n_energy_minima: int
    energy_largest_basin: float
    method: str
    n_starts: int


def _check_model(hamiltonian: Any) -> tuple[PairwiseHamiltonian, float]:
    """The model's pairwise form and the value of a down variable; errors for models
    landscape analysis cannot take."""
    validate_hamiltonian(hamiltonian)           # two-state units of one kind
    form = pairwise_form(hamiltonian)
    if form is None or hamiltonian.low is None:
        raise TypeError(f"landscape analysis needs a PairwiseHamiltonian (SK, ...) or a BipartiteHamiltonian of "
                        f"two-state units (an RBM); got {type(hamiltonian).__name__}{structure_hint(hamiltonian)}")
    return form, hamiltonian.low


def _flips(states, local, low):
    """Single-flip moves of states (k, n) with local fields (k, n): the change of each
    variable, the energy change of each flip, and whether it lowers the energy (beyond
    rounding)."""
    delta = (1.0 + low) - 2.0 * states
    change = -delta * local
    return delta, change, change < -1e-12 * (1.0 + np.abs(local))


def quench(hamiltonian: Structured, states: ArrayLike) -> np.ndarray:
    """Steepest-descent single-flip quenches (zero temperature) of states (k, n) until no
    flip lowers the energy: the local minima reached, as int8 (k, n)."""
    form, low = _check_model(hamiltonian)
    J: Any = form.couplings
    J = J.toarray() if sp.issparse(J) else np.asarray(J)
    s = np.array(states, dtype=np.float64)
    local = hamiltonian.local_fields(states)
    rows = np.arange(len(s))
    while True:
        delta, change, lowers = _flips(s, local, low)
        best = change.argmin(axis=1)
        active = lowers[rows, best]
        if not active.any():
            return s.astype(np.int8)
        r, i = rows[active], best[active]
        d = delta[r, i]
        s[r, i] += d
        local[r] += d[:, None] * J[i]


def energy_minima(hamiltonian: Structured, *, n_starts: int = 1000, seed: Seed | None = None) -> Minima:
    """Distinct single-flip local minima of the energy reached from uniform random states.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian
    n_starts : int
    seed : int, Generator or None

    Returns
    -------
    Minima
        Points are states; s and its image under a symmetry (e.g. -s for SK) count
        separately.

    Examples
    --------
    The single-flip-stable states of an SK instance, found by descent from random starts,
    with the fraction of starts that fell into each:

    >>> from statmech.analysis.landscape import energy_minima
    >>> from statmech.models import SherringtonKirkpatrick
    >>> minima = energy_minima(SherringtonKirkpatrick(12, seed=0), n_starts=200, seed=0)
    >>> bool(len(minima.values) >= 2), bool(abs(minima.basin_fraction.sum() - 1) < 1e-12)
    (True, True)
    """
    n_starts = as_int(n_starts, "n_starts", minimum=1)
    starts = hamiltonian.random_states(n_starts, seed=as_generator(seed))
    minima = quench(hamiltonian, starts)
    points, counts = np.unique(minima, axis=0, return_counts=True)
    energies = hamiltonian.energy(points)
    order = np.argsort(energies, kind="stable")
    return Minima(points[order], energies[order], counts[order] / n_starts, n_starts, 0, "energy")


def all_energy_minima(hamiltonian: Structured, *, chunk: int = 1 << 16) -> Minima:
    """Every single-flip local minimum of the energy, by checking all 2**n states.

    A state is a local minimum when no single flip lowers its energy (the test of
    :func:`quench`). Exact where :func:`energy_minima` samples: for counting minima
    (e.g. the complexity of SK's metastable states) at n up to about 26.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian
        With n <= 30 two-state variables.
    chunk : int
        States checked per step (memory ~ 40 * n * chunk bytes).

    Returns
    -------
    Minima
        All minima, lowest energy first; ``basin_fraction`` None, ``n_starts`` = 2**n.
    """
    _, low = _check_model(hamiltonian)
    n, chunk = hamiltonian.n, as_int(chunk, "chunk", minimum=1)
    if n > 30:
        raise ValueError(f"all_energy_minima checks all 2**n states; n = {n} exceeds 30: use energy_minima")
    found = []
    for start in range(0, 1 << n, chunk):
        states = all_states(n, hamiltonian.domain, start, min(start + chunk, 1 << n))
        _, _, lowers = _flips(states.astype(np.float64), hamiltonian.local_fields(states), low)
        found.append(states[~lowers.any(axis=1)])
    points = np.concatenate(found)
    energies = hamiltonian.energy(points)
    order = np.argsort(energies, kind="stable")
    return Minima(points[order], energies[order], None, 1 << n, 0, "energy (all states)")


def _distinct(points, values, tol):
    """Greedy clustering by max-norm distance <= tol: (representatives, their values, counts)."""
    order = np.argsort(values, kind="stable")
    reps, rep_values, counts = [], [], []
    for k in order:
        for r, rep in enumerate(reps):
            if np.abs(points[k] - rep).max() <= tol:
                counts[r] += 1
                break
        else:
            reps.append(points[k])
            rep_values.append(values[k])
            counts.append(1)
    return np.array(reps).reshape(len(reps), points.shape[1]), np.array(rep_values), np.array(counts)


def _minimise_gibbs(hamiltonian, beta, method, starts, tol, max_iter):
    """Local minima of G(m) by L-BFGS-B inside the box, one start at a time:
    (magnetizations (k, n), values (k,), converged (k,))."""
    order = ORDERS[method]
    couplings = Couplings(hamiltonian, order)
    low = hamiltonian.low
    edge = 1e-9 * (1.0 - low)
    bounds = [(low + edge, 1.0 - edge)] * hamiltonian.n

    def objective(m):
        value, gradient = gibbs_value_and_gradient(couplings, beta, m, low, order)
        return float(value), gradient

    points, values, converged = [], [], []
    for start in starts:
        fit = optimize.minimize(objective, np.clip(start, low + edge, 1.0 - edge), jac=True, method="L-BFGS-B",
                                bounds=bounds, options={"maxiter": max_iter, "gtol": tol, "ftol": 0.0})
        _, gradient = objective(fit.x)
        points.append(fit.x)
        values.append(fit.fun)
        converged.append(np.abs(gradient).max() < 1e3 * max(tol, 1e-9))
    return np.array(points), np.array(values), np.array(converged)


def tap_fixed_points(hamiltonian: Structured, beta: float, *, method: str = "tap2", n_starts: int = 1000,
                     damping: float = 0.5, tol: float = 1e-10, max_iter: int = 2000, distinct_tol: float = 1e-4,
                     solver: str = "iterate", seed: Seed | None = None) -> Minima:
    """Distinct mean-field/TAP solutions reached from uniform random magnetizations.

    ``solver="iterate"``: the damped fixed-point iteration of ``statmech.mean_field``, all
    starts together (one matrix product per step); it finds the attracting fixed points,
    and in SK's glass phase TAP2 iterations often do not converge at all.
    ``solver="minimize"``: L-BFGS-B descent of G(m) itself from each start (slower, one
    start at a time), which finds the local minima of the free-energy landscape there
    too. Starts that do not converge are counted in ``n_unconverged`` and left out.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian or BipartiteHamiltonian
    beta : float, > 0
    method : {"naive", "tap2", "tap3"}
    n_starts : int
    damping, tol, max_iter
        As for ``statmech.mean_field`` (tol is the gradient tolerance with "minimize").
    distinct_tol : float
        Solutions closer than this (max norm) are one.
    solver : {"iterate", "minimize"}
    seed : int, Generator or None

    Returns
    -------
    Minima
        Points are magnetizations, values the Gibbs free energies G(m).
    """
    _, low = _check_model(hamiltonian)
    n_starts = as_int(n_starts, "n_starts", minimum=1)
    if solver not in ("iterate", "minimize"):
        raise ValueError(f"solver must be 'iterate' or 'minimize'; got {solver!r}")
    init = low + (1.0 - low) * as_generator(seed).uniform(0.0, 1.0, (n_starts, hamiltonian.n))
    if solver == "minimize":
        check_pairwise(hamiltonian, method)
        points, values, converged = _minimise_gibbs(hamiltonian, as_scalar_beta(beta), method, init,
                                                    max(tol, 1e-8), max_iter)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = statmech.mean_field(hamiltonian, beta, method=method, damping=damping, tol=tol, max_iter=max_iter,
                                         init=init, on_failure="warn")
        points, values = result.m, np.atleast_1d(result.free_energy)
        converged = np.atleast_1d(result.converged)
    points, values, counts = _distinct(points[converged], values[converged], distinct_tol)
    return Minima(points, values, counts / n_starts, n_starts, int((~converged).sum()), method)


def landscape(hamiltonian: Structured, betas: ArrayLike, *, method: str = "naive", n_starts: int = 500,
              damping: float = 0.5, max_iter: int = 2000, solver: str = "iterate",
              seed: Seed | None = None) -> Landscape:
    """Count TAP fixed points at each beta, and the energy's local minima, from the same number of starts.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian or BipartiteHamiltonian
    betas : array_like of shape (K,)
    method : {"naive", "tap2", "tap3"}
    n_starts : int
    damping, max_iter
        As for ``statmech.mean_field``.
    solver : {"iterate", "minimize"}
        See :func:`tap_fixed_points`.
    seed : int or None

    Returns
    -------
    Landscape

    Examples
    --------
    Fixed points of naive mean field on an SK instance, from many starts: one (the
    paramagnet m = 0) at high temperature, several at low temperature:

    >>> from statmech.analysis.landscape import landscape
    >>> from statmech.models import SherringtonKirkpatrick
    >>> L = landscape(SherringtonKirkpatrick(20, seed=0), [0.5, 3.0], n_starts=100, seed=0)
    >>> int(L.n_fixed_points[0]), bool(L.n_fixed_points[1] > 1)
    (1, True)
    """
    betas, _ = as_beta(betas)
    seeds = np.random.SeedSequence(seed).spawn(len(betas) + 1)  # type: ignore[arg-type]  # an int or None
    energy = energy_minima(hamiltonian, n_starts=n_starts, seed=np.random.default_rng(seeds[0]))
    rows = [tap_fixed_points(hamiltonian, b, method=method, n_starts=n_starts, damping=damping, max_iter=max_iter,
                             solver=solver, seed=np.random.default_rng(s)) for b, s in zip(betas, seeds[1:])]
    fractions = [np.asarray(r.basin_fraction) for r in rows]        # sampled minima: every one has fractions
    return Landscape(betas=betas, n_fixed_points=np.array([r.count for r in rows]),
                     largest_basin=np.array([f.max(initial=0.0) for f in fractions]),
                     n_unconverged=np.array([r.n_unconverged for r in rows]),
                     n_energy_minima=energy.count, energy_largest_basin=float(np.asarray(energy.basin_fraction).max()),
                     method=method, n_starts=n_starts)
