"""Sampler configurations: frozen, hashable settings that say *how* to move.

``sampler.plan(hamiltonian, n_chains)`` asks the engine table
(:data:`statmech.mc.engines.ENGINE_TABLE`) which engine runs the model and checks that it
can; ``sampler.engine(hamiltonian, states, betas, seed_sequence)`` builds it on initial
states. The chain state and the kernels are the engines' (:mod:`statmech.mc.engines`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import engines
from .acceptance import RULES

__all__ = ["Metropolis", "HeatBath", "MultiSpin", "Wolff", "SwendsenWang", "BlockGibbs"]


class _Sampler:
    """What every sampler configuration shares: its ``family`` (the column of the engine
    table that serves it), ``plan`` (which engine runs a model, decided before any chain
    state exists, so that drivers can check memory first) and ``engine`` (that engine on
    initial states)."""

    family: str

    def plan(self, hamiltonian, n_chains, *, path=False):
        """The :class:`~statmech.mc.engines.EnginePlan` for ``n_chains`` chains on
        ``hamiltonian``, or a TypeError/ValueError saying why this sampler cannot run it;
        with ``path=True`` one that can follow a path of models (``set_hamiltonian``: AIS
        from a base, learning), so no layout tied to one model is chosen automatically."""
        return engines.select(self, hamiltonian, n_chains, path=path)

    def engine(self, hamiltonian, states, betas, seed_sequence, *, path=False):
        """The chain state of ``states`` (n_chains, n) at ``betas`` on ``hamiltonian``."""
        return self.plan(hamiltonian, len(states), path=path).build(hamiltonian, states, betas, seed_sequence)

    @property
    def rule(self):
        """The acceptance rule as the kernels take it (``statmech.mc.acceptance``)."""
        return RULES[self.acceptance]


@dataclass(frozen=True)
class Metropolis(_Sampler):
    """Single-variable Metropolis updates, accepted with min(1, exp(-beta Delta E)).

    One sweep visits the variables in order 0..n-1 (each update obeys detailed balance;
    the sweep leaves the Boltzmann distribution stationary). Pairwise models keep local
    fields up to date incrementally; a square-lattice Ising model (its ``geometry``, ``J``
    and ``h``) is swept in checkerboard order; any other Hamiltonian goes through its own
    ``delta_energy`` (slow; warns once).

    A move of Delta E = 0 is accepted with probability 31/32
    (:data:`~statmech.mc.acceptance.METROPOLIS_TIE`), not 1 as in the textbook rule: with
    every tie accepted, a fixed-order sweep is deterministic at beta = 0 (every variable
    flips) and carries a domain wall of a periodic chain round the ring, so that the chain
    never reaches the Boltzmann distribution (on the 16-spin ring at beta = 0.5 it gave
    <E> = -0.54 for the exact -7.39). Any tie probability below 1 keeps detailed balance
    and ergodicity; close to 1, walks cross the plateaus of level moves of +-J glasses
    nearly as fast as with every tie accepted, which annealing needs. Close to beta = 0
    nearly every move is accepted and the chain mixes slowly; :class:`HeatBath`, the
    sampling drivers' default, does not have that problem.

    Parameters
    ----------
    checkerboard : bool or None
        None: checkerboard sweeps when the model offers them and its rows have at least
        32 sites (shorter rows run faster through the general kernel); True: require
        them; False: never.
    lanes : bool or None
        Update 32 chains at once as SIMD lanes (the same sweep, with a vectorised exp
        and branch-free flips; faster per chain on sparse models: ``benchmarks/``).
        None: for sparse couplings when there are at least 32 chains; True: for any pairwise model
        (dense couplings cost O(n) per variable per chain then, flipped or not); False:
        never. Either way a seed gives the same result for any thread count; the
        random numbers are drawn differently, so lanes on and off give different
        (equally valid) chains.
    precision : {"float64", "float32"}
        Precision of the coupling rows and local fields of the pairwise kernel (float32
        halves the memory each accepted flip streams: dense models anneal faster). The
        fields then carry float32 rounding (relative ~1e-6) into the energy changes along
        the run; the energies each ``sample`` chunk ends with, and the final and best
        energies of ``anneal``, are recomputed exactly in float64. Only for the pairwise
        kernel.
    multispin : bool or None
        Run 64 chains in the bits of each word (:class:`MultiSpin`, with this acceptance
        rule). None: when the model qualifies (spins, z <= 7 neighbours each, couplings
        +-J, uniform field), the other two options are None and there are enough chains
        (the engine table, :data:`statmech.mc.engines.ENGINE_TABLE`); True: require it;
        False: never.

    References
    ----------
    N. Metropolis, A. W. Rosenbluth, M. N. Rosenbluth, A. H. Teller and E. Teller,
    J. Chem. Phys. 21, 1087 (1953).
    """

    checkerboard: Optional[bool] = None
    lanes: Optional[bool] = None
    multispin: Optional[bool] = None
    precision: str = "float64"
    family = "single-flip"
    acceptance = "metropolis"

    def __post_init__(self):
        for name in ("checkerboard", "lanes", "multispin"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be True, False or None; got {type(value).__name__} {value!r}")
        if sum(bool(getattr(self, name)) for name in ("checkerboard", "lanes", "multispin")) > 1:
            raise ValueError(f"checkerboard, lanes and multispin exclude each other; choose one "
                             f"(got {self!r})")
        if self.precision not in ("float64", "float32"):
            raise ValueError(f"precision must be 'float64' or 'float32'; got {self.precision!r}")
        if self.precision == "float32" and (self.checkerboard or self.lanes or self.multispin):
            raise ValueError("precision='float32' is for the pairwise kernel's coupling rows; it excludes "
                             "checkerboard, lanes and multispin")


@dataclass(frozen=True)
class HeatBath(Metropolis):
    """Single-variable heat-bath (Glauber) updates: flip with probability 1 / (1 + exp(beta Delta E)).

    References
    ----------
    R. J. Glauber, J. Math. Phys. 4, 294 (1963).
    """

    acceptance = "heat_bath"


@dataclass(frozen=True)
class MultiSpin(_Sampler):
    """Multi-spin coded single-flip sweeps: 64 chains in the bits of each 64-bit word.

    For spin models whose variables all have the same number z <= 7 of neighbours, whose
    couplings are all +J or -J (one magnitude) and whose field is uniform: square and
    cubic Ising ferromagnets, +-J Edwards-Anderson glasses, with or without a field.
    Chain c is bit c % 64 of word c // 64 at every site. One sweep visits sites 0..n-1 as
    :class:`Metropolis` does; at each site the bonds of all 64 chains are compared with
    XOR, their unsatisfied bonds counted in bit-sliced adders, and each chain's flip drawn
    with the acceptance probability of its own energy change and beta (``acceptance``, the
    same rule as Metropolis or HeatBath). The flips are drawn per chain, not shared: the
    uniform of chain l is built bit by bit from bit l of successive random words and compared
    with the chain's acceptance probability digit by digit, stopping when every chain is
    decided, about log2(64) + 2 words per site for 64 chains; p is used to 53 binary
    digits, as with 53-bit uniforms. Without a field only moves with u <= z / 2 unsatisfied
    bonds are drawn: Metropolis accepts the others (downhill) outright (at beta = 0, where
    every move is a tie, it draws every class), and heat bath draws
    a move with u > z / 2 with the probability of its mirror image z - u (energy change
    -dE) and flips on a no, since its own probability is 1 minus the mirror's.
    So every chain is an independent Markov chain with the Boltzmann distribution of its
    beta, and error bars over chains are those of independent chains. Each word has its own
    random stream: a seed gives the same chains for any number of threads (words run in
    parallel). From four words (256 chains) on, words go four at a time through one SIMD
    sweep (the last group padded with idle words), each drawing from its own stream what it
    would draw alone: the chains do not depend on the grouping.

    ``statmech.sample``, ``anneal`` and ``parallel_tempering`` choose it for Metropolis and
    HeatBath (``multispin=None``) when the model qualifies and there are enough chains
    (:data:`statmech.mc.engines.ENGINE_TABLE`); ``Metropolis(multispin=False)`` opts out.

    Parameters
    ----------
    acceptance : {"heat_bath", "metropolis"}
        Heat bath 1 / (1 + exp(beta dE)), or Metropolis min(1, exp(-beta dE)) with ties
        accepted with probability 31/32 (see :class:`Metropolis`).

    References
    ----------
    L. Jacobs and C. Rebbi, J. Comput. Phys. 41, 203 (1981) (multi-spin coding);
    G. Bhanot, D. Duke and R. Salvador, J. Stat. Phys. 44, 985 (1986) (independent systems
    in the bits of a word); H. Watanabe, S. Morita, S. Todo and N. Kawashima (2019), fast
    algorithms for random bit strings (the finite-digit method, here evaluated lazily, lane
    by lane).
    """

    family = "multispin"
    acceptance: str = "heat_bath"

    def __post_init__(self):
        if self.acceptance not in RULES:
            raise ValueError(f"acceptance must be one of {sorted(RULES)}; got {self.acceptance!r}")


@dataclass(frozen=True)
class Wolff(_Sampler):
    """Wolff single-cluster updates of zero-field Ising ferromagnets (J_ij >= 0).

    One "sweep" is one cluster flip. Rejects other models with a clear error.

    References
    ----------
    U. Wolff, Phys. Rev. Lett. 62, 361 (1989).
    """

    family = "cluster"
    algorithm = "wolff"


@dataclass(frozen=True)
class SwendsenWang(_Sampler):
    """Swendsen-Wang cluster sweeps of zero-field Ising ferromagnets (J_ij >= 0).

    References
    ----------
    R. H. Swendsen and J.-S. Wang, Phys. Rev. Lett. 58, 86 (1987).
    """

    family = "cluster"
    algorithm = "swendsen-wang"


@dataclass(frozen=True)
class BlockGibbs(_Sampler):
    """Block Gibbs sampling of bipartite models: h ~ p(h | v), then v ~ p(v | h).

    Uses the model's own conditionals (matrix products over all chains at once).
    """

    family = "block-gibbs"
