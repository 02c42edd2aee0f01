"""Entropy and generalisation: does an RBM overfit when its entropy runs out? (tour study 9).
=============================================================================================

RBMs small enough for exact thermodynamics are trained by the exact gradient on 40 digits
until they overfit. At every checkpoint the study (``statmech.tour.entropy``) records the
exact training and held-out log-likelihood, the entropy S = beta (U - F), where beta = 1
sits on the specific-heat curve, and the number of free-energy minima; its reading says
whether the fall of held-out likelihood coincides with a fall of entropy. Prints its table
and reading and saves the figure.

::

    python examples/entropy_generalisation.py [--quick] [--out DIR]

Quick mode: 4 and 10 hidden units, 2 seeds, 200 epochs (under a minute); the full mode
adds 8 and 12 hidden units, 5 seeds and 800 epochs.
"""
from statmech.tour import entropy

entropy.main()
