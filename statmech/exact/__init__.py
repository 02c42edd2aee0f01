"""Exact thermodynamics by enumerating every state: the ground truth of the project.

:mod:`~statmech.exact.enumeration` holds the drivers (:func:`exact`,
:func:`density_of_states`), :mod:`~statmech.exact.gray_code` the numba kernels they run:
Gray-code enumeration of pairwise models and of a bipartite model's smaller layer, with
the moments accumulated as a streaming log-sum-exp.
"""
from .enumeration import (MAX_GENERIC_N, MAX_KERNEL_N, all_states, boltzmann_samples, density_of_states, energy_grid,
                          exact)

__all__ = ["exact", "density_of_states", "boltzmann_samples", "all_states", "energy_grid", "MAX_KERNEL_N", "MAX_GENERIC_N"]
