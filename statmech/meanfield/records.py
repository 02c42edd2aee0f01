"""Records of the mean-field solvers; the meaning of each field is the one the table in
:mod:`statmech.results` gives it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from ..records import Record, RunRecord

if TYPE_CHECKING:
    import xarray

__all__ = ["GibbsFreeEnergy", "MeanFieldResult", "MeanFieldPathResult"]


@dataclass(frozen=True, eq=False, kw_only=True)
class GibbsFreeEnergy(Record):
    """A mean-field (Plefka) Gibbs free energy G(m) and its gradient, evaluated at given
    magnetizations (:func:`statmech.gibbs_free_energy`: a function value, not a run).

    Attributes
    ----------
    value : float or ndarray of shape (...)
        G(m) in units of energy (its stationary value estimates -ln Z / beta).
    gradient : ndarray of shape (..., n)
        dG/dm.
    method : str
    beta : float

    Examples
    --------
    >>> import numpy as np, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> G = statmech.gibbs_free_energy(SherringtonKirkpatrick(10, seed=0), 0.5, np.zeros(10), method="naive")
    >>> bool(np.isclose(G.value, -10 * np.log(2) / 0.5)), G.gradient.shape   # m = 0: the entropy only
    (True, (10,))
    """

    dims = {"value": ("start",), "gradient": ("start", "site")}

    value: Any
    gradient: np.ndarray
    method: str
    beta: float

    def _axes(self, name, array):
        named = self.dims[name][-np.ndim(array):] if np.ndim(array) else ()
        return ("site",) if name == "gradient" and np.ndim(array) == 1 else named


@dataclass(frozen=True, eq=False, kw_only=True)
class MeanFieldResult(RunRecord):
    """A mean-field, TAP or Bethe solution at one beta (:func:`statmech.mean_field`).

    Attributes
    ----------
    m : ndarray of shape (n,) or (n_starts, n)
        The magnetizations <s_i> of the solution, in the model's domain (in [-1, 1] for
        spins, [0, 1] for binary units; the unit's mean for other unit types).
    free_energy : float or ndarray of shape (n_starts,)
        The approximate free energy at the solution, an estimate of -ln Z / beta.
    log_z : float or ndarray of shape (n_starts,)
        -beta * free_energy.
    converged : bool or ndarray of shape (n_starts,)
    n_iter : int
        Iterations made.
    residuals : ndarray of shape (n_iter,)
        ``max |m(t+1) - m(t)|`` (for Bethe, of the messages) over all units and starts.
    method : str
    beta : float
    model : str
    seed, elapsed, interrupted
        As every run record; ``seed`` reproduces the default starting point.

    Examples
    --------
    >>> import statmech
    >>> from statmech.models import CurieWeiss
    >>> r = statmech.mean_field(CurieWeiss(100, h=0.1), 0.5, method="naive")
    >>> r.converged, r.m.shape
    (True, (100,))
    >>> bool(abs(r.log_z + 0.5 * r.free_energy) < 1e-9)    # ln Z = -beta F
    True
    """

    m: np.ndarray
    free_energy: Any
    log_z: Any
    converged: Any
    n_iter: int
    residuals: np.ndarray
    method: str
    beta: float
    model: str

    def to_xarray(self) -> xarray.Dataset:
        """An ``xarray.Dataset``: ``m`` (site) or (start, site), ``free_energy``, ``log_z``,
        ``converged`` (scalars or (start,)), ``residuals`` (iteration); the scalar fields are
        attributes."""
        starts = ("start",) if np.ndim(self.free_energy) else ()
        dataset = super().to_xarray().drop_vars(["m", "residuals"])
        return dataset.assign(m=(starts + ("site",), self.m),
                              free_energy=(starts, np.asarray(self.free_energy, dtype=np.float64)),
                              log_z=(starts, np.asarray(self.log_z, dtype=np.float64)),
                              converged=(starts, np.asarray(self.converged, dtype=bool)),
                              residuals=(("iteration",), self.residuals))


@dataclass(frozen=True, eq=False, kw_only=True)
class MeanFieldPathResult(RunRecord):
    """Mean-field solutions followed along a beta schedule (deterministic annealing,
    :func:`statmech.deterministic_annealing`).

    Attributes
    ----------
    betas : ndarray of shape (n_steps,)
    m : ndarray of shape (n_steps, n)
    free_energy, log_z : ndarray of shape (n_steps,)
    converged : ndarray of shape (n_steps,) of bool
    n_iter : ndarray of shape (n_steps,)
    method, model : str
    seed, elapsed, interrupted
        As every run record; ``seed`` reproduces the default starting point.

    Examples
    --------
    >>> import numpy as np, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> path = statmech.deterministic_annealing(SherringtonKirkpatrick(30, seed=0), np.linspace(0.2, 0.8, 4))
    >>> path.m.shape, path.log_z.shape, path.converged.tolist()
    ((4, 30), (4,), [True, True, True, True])
    """

    dims = {"betas": ("beta",), "m": ("beta", "site"), "free_energy": ("beta",), "log_z": ("beta",),
            "converged": ("beta",), "n_iter": ("beta",)}
    coords = {"betas": "beta"}

    betas: np.ndarray
    m: np.ndarray
    free_energy: np.ndarray
    log_z: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    method: str
    model: str
