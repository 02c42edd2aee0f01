"""Records of the mean-field solvers."""
from dataclasses import dataclass

import numpy as np

from ..records import Saveable, xarray_attrs

__all__ = ["GibbsFreeEnergy", "MeanFieldResult", "MeanFieldPath"]


@dataclass(frozen=True)
class GibbsFreeEnergy:
    """A mean-field (Plefka) Gibbs free energy G(m) and its gradient.

    Attributes
    ----------
    value : float or ndarray of shape (...)
        G(m) in units of energy (its stationary value estimates -ln Z / beta).
    gradient : ndarray of shape (..., n)
        dG/dm.
    method : str
    beta : float
    """

    value: object
    gradient: np.ndarray
    method: str
    beta: float


@dataclass(frozen=True)
class MeanFieldResult(Saveable):
    """A mean-field, TAP or Bethe solution at one beta.

    Attributes
    ----------
    magnetization : ndarray of shape (n,) or (n_starts, n)
        <s_i> in the model's domain (in [-1, 1] for spins, [0, 1] for binary units).
    free_energy : float or ndarray of shape (n_starts,)
        The approximate free energy at the solution, an estimate of -ln Z / beta.
    log_z : float or ndarray of shape (n_starts,)
        -beta * free_energy.
    converged : bool or ndarray of shape (n_starts,)
    n_iter : int
        Iterations made.
    residuals : ndarray of shape (n_iter,)
        max |m(t+1) - m(t)| (for Bethe, of the messages) over all units and starts.
    method : str
    beta : float
    hamiltonian : str
    seed : numpy.random.SeedSequence or None
        Reproduces the default starting point.
    elapsed : float or None
        Wall-clock seconds.
    """

    magnetization: np.ndarray
    free_energy: object
    log_z: object
    converged: object
    n_iter: int
    residuals: np.ndarray
    method: str
    beta: float
    hamiltonian: str
    seed: object = None
    elapsed: object = None

    def to_xarray(self):
        """An ``xarray.Dataset``: ``magnetization`` (site) or (start, site), ``free_energy``,
        ``log_z``, ``converged`` (scalars or (start,)), ``residuals`` (iteration); the scalar
        fields are attributes."""
        import xarray as xr

        starts = ("start",) if np.ndim(self.free_energy) else ()
        return xr.Dataset(
            {"magnetization": (starts + ("site",), self.magnetization),
             "free_energy": (starts, np.asarray(self.free_energy, dtype=np.float64)),
             "log_z": (starts, np.asarray(self.log_z, dtype=np.float64)),
             "converged": (starts, np.asarray(self.converged, dtype=bool)),
             "residuals": (("iteration",), self.residuals)},
            attrs=xarray_attrs(self, ["n_iter", "method", "beta", "hamiltonian", "seed", "elapsed"]))


@dataclass(frozen=True)
class MeanFieldPath(Saveable):
    """Mean-field solutions followed along a beta schedule (deterministic annealing).

    Attributes
    ----------
    betas : ndarray of shape (K,)
    magnetization : ndarray of shape (K, n)
    free_energy, log_z : ndarray of shape (K,)
    converged : ndarray of shape (K,) of bool
    n_iter : ndarray of shape (K,)
    method, hamiltonian : str
    seed : numpy.random.SeedSequence or None
        Reproduces the default starting point.
    elapsed : float or None
    """

    betas: np.ndarray
    magnetization: np.ndarray
    free_energy: np.ndarray
    log_z: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    method: str
    hamiltonian: str
    seed: object = None
    elapsed: object = None

    def to_xarray(self):
        """An ``xarray.Dataset`` on dim ``beta``: ``magnetization`` (beta, site),
        ``free_energy``, ``log_z``, ``converged``, ``n_iter``; the scalar fields are attributes."""
        import xarray as xr

        return xr.Dataset(
            {"magnetization": (("beta", "site"), self.magnetization), "free_energy": (("beta",), self.free_energy),
             "log_z": (("beta",), self.log_z), "converged": (("beta",), self.converged),
             "n_iter": (("beta",), self.n_iter)},
            coords={"beta": self.betas},
            attrs=xarray_attrs(self, ["method", "hamiltonian", "seed", "elapsed"]))
