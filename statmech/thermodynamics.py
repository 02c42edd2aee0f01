"""Thermodynamics records and identities: the one place that turns ln Z and the moments
of E and M into F, U, S, C and chi (F = -ln Z / beta, S = ln Z + beta U, C = beta^2 Var E,
chi = beta Var M). Exact enumeration, densities of states, and estimators all end here.
A leaf module.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, fields, replace
from typing import Any, TYPE_CHECKING

import numpy as np

from .validation import as_beta
from .records import Estimate, Record, RunRecord, xarray_attrs

if TYPE_CHECKING:
    import xarray

    from statmech.typing import ArrayLike

if TYPE_CHECKING:
    from statmech.typing import ArrayLike
    import xarray

__all__ = ["Thermodynamics", "DensityOfStates", "free_energy_from_log_z", "thermodynamics_from_moments"]

_EXTENSIVE = ("log_z", "free_energy", "energy", "entropy", "specific_heat",
              "magnetization", "abs_magnetization", "susceptibility")


def free_energy_from_log_z(log_z: Any, beta: Any) -> Any:
    """F = -ln Z / beta, elementwise; at beta = 0 its limit -inf (ln Z > 0 there)."""
    log_z = np.asarray(log_z, dtype=np.float64)
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), log_z.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        free = -log_z / np.where(beta > 0, beta, 1.0)
    free = np.where(beta > 0, free, -np.inf)
    return free[()] if free.ndim == 0 else free


def thermodynamics_from_moments(beta: Any, log_z: Any, energy_mean: Any, energy_var: Any,
                                magnetization: np.ndarray | None = None, magnetization_var: Any = None,
                                abs_magnetization: Any = None, n: int = 1, scalar: bool = False) -> Thermodynamics:
    """Assemble a :class:`Thermodynamics` record from ln Z and moments.

    F = -ln Z / beta, S = ln Z + beta U, C = beta^2 Var(E), chi = beta Var(M).

    Parameters
    ----------
    beta, log_z, energy_mean, energy_var : ndarray of shape (k,)
    magnetization, magnetization_var, abs_magnetization : ndarray of shape (k,), optional
    n : int
    scalar : bool
        Return floats instead of arrays of shape (1,).
    """
    beta = np.asarray(beta, dtype=np.float64)

    def out(x):
        if x is None:
            return None
        x = np.asarray(x, dtype=np.float64)
        return float(x[0]) if scalar else x

    chi = None if magnetization_var is None else beta * magnetization_var
    return Thermodynamics(
        beta=out(beta), log_z=out(log_z), free_energy=out(free_energy_from_log_z(log_z, beta)),
        energy=out(energy_mean), entropy=out(log_z + beta * energy_mean),
        specific_heat=out(_times_beta_squared(beta, energy_var)), magnetization=out(magnetization),
        abs_magnetization=out(abs_magnetization), susceptibility=out(chi), n=n)


def _times_beta_squared(beta, energy_var):
    """beta^2 Var(E), 0 where Var(E) = 0 even if beta^2 overflows (the ground state at huge beta)."""
    energy_var = np.asarray(energy_var, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(energy_var == 0, 0.0, beta ** 2 * energy_var)


@dataclass(frozen=True)
class Thermodynamics(Record):
    """Canonical thermodynamics at one or more inverse temperatures (k_B = 1).

    All quantities are totals for the whole system (divide by ``n`` for per-spin
    values, or call :meth:`per_spin`). Each is a float when ``beta`` was a scalar and an
    ndarray of shape (n_beta,) otherwise. A quantity a method cannot give is None.

    Attributes
    ----------
    beta : float or ndarray
    log_z : ln Z
    free_energy : F = -ln Z / beta (its limit -inf at beta = 0)
    energy : U = <E>
    entropy : S = ln Z + beta U
    specific_heat : C = beta^2 Var(E) = -beta^2 dU/dbeta
    magnetization : <M>, M = sum_i s_i (0 by symmetry for a field-free ferromagnet)
    abs_magnetization : ``<|M|>``, the order parameter of finite systems
    susceptibility : chi = beta Var(M) = d<M>/dh
    n : number of variables (1 for infinite-system results, which are per spin)

    Examples
    --------
    >>> import statmech
    >>> from statmech.models import Ising
    >>> t = statmech.exact(Ising.chain(8), beta=[0.5, 1.0])
    >>> t.log_z.shape, t.n                                 # totals at each beta
    ((2,), 8)
    >>> t.per_spin().entropy.round(4).tolist() == (t.entropy / 8).round(4).tolist()
    True
    >>> t.to_xarray().log_z.dims
    ('beta',)
    """

    beta: Any
    log_z: Any
    free_energy: Any
    energy: Any
    entropy: Any
    specific_heat: Any
    magnetization: Any = None
    abs_magnetization: Any = None
    susceptibility: Any = None
    n: int = 1

    def per_spin(self) -> Thermodynamics:
        """The same record with every extensive quantity divided by n (and n = 1)."""
        scaled = {name: None if getattr(self, name) is None else getattr(self, name) / self.n
                  for name in _EXTENSIVE}
        return replace(self, n=1, **scaled)

    def as_dict(self) -> dict[str, Any]:
        """The fields by name: dict of field name to value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_xarray(self) -> xarray.Dataset:
        """An ``xarray.Dataset`` of the quantities (those not None) on dim ``beta`` (scalars
        when beta was a scalar); ``n`` is an attribute."""
        import xarray as xr

        dims = () if np.ndim(self.beta) == 0 else ("beta",)
        data = {name: (dims, np.asarray(getattr(self, name), dtype=np.float64))
                for name in _EXTENSIVE if getattr(self, name) is not None}
        return xr.Dataset(data, coords={"beta": (dims, np.asarray(self.beta, dtype=np.float64))},
                          attrs={"n": int(self.n)})

    def table(self) -> str:
        """A fixed-width text table, one row per beta."""
        names = ["beta"] + [name for name in _EXTENSIVE if getattr(self, name) is not None]
        columns = [np.atleast_1d(getattr(self, name)) for name in names]
        lines = ["".join(f"{name:>18}" for name in names)]
        for row in zip(*columns):
            lines.append("".join(f"{value:18.8g}" for value in row))
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class DensityOfStates(RunRecord):
    """Density of states g(E) on a grid of energies.

    Attributes
    ----------
    energies : ndarray of shape (k,)
        The energies (bin centres) with g(E) > 0.
    log_g : ndarray of shape (k,)
        ln g(E), normalised so that sum_E g(E) = 2**n; ln of the exact counts when
        ``counts`` is given.
    counts : ndarray of shape (k,) of int64, or None
        Exact numbers of states, when known.
    n : int
        Number of variables.
    chain_log_g : ndarray of shape (n_chains, k) or None
        ln g of independent estimates (the Wang-Landau chains), whose spread gives errors.
    flatness_history : ndarray of shape (m, 2) or None
        (ln f, Monte Carlo steps per variable) at each reduction of the modification factor.
    energy_range : (float, float) or None
        The window of energies g(E) was estimated in (Wang-Landau ``energy_range``), -inf or
        inf on a side that excludes no energies; ``thermodynamics`` then warns when a
        canonical distribution puts more than ``EDGE_WEIGHT`` on an edge that excludes some.
    seed : numpy.random.SeedSequence or None
        Reproduces a Wang-Landau run (None for exact counts).
    elapsed : float or None
        Wall-clock seconds of the run.
    converged : bool or None
        Whether ln f reached ``log_f_final`` (None for exact counts).
    interrupted : bool
        True when Ctrl-C stopped the run.

    Examples
    --------
    >>> import numpy as np, statmech
    >>> from statmech.models import Ising
    >>> g = statmech.density_of_states(Ising.chain(6))
    >>> bool(np.isclose(np.logaddexp.reduce(g.log_g), 6 * np.log(2)))   # every state counted
    True
    >>> bool(np.isclose(g.thermodynamics(0.5).log_z, statmech.exact(Ising.chain(6), 0.5).log_z))
    True
    """

    EDGE_WEIGHT = 1e-6

    energies: np.ndarray
    log_g: np.ndarray
    counts: Any = None
    n: int = 1
    chain_log_g: Any = None
    flatness_history: Any = None
    energy_range: Any = None
    converged: Any = None

    def to_xarray(self) -> xarray.Dataset:
        """An ``xarray.Dataset`` on dim ``energy``: ``log_g``, ``counts`` (exact counts),
        ``chain_log_g`` (chain, energy) when present; the scalar fields are attributes."""
        import xarray as xr

        data: dict[str, Any] = {"log_g": (("energy",), self.log_g)}
        if self.counts is not None:
            data["counts"] = (("energy",), self.counts)
        if self.chain_log_g is not None:
            data["chain_log_g"] = (("chain", "energy"), self.chain_log_g)
        return xr.Dataset(data, coords={"energy": self.energies},
                          attrs=xarray_attrs(self, ["n", "energy_range", "seed", "elapsed", "converged",
                                                    "interrupted"]))

    def log_z(self, beta: ArrayLike) -> Estimate:
        """ln Z(beta) = ln sum_E g(E) exp(-beta E) as an Estimate: the error is the spread of
        independent walkers' estimates over sqrt(n_walkers) (0 for exact counts).

        Returns
        -------
        Estimate with value and error of the shape of beta.
        """
        betas, scalar = as_beta(beta)
        value = self.thermodynamics(betas).log_z
        if self.chain_log_g is None or self.chain_log_g.shape[0] < 2:
            error = np.zeros_like(value)
        else:
            per_walker = np.array([DensityOfStates(self.energies, g, n=self.n).thermodynamics(betas).log_z
                                   for g in self.chain_log_g])
            error = per_walker.std(axis=0, ddof=1) / np.sqrt(per_walker.shape[0])
        return Estimate(float(value[0]), float(error[0])) if scalar else Estimate(value, error)

    def thermodynamics(self, beta: ArrayLike) -> Thermodynamics:
        """Canonical thermodynamics from g(E): ln Z = ln sum_E g(E) exp(-beta E).

        Parameters
        ----------
        beta : float or array_like of shape (k,)

        Returns
        -------
        Thermodynamics
            magnetization fields are None (g(E) does not resolve M).
        """
        betas, scalar = as_beta(beta)
        log_w = self.log_g[None, :] - betas[:, None] * self.energies[None, :]
        top = log_w.max(axis=1, keepdims=True)
        w = np.exp(log_w - top)
        z = w.sum(axis=1)
        shift = self.energies[np.argmax(log_w, axis=1)]
        d = self.energies[None, :] - shift[:, None]
        if self.energy_range is not None:
            low, high = self.energy_range
            edges = ((self.energies[0] <= low) * w[:, 0] + (self.energies[-1] >= high) * w[:, -1]) / z
            if np.any(edges > self.EDGE_WEIGHT):
                warnings.warn(f"the canonical distribution puts {edges.max():.2g} of its weight on an edge of "
                              f"the energy window [{low:g}, {high:g}]; the excluded energies may matter: "
                              f"widen energy_range", RuntimeWarning, stacklevel=2)
        mean_d = (w * d).sum(axis=1) / z
        var = np.maximum((w * d * d).sum(axis=1) / z - mean_d ** 2, 0.0)
        return thermodynamics_from_moments(betas, top[:, 0] + np.log(z), shift + mean_d, var,
                                           n=self.n, scalar=scalar)
