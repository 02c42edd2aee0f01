"""Weight scale is a temperature (tour study 7).
=============================================

Scaling all of an RBM's parameters by lambda is beta -> lambda beta, exactly; so a trained
RBM is the point beta = 1 on its own specific-heat curve. The study
(``statmech.tour.temperature``) checks the identity by enumeration, trains RBMs with weight
decay of growing strength, computes C(beta) exactly and reports where each peak sits
against beta = 1. Prints its tables and reading and saves the figure.

::

    python examples/weight_scale_temperature.py [--quick] [--out DIR]

Quick mode: the digits with 12 hidden units (seconds); the full mode is MNIST-5k with 16.
"""
from statmech.tour import temperature

temperature.main()
