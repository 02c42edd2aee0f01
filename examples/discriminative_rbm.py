"""The discriminative RBM: class scores are free energies (tour study 5).
======================================================================

Larochelle & Bengio's ClassificationRBM gives p(y | x) = softmax_y(-F(x, y)) exactly. The
study (``statmech.tour.classification``) checks that posterior against a brute-force sum
over every hidden state of a small trained model, then compares discriminative, hybrid and
generative training with the unrolled TAP2 network of an RBM and logistic regression on
one split. Prints its tables and reading and saves the figure.

::

    python examples/discriminative_rbm.py [--quick] [--out DIR]

Quick mode: the 8 x 8 digits (seconds); the full mode is MNIST-5k with 500 hidden units.
"""
from statmech.tour import classification

classification.main()
