"""Spin glasses: Sherrington-Kirkpatrick, Edwards-Anderson, p-spin and the random energy model."""
from __future__ import annotations

from itertools import combinations
from math import comb, factorial
from typing import TYPE_CHECKING

import numpy as np

from statmech import Hamiltonian, PairwiseHamiltonian
from statmech.lattice import Lattice
from statmech.validation import as_generator, as_int

from ._lattice import couplings_from_edges

if TYPE_CHECKING:
    from statmech.typing import ArrayLike, Seed

__all__ = ["SherringtonKirkpatrick", "EdwardsAnderson", "PSpin", "RandomEnergyModel"]


class SherringtonKirkpatrick(PairwiseHamiltonian):
    """SK spin glass E(s) = -sum_{i<j} J_ij s_i s_j with J_ij ~ N(0, 1/n) i.i.d.

    With this scaling the ground-state energy per spin tends to Parisi's
    -0.7631667 and the annealed average E_J[Z] = 2^n exp(beta^2 (n - 1) / 4).

    Parameters
    ----------
    n : int
    seed : int, SeedSequence, Generator or None

    References
    ----------
    D. Sherrington and S. Kirkpatrick, Phys. Rev. Lett. 35, 1792 (1975).
    """

    def __init__(self, n: int, seed: Seed | None = None) -> None:
        n = as_int(n, "n", minimum=1)
        rng = as_generator(seed)
        upper = np.triu(rng.normal(0.0, 1.0 / np.sqrt(n), size=(n, n)), k=1)
        super().__init__(upper + upper.T)

    def __repr__(self):
        return f"SherringtonKirkpatrick(n={self.n})"


class EdwardsAnderson(PairwiseHamiltonian):
    """Edwards-Anderson spin glass E(s) = -sum_<ij> J_ij s_i s_j on a hypercubic lattice.

    J_ij ~ N(0, 1) (``couplings="gaussian"``) or +-1 with equal probability
    (``couplings="pm1"``), i.i.d. per bond. Build with :meth:`square` or :meth:`cubic`.

    Attributes
    ----------
    geometry : statmech.lattice.Lattice
        The lattice the spins sit on.
    edges : ndarray of shape (n_edges, 2)
        The lattice's bonds, in the order of ``bond_couplings``.
    bond_couplings : ndarray of shape (n_edges,)
    distribution : {"gaussian", "pm1"}

    References
    ----------
    S. F. Edwards and P. W. Anderson, J. Phys. F 5, 965 (1975).
    """

    values = ("geometry", "distribution", "edges", "bond_couplings")
    changed_model_hint = ", e.g. EdwardsAnderson.cubic(L, couplings=..., seed=...)"

    def __init__(self, shape: tuple, couplings: ArrayLike = "gaussian", seed: Seed | None = None,
                 periodic: bool = True) -> None:
        if couplings not in ("gaussian", "pm1"):
            raise ValueError(f"couplings must be 'gaussian' or 'pm1'; got {couplings!r}")
        rng = as_generator(seed)
        self.geometry, self.distribution = Lattice(tuple(shape), bool(periodic)), couplings
        self.edges = self.geometry.edges()
        m = self.edges.shape[0]
        self.bond_couplings = (rng.normal(size=m) if couplings == "gaussian"
                               else rng.choice([-1.0, 1.0], size=m))
        super().__init__(couplings_from_edges(self.geometry.n_sites, self.edges, self.bond_couplings))

    @classmethod
    def square(cls, L: int, couplings: ArrayLike = "gaussian", seed: Seed | None = None,
               periodic: bool = True) -> EdwardsAnderson:
        """The L x L square-lattice glass (``couplings``, ``seed`` and ``periodic`` as for the
        constructor)."""
        L = as_int(L, "L", minimum=1)
        return cls((L, L), couplings, seed, periodic)

    @classmethod
    def cubic(cls, L: int, couplings: ArrayLike = "gaussian", seed: Seed | None = None,
              periodic: bool = True) -> EdwardsAnderson:
        """The L x L x L cubic-lattice glass (``couplings``, ``seed`` and ``periodic`` as for
        the constructor)."""
        L = as_int(L, "L", minimum=1)
        return cls((L, L, L), couplings, seed, periodic)

    def __repr__(self):
        return f"EdwardsAnderson(shape={self.geometry.shape}, couplings={self.distribution!r})"


class PSpin(Hamiltonian):
    """Ising p-spin glass E(s) = -sum_{i1<...<ip} J_{i1..ip} s_i1 ... s_ip.

    J ~ N(0, p! / (2 n^(p-1))), so that Var E = n/2 * (1 + O(1/n)) as in the REM, which
    is the p -> infinity limit.

    References
    ----------
    B. Derrida, Phys. Rev. B 24, 2613 (1981); D. J. Gross and M. Mezard,
    Nucl. Phys. B 240, 431 (1984).
    """

    domain = "spin"
    values = ("n", "p", "terms", "couplings")
    changed_model_hint = ", e.g. PSpin(n, p, seed=...)"
    _TERMS_PER_PASS = 256

    def __init__(self, n: int, p: int = 3, seed: Seed | None = None) -> None:
        self.n = as_int(n, "n", minimum=1)
        self.p = as_int(p, "p", minimum=3)
        if self.p > self.n:
            raise ValueError(f"p must be <= n = {self.n}; got {self.p}")
        if comb(self.n, self.p) > 5_000_000:
            raise ValueError(f"a dense p-spin model with n = {self.n}, p = {self.p} has "
                             f"{comb(self.n, self.p)} couplings; at most 5e6 are supported")
        rng = as_generator(seed)
        self.terms = np.array(list(combinations(range(self.n), self.p)), dtype=np.int64)
        scale = np.sqrt(factorial(self.p) / (2.0 * self.n ** (self.p - 1)))
        self.couplings = rng.normal(0.0, scale, size=len(self.terms))

    def energy(self, states: ArrayLike) -> np.ndarray:
        states = self.check_states(states)
        total = np.zeros(states.shape[:-1])
        for start in range(0, len(self.terms), self._TERMS_PER_PASS):
            terms = self.terms[start:start + self._TERMS_PER_PASS]
            product = states[..., terms[:, 0]].copy()
            for k in range(1, self.p):
                product *= states[..., terms[:, k]]
            total -= product @ self.couplings[start:start + self._TERMS_PER_PASS]
        return total

    def __repr__(self):
        return f"PSpin(n={self.n}, p={self.p})"


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x):
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic): a bijective hash."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class RandomEnergyModel(Hamiltonian):
    """Derrida's random energy model: 2^n energies i.i.d. N(0, n/2).

    Energies are a deterministic hash of (seed, configuration), so a model with
    n = 64 needs no 2^64 table; for n <= 20 the same values are also kept in a table.
    The transition at beta_c = 2 sqrt(ln 2) freezes the system into its lowest states.

    References
    ----------
    B. Derrida, Phys. Rev. Lett. 45, 79 (1980); Phys. Rev. B 24, 2613 (1981).
    """

    domain = "spin"
    values = ("n", "key", "_table")
    changed_model_hint = ", e.g. RandomEnergyModel(n, seed=...)"
    TABLE_MAX_N = 20

    def __init__(self, n: int, seed: Seed | None = None) -> None:
        self.n = as_int(n, "n", minimum=1)
        self.key = np.uint64(as_generator(seed).integers(0, 2 ** 63))
        table = None
        if self.n <= self.TABLE_MAX_N:
            codes = np.arange(2 ** self.n, dtype=np.uint64)[:, None]
            table = self._hash_energy(codes)
        self._table = table

    def _words(self, states):
        """Configuration bits packed into uint64 words: shape (..., ceil(n / 64))."""
        bits = (states > 0).astype(np.uint64)
        n_words = -(-self.n // 64)
        padded = np.zeros(states.shape[:-1] + (n_words * 64,), np.uint64)
        padded[..., :self.n] = bits
        padded = padded.reshape(states.shape[:-1] + (n_words, 64))
        return (padded << np.arange(64, dtype=np.uint64)).sum(axis=-1, dtype=np.uint64)

    def _hash_energy(self, words):
        h = np.full(words.shape[:-1], self.key, np.uint64)
        for k in range(words.shape[-1]):
            h = _splitmix64(h ^ words[..., k])
        u1 = ((_splitmix64(h) >> np.uint64(11)).astype(np.float64) + 1.0) * 2.0 ** -53
        u2 = (_splitmix64(h ^ _GOLDEN) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        normal = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
        return np.sqrt(self.n / 2.0) * normal

    def energy(self, states: ArrayLike) -> np.ndarray:
        words = self._words(self.check_states(states))
        if self._table is not None:
            return self._table[words[..., 0].astype(np.int64)]
        return self._hash_energy(words)

    def __repr__(self):
        return f"RandomEnergyModel(n={self.n})"
