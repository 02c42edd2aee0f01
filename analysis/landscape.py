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

__all__ = ["Minima", "Landscape", "TapStates", "energy_minima", "all_energy_minima", "tap_fixed_points", "tap_states",
           "landscape"]


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


@dataclass(frozen=True)
class TapStates:
    """TAP2 states of an SK-type model followed in temperature from its zero-temperature
    energy minima (:func:`tap_states`).

    Attributes
    ----------
    betas : ndarray of shape (n_beta,)
        From the coldest to the hottest.
    n_states : ndarray of shape (n_beta,)
        Distinct TAP2 solutions at each beta that satisfy Plefka's condition and are local
        minima of the TAP free energy G(m) (its Hessian positive definite): the TAP states.
    n_solutions : ndarray of shape (n_beta,)
        Distinct solutions followed there, whatever their stability.
    n_starts : int
        Branches started (the energy minima at the coldest beta).
    magnetizations : list of ndarray
        The TAP states at each beta, (n_states[k], n).
    """

    betas: np.ndarray
    n_states: np.ndarray
    n_solutions: np.ndarray
    n_starts: int
    magnetizations: list


def tap2_hessian(J: np.ndarray, beta: float, u: np.ndarray) -> np.ndarray:
    """The Hessian H of SK's TAP2 free energy G(m) (spins; dense couplings J) at m = tanh u,
    rescaled as D^1/2 H D^1/2 with D = diag(1 - m^2), which has H's definiteness and stays
    finite where m rounds to +-1: diag(1/beta + beta A d) - sqrt(d) J sqrt(d)
    - 2 beta (m sqrt(d))(m sqrt(d))^T * J^2, with d = 1 - m^2 = sech^2 u (exact from the
    fields) and A_i = sum_j J_ij^2 d_j."""
    m, d = np.tanh(u), 1.0 / np.cosh(u) ** 2
    J2 = J * J
    root = np.sqrt(d)
    return (np.diag(1.0 / beta + beta * (J2 @ d) * d) - root[:, None] * J * root[None, :]
            - 2.0 * beta * np.outer(m * root, m * root) * J2)


def plefka_condition(J: np.ndarray, beta: float, u: np.ndarray) -> float:
    """x = 1 - beta^2 (1/n) sum_ij J_ij^2 (1 - m_j^2)^2 at m = tanh u: the expansion behind
    TAP converges where x > 0 (Plefka 1982; for SK, whose rows have sum_i J_ij^2 ~ 1, the
    familiar 1 - beta^2 (1/n) sum_j (1 - m_j^2)^2)."""
    d = 1.0 / np.cosh(u) ** 2
    return float(1.0 - beta ** 2 * np.sum((J * J) @ (d * d)) / len(u))


def _field_parts(J, h, beta, u):
    """The TAP2 equations in the fields u (m = tanh u, no boundary at |m| = 1): residual
    R(u) = u - beta (J m + h - beta m A) and its Jacobian."""
    m = np.tanh(u)
    J2 = J * J
    A = J2 @ (1.0 - m * m)
    d_field = beta * J - beta ** 2 * (np.diag(A) - 2.0 * np.outer(m, m) * J2)
    return u - beta * (J @ m + h - beta * m * A), np.eye(len(u)) - d_field * (1.0 - m * m)[None, :]


def _newton(J, h, beta, u, tol, max_iter):
    """Newton's method on the TAP2 equations in the fields u (m = tanh u), with step halving
    while the residual does not fall: (u, converged), converged when max |R(u)| < tol."""
    residual, jacobian = _field_parts(J, h, beta, u)
    for _ in range(max_iter):
        if np.abs(residual).max() < tol:
            return u, True
        try:
            step = np.linalg.solve(jacobian, -residual)
        except np.linalg.LinAlgError:
            return u, False
        size, norm = 1.0, np.linalg.norm(residual)
        while size > 1e-8:
            trial = u + size * step
            r_trial, j_trial = _field_parts(J, h, beta, trial)
            if np.linalg.norm(r_trial) < norm:
                u, residual, jacobian = trial, r_trial, j_trial
                break
            size *= 0.5
        else:
            return u, False
    return u, bool(np.abs(residual).max() < tol)


def _follow(J, h, u, beta_from, beta_to, tol, max_iter, depth=10):
    """The solution (fields u) at beta_from continued to beta_to: Newton at beta_to from u,
    and where it fails, through intermediate betas (halving the step, at most ``depth``
    times): (u, converged)."""
    found, converged = _newton(J, h, beta_to, u, tol, max_iter)
    if converged or depth == 0:
        return found, converged
    middle = 0.5 * (beta_from + beta_to)
    u_mid, ok = _follow(J, h, u, beta_from, middle, tol, max_iter, depth - 1)
    return _follow(J, h, u_mid, middle, beta_to, tol, max_iter, depth - 1) if ok else (u_mid, False)


def _is_tap_state(J, beta, u):
    """Plefka's condition and a positive-definite Hessian of G at m = tanh u."""
    return plefka_condition(J, beta, u) > 0 and bool(np.linalg.eigvalsh(tap2_hessian(J, beta, u)).min() > 0)


def tap_states(hamiltonian: Structured, betas: ArrayLike, *, starts: ArrayLike | None = None, tol: float = 1e-10,
               max_newton: int = 30, distinct_tol: float = 1e-6) -> TapStates:
    """TAP2 states of an SK-type spin model below (and above) its transition, followed by
    continuation from its zero-temperature energy minima.

    At low temperature every single-flip energy minimum s has a TAP solution m ~ s. Each is
    followed from the coldest beta to the hottest with Newton's method on the TAP2 equations
    m_i = tanh(beta (sum_j J_ij m_j + h_i - beta m_i sum_j J_ij^2 (1 - m_j^2))), started at
    each beta from the branch's solution at the previous one; a branch that Newton loses
    (the state merged with a saddle and vanished) is dropped. At each beta the distinct
    solutions are counted, and among them the TAP states: those satisfying Plefka's
    condition (:func:`plefka_condition`) that are local minima of G(m)
    (:func:`tap2_hessian` positive definite). States born at finite temperature away from
    every branch are not seen; on small systems :func:`tap_fixed_points` with
    ``solver="minimize"`` from many starts is the check.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian
        Spins, dense or sparse couplings (e.g. ``SherringtonKirkpatrick``).
    betas : array_like of shape (n_beta,)
        Any order; followed from the largest (coldest) to the smallest.
    starts : array_like of shape (k, n) of +-1, optional
        The branches' zero-temperature states. Default: every single-flip energy minimum
        (:func:`all_energy_minima`, n <= 24).
    tol, max_newton : float, int
        Newton's tolerance on max |R(m)| and its iterations per beta.
    distinct_tol : float
        Solutions within this max-norm distance are one.

    Returns
    -------
    TapStates

    References
    ----------
    T. Plefka, J. Phys. A 15, 1971 (1982); K. Nemoto and H. Takayama, J. Phys. C 18, L529
    (1985); T. Aspelmeier, A. J. Bray and M. A. Moore, Phys. Rev. Lett. 92, 087203 (2004);
    A. J. Bray and M. A. Moore, J. Phys. C 13, L469 (1980) (the complexity 0.199 at T = 0).

    Examples
    --------
    >>> from statmech.models import SherringtonKirkpatrick
    >>> from statmech.analysis.landscape import tap_states
    >>> states = tap_states(SherringtonKirkpatrick(12, seed=2), [20.0, 10.0, 5.0])     # T = 0.05, 0.1, 0.2
    >>> states.n_starts, states.n_states.tolist()       # 14 energy minima; their TAP2 states vanish as T rises
    (14, [8, 2, 0])
    """
    form, low = _check_model(hamiltonian)
    if low != -1.0:
        raise TypeError(f"tap_states follows the TAP2 equations of spins (+-1); got a model of domain "
                        f"{hamiltonian.domain!r}: convert it first (with_domain('spin'))")
    J: Any = form.couplings
    J = J.toarray() if sp.issparse(J) else np.asarray(J, dtype=np.float64)
    h = np.broadcast_to(np.asarray(form.fields, dtype=np.float64), (hamiltonian.n,))
    betas, _ = as_beta(betas, "betas")
    if np.any(betas <= 0):
        raise ValueError(f"betas must be > 0 (TAP states at finite temperature); got {betas.min()}")
    betas = np.sort(betas)[::-1]
    if starts is None:
        if hamiltonian.n > 24:
            raise ValueError(f"starts must be given for n > 24 (the default enumerates all 2**n states); "
                             f"n = {hamiltonian.n}")
        starts = all_energy_minima(hamiltonian).points
    starts = np.asarray(starts, dtype=np.float64)
    if starts.ndim != 2 or starts.shape[1] != hamiltonian.n or not np.all(np.abs(starts) == 1):
        raise ValueError(f"starts must be spin states (k, {hamiltonian.n}) of +-1; got shape {starts.shape}")
    tol = float(tol)
    max_newton = as_int(max_newton, "max_newton", minimum=1)
    # the fields of the naive mean-field step from each minimum, beta (J s + h): where Newton converges
    branches = [betas[0] * (J @ s + h) for s in starts]
    n_states, n_solutions, kept = [], [], []
    couplings = Couplings(form, 2)
    previous = betas[0]
    for beta in betas:
        alive = []
        for u in branches:
            u, converged = _follow(J, h, u, previous, beta, tol, max_newton)
            if converged:
                alive.append(u)
        previous = beta
        if not alive:
            branches = []
            n_states.append(0)
            n_solutions.append(0)
            kept.append(np.zeros((0, hamiltonian.n)))
            continue
        fields = np.array(alive)
        values = np.array([gibbs_value_and_gradient(couplings, beta, np.tanh(u), low, 2)[0] for u in fields])
        order = np.argsort(values, kind="stable")
        distinct: list[np.ndarray] = []
        for u in fields[order]:                           # merged branches are followed once
            if all(np.abs(np.tanh(u) - np.tanh(v)).max() > distinct_tol for v in distinct):
                distinct.append(u)
        branches = distinct
        stable = np.array([_is_tap_state(J, beta, u) for u in distinct], dtype=bool)
        n_solutions.append(len(distinct))
        n_states.append(int(stable.sum()))
        kept.append(np.tanh(np.array(distinct))[stable])
    return TapStates(betas=betas, n_states=np.array(n_states), n_solutions=np.array(n_solutions),
                     n_starts=len(starts), magnetizations=kept)
