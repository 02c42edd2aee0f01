"""Hypothesis strategies drawing random small instances of every model (requires ``hypothesis``).

>>> from statmech.models.strategies import models
>>> # @given(models(max_n=8)) def test_something(hamiltonian): ...
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from statmech.testing.strategies import seeds

from .hopfield import Hopfield
from .ising import CurieWeiss, Ising
from .rbm import RBM
from .spin_glass import EdwardsAnderson, PSpin, RandomEnergyModel, SherringtonKirkpatrick

__all__ = ["ising_models", "curie_weiss_models", "sk_models", "ea_models", "pspin_models",
           "rem_models", "hopfield_models", "rbm_models", "models"]

_fields = st.floats(-1.0, 1.0, allow_nan=False)
_couplings = st.floats(-2.0, 2.0, allow_nan=False)


@st.composite
def ising_models(draw: Any, max_n: int = 9) -> Any:
    kind = draw(st.sampled_from(["chain", "square", "graph"]))
    J, h, periodic = draw(_couplings), draw(_fields), draw(st.booleans())
    if kind == "chain":
        return Ising.chain(draw(st.integers(2, max_n)), J, h, periodic)
    if kind == "square":
        side = max(2, int(np.sqrt(max_n)))
        return Ising.lattice((draw(st.integers(2, side)), draw(st.integers(1, side))), J, h, periodic)
    n = draw(st.integers(2, max_n))
    rng = np.random.default_rng(draw(seeds))
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    edges = pairs[rng.random(len(pairs)) < 0.5]
    return Ising.from_graph(edges, rng.normal(size=len(edges)), n=n, h=h)


@st.composite
def curie_weiss_models(draw: Any, max_n: int = 9) -> Any:
    return CurieWeiss(draw(st.integers(1, max_n)), draw(_couplings), draw(_fields))


@st.composite
def sk_models(draw: Any, max_n: int = 9) -> Any:
    return SherringtonKirkpatrick(draw(st.integers(2, max_n)), seed=draw(seeds))


@st.composite
def ea_models(draw: Any, max_n: int = 9) -> Any:
    side = max(2, int(np.sqrt(max_n)))
    return EdwardsAnderson((draw(st.integers(2, side)), draw(st.integers(2, side))),
                           draw(st.sampled_from(["gaussian", "pm1"])), seed=draw(seeds),
                           periodic=draw(st.booleans()))


@st.composite
def pspin_models(draw: Any, max_n: int = 9) -> Any:
    n = draw(st.integers(3, max(3, max_n)))
    return PSpin(n, draw(st.integers(3, min(n, 4))), seed=draw(seeds))


@st.composite
def rem_models(draw: Any, max_n: int = 9) -> Any:
    return RandomEnergyModel(draw(st.integers(1, max_n)), seed=draw(seeds))


@st.composite
def hopfield_models(draw: Any, max_n: int = 9) -> Any:
    n = draw(st.integers(2, max_n))
    rng = np.random.default_rng(draw(seeds))
    return Hopfield(rng.choice([-1, 1], size=(draw(st.integers(1, 3)), n)))


@st.composite
def rbm_models(draw: Any, max_n: int = 9) -> Any:
    n_visible = draw(st.integers(1, max_n - 1))
    n_hidden = draw(st.integers(1, max(1, min(max_n - n_visible, 6))))
    return RBM.random(n_visible, n_hidden, scale=draw(st.sampled_from([0.1, 1.0])),
                      seed=draw(seeds), bias_scale=0.5)


def models(max_n: int = 9) -> Any:
    """Any model of the package with at most ``max_n`` variables."""
    return st.one_of([strategy(max_n=max_n) for strategy in (
        ising_models, curie_weiss_models, sk_models, ea_models, pspin_models, rem_models,
        hopfield_models, rbm_models)])
