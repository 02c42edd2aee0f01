"""Monte Carlo: sampler configurations (:mod:`~statmech.mc.samplers`), the engines that run
them (:mod:`~statmech.mc.engines`, chosen by one table), and the drivers: ``sample`` and
``anneal`` (:mod:`~statmech.mc.drivers`), parallel tempering (:mod:`~statmech.mc.tempering`),
AIS and population annealing (:mod:`~statmech.mc.free_energy`) and Wang-Landau
(:mod:`~statmech.mc.wang_landau`)."""
from .drivers import anneal, anneal_batch, sample, unpack_states
from .engines import ENGINE_TABLE, MULTISPIN_MIN_CHAINS, MULTISPIN_MIN_CHAINS_CHECKERBOARD, engine_table
from .free_energy import ais, population_annealing
from .observables import OBSERVABLES
from .samplers import BlockGibbs, HeatBath, Metropolis, MultiSpin, SwendsenWang, Wolff
from .tempering import adaptive_ladder, parallel_tempering, parallel_tempering_batch
from .wang_landau import wang_landau

__all__ = ["Metropolis", "HeatBath", "MultiSpin", "MULTISPIN_MIN_CHAINS", "MULTISPIN_MIN_CHAINS_CHECKERBOARD", "Wolff",
           "SwendsenWang", "BlockGibbs", "sample", "anneal", "anneal_batch", "parallel_tempering", "parallel_tempering_batch",
           "adaptive_ladder", "ais", "population_annealing", "wang_landau", "unpack_states", "ENGINE_TABLE",
           "engine_table", "OBSERVABLES"]
