"""Inverse Ising: couplings and fields of a pairwise spin model from its samples."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from ..hamiltonian import PairwiseHamiltonian, convert_states, has_structure, structure_hint
from ..nn.optim import Adam
from ..records import RunRecord
from ..runloop import Stopwatch
from ..unit_types import UNIT_TYPES, unit_mean_array
from ..validation import as_float, as_int

if TYPE_CHECKING:
    from statmech.hamiltonian import Hamiltonian
    from statmech.typing import ArrayLike

_SPIN = UNIT_TYPES["spin"]

METHODS = ("naive", "tap2", "plm", "exact")


@dataclass(frozen=True, eq=False, kw_only=True)
class InverseIsingResult(RunRecord):
    """A pairwise model fitted to samples (:func:`inverse_ising`).

    Attributes
    ----------
    couplings : ndarray of shape (n, n)
        J in spin form (symmetric, zero diagonal).
    fields : ndarray of shape (n,)
        h in spin form.
    domain : str
        The samples' domain, which :meth:`to_hamiltonian` gives the model in.
    method, model : str
    seed, elapsed, interrupted
        As every run record (inverse Ising is deterministic: ``seed`` is None).

    Examples
    --------
    >>> import numpy as np
    >>> from statmech import learning
    >>> spins = np.random.default_rng(0).choice([-1, 1], (500, 5))
    >>> r = learning.inverse_ising(spins, method="naive")
    >>> r.couplings.shape, r.fields.shape, r.domain
    ((5, 5), (5,), 'spin')
    """

    dims = {"couplings": ("site", "other_site"), "fields": ("site",)}

    couplings: np.ndarray
    fields: np.ndarray
    domain: str
    method: str
    model: str

    def to_hamiltonian(self) -> Hamiltonian:
        """The fitted model as a :class:`~statmech.PairwiseHamiltonian` in ``domain``."""
        return PairwiseHamiltonian(self.couplings, self.fields, 0.0, "spin").to_domain(self.domain)


def coupling_error(true: Any, estimated: Any) -> float:
    """Relative reconstruction error sqrt(sum (J - J_hat)^2 / sum J^2) over i < j (spin form).

    ``true`` and ``estimated``: PairwiseHamiltonians, results or (n, n) arrays."""
    def spin_couplings(x):
        if isinstance(x, InverseIsingResult):
            return x.couplings
        if isinstance(x, PairwiseHamiltonian):
            if not has_structure(x, PairwiseHamiltonian):
                raise TypeError(f"coupling_error compares the couplings of pairwise models{structure_hint(x)}")
            J = x.to_domain("spin").couplings
            return J.toarray() if hasattr(J, "toarray") else np.asarray(J)
        return np.asarray(x, dtype=float)
    J, K = spin_couplings(true), spin_couplings(estimated)
    upper = np.triu_indices(len(J), 1)
    return float(np.sqrt(((J - K)[upper] ** 2).sum() / (J[upper] ** 2).sum()))


def _moments(spins):
    m = spins.mean(0)
    C = np.cov(spins, rowvar=False, bias=True)
    return m, C


def _mean_field_inversion(spins, tap):
    """nMF: J = -C^-1 off the diagonal (Kappen & Rodriguez 1998); TAP: the root of
    (C^-1)_ij = -J_ij - 2 J_ij^2 m_i m_j nearest the nMF value (Tanaka 1998)."""
    m, C = _moments(spins)
    inverse = np.linalg.inv(C)
    J = -inverse.copy()
    if tap:
        mm = np.outer(m, m)
        small = np.abs(mm) < 1e-8
        disc = np.clip(1.0 - 8.0 * inverse * mm, 0.0, None)
        J = np.where(small, -inverse, (np.sqrt(disc) - 1.0) / (4.0 * np.where(small, 1.0, mm)))
    np.fill_diagonal(J, 0.0)
    J = 0.5 * (J + J.T)
    h = np.arctanh(np.clip(m, -1 + 1e-12, 1 - 1e-12)) - J @ m
    if tap:
        h += m * ((J ** 2) @ (1.0 - m ** 2))
    return J, h


def _pseudo_likelihood(spins, l2):
    """Per-site logistic regressions of s_i on s_-i (Aurell & Ekeberg 2012), symmetrised."""
    from scipy import optimize          # imported here: it is 0.2 s of every `import statmech`
    n_samples, n = spins.shape
    J, h = np.zeros((n, n)), np.zeros(n)
    for i in range(n):
        others = np.delete(np.arange(n), i)
        X, y = spins[:, others], spins[:, i]

        def objective(theta):
            field = theta[0] + X @ theta[1:]
            # -ln p(s_i | s_-i) = ln 2cosh(field) - s_i field, the one unit log-partition
            value = np.mean(_SPIN.log_partition(field) - y * field) + l2 * theta[1:] @ theta[1:]
            residual = unit_mean_array(field, 1.0, -1.0) - y
            grad = np.concatenate([[residual.mean()], X.T @ residual / n_samples + 2 * l2 * theta[1:]])
            return value, grad
        theta = optimize.minimize(objective, np.zeros(n), jac=True, method="L-BFGS-B").x
        h[i], J[i, others] = theta[0], theta[1:]
    return 0.5 * (J + J.T), h


def _exact_learning(spins, n_iter, learning_rate):
    """Boltzmann learning with exact model moments (all 2**n states): gradient ascent of the
    log-likelihood, <s s^T>_data - <s s^T>_model, with Adam."""
    n = spins.shape[1]
    if n > 20:
        raise ValueError(f"method 'exact' enumerates 2**n states; n = {n} > 20")
    states = 2.0 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1) - 1.0
    m_data, C_data = _moments(spins)
    second_data = C_data + np.outer(m_data, m_data)
    J, h = _mean_field_inversion(spins, tap=False)
    J = np.clip(J, -2.0, 2.0)
    params = {"J": J, "h": h}
    optimiser = Adam(learning_rate)
    for _ in range(n_iter):
        log_w = 0.5 * np.einsum("si,ij,sj->s", states, params["J"], states) + states @ params["h"]
        p = np.exp(log_w - log_w.max())
        p /= p.sum()
        m_model = p @ states
        second_model = (states * p[:, None]).T @ states
        grad_J = second_model - second_data
        np.fill_diagonal(grad_J, 0.0)
        optimiser.step(params, {"J": grad_J, "h": m_model - m_data})
    return params["J"], params["h"]


def inverse_ising(samples: ArrayLike, *, method: str = "plm", domain: str = "spin", l2: float = 1e-4,
                  n_iter: int = 2000, learning_rate: float = 0.02) -> InverseIsingResult:
    """Fit a pairwise model E = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i to samples.

    Parameters
    ----------
    samples : array_like of shape (n_samples, n)
        States in ``domain`` (+-1 spins or 0/1 bits).
    method : {"naive", "tap2", "plm", "exact"}
        Naive mean-field inversion J = -(C^-1) off the diagonal; TAP (second-order) inversion; pseudo-
        likelihood maximisation (L2 penalty ``l2``); or exact Boltzmann learning
        (moments by enumeration, n <= 20; ``n_iter`` Adam steps at ``learning_rate``).
    domain : {"spin", "binary"}

    Returns
    -------
    InverseIsingResult

    References
    ----------
    H. J. Kappen and F. B. Rodriguez, Neural Comput. 10, 1137 (1998); T. Tanaka, Phys. Rev.
    E 58, 2302 (1998); E. Aurell and M. Ekeberg, Phys. Rev. Lett. 108, 090201 (2012);
    H. C. Nguyen, R. Zecchina and J. Berg, Adv. Phys. 66, 197 (2017).

    Examples
    --------
    Pseudo-likelihood recovers the couplings of an SK instance from 20 000 exact samples:

    >>> import numpy as np, statmech
    >>> from statmech import learning
    >>> from statmech.exact import boltzmann_samples
    >>> from statmech.models import SherringtonKirkpatrick
    >>> truth = SherringtonKirkpatrick(8, seed=0)
    >>> samples = boltzmann_samples(truth, 1.0, n_samples=20_000, seed=0)
    >>> fit = learning.inverse_ising(samples, method="plm")
    >>> fit.couplings.shape, bool(learning.coupling_error(truth, fit) < 0.2)
    ((8, 8), True)
    """
    clock = Stopwatch()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[0] < 2:
        raise ValueError(f"samples must be 2-D (n_samples >= 2, n); got shape {samples.shape}")
    spins = convert_states(samples, "spin") if domain == "binary" else samples
    spins = np.asarray(spins, dtype=np.float64)
    if not np.all(np.isin(spins, (-1.0, 1.0))):
        raise ValueError(f"samples must be states of the {domain!r} domain")
    l2 = as_float(l2, "l2", minimum=0.0)
    n_iter = as_int(n_iter, "n_iter", minimum=1)
    if np.any(spins.std(0) == 0):
        raise ValueError("some variable never changes in the samples; its couplings are not identifiable")
    if method in ("naive", "tap2"):
        J, h = _mean_field_inversion(spins, tap=method == "tap2")
    elif method == "plm":
        J, h = _pseudo_likelihood(spins, l2)
    else:
        J, h = _exact_learning(spins, n_iter, as_float(learning_rate, "learning_rate", minimum=0.0))
    model = PairwiseHamiltonian(J, h, 0.0, "spin").to_domain(domain)
    return InverseIsingResult(couplings=J, fields=h, domain=domain, method=method, model=repr(model),
                              elapsed=clock.elapsed)
