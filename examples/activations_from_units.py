"""The activations of deep nets are the conditional means of Boltzmann-machine units (tour study 1).
=================================================================================================

A unit h with field x at inverse temperature beta has the Boltzmann weight
exp(-beta (e(h) - x h)). Its conditional mean <h | x> is sigmoid(beta x) for a binary unit,
tanh(beta x) for a spin, x for a Gaussian unit (e = h^2/2) and a smooth ReLU for a rectified
Gaussian (h >= 0), which tends to max(x, 0) as beta grows. The study
(``statmech.tour.activations``) computes each by brute force against ``statmech.unit_types``
and the named activation, plots them, and unrolls an RBM with Gaussian visible and rectified
hidden units into a network whose layers are named by those unit types.

::

    python examples/activations_from_units.py [--out DIR]
"""
from statmech.tour import activations

activations.main()
