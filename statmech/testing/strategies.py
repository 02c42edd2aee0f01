"""Hypothesis strategies for random small core Hamiltonians (requires ``hypothesis``).

Concrete models have theirs in :mod:`statmech.models.strategies`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st

from ..hamiltonian import BipartiteHamiltonian, PairwiseHamiltonian

__all__ = ["seeds", "domains", "pairwise_hamiltonians", "bipartite_hamiltonians"]

seeds = st.integers(min_value=0, max_value=2 ** 32 - 1)
domains = st.sampled_from(["spin", "binary"])


@st.composite
def pairwise_hamiltonians(draw: Any, min_n: int = 1, max_n: int = 8, domain: str | None = None,
                          sparse: bool | None = None, scale: float = 1.0) -> Any:
    """PairwiseHamiltonian with Gaussian couplings of std ``scale`` on a random graph,
    Gaussian fields and offset; dense or sparse couplings."""
    n = draw(st.integers(min_n, max_n))
    rng = np.random.default_rng(draw(seeds))
    density = draw(st.sampled_from([0.3, 1.0]))
    upper = np.triu(rng.normal(0, scale, (n, n)) * (rng.random((n, n)) < density), k=1)
    couplings = upper + upper.T
    if sparse if sparse is not None else draw(st.booleans()):
        couplings = sp.csr_matrix(couplings)
    fields = rng.normal(0, scale, n) * draw(st.sampled_from([0.0, 1.0]))
    return PairwiseHamiltonian(couplings, fields, float(rng.normal()),
                               domain or draw(domains))


@st.composite
def bipartite_hamiltonians(draw: Any, max_visible: int = 7, max_hidden: int = 6, domain: str | None = None,
                           scale: float = 1.0, unit_types: bool = False) -> Any:
    """BipartiteHamiltonian with Gaussian weights and biases of std ``scale``.

    With ``unit_types=True`` each layer's unit type is drawn too, among the pairs with
    exact thermodynamics (a binary or spin layer, or two Gaussian layers, whose weights
    are then scaled to a largest singular value <= 0.9 so that the model is normalisable).
    """
    n_visible = draw(st.integers(1, max_visible))
    n_hidden = draw(st.integers(1, max_hidden))
    rng = np.random.default_rng(draw(seeds))
    weights = rng.normal(0, scale, (n_visible, n_hidden))
    biases = rng.normal(0, scale, n_visible), rng.normal(0, scale, n_hidden)
    if not unit_types:
        return BipartiteHamiltonian(weights, *biases, float(rng.normal()), domain or draw(domains))
    visible, hidden = draw(st.sampled_from(_SOLVABLE_PAIRS))
    if visible == hidden == "gaussian":
        weights *= min(1.0, 0.9 / np.linalg.norm(weights, 2))
    return BipartiteHamiltonian(weights, *biases, float(rng.normal()), visible=visible, hidden=hidden)


_UNITS = ("binary", "spin", "gaussian", "relu")
#: (visible, hidden) unit types with exact thermodynamics.
_SOLVABLE_PAIRS = [(v, h) for v in _UNITS for h in _UNITS
                   if v in ("binary", "spin") or h in ("binary", "spin") or v == h == "gaussian"]
