"""Mean-field, TAP and Bethe solvers (``statmech.meanfield``).

Deterministic approximations of a pairwise model at inverse temperature beta: the
fixed points of the Plefka-expanded Gibbs free energy (naive mean field, TAP to second
order, and to third order for bipartite models) and belief propagation with the Bethe
free energy. See ``statmech.meanfield.plefka`` for the expansion and its one update.
"""
from .plefka import mean_field_step
from .solvers import METHODS, deterministic_annealing, gibbs_free_energy, mean_field

__all__ = ["mean_field", "gibbs_free_energy", "deterministic_annealing", "mean_field_step", "METHODS"]
