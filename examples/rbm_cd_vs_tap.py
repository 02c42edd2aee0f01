"""Training an RBM by its TAP free energy (EMF) against contrastive divergence (tour study 3).
===========================================================================================

CD-1, PCD-1, naive mean field, TAP2 and TAP3 (Gabrie, Tramel & Krzakala 2015) train the same
RBM; after every epoch the held-out log-likelihood is estimated by AIS with its error, and
ln Z by the TAP2 free energy next to it. The study (``statmech.tour.emf``) prints its
tables and reading and saves the figure.

::

    python examples/rbm_cd_vs_tap.py [--quick] [--out DIR]

Quick mode: the 8 x 8 digits with 16 hidden units, where ln Z is also exact (about 30 s);
the full mode is MNIST-5k with 500 hidden units, as in the paper.
"""
from statmech.tour import emf

emf.main()
