"""Public solvers: mean_field, gibbs_free_energy, deterministic_annealing."""
from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..validation import (as_float, as_int, as_real_array, as_scalar_beta, as_seed_sequence, check_on_failure,
                           fresh_seed_sequence)
from ..errors import ConvergenceError, ConvergenceWarning
from ..hamiltonian import BipartiteHamiltonian, has_structure, validate_hamiltonian
from .records import GibbsFreeEnergy, MeanFieldPathResult, MeanFieldResult
from ..runloop import Stopwatch
from ..schedules import as_schedule
from . import bethe
from .plefka import ORDERS, Couplings, ModelUnits, check_pairwise, gibbs_value_and_gradient, mean_field_step

if TYPE_CHECKING:
    from statmech.hamiltonian import Structured
    from statmech.schedules import Schedule
    from statmech.typing import ArrayLike, Seed

METHODS = ("naive", "tap2", "tap3", "bethe")


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    return method


def gibbs_free_energy(hamiltonian: Structured, beta: float, m: ArrayLike, *, method: str = "tap2") -> GibbsFreeEnergy:
    """The Plefka (naive / TAP) Gibbs free energy G(m) and its gradient.

    G(m) = -(1/beta) [sum_i S(m_i)] - sum_{i<j} J_ij m_i m_j - h.m + c
           - (beta/2) sum_{i<j} J_ij^2 v_i v_j            (method "tap2" and "tap3")
           - (beta^2/6) sum_{i<j} J_ij^3 k_i k_j           (method "tap3", bipartite models)

    with v_i the variance and k_i the third cumulant of unit i at mean m_i (see
    ``statmech.meanfield``). Naive G(m) is a variational upper bound on F = -ln Z / beta
    at every m; its stationary points are the fixed points of ``mean_field``.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian or BipartiteHamiltonian
    beta : float, > 0
    m : array_like of shape (..., n)
        Magnetizations, strictly inside (-1, 1) for spins or (0, 1) for binary units.
    method : {"naive", "tap2", "tap3"}

    Returns
    -------
    GibbsFreeEnergy
        ``value`` of shape (...), ``gradient`` dG/dm of shape (..., n).

    References
    ----------
    T. Plefka, J. Phys. A 15, 1971 (1982); A. Georges and J. S. Yedidia, J. Phys. A 24,
    2173 (1991); M. Gabrie, E. W. Tramel and F. Krzakala, NeurIPS (2015), eq. 6.

    Examples
    --------
    At a fixed point of the TAP2 equations the gradient of the TAP2 free energy vanishes:

    >>> import numpy as np, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> H = SherringtonKirkpatrick(16, seed=0)
    >>> fixed = statmech.mean_field(H, 0.5, method="tap2", seed=0)
    >>> G = statmech.gibbs_free_energy(H, 0.5, fixed.m, method="tap2")
    >>> bool(np.isclose(G.value, fixed.free_energy)), bool(np.abs(G.gradient).max() < 1e-8)
    (True, True)
    """
    method = _check_method(method)
    if method == "bethe":
        raise ValueError("the Bethe free energy is a function of the messages (pair marginals), not "
                         "of m alone; use mean_field(..., method='bethe').free_energy")
    check_pairwise(hamiltonian, method)
    beta = as_scalar_beta(beta)
    if beta == 0:
        raise ValueError("beta must be > 0 for a Gibbs free energy (G = -ln Z / beta); got 0")
    units = ModelUnits(hamiltonian)
    m = as_real_array(m, "m")
    if m.shape[-1:] != (hamiltonian.n,):
        raise ValueError(f"m must have shape (..., {hamiltonian.n}); got {m.shape}")
    units.check(m, "m")
    value, gradient = gibbs_value_and_gradient(Couplings(hamiltonian, ORDERS[method]), beta, m, units,
                                               ORDERS[method])
    return GibbsFreeEnergy(value=value if value.ndim else float(value), gradient=gradient, method=method,
                           beta=beta)


def _initial(hamiltonian, init, seed, units):
    """Starting magnetizations (k, n_init) and whether the input was one vector."""
    if init is None:
        return units.initial(np.random.default_rng(seed), (1, hamiltonian.n)), True
    m = as_real_array(init, "init")
    single = m.ndim == 1
    m = np.atleast_2d(m)
    bipartite = has_structure(hamiltonian, BipartiteHamiltonian)
    sizes = (hamiltonian.n, hamiltonian.n_visible) if bipartite else (hamiltonian.n,)
    if m.ndim != 2 or m.shape[1] not in sizes:
        raise ValueError(f"init must have shape (n,) or (n_starts, n) with n in {sizes}; got {np.shape(init)}")
    if bipartite and m.shape[1] == hamiltonian.n_visible:
        hamiltonian.visible_units.check_mean(m, "init", strict=False)
    else:
        units.check(m, "init", strict=False)
    return m.copy(), single


def solve_fixed_point(hamiltonian: Structured, beta: float, m0: np.ndarray, method: str, damping: float, tol: float,
                      max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Iterate the fixed-point map from m0 (k, n or n_visible): (m, residuals, converged per start)."""
    order = ORDERS[method]
    couplings = Couplings(hamiltonian, order)
    residuals: list[float] = []
    if has_structure(hamiltonian, BipartiteHamiltonian):
        nv = hamiltonian.n_visible
        a, b = hamiltonian.visible_bias, hamiltonian.hidden_bias
        forward, backward = couplings.powers, couplings.transposed
        up, down = hamiltonian.unit_types, hamiltonian.unit_types[::-1]    # (input, updated) units
        if m0.shape[1] == nv:       # visible start: the hidden units' naive conditional means
            v, h = m0, mean_field_step(m0, None, forward, b, beta, up)
        else:
            v, h = m0[:, :nv], m0[:, nv:]
        for _ in range(max_iter):
            v_new = mean_field_step(h, v, backward, a, beta, down, order, damping)
            h_new = mean_field_step(v_new, h, forward, b, beta, up, order, damping)
            change = np.maximum(np.abs(v_new - v).max(1), np.abs(h_new - h).max(1))
            v, h = v_new, h_new
            residuals.append(change.max())
            if change.max() <= tol:
                break
        return np.concatenate([v, h], axis=1), np.array(residuals), change <= tol
    # Synchronous updates; the reaction term takes the previous iterate (as in Bolthausen's
    # iteration for SK), damping mixes in the current one.
    fields, powers = couplings.fields, couplings.powers
    units = ModelUnits(hamiltonian).types[0]
    previous = m = m0
    for _ in range(max_iter):
        m_new = mean_field_step(m, previous, powers, fields, beta, units, order, damping, anchor=m)
        change = np.abs(m_new - m).max(1)
        previous, m = m, m_new
        residuals.append(change.max())
        if change.max() <= tol:
            break
    return m, np.array(residuals), change <= tol


def _check_options(damping, tol, max_iter, on_failure):
    damping = as_float(damping, "damping")
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be in [0, 1); got {damping}")
    tol = as_float(tol, "tol", minimum=0.0)
    max_iter = as_int(max_iter, "max_iter", minimum=1)
    check_on_failure(on_failure)
    return damping, tol, max_iter


def mean_field(hamiltonian: Structured, beta: float, *, method: str = "tap2", damping: float = 0.5, tol: float = 1e-10,
               max_iter: int = 2000, init: ArrayLike | None = None, seed: Seed | None = None,
               on_failure: str = "raise") -> MeanFieldResult:
    """Solve naive mean-field, TAP or Bethe (belief propagation) equations at one beta.

    Parameters
    ----------
    hamiltonian : PairwiseHamiltonian or BipartiteHamiltonian
    beta : float, >= 0
    method : {"naive", "tap2", "tap3", "bethe"}
        "naive" and "tap2" for any pairwise model, "tap3" for bipartite models (the
        one-edge third-order term of Gabrie et al. 2015), "bethe" for pairwise models on
        sparse graphs (exact on trees).
    damping : float in [0, 1), default 0.5
        m <- (1 - damping) * update + damping * m (messages, for Bethe). Does not move the
        fixed points; undamped synchronous updates can oscillate.
    tol : float
        Stop when ``max |m(t+1) - m(t)| <= tol`` (all starts).
    max_iter : int
    init : array_like of shape (n,) or (n_starts, n), optional
        Starting magnetizations (RBMs also accept the visible part (n_visible,) or
        (n_starts, n_visible): the hidden start is then the conditional mean given it).
        Default: uniform inside the domain, from ``seed``. Ignored by Bethe.
    seed : int, SeedSequence, Generator or None
        Draws the default starting point; the result records it.
    on_failure : {"raise", "warn"}
        Without convergence: raise ConvergenceError (the last iterate in its ``result``)
        or warn (ConvergenceWarning) and return it.

    Returns
    -------
    MeanFieldResult
        Iterations of bipartite models update v then h (one iteration = both layers).

    References
    ----------
    D. J. Thouless, P. W. Anderson and R. G. Palmer, Phil. Mag. 35, 593 (1977);
    M. Gabrie, E. W. Tramel and F. Krzakala, NeurIPS (2015); E. Bolthausen,
    Commun. Math. Phys. 325, 333 (2014); J. S. Yedidia, W. T. Freeman and Y. Weiss,
    in Exploring AI in the New Millennium (2003) for Bethe.

    Examples
    --------
    TAP2 on a weakly coupled SK instance: its ln Z against exact enumeration.

    >>> import numpy as np, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> H = SherringtonKirkpatrick(16, seed=0)
    >>> r = statmech.mean_field(H, 0.3, method="tap2", seed=0)
    >>> r.converged, r.m.shape
    (True, (16,))
    >>> bool(abs(r.log_z - statmech.exact(H, 0.3).log_z) < 0.1)
    True
    """
    method = _check_method(method)
    beta = as_scalar_beta(beta)
    damping, tol, max_iter = _check_options(damping, tol, max_iter, on_failure)
    clock = Stopwatch()
    seed_sequence = as_seed_sequence(seed)
    seed = fresh_seed_sequence(seed_sequence)
    if method == "bethe":
        result = bethe.belief_propagation(hamiltonian, beta, damping, tol, max_iter)
    else:
        check_pairwise(hamiltonian, method)
        units = ModelUnits(hamiltonian)
        if beta == 0 and not units.discrete:
            raise ValueError(f"beta must be > 0 for {hamiltonian!r}: continuous units have no mean-field "
                             f"solution at beta = 0")
        m0, single = _initial(hamiltonian, init, seed_sequence, units)
        m, residuals, converged = solve_fixed_point(hamiltonian, beta, m0, method, damping, tol, max_iter)
        if beta > 0:
            free_energy, _ = gibbs_value_and_gradient(Couplings(hamiltonian, ORDERS[method]), beta, m, units,
                                                      ORDERS[method])
            log_z = -beta * free_energy
        else:
            free_energy, log_z = np.full(len(m), -np.inf), np.full(len(m), hamiltonian.n * np.log(2.0))
        if single:
            m, free_energy, log_z, converged = m[0], float(free_energy[0]), float(log_z[0]), bool(converged[0])
        result = MeanFieldResult(m=m, free_energy=free_energy, log_z=log_z, converged=converged,
                                 n_iter=len(residuals), residuals=residuals, method=method, beta=beta,
                                 model=repr(hamiltonian))
    result = replace(result, seed=seed, elapsed=clock.elapsed)
    if not np.all(result.converged):
        message = (f"{method} did not converge in {result.n_iter} iterations at beta = {beta:g} "
                   f"(last change {result.residuals[-1]:.3g} > tol = {tol:g}); try more damping or max_iter")
        if on_failure == "raise":
            raise ConvergenceError(message, result)
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return result


def deterministic_annealing(hamiltonian: Structured, schedule: Schedule | ArrayLike, *, method: str = "tap2",
                            damping: float = 0.5, tol: float = 1e-10, max_iter: int = 2000,
                            init: ArrayLike | None = None, seed: Seed | None = None,
                            on_failure: str = "warn") -> MeanFieldPathResult:
    """Follow a mean-field solution as beta rises (Peterson & Anderson 1987).

    Each beta starts from the solution at the previous one; at small beta the solution
    is unique, so the path selects one branch as it splits.

    Parameters
    ----------
    hamiltonian, method, damping, tol, max_iter, init, seed
        As for :func:`mean_field` (``init`` one vector).
    schedule : Schedule or array_like of shape (K,)
    on_failure : {"warn", "raise"}

    Returns
    -------
    MeanFieldPathResult

    References
    ----------
    C. Peterson and J. R. Anderson, Complex Systems 1, 995 (1987).

    Examples
    --------
    >>> import numpy as np, statmech
    >>> from statmech.models import CurieWeiss
    >>> path = statmech.deterministic_annealing(CurieWeiss(50, h=0.01), np.linspace(0.5, 2.0, 7), method="naive")
    >>> path.m.shape                                       # (beta, n)
    (7, 50)
    >>> bool(abs(path.m[0]).mean() < 0.1), bool(path.m[-1].mean() > 0.9)   # ordered below T_c = 1
    (True, True)
    """
    clock = Stopwatch()
    seed = as_seed_sequence(seed)
    betas = as_schedule(schedule).betas
    if method == "bethe":
        raise ValueError("deterministic_annealing follows magnetizations; method 'bethe' restarts its "
                         "messages, use mean_field(..., method='bethe') per beta")
    m = init
    validate_hamiltonian(hamiltonian, unit_types=True)
    units = ModelUnits(hamiltonian)
    rows = []
    with warnings.catch_warnings():
        if on_failure == "warn":
            warnings.simplefilter("ignore", ConvergenceWarning)
        for beta in betas:
            result = mean_field(hamiltonian, beta, method=method, damping=damping, tol=tol, max_iter=max_iter,
                                init=m, seed=seed, on_failure=on_failure)
            rows.append(result)
            m = units.clip(result.m)
    converged = np.array([r.converged for r in rows], dtype=bool)
    if on_failure == "warn" and not converged.all():
        warnings.warn(f"{(~converged).sum()} of {len(rows)} betas did not converge", ConvergenceWarning,
                      stacklevel=2)
    return MeanFieldPathResult(betas=np.asarray(betas, float), m=np.array([r.m for r in rows]),
                               free_energy=np.array([r.free_energy for r in rows]),
                               log_z=np.array([r.log_z for r in rows]), converged=converged,
                               n_iter=np.array([r.n_iter for r in rows]), method=method,
                               model=repr(hamiltonian), seed=fresh_seed_sequence(seed), elapsed=clock.elapsed)
