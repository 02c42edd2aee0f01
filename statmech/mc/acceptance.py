"""The acceptance rules of single-variable moves, shared by every sweep kernel (pairwise,
lanes, checkerboard, multi-spin, generic) and by replica exchange.

Metropolis (ties accepted with probability 31/32) and heat bath, as the integer codes the
kernels take (``METROPOLIS``, ``HEAT_BATH``; ``RULES`` maps the samplers' names to them).
"""
import numpy as np

from ..jit import njit
from ..rng import uniform
from ..unit_types import sigmoid

__all__ = ["METROPOLIS", "HEAT_BATH", "METROPOLIS_TIE", "RULES", "acceptance_probability", "accept", "rejects_without_exp",
           "acceptance_probabilities"]

METROPOLIS = 0
HEAT_BATH = 1
#: Metropolis's acceptance of a tie (a move of beta Delta E = 0), 31/32 rather than the
#: textbook 1: see :func:`acceptance_probability`.
METROPOLIS_TIE = 0.96875
#: The samplers' names of the rules (``Metropolis.acceptance``, ``MultiSpin.acceptance``).
RULES = {"metropolis": METROPOLIS, "heat_bath": HEAT_BATH}


@njit
def acceptance_probability(rule, beta_delta_energy):
    """Probability of accepting a move that changes beta*E by ``beta_delta_energy``.

    Metropolis: min(1, exp(-x)) for x != 0 and ``METROPOLIS_TIE`` = 31/32 at x = 0; heat
    bath (Glauber): 1 / (1 + exp(x)). Both satisfy detailed balance p(x) / p(-x) =
    exp(-x) (a tie is its own reverse, so any probability of it keeps balance). Accepting
    every tie (the textbook min(1, 1)) makes a fixed-order sweep deterministic at beta = 0
    (every variable flips) and on moves that recur along the sweep (a domain wall on a
    periodic chain rides the sweep round the ring): the chain is then not ergodic. Any
    probability below 1 restores ergodicity; the closer to 1, the faster a walk crosses the
    plateaus of level moves that +-J glasses are full of: annealed 3D +-J glasses end
    measurably higher with ties at 1/2 than with every tie accepted, and not with 31/32
    (``benchmarks/bench_anneal.py --only-quality``).
    """
    if rule == METROPOLIS:
        if beta_delta_energy < 0.0:
            return 1.0
        return METROPOLIS_TIE if beta_delta_energy == 0.0 else np.exp(-beta_delta_energy)
    return sigmoid(-beta_delta_energy)


@njit
def accept(rule, beta_delta_energy, rng):
    """Draw the accept/reject decision (Metropolis skips the draw for downhill moves)."""
    if rule == METROPOLIS and beta_delta_energy < 0.0:
        return True
    u = uniform(rng)
    if rejects_without_exp(u, beta_delta_energy):
        return False
    return u < acceptance_probability(rule, beta_delta_energy)


@njit
def rejects_without_exp(u, beta_delta_energy):
    """True only where ``u >= acceptance_probability(rule, beta_delta_energy)`` under both
    rules, decided without an exp: e^x >= 1 + x + x^2 / 2 for x >= 0, so u (1 + x + x^2 / 2) >= 1
    means u >= e^-x (> heat bath's 1 / (1 + e^x)). From x = 1/64 on, the bound is below 1 by
    more than 6e-7 relative, far beyond the rounding of either side, so ``accept`` makes the
    same decision from the same draw as the exact comparison. Most uphill moves at low
    temperature end here."""
    x = beta_delta_energy
    return x >= 0.015625 and u * (1.0 + x * (1.0 + 0.5 * x)) >= 1.0


@njit
def acceptance_probabilities(rule, beta_delta_energy, out):
    for c in range(out.size):
        out[c] = acceptance_probability(rule, beta_delta_energy[c])
