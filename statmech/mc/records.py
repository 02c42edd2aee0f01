"""Records of the Monte Carlo drivers: samples, annealing, tempering and free-energy runs."""
from dataclasses import dataclass

import numpy as np

from ..records import Estimate, Saveable

__all__ = ["Samples", "AnnealResult", "TemperingResult", "FreeEnergyEstimate"]


@dataclass(frozen=True, eq=False)
class Samples(Saveable):
    """Traces and final states of Markov chains at a fixed beta.

    Attributes
    ----------
    energy, magnetization : ndarray of shape (n_chains, n_steps)
        E and M = sum_i s_i after every ``thin`` sweeps, after ``burn_in``.
    states : ndarray of shape (n_chains, n), int8
        Final states.
    acceptance : ndarray of shape (n_chains,)
        Accepted single-variable moves per attempt (for cluster samplers: spins flipped
        per spin per cluster update), over the recorded sweeps.
    beta : float
    sampler, hamiltonian : str
        Their reprs.
    n_sweeps, burn_in, thin : int
    seed : numpy.random.SeedSequence
        Reproduces the run bit for bit when passed back as ``seed``.
    elapsed : float
        Wall-clock seconds.
    interrupted : bool
        True when Ctrl-C stopped the run: the traces hold what was done.
    """

    energy: np.ndarray
    magnetization: np.ndarray
    states: np.ndarray
    acceptance: np.ndarray
    beta: float
    sampler: str
    hamiltonian: str
    n_sweeps: int
    burn_in: int
    thin: int
    seed: object
    elapsed: float
    interrupted: bool = False

    @property
    def n_chains(self):
        return self.energy.shape[0]

    @property
    def n_steps(self):
        return self.energy.shape[1]


@dataclass(frozen=True, eq=False)
class AnnealResult(Saveable):
    """Simulated annealing: the best state of each read and the energy along the schedule.

    Attributes
    ----------
    best_states : ndarray of shape (n_chains, n), int8
    best_energy : ndarray of shape (n_chains,)
    final_states : ndarray of shape (n_chains, n), int8
    final_energy : ndarray of shape (n_chains,)
    energy_trace : ndarray of shape (n_chains, len(schedule))
        Energy after the sweeps at each beta.
    schedule : ndarray of shape (len(schedule),)
    n_sweeps : int
        Sweeps per beta.
    sampler, hamiltonian : str
    seed : numpy.random.SeedSequence
    elapsed : float
    interrupted : bool
    """

    best_states: np.ndarray
    best_energy: np.ndarray
    final_states: np.ndarray
    final_energy: np.ndarray
    energy_trace: np.ndarray
    schedule: np.ndarray
    n_sweeps: int
    sampler: str
    hamiltonian: str
    seed: object
    elapsed: float
    interrupted: bool = False

    @property
    def best(self):
        """Index of the read with the lowest energy."""
        return int(np.argmin(self.best_energy))


@dataclass(frozen=True, eq=False)
class TemperingResult(Saveable):
    """Parallel tempering (replica exchange) on a ladder of betas.

    Attributes
    ----------
    betas : ndarray of shape (n_beta,)
    energy, magnetization : ndarray of shape (n_chains, n_beta, n_steps)
        Traces at each beta (whichever configuration sits there), after every swap round.
    overlap : ndarray of shape (n_chains // 2, n_beta, n_steps) or None
        q = (1/n) sum_i s_i^a s_i^b between replica sets 2k and 2k+1 (spins +-1;
        binary states are mapped to spins first): the input of P(q).
    swap_acceptance : ndarray of shape (n_chains, n_beta - 1)
        Accepted fraction of swaps between betas k and k+1.
    round_trips : ndarray of shape (n_chains,)
        Completed hottest -> coldest -> hottest journeys of configurations.
    states : ndarray of shape (n_chains, n_beta, n), int8
        Final configuration at each beta.
    n_sweeps, swap_every : int
    sampler, hamiltonian : str
    seed : numpy.random.SeedSequence
    elapsed : float
    interrupted : bool
    """

    betas: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    overlap: object
    swap_acceptance: np.ndarray
    round_trips: np.ndarray
    states: np.ndarray
    n_sweeps: int
    swap_every: int
    sampler: str
    hamiltonian: str
    seed: object
    elapsed: float
    interrupted: bool = False




@dataclass(frozen=True, eq=False)
class FreeEnergyEstimate(Saveable):
    """ln Z along a schedule from annealed importance sampling or population annealing.

    Attributes
    ----------
    schedule : ndarray of shape (K,)
        Betas (or interpolation parameters t of a base-to-target path).
    log_z_path, log_z_err_path : ndarray of shape (K,)
        ln Z at each step and its standard error.
    log_z, log_z_err : float
        The target's: the last entries of the paths (properties).
    effective_sample_size : ndarray of shape (K,)
        Kish ESS of the importance weights (AIS), or of the resampling weights (PA).
    energy : ndarray of shape (K,)
        <E> along the schedule (weighted for AIS, population mean for PA).
    log_weights : ndarray of shape (n_chains,) or None
        Final log importance weights (AIS).
    family_rho : float or None
        Population annealing's family-size statistic rho_f = R sum_f (n_f / R)^2 (1 when
        every replica descends from a different ancestor; large means few families).
    method, sampler, hamiltonian : str
    n_chains : int
    seed : numpy.random.SeedSequence
    elapsed : float
    interrupted : bool
    """

    schedule: np.ndarray
    log_z_path: np.ndarray
    log_z_err_path: np.ndarray
    effective_sample_size: np.ndarray
    energy: np.ndarray
    log_weights: object
    family_rho: object
    method: str
    sampler: str
    hamiltonian: str
    n_chains: int
    seed: object
    elapsed: float
    interrupted: bool = False

    @property
    def log_z(self):
        """ln Z of the target (the end of the schedule)."""
        return float(self.log_z_path[-1])

    @property
    def log_z_err(self):
        """Standard error of ``log_z``."""
        return float(self.log_z_err_path[-1])

    @property
    def estimate(self):
        """``log_z`` with its error as an :class:`~statmech.records.Estimate`."""
        return Estimate(self.log_z, self.log_z_err)
