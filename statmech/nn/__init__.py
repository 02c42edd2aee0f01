"""Feed-forward networks as unrolled mean-field dynamics.

``unroll(hamiltonian, beta, steps=..., method=...)`` turns iterations of a naive or TAP
mean-field solver into an :class:`MLP` whose layers are the solver's updates (weights
tied across layers, optionally untied), with hand-written backprop and ``fit``;
``optim`` holds the first-order optimisers they and Boltzmann learning share.
"""
from .network import MLP, Layer
from .optim import SGD, Adam, make_optimizer
from .unroll import unroll

__all__ = ["MLP", "Layer", "unroll", "SGD", "Adam", "make_optimizer"]
