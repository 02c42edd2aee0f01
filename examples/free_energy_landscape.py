"""Free energy smooths the landscape (tour study 6).
=================================================

SK's metastable states counted exactly (all 2^n states checked) against exp(0.199 n), then
the minima of the naive and TAP2 free energies of an SK instance and of an RBM trained on
the digits as the temperature rises: they merge and vanish at the mean-field T_c. The
study (``statmech.tour.landscape``) prints its tables and reading and saves the figure.

::

    python examples/free_energy_landscape.py [--quick] [--out DIR]

Quick mode: n <= 18 (about 20 s); the full mode checks all states up to n = 24.
"""
from statmech.tour import landscape

landscape.main()
