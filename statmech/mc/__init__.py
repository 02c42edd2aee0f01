"""Monte Carlo: samplers (configurations) and drivers (sample, anneal, parallel_tempering)."""
from .drivers import adaptive_ladder, anneal, parallel_tempering, parallel_tempering_batch, sample, unpack_states
from .free_energy import ais, population_annealing, wang_landau
from .samplers import (MULTISPIN_MIN_CHAINS, MULTISPIN_MIN_CHAINS_CHECKERBOARD, BlockGibbs, HeatBath, Metropolis,
                       MultiSpin, SwendsenWang, Wolff)

__all__ = ["Metropolis", "HeatBath", "MultiSpin", "MULTISPIN_MIN_CHAINS", "MULTISPIN_MIN_CHAINS_CHECKERBOARD", "Wolff",
           "SwendsenWang", "BlockGibbs", "sample", "anneal", "parallel_tempering", "parallel_tempering_batch",
           "adaptive_ladder", "ais", "population_annealing", "wang_landau", "unpack_states"]
