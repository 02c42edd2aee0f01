"""Concrete models, each a :class:`statmech.Hamiltonian` (installed as ``statmech.models``)."""
from .hopfield import Hopfield
from .ising import CurieWeiss, Ising
from .rbm import RBM
from .spin_glass import EdwardsAnderson, PSpin, RandomEnergyModel, SherringtonKirkpatrick

__all__ = ["Ising", "CurieWeiss", "SherringtonKirkpatrick", "EdwardsAnderson", "PSpin",
           "RandomEnergyModel", "Hopfield", "RBM"]
