"""Every record in one namespace (each is defined beside the algorithm that makes it),
and the one meaning of each of their fields.

Records are frozen dataclasses, never bare tuples. All of them save to ``.npz`` and load
back equal without pickle, and convert to xarray (:class:`~statmech.records.Record`).
Records of runs are named ``...Result`` and carry ``seed``, ``elapsed`` and
``interrupted`` (:class:`~statmech.records.RunRecord`); records of a quantity are named
for it (``Thermodynamics``, ``DensityOfStates``, ``OverlapDistribution``, ...); a value
with its standard error is an :class:`~statmech.records.Estimate`. A record describes
the model it ran on by a string (``model``) and never holds a live object.

A field name means one thing in every record: :data:`FIELDS` (printed below) gives it,
and ``tests/test_vocabulary.py`` checks that every field of every record is in it.
"""
from .estimators import Equilibration, LogBinning, MultistateReweighting, OverlapDistribution, Reweighted
from .learning import BoltzmannResult, InverseIsingResult, LogLikelihood
from .mc.records import AnnealResult, FreeEnergyResult, SampleResult, TemperingResult
from .meanfield.records import GibbsFreeEnergy, MeanFieldPathResult, MeanFieldResult
from .records import Estimate, Record, RunRecord, load_npz, save_npz
from .thermodynamics import DensityOfStates, Thermodynamics

__all__ = ["Record", "RunRecord", "Estimate", "Thermodynamics", "DensityOfStates", "SampleResult", "AnnealResult",
           "TemperingResult", "FreeEnergyResult", "MeanFieldResult", "MeanFieldPathResult", "GibbsFreeEnergy",
           "OverlapDistribution", "Reweighted", "MultistateReweighting", "Equilibration", "LogBinning", "InverseIsingResult", "BoltzmannResult",
           "LogLikelihood", "FIELDS", "RECORDS", "save_npz", "load_npz"]

#: Every record class.
RECORDS = (Estimate, Thermodynamics, DensityOfStates, SampleResult, AnnealResult, TemperingResult, FreeEnergyResult,
           MeanFieldResult, MeanFieldPathResult, GibbsFreeEnergy, OverlapDistribution, Reweighted,
           MultistateReweighting, Equilibration, LogBinning, InverseIsingResult, BoltzmannResult, LogLikelihood)

#: The meaning of every field name of the records.
FIELDS = {
    # what every run record carries
    "seed": "the SeedSequence that reproduces the run when passed back as seed (None: deterministic)",
    "elapsed": "wall-clock seconds of the run",
    "interrupted": "whether Ctrl-C stopped the run (the record then holds what was done)",
    "model": "a short description of the model (its repr); never the live object",
    "sampler": "the sampler configuration's repr",
    "engine": "the name of the engine that ran the chains (statmech.mc.engines)",
    "method": "the name of the algorithm's variant (e.g. 'tap2', 'pcd', 'ais')",
    # sizes and settings
    "n": "the number of variables of the model",
    "n_sweeps": "sweeps per chain that were recorded (after burn-in), or per beta of a schedule",
    "burn_in": "sweeps per chain discarded before recording",
    "thin": "sweeps between recorded draws",
    "swap_every": "sweeps between rounds of replica swaps",
    "n_chains": "the number of independent chains",
    "n_iter": "iterations made (per beta, for a path)",
    # ensembles
    "beta": "the inverse temperature (a scalar, or an array over the dim beta)",
    "betas": "the inverse temperatures of a ladder or a schedule, one per rung or step",
    "schedule": "the points of an annealing path: betas, or t of a base-to-target path",
    # states and observables
    "states": "final states of the chains (chain, [beta,] site)",
    "packed_states": "final spin states packed 64 chains per uint64 word (word, site)",
    "best_states": "the lowest-energy state each chain (a tempering ladder: at any beta) visited (chain, site)",
    "final_states": "the states of the chains at the end of the schedule (chain, site)",
    "energy": "the energy E: a trace per chain (chain, [beta,] draw or step) in records with chains, "
              "its average <E> otherwise",
    "best_energy": "the energy of best_states (chain)",
    "final_energy": "the energy of final_states (chain)",
    "magnetization": "M = sum_i s_i of a state: a trace per chain in run records, <M> in Thermodynamics",
    "abs_magnetization": "<|M|>",
    "m": "the magnetizations <s_i> of each site at a mean-field solution ([start or beta,] site)",
    "overlap": "q = (1/n) sum_i s_i^a s_i^b between two replicas (pair, beta, draw)",
    "link_overlap": "q_l = (1/N_b) sum over bonds (i, j) of q_i q_j, q_i = s_i^a s_i^b (pair, beta, draw)",
    "fourier_overlap": "abs(q(k))^2, q(k) = (1/n) sum_i q_i exp(i k x_i), at k = k_min along each lattice axis "
                       "(pair, beta, draw, axis)",
    "fourier_magnetization": "abs(M(k))^2, M(k) = sum_i s_i exp(i k x_i), at k = k_min along each lattice axis "
                             "(chain, beta, draw, axis)",
    "k_min": "2 pi / L along each lattice axis: the wavenumbers of the recorded Fourier modes (axis)",
    "acceptance": "accepted single-variable moves per attempt, per chain",
    "swap_acceptance": "accepted fraction of swaps between neighbouring betas (chain, swap)",
    "round_trips": "completed hottest-coldest-hottest journeys per ladder",
    # free energies and thermodynamics
    "log_z": "ln Z",
    "log_z_err": "the standard error of log_z",
    "log_z_path": "ln Z at each step of a schedule",
    "log_z_err_path": "the standard error of log_z_path",
    "reference_log_z": "the ln Z that relative ln Z values are counted from",
    "free_energy": "F = -ln Z / beta (for mean field: its approximation at the solution)",
    "entropy": "S = ln Z + beta U",
    "specific_heat": "C = beta^2 Var(E)",
    "susceptibility": "chi = beta Var(M)",
    "log_weights": "final log importance weights of the chains",
    "effective_sample_size": "Kish's effective sample size of importance weights",
    "family_rho": "population annealing's family-size statistic",
    "converged": "whether the iteration met its tolerance (per start or beta where there are several)",
    "residuals": "the largest change of an iterate at each iteration",
    "gradient": "the gradient of value with respect to the magnetizations",
    "gradient_norm": "the largest |gradient| over all parameters at each update",
    "value": "the quantity a record estimates or evaluates",
    "error": "the standard error of value",
    # densities of states and distributions
    "energies": "the energies of a grid or of samples, in the order of the other arrays",
    "log_g": "ln g(E), the log density of states on energies",
    "chain_log_g": "ln g(E) of each chain (chain, energy)",
    "counts": "exact numbers of states per energy, or the length of each trace",
    "flatness_history": "(ln f, sweeps) at each refinement of Wang-Landau's modification factor",
    "energy_range": "the energy window a density of states was estimated in",
    "q": "overlaps q of replica pairs, one per sample",
    "edges": "histogram bin edges",
    "density": "a normalised histogram on edges",
    "q_ea": "the Edwards-Anderson order parameter sqrt(<q^2>), an Estimate",
    "abs_q": "<|q|>, an Estimate",
    "mean": "<O> at the new beta, an Estimate",
    "delta_log_z": "ln Z(new beta) - ln Z(beta), an Estimate",
    # equilibration
    "bin_start": "the first draw of each logarithmic bin (bin)",
    "bin_stop": "the draw after the last of each logarithmic bin (bin)",
    "bin_mean": "the mean of an observable over the chains and draws of each bin (instance, bin)",
    "bin_error": "the standard error of bin_mean (instance, bin)",
    "equilibrated": "whether the last bins of an instance agree within tolerance (instance)",
    "n_last": "how many of the last logarithmic bins must agree",
    "tolerance": "agreement within this many combined standard errors",
    "start": "the first step of a series kept after its burn-in",
    "statistical_inefficiency": "g: correlations inflate the variance of a mean by g, Var(mean) = g Var(x) / n",
    "n_effective": "the number of uncorrelated steps a correlated series is worth, n / g",
    # fitted models
    "couplings": "fitted couplings J in spin form (site, other_site)",
    "fields": "fitted fields h in spin form (site)",
    "domain": "the domain of the states a model was fitted to",
    "parameters": "fitted parameters by the model's own names (what with_parameters takes)",
}


def _table():
    width = max(map(len, FIELDS))
    rule = "=" * width + "  " + "=" * 60
    rows = "\n".join(f"{name:<{width}}  {meaning}" for name, meaning in FIELDS.items())
    return f"\n\n{rule}\n{'field':<{width}}  meaning\n{rule}\n{rows}\n{rule}\n"


__doc__ += _table()
