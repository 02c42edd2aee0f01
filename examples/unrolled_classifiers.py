"""An MLP with tied weights is unrolled mean field of an RBM, trained as a classifier (tour study 2).
==================================================================================================

``statmech.unroll`` makes t TAP2 iterations of an RBM into 1 + 2t sigmoid layers sharing
its weights; the study (``statmech.tour.unrolled``) checks that the forward pass is the
solver, then trains the tied network, its untied copy and a plain sigmoid MLP of the same
widths on digits and tabulates accuracy and loss per depth.

::

    python examples/unrolled_classifiers.py [--quick] [--out DIR]     # quick: digits; full: MNIST-5k

Needs the data extra (pip install '.[data]').
"""
from statmech.tour import unrolled

unrolled.main()
