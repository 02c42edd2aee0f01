"""Pairs of unit types for the parametrised tests: every pair runs in the slow tier; the
fast tier runs a covering subset (a continuous layer against a two-state one on either
side, each continuous type once)."""
import pytest

UNITS = ["binary", "spin", "gaussian", "relu"]
FAST = {("binary", "gaussian"), ("relu", "spin")}


def pairs(keep=lambda visible, hidden: True):
    """pytest params of every (visible, hidden) pair that ``keep`` accepts, marked slow
    outside the fast subset."""
    return [pytest.param(v, h, marks=() if (v, h) in FAST else pytest.mark.slow, id=f"{v}-{h}")
            for v in UNITS for h in UNITS if keep(v, h)]


def solvable(visible, hidden):
    """Exact thermodynamics exists: a two-state layer, or two Gaussian layers."""
    return not ({visible, hidden} <= {"gaussian", "relu"}) or visible == hidden == "gaussian"


def two_state_layer(visible, hidden):
    return visible in ("binary", "spin") or hidden in ("binary", "spin")
