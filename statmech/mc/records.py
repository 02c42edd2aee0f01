"""Records of the Monte Carlo drivers: samples, annealing, tempering and free-energy runs."""
from dataclasses import dataclass

import numpy as np

from ..records import Estimate, Saveable, xarray_attrs

__all__ = ["Samples", "AnnealResult", "TemperingResult", "FreeEnergyEstimate"]


@dataclass(frozen=True, eq=False)
class Samples(Saveable):
    """Traces and final states of Markov chains at a fixed beta.

    Attributes
    ----------
    energy, magnetization : ndarray of shape (n_chains, n_steps)
        E and M = sum_i s_i after every ``thin`` sweeps, after ``burn_in``.
    states : ndarray of shape (n_chains, n), int8 (float64 for Gaussian, rectified or mixed units), or None
        Final states; None when they were kept packed.
    packed_states : ndarray of shape (ceil(n_chains / 64), n), uint64, or None
        The final states of the multi-spin engine as it packs them (chain c is bit c % 64
        of word c // 64), when ``sample(..., packed_states=True)`` asked for them;
        :func:`statmech.mc.unpack_states` unpacks them.
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
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).
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
    engine: str = None
    packed_states: object = None

    @property
    def n_chains(self):
        return self.energy.shape[0]

    @property
    def n_steps(self):
        return self.energy.shape[1]

    def to_xarray(self):
        """An ``xarray.Dataset``: ``energy``, ``magnetization`` (chain, sweep), ``states``
        (chain, site) or ``packed_states`` (word, site), ``acceptance`` (chain); coordinate
        ``sweep`` counts sweeps from the start, burn-in included; the scalar fields (seed
        as JSON) are attributes."""
        import xarray as xr

        sweep = self.burn_in + self.thin * np.arange(1, self.n_steps + 1)
        states = ({"states": (("chain", "site"), self.states)} if self.states is not None
                  else {"packed_states": (("word", "site"), self.packed_states)})
        return xr.Dataset(
            {"energy": (("chain", "sweep"), self.energy), "magnetization": (("chain", "sweep"), self.magnetization),
             **states, "acceptance": (("chain",), self.acceptance)},
            coords={"sweep": sweep},
            attrs=xarray_attrs(self, ["beta", "sampler", "hamiltonian", "n_sweeps", "burn_in", "thin", "seed",
                                      "elapsed", "interrupted", "engine"]))


@dataclass(frozen=True, eq=False)
class AnnealResult(Saveable):
    """Simulated annealing: the best state of each read and the energy along the schedule.

    Attributes
    ----------
    best_states : ndarray of shape (n_chains, n), int8 (float64 for continuous or mixed units)
    best_energy : ndarray of shape (n_chains,)
    final_states : ndarray of shape (n_chains, n), as best_states
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
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).
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
    engine: str = None

    @property
    def best(self):
        """Index of the read with the lowest energy."""
        return int(np.argmin(self.best_energy))

    def to_xarray(self):
        """An ``xarray.Dataset``: ``best_energy``, ``final_energy`` (chain), ``best_states``,
        ``final_states`` (chain, site), ``energy_trace`` (chain, step) with coordinate
        ``beta`` (step) from the schedule; the scalar fields are attributes."""
        import xarray as xr

        return xr.Dataset(
            {"best_energy": (("chain",), self.best_energy), "final_energy": (("chain",), self.final_energy),
             "best_states": (("chain", "site"), self.best_states),
             "final_states": (("chain", "site"), self.final_states),
             "energy_trace": (("chain", "step"), self.energy_trace)},
            coords={"beta": (("step",), self.schedule)},
            attrs=xarray_attrs(self, ["n_sweeps", "sampler", "hamiltonian", "seed", "elapsed", "interrupted",
                                      "engine"]))


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
        binary states are mapped to spins first): the input of P(q). None with one
        set, or for continuous or mixed unit types.
    swap_acceptance : ndarray of shape (n_chains, n_beta - 1)
        Accepted fraction of swaps between betas k and k+1.
    round_trips : ndarray of shape (n_chains,)
        Completed hottest -> coldest -> hottest journeys of configurations.
    states : ndarray of shape (n_chains, n_beta, n), int8 (float64 for continuous or mixed units)
        Final configuration at each beta.
    n_sweeps, swap_every : int
    sampler, hamiltonian : str
    seed : numpy.random.SeedSequence
    elapsed : float
    interrupted : bool
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).
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
    engine: str = None

    def to_xarray(self):
        """An ``xarray.Dataset`` on dims (chain, beta, step): ``energy``, ``magnetization``
        (chain, beta, step), ``overlap`` (pair, beta, step) when recorded, ``swap_acceptance``
        (chain, swap: between betas k and k+1), ``round_trips`` (chain), ``states`` (chain,
        beta, site); coordinate ``beta``; the scalar fields are attributes."""
        import xarray as xr

        data = {"energy": (("chain", "beta", "step"), self.energy),
                "magnetization": (("chain", "beta", "step"), self.magnetization),
                "swap_acceptance": (("chain", "swap"), self.swap_acceptance),
                "round_trips": (("chain",), self.round_trips),
                "states": (("chain", "beta", "site"), self.states)}
        if self.overlap is not None:
            data["overlap"] = (("pair", "beta", "step"), self.overlap)
        return xr.Dataset(data, coords={"beta": self.betas},
                          attrs=xarray_attrs(self, ["n_sweeps", "swap_every", "sampler", "hamiltonian", "seed",
                                                    "elapsed", "interrupted", "engine"]))


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
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).
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
    engine: str = None

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

    def to_xarray(self):
        """An ``xarray.Dataset`` along the schedule (dim ``step``, coordinate ``schedule``):
        ``log_z_path``, ``log_z_err_path``, ``effective_sample_size``, ``energy``; scalars
        ``log_z`` and ``log_z_err``; ``log_weights`` (chain) for AIS; the scalar fields are
        attributes."""
        import xarray as xr

        data = {"log_z_path": (("step",), self.log_z_path), "log_z_err_path": (("step",), self.log_z_err_path),
                "effective_sample_size": (("step",), self.effective_sample_size),
                "energy": (("step",), self.energy), "log_z": self.log_z, "log_z_err": self.log_z_err}
        if self.log_weights is not None:
            data["log_weights"] = (("chain",), self.log_weights)
        return xr.Dataset(data, coords={"schedule": (("step",), self.schedule)},
                          attrs=xarray_attrs(self, ["method", "sampler", "hamiltonian", "n_chains", "family_rho",
                                                    "seed", "elapsed", "interrupted", "engine"]))
