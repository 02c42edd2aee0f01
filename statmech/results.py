"""Result records: plain frozen dataclasses of arrays, never bare tuples.

Records of runs save to ``.npz`` with their scalar parameters as JSON metadata,
written atomically (a temporary file renamed into place), and load back equal.
"""
import json
import os
import tempfile
import warnings
from dataclasses import dataclass, fields, replace

import numpy as np

from ._validation import seed_from_json, seed_to_json

__all__ = ["Thermodynamics", "DensityOfStates", "Samples", "AnnealResult", "TemperingResult",
           "Estimate", "OverlapDistribution", "Reweighted", "FreeEnergyEstimate", "MeanFieldResult",
           "MeanFieldPath", "GibbsFreeEnergy", "save_npz", "load_npz"]


def save_npz(path, arrays, metadata):
    """Write ``arrays`` and JSON ``metadata`` to ``path`` (.npz) atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, __metadata__=np.array(json.dumps(metadata)), **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_npz(path):
    """(arrays, metadata) from a file written by :func:`save_npz`."""
    with np.load(os.fspath(path), allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "__metadata__"}
        metadata = json.loads(str(data["__metadata__"]))
    return arrays, metadata


class _Saveable:
    """save/load for dataclass records: ndarray fields go to the archive, the rest to JSON
    (a SeedSequence as its entropy, spawn key and pool size)."""

    def save(self, path):
        arrays, metadata = {}, {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                arrays[f.name] = value
            elif isinstance(value, np.random.SeedSequence):
                metadata[f.name] = {"__seed_sequence__": seed_to_json(value)}
            else:
                metadata[f.name] = value
        save_npz(path, arrays, metadata)

    @classmethod
    def load(cls, path):
        arrays, metadata = load_npz(path)
        for key, value in metadata.items():
            if isinstance(value, dict) and "__seed_sequence__" in value:
                metadata[key] = seed_from_json(value["__seed_sequence__"])
        return cls(**arrays, **metadata)

_EXTENSIVE = ("log_z", "free_energy", "energy", "entropy", "specific_heat",
              "magnetization", "abs_magnetization", "susceptibility")


@dataclass(frozen=True)
class Estimate:
    """A value with its standard error (floats, or arrays of one shape).

    Attributes
    ----------
    value, error : float or ndarray
    """

    value: object
    error: object

    def __iter__(self):
        raise TypeError("an Estimate is a record: use .value and .error")

    def __float__(self):
        """The value, for a scalar estimate (``float(estimate)``)."""
        return float(self.value)


@dataclass(frozen=True)
class Reweighted:
    """Single-histogram reweighting of a trace to another beta.

    Attributes
    ----------
    mean : Estimate
        <O> at the new beta.
    delta_log_z : Estimate
        ln Z(new beta) - ln Z(beta).
    effective_sample_size : float
        Kish ESS of the weights: how many of the samples still count.
    """

    mean: Estimate
    delta_log_z: Estimate
    effective_sample_size: float


@dataclass(frozen=True)
class OverlapDistribution:
    """Distribution P(q) of the overlap q = (1/n) sum_i s_i^a s_i^b between two replicas.

    Attributes
    ----------
    q : ndarray of shape (n_samples,)
        The overlaps.
    edges : ndarray of shape (n_bins + 1,)
    density : ndarray of shape (n_bins,)
        Normalised histogram of q on [-1, 1].
    q_ea : Estimate
        Edwards-Anderson order parameter sqrt(<q^2>) (jackknife error).
    abs_q : Estimate
        <|q|>.
    """

    q: np.ndarray
    edges: np.ndarray
    density: np.ndarray
    q_ea: Estimate
    abs_q: Estimate


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
        ln g(E), normalised so that sum_E g(E) = 2**n; ln of the exact counts when
        ``counts`` is given.
    counts : ndarray of shape (k,) of int64, or None
        Exact numbers of states, when known.
    n : int
        Number of variables.
    walkers : ndarray of shape (n_walkers, k) or None
        ln g of independent estimates (Wang-Landau walkers), whose spread gives errors.
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
    """

    EDGE_WEIGHT = 1e-6

    energies: np.ndarray
    log_g: np.ndarray
    counts: object = None
    n: int = 1
    walkers: object = None
    flatness_history: object = None
    energy_range: object = None
    seed: object = None
    elapsed: object = None
    converged: object = None
    interrupted: bool = False

    def log_z(self, beta):
        """ln Z(beta) = ln sum_E g(E) exp(-beta E) as an Estimate: the error is the spread of
        independent walkers' estimates over sqrt(n_walkers) (0 for exact counts).

        Returns
        -------
        Estimate with value and error of the shape of beta.
        """
        from ._validation import as_beta
        betas, scalar = as_beta(beta)
        value = self.thermodynamics(betas).log_z
        if self.walkers is None or self.walkers.shape[0] < 2:
            error = np.zeros_like(value)
        else:
            per_walker = np.array([DensityOfStates(self.energies, g, n=self.n).thermodynamics(betas).log_z
                                   for g in self.walkers])
            error = per_walker.std(axis=0, ddof=1) / np.sqrt(per_walker.shape[0])
        return Estimate(float(value[0]), float(error[0])) if scalar else Estimate(value, error)

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


@dataclass(frozen=True, eq=False)
class Samples(_Saveable):
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
class AnnealResult(_Saveable):
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
class TemperingResult(_Saveable):
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
class FreeEnergyEstimate(_Saveable):
    """ln Z along a schedule from annealed importance sampling or population annealing.

    Attributes
    ----------
    schedule : ndarray of shape (K,)
        Betas (or interpolation parameters t of a base-to-target path).
    log_z, log_z_err : ndarray of shape (K,)
        ln Z at each step and its standard error.
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
    log_z: np.ndarray
    log_z_err: np.ndarray
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
class MeanFieldResult(_Saveable):
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


@dataclass(frozen=True)
class MeanFieldPath(_Saveable):
    """Mean-field solutions followed along a beta schedule (deterministic annealing).

    Attributes
    ----------
    betas : ndarray of shape (K,)
    magnetization : ndarray of shape (K, n)
    free_energy, log_z : ndarray of shape (K,)
    converged : ndarray of shape (K,) of bool
    n_iter : ndarray of shape (K,)
    method, hamiltonian : str
    """

    betas: np.ndarray
    magnetization: np.ndarray
    free_energy: np.ndarray
    log_z: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    method: str
    hamiltonian: str
