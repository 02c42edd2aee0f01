"""Every result record in one namespace (each is defined beside the algorithm that makes it).

Records are frozen dataclasses of arrays, never bare tuples; records of runs save to
``.npz`` with their scalar parameters as JSON metadata and load back equal.
"""
from .estimators import OverlapDistribution, Reweighted
from .mc.records import AnnealResult, FreeEnergyEstimate, Samples, TemperingResult
from .meanfield.records import GibbsFreeEnergy, MeanFieldPath, MeanFieldResult
from .records import Estimate, load_npz, save_npz
from .thermodynamics import DensityOfStates, Thermodynamics

__all__ = ["Thermodynamics", "DensityOfStates", "Samples", "AnnealResult", "TemperingResult",
           "Estimate", "OverlapDistribution", "Reweighted", "FreeEnergyEstimate", "MeanFieldResult",
           "MeanFieldPath", "GibbsFreeEnergy", "save_npz", "load_npz"]
