"""Records of the Monte Carlo drivers: sampling, annealing, tempering and free-energy runs.

Every one is a :class:`~statmech.records.RunRecord` (``seed``, ``elapsed``,
``interrupted``); the meaning of each field is the one the table in
:mod:`statmech.results` gives it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import numpy as np

from ..records import Estimate, RunRecord, inference_data, xarray_attrs

if TYPE_CHECKING:
    import xarray

__all__ = ["SampleResult", "AnnealResult", "TemperingResult", "FreeEnergyResult"]


class _PerSpin:
    """``energy_per_spin`` and ``magnetization_per_spin`` of a record with traces and ``n``."""

    energy: np.ndarray
    magnetization: np.ndarray
    n: int

    @property
    def energy_per_spin(self) -> np.ndarray:
        """``energy / n``: the energy trace per variable."""
        return self.energy / self.n

    @property
    def magnetization_per_spin(self) -> np.ndarray:
        """``magnetization / n``: m = (1/n) sum_i s_i of every draw."""
        return self.magnetization / self.n


@dataclass(frozen=True, eq=False, kw_only=True)
class SampleResult(_PerSpin, RunRecord):
    """Traces and final states of Markov chains at a fixed beta (:func:`statmech.sample`).

    Attributes
    ----------
    energy, magnetization : ndarray of shape (n_chains, n_draws)
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
    sampler, model : str
        Their reprs.
    n : int
        Variables of the model (``energy_per_spin = energy / n``).
    n_sweeps, burn_in, thin : int
    seed, elapsed, interrupted
        As every run record (:class:`~statmech.records.RunRecord`).
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).

    Examples
    --------
    >>> import statmech
    >>> from statmech.models import Ising
    >>> run = statmech.sample(Ising.square(8), 0.3, n_sweeps=100, n_chains=2, seed=0, progress=False)
    >>> run.energy.shape, run.states.shape
    ((2, 100), (2, 64))
    >>> again = statmech.sample(Ising.square(8), 0.3, n_sweeps=100, n_chains=2, seed=run.seed, progress=False)
    >>> bool((again.energy == run.energy).all())          # the record's seed reproduces it
    True
    >>> run.to_xarray().energy.dims
    ('chain', 'draw')
    >>> run.energy_per_spin.shape, float(abs(run.magnetization_per_spin).max()) <= 1
    ((2, 100), True)
    """

    energy: np.ndarray
    magnetization: np.ndarray
    states: Any
    acceptance: np.ndarray
    beta: float
    sampler: str
    model: str
    n: int
    n_sweeps: int
    burn_in: int
    thin: int
    engine: str | None = None
    packed_states: Any = None

    @property
    def n_chains(self) -> int:
        """Chains: the first axis of the traces."""
        return self.energy.shape[0]

    def to_inference_data(self) -> Any:
        """The traces for ArviZ: an ``arviz.InferenceData`` whose ``posterior`` group holds
        ``energy`` and ``magnetization`` on (chain, draw), so that ``arviz.ess``,
        ``arviz.rhat``, ``arviz.summary`` and ``arviz.plot_trace`` work on them (the
        "posterior" is the Boltzmann distribution sampled). Needs ArviZ (``pip install
        arviz``); ``to_xarray()`` needs nothing and has the same dims."""
        return inference_data(self.to_xarray())

    @property
    def n_draws(self) -> int:
        """Recorded sweeps per chain: the second axis of the traces."""
        return self.energy.shape[1]

    def to_xarray(self) -> xarray.Dataset:
        """An ``xarray.Dataset``: ``energy``, ``magnetization`` (chain, draw), ``states``
        (chain, site) or ``packed_states`` (word, site), ``acceptance`` (chain); coordinate
        ``sweep`` (draw) counts sweeps from the start, burn-in included; the scalar fields
        (seed as JSON) are attributes."""
        import xarray as xr

        sweep = self.burn_in + self.thin * np.arange(1, self.n_draws + 1)
        states = ({"states": (("chain", "site"), self.states)} if self.states is not None
                  else {"packed_states": (("word", "site"), self.packed_states)})
        return xr.Dataset(
            {"energy": (("chain", "draw"), self.energy), "magnetization": (("chain", "draw"), self.magnetization),
             **states, "acceptance": (("chain",), self.acceptance)},
            coords={"sweep": (("draw",), sweep)},
            attrs=xarray_attrs(self, ["beta", "sampler", "model", "n", "n_sweeps", "burn_in", "thin", "seed",
                                      "elapsed", "interrupted", "engine"]))


@dataclass(frozen=True, eq=False, kw_only=True)
class AnnealResult(RunRecord):
    """Simulated annealing: the best state of each read and the energy along the schedule
    (:func:`statmech.anneal`).

    Attributes
    ----------
    best_states : ndarray of shape (n_chains, n), int8 (float64 for continuous or mixed units)
    best_energy : ndarray of shape (n_chains,)
    final_states : ndarray of shape (n_chains, n), as best_states
    final_energy : ndarray of shape (n_chains,)
    energy : ndarray of shape (n_chains, n_steps)
        Energy after the sweeps at each beta of the schedule.
    betas : ndarray of shape (n_steps,)
        The schedule's betas.
    n_sweeps : int
        Sweeps per beta.
    sampler, model : str
    seed, elapsed, interrupted
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).

    Examples
    --------
    >>> import statmech
    >>> from statmech import schedules
    >>> from statmech.models import SherringtonKirkpatrick
    >>> r = statmech.anneal(SherringtonKirkpatrick(20, seed=0), schedules.geometric(0.1, 3.0, 50), n_chains=4,
    ...                     seed=0, progress=False)
    >>> r.best_states.shape, r.energy.shape                # (chain, site), (chain, step)
    ((4, 20), (4, 50))
    >>> bool((r.best_energy <= r.final_energy).all())
    True
    """

    dims = {"best_states": ("chain", "site"), "best_energy": ("chain",), "final_states": ("chain", "site"),
            "final_energy": ("chain",), "energy": ("chain", "step"), "betas": ("step",)}
    coords = {"betas": "beta"}

    best_states: np.ndarray
    best_energy: np.ndarray
    final_states: np.ndarray
    final_energy: np.ndarray
    energy: np.ndarray
    betas: np.ndarray
    n_sweeps: int
    sampler: str
    model: str
    engine: str | None = None

    @property
    def best(self) -> int:
        """Index of the read with the lowest energy."""
        return int(np.argmin(self.best_energy))


@dataclass(frozen=True, eq=False, kw_only=True)
class TemperingResult(_PerSpin, RunRecord):
    """Parallel tempering (replica exchange) on a ladder of betas
    (:func:`statmech.parallel_tempering`).

    Attributes
    ----------
    betas : ndarray of shape (n_beta,)
    energy, magnetization : ndarray of shape (n_chains, n_beta, n_draws)
        Traces at each beta (whichever configuration sits there), after every swap round.
    overlap : ndarray of shape (n_chains // 2, n_beta, n_draws) or None
        q = (1/n) sum_i s_i^a s_i^b between replica sets 2k and 2k+1 (spins +-1;
        binary states are mapped to spins first): the input of P(q). None with one
        set, or for continuous or mixed unit types.
    link_overlap : ndarray of shape (n_chains // 2, n_beta, n_draws) or None
        q_l = (1/N_b) sum over the N_b bonds (i, j) of q_i q_j, q_i = s_i^a s_i^b, of the
        same pairs (pairwise models; the bonds of a lattice, else the non-zero couplings).
    fourier_overlap : ndarray of shape (n_chains // 2, n_beta, n_draws, dimension) or None
        ``|q(k_mu)|^2`` of the same pairs, q(k) = (1/n) sum_i q_i exp(i k . x_i), for the
        smallest wavevector k_mu = k_min[mu] e_mu along each lattice axis mu (models
        with a lattice ``geometry``); with ``overlap ** 2`` (k = 0) the input of the
        spin-glass correlation length (:func:`statmech.estimators.correlation_length`).
    fourier_magnetization : ndarray of shape (n_chains, n_beta, n_draws, dimension) or None
        ``|M(k_mu)|^2``, M(k) = sum_i s_i exp(i k . x_i) (spin form): with ``magnetization ** 2``
        the ferromagnet's correlation length. Recorded when asked for
        (``observables``).
    k_min : ndarray of shape (dimension,) or None
        2 pi / L_mu, the wavenumbers of the Fourier modes along each axis.
    swap_acceptance : ndarray of shape (n_chains, n_beta - 1)
        Accepted fraction of swaps between betas k and k+1.
    round_trips : ndarray of shape (n_chains,)
        Completed hottest -> coldest -> hottest journeys of configurations.
    states : ndarray of shape (n_chains, n_beta, n), int8 (float64 for continuous or mixed units)
        Final configuration at each beta.
    best_states : ndarray of shape (n_chains, n), as states
        The lowest-energy configuration each ladder held at any of its betas at the end of
        a swap round (or at the start).
    best_energy : ndarray of shape (n_chains,)
        Its energy.
    n : int
        Variables of the model.
    n_sweeps, swap_every : int
    sampler, model : str
    seed, elapsed, interrupted
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).

    Examples
    --------
    >>> import numpy as np, statmech
    >>> from statmech.models import SherringtonKirkpatrick
    >>> r = statmech.parallel_tempering(SherringtonKirkpatrick(12, seed=0), np.linspace(0.3, 1.5, 6), n_sweeps=200,
    ...                                 n_chains=2, seed=0, progress=False)
    >>> r.energy.shape, r.swap_acceptance.shape, r.overlap.shape   # ladders, betas, rounds
    ((2, 6, 200), (2, 5), (1, 6, 200))
    >>> from statmech.exact import all_states
    >>> H = SherringtonKirkpatrick(12, seed=0)
    >>> ground = H.energy(all_states(12, "spin")).min()
    >>> bool(np.isclose(r.best_energy.min(), ground))      # the lowest state visited is the ground state
    True
    """

    dims = {"betas": ("beta",), "energy": ("chain", "beta", "draw"), "magnetization": ("chain", "beta", "draw"),
            "overlap": ("pair", "beta", "draw"), "link_overlap": ("pair", "beta", "draw"),
            "fourier_overlap": ("pair", "beta", "draw", "axis"),
            "fourier_magnetization": ("chain", "beta", "draw", "axis"), "k_min": ("axis",),
            "swap_acceptance": ("chain", "swap"), "round_trips": ("chain",), "states": ("chain", "beta", "site"),
            "best_states": ("chain", "site"), "best_energy": ("chain",)}
    coords = {"betas": "beta"}

    betas: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    overlap: Any
    swap_acceptance: np.ndarray
    round_trips: np.ndarray
    states: np.ndarray
    best_states: np.ndarray
    best_energy: np.ndarray
    n: int
    link_overlap: Any = None
    fourier_overlap: Any = None
    fourier_magnetization: Any = None
    k_min: Any = None
    n_sweeps: int
    swap_every: int
    sampler: str
    model: str
    engine: str | None = None

    def to_inference_data(self) -> Any:
        """The traces for ArviZ: an ``arviz.InferenceData`` whose ``posterior`` group holds
        ``energy`` and ``magnetization`` on (chain, beta, draw) (a chain is a ladder; the
        draws at one beta come from whichever configuration held it). Needs ArviZ."""
        return inference_data(self.to_xarray())


@dataclass(frozen=True, eq=False, kw_only=True)
class FreeEnergyResult(RunRecord):
    """ln Z along a schedule from annealed importance sampling or population annealing
    (:func:`statmech.mc.ais`, :func:`statmech.mc.population_annealing`).

    Attributes
    ----------
    schedule : ndarray of shape (n_steps,)
        Betas (or interpolation parameters t of a base-to-target path).
    log_z_path, log_z_err_path : ndarray of shape (n_steps,)
        ln Z at each step and its standard error.
    log_z, log_z_err : float
        The target's: the last entries of the paths (properties).
    effective_sample_size : ndarray of shape (n_steps,)
        Kish ESS of the importance weights (AIS), or of the resampling weights (PA).
    energy : ndarray of shape (n_steps,)
        <E> along the schedule (weighted for AIS, population mean for PA).
    log_weights : ndarray of shape (n_chains,) or None
        Final log importance weights (AIS).
    family_rho : float or None
        Population annealing's family-size statistic rho_f = R sum_f (n_f / R)^2 (1 when
        every replica descends from a different ancestor; large means few families).
    method, sampler, model : str
    n_chains : int
    seed, elapsed, interrupted
    engine : str
        The engine that ran the chains, which the sampler chose for the model and the
        number of chains: "pairwise", "lanes", "checkerboard", "multispin", "cluster",
        "block-gibbs", "generic" (or "marginal" for AIS with the hidden layer summed out).

    Examples
    --------
    >>> from statmech import mc, schedules
    >>> from statmech.models import Ising
    >>> r = mc.ais(Ising.chain(10), schedules.linear(0.0, 1.0, 50), n_chains=64, seed=0, progress=False)
    >>> r.log_z_path.shape                                 # ln Z along the schedule; r.log_z is its end
    (50,)
    >>> bool(r.log_z_err > 0)
    True
    """

    dims = {"schedule": ("step",), "log_z_path": ("step",), "log_z_err_path": ("step",),
            "effective_sample_size": ("step",), "energy": ("step",), "log_weights": ("chain",)}
    coords = {"schedule": "schedule"}

    schedule: np.ndarray
    log_z_path: np.ndarray
    log_z_err_path: np.ndarray
    effective_sample_size: np.ndarray
    energy: np.ndarray
    log_weights: Any
    family_rho: Any
    method: str
    sampler: str
    model: str
    n_chains: int
    engine: str | None = None

    @property
    def log_z(self) -> float:
        """ln Z of the target (the end of the schedule)."""
        return float(self.log_z_path[-1])

    @property
    def log_z_err(self) -> float:
        """Standard error of ``log_z``."""
        return float(self.log_z_err_path[-1])

    @property
    def estimate(self) -> Estimate:
        """``log_z`` with its error as an :class:`~statmech.records.Estimate`."""
        return Estimate(self.log_z, self.log_z_err)

    def to_xarray(self) -> xarray.Dataset:
        """The default dataset (:meth:`~statmech.records.Record.to_xarray`: the paths on dim
        ``step`` with coordinate ``schedule``) with the scalars ``log_z`` and ``log_z_err``."""
        return super().to_xarray().assign(log_z=self.log_z, log_z_err=self.log_z_err)
