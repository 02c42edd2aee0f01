"""The Hopfield network: Hebbian couplings storing patterns as energy minima."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from statmech import PairwiseHamiltonian
from statmech.validation import as_states

if TYPE_CHECKING:
    from statmech.typing import ArrayLike

__all__ = ["Hopfield"]


class Hopfield(PairwiseHamiltonian):
    """Hopfield net E(s) = -1/2 s^T J s with Hebb's rule J = xi^T xi / n, zero diagonal.

    Parameters
    ----------
    patterns : array_like of shape (n_patterns, n), values +-1

    References
    ----------
    J. J. Hopfield, PNAS 79, 2554 (1982); D. J. Amit, H. Gutfreund and
    H. Sompolinsky, Phys. Rev. Lett. 55, 1530 (1985).
    """

    values = ("patterns",)
    changed_model_hint = ", e.g. Hopfield(new_patterns)"

    def __init__(self, patterns: ArrayLike) -> None:
        patterns = np.asarray(patterns)
        if patterns.ndim != 2 or patterns.shape[0] < 1:
            raise ValueError(f"patterns must have shape (n_patterns, n); got {patterns.shape}")
        self.patterns = as_states(patterns, patterns.shape[1], "spin", "patterns")
        xi = self.patterns.astype(np.float64)
        couplings = xi.T @ xi / xi.shape[1]
        np.fill_diagonal(couplings, 0.0)
        super().__init__(couplings)

    def overlaps(self, states: ArrayLike) -> np.ndarray:
        """Overlaps m_mu = xi_mu . s / n with each pattern: ndarray of shape (..., n_patterns)."""
        return self.check_states(states).astype(np.float64) @ self.patterns.T / self.n

    def __repr__(self):
        return f"Hopfield(n={self.n}, n_patterns={self.patterns.shape[0]})"
