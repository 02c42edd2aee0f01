"""statmech: statistical mechanics of spin systems, spin glasses and Boltzmann machines.

One layer of Hamiltonians carries every model; exact enumeration is the ground
truth every other algorithm is tested against.
"""
__version__ = "0.1.0"

from . import errors, schedules, thermodynamics
from .jit import get_num_threads, set_num_threads
from .exact import density_of_states, exact
from .hamiltonian import BipartiteHamiltonian, Hamiltonian, PairwiseHamiltonian, convert_states
from . import estimators, mc, meanfield
from .mc import anneal, anneal_batch, parallel_tempering, parallel_tempering_batch, sample
from .meanfield import deterministic_annealing, gibbs_free_energy, mean_field
from . import nn
from .nn import unroll
from . import datasets, learning
from . import results, study
from .thermodynamics import DensityOfStates, Thermodynamics

__all__ = ["Hamiltonian", "PairwiseHamiltonian", "BipartiteHamiltonian", "convert_states",
           "exact", "density_of_states", "Thermodynamics", "DensityOfStates",
           "set_num_threads", "get_num_threads", "thermodynamics", "errors", "results", "schedules",
           "estimators", "mc", "sample", "anneal", "anneal_batch", "parallel_tempering",
           "parallel_tempering_batch", "meanfield", "mean_field",
           "gibbs_free_energy", "deterministic_annealing", "unroll", "nn", "learning", "datasets", "study"]
