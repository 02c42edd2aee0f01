"""Ensembles: Boltzmann weights and the thermodynamic identities.

The canonical ensemble p(s) = exp(-beta E(s)) / Z. Every route to thermodynamics
(exact enumeration, density of states, later Monte Carlo and mean field) ends in
:func:`thermodynamics_from_moments`, the one place that turns ln Z and the moments of
E and M into F, U, S, C and chi.
"""
import numpy as np

from ._validation import as_scalar_beta
from .results import Thermodynamics

__all__ = ["Canonical", "free_energy_from_log_z", "thermodynamics_from_moments"]


def free_energy_from_log_z(log_z, beta):
    """F = -ln Z / beta, elementwise; at beta = 0 its limit -inf (ln Z > 0 there)."""
    log_z = np.asarray(log_z, dtype=np.float64)
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), log_z.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        free = -log_z / np.where(beta > 0, beta, 1.0)
    free = np.where(beta > 0, free, -np.inf)
    return free[()] if free.ndim == 0 else free


def thermodynamics_from_moments(beta, log_z, energy_mean, energy_var, magnetization=None,
                                magnetization_var=None, abs_magnetization=None, n=1, scalar=False):
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


class Canonical:
    """The canonical ensemble of ``hamiltonian`` at inverse temperature ``beta``.

    Parameters
    ----------
    hamiltonian : Hamiltonian
    beta : float
        Inverse temperature, finite and >= 0.
    """

    def __init__(self, hamiltonian, beta):
        self.hamiltonian = hamiltonian
        self.beta = as_scalar_beta(beta)

    def log_weight(self, states):
        """Unnormalised log Boltzmann weight -beta E(s): ndarray of shape (...)."""
        return -self.beta * np.asarray(self.hamiltonian.energy(states), dtype=np.float64)

    def thermodynamics(self):
        """Exact thermodynamics by enumeration (see :func:`statmech.exact`)."""
        from .exact import exact
        return exact(self.hamiltonian, self.beta)

    def log_probability(self, states):
        """Exact ln p(s) = -beta E(s) - ln Z, with ln Z by enumeration: ndarray of shape (...)."""
        return self.log_weight(states) - self.thermodynamics().log_z

    def __repr__(self):
        return f"Canonical({self.hamiltonian!r}, beta={self.beta})"
