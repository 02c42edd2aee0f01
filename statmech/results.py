"""Result records: plain frozen dataclasses of arrays, never bare tuples."""
from dataclasses import dataclass, fields, replace

import numpy as np

__all__ = ["Thermodynamics", "DensityOfStates"]

_EXTENSIVE = ("log_z", "free_energy", "energy", "entropy", "specific_heat",
              "magnetization", "abs_magnetization", "susceptibility")


@dataclass(frozen=True)
class Thermodynamics:
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
    abs_magnetization : <|M|>, the order parameter of finite systems
    susceptibility : chi = beta Var(M) = d<M>/dh
    n : number of variables (1 for infinite-system results, which are per spin)
    """

    beta: object
    log_z: object
    free_energy: object
    energy: object
    entropy: object
    specific_heat: object
    magnetization: object = None
    abs_magnetization: object = None
    susceptibility: object = None
    n: int = 1

    def per_spin(self):
        """The same record with every extensive quantity divided by n (and n = 1)."""
        scaled = {name: None if getattr(self, name) is None else getattr(self, name) / self.n
                  for name in _EXTENSIVE}
        return replace(self, n=1, **scaled)

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def table(self):
        """A fixed-width text table, one row per beta."""
        names = ["beta"] + [name for name in _EXTENSIVE if getattr(self, name) is not None]
        columns = [np.atleast_1d(getattr(self, name)) for name in names]
        lines = ["".join(f"{name:>18}" for name in names)]
        for row in zip(*columns):
            lines.append("".join(f"{value:18.8g}" for value in row))
        return "\n".join(lines)


@dataclass(frozen=True)
class DensityOfStates:
    """Density of states g(E) on a grid of energies.

    Attributes
    ----------
    energies : ndarray of shape (k,)
        The energies (bin centres) with g(E) > 0.
    log_g : ndarray of shape (k,)
        ln g(E); ln of the exact counts when ``counts`` is given.
    counts : ndarray of shape (k,) of int64, or None
        Exact numbers of states, when known.
    n : int
        Number of variables.
    """

    energies: np.ndarray
    log_g: np.ndarray
    counts: object = None
    n: int = 1

    def thermodynamics(self, beta):
        """Canonical thermodynamics from g(E): ln Z = ln sum_E g(E) exp(-beta E).

        Parameters
        ----------
        beta : float or array_like of shape (k,)

        Returns
        -------
        Thermodynamics
            magnetization fields are None (g(E) does not resolve M).
        """
        from ._validation import as_beta
        from .ensemble import thermodynamics_from_moments
        betas, scalar = as_beta(beta)
        log_w = self.log_g[None, :] - betas[:, None] * self.energies[None, :]
        top = log_w.max(axis=1, keepdims=True)
        w = np.exp(log_w - top)
        z = w.sum(axis=1)
        shift = self.energies[np.argmax(log_w, axis=1)]
        d = self.energies[None, :] - shift[:, None]
        mean_d = (w * d).sum(axis=1) / z
        var = np.maximum((w * d * d).sum(axis=1) / z - mean_d ** 2, 0.0)
        return thermodynamics_from_moments(betas, top[:, 0] + np.log(z), shift + mean_d, var,
                                           n=self.n, scalar=scalar)
