"""Running out of configurational entropy: the random energy model freezes (tour study 8).
=======================================================================================

Derrida's REM gives each of the 2^n configurations an independent energy N(0, n/2); its
entropy per spin s(e) = ln 2 - e^2 runs out at e* = -sqrt(ln 2), and below
T_c = 1/(2 sqrt(ln 2)) the system freezes. The study (``statmech.tour.rem``) checks this by
exact enumeration, shows p-spin glasses approaching the REM as p grows, and adds a native
state to make the folding funnel of Bryngelson & Wolynes, whose folding temperature it
compares with the closed form. Prints its tables and reading, saves the figure.

::

    python examples/rem_entropy_crisis.py [--quick] [--out DIR]

Quick mode: n <= 20 (seconds); the full mode enumerates up to 2^26 states.
"""
from statmech.tour import rem

rem.main()
