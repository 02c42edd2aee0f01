"""Do backprop and EMF training descend the same free energy? (tour study 4).
==========================================================================

The seed's conjecture: the EMF RBM and backprop through the unrolled (tied) network both
minimise the free energy. From one PCD-trained RBM, the study (``statmech.tour.conjecture``)
trains the tied network of two TAP2 iterations by backprop as a digit classifier, the same
network untied, and the RBM by EMF; it records the RBM's TAP and exact free energies along
all three, and the cosine between backprop's step for the weights and EMF's step (a random
direction as the null). Prints its table and reading and saves the figure.

::

    python examples/backprop_vs_emf.py [--quick] [--out DIR]

Quick mode: 12 epochs (seconds); the full mode trains for 40.
"""
from statmech.tour import conjecture

conjecture.main()
