"""Inverse-temperature schedules: one validated sequence of betas serves annealing,
parallel tempering and (later) annealed importance sampling.

Constructors take ``start`` and ``stop`` in beta; pass ``temperature=True`` to give
them as temperatures T = 1/beta (spacing is then linear or geometric in T).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .validation import as_beta, as_float, as_int

if TYPE_CHECKING:
    from typing_extensions import Self

    from statmech.typing import ArrayLike

__all__ = ["Schedule", "constant", "linear", "geometric", "logarithmic", "from_array"]


class Schedule:
    """A finite sequence of inverse temperatures, each finite and >= 0.

    Array-like: ``np.asarray(schedule)``, ``len``, indexing and iteration give the betas.

    Attributes
    ----------
    betas : ndarray of shape (k,), read-only
    """

    def __init__(self, betas: ArrayLike) -> None:
        betas, _ = as_beta(betas, "schedule")
        betas = betas.copy()
        betas.flags.writeable = False
        self.betas = betas

    @property
    def temperatures(self) -> np.ndarray:
        """T = 1 / beta (inf where beta = 0)."""
        with np.errstate(divide="ignore"):
            return 1.0 / self.betas

    def is_increasing(self, strict: bool = False) -> bool:
        """Whether the betas never decrease (``strict``: always increase)."""
        steps = np.diff(self.betas)
        return bool(np.all(steps > 0) if strict else np.all(steps >= 0))

    def require_increasing(self, name: str = "schedule", strict: bool = False) -> Self:
        """Raise ValueError naming the first step where beta decreases."""
        if not self.is_increasing(strict):
            steps = np.diff(self.betas)
            k = int(np.flatnonzero(steps <= 0 if strict else steps < 0)[0])
            relation = "strictly increasing" if strict else "non-decreasing"
            raise ValueError(f"{name} must be {relation} in beta; got beta[{k}] = {self.betas[k]:.6g} "
                             f"then beta[{k + 1}] = {self.betas[k + 1]:.6g}")
        return self

    def __array__(self, dtype=None, copy=None):
        return self.betas if dtype is None else self.betas.astype(dtype)

    def __len__(self):
        return self.betas.size

    def __getitem__(self, index):
        return self.betas[index]

    def __iter__(self):
        return iter(self.betas)

    def __repr__(self):
        return f"Schedule({self.betas.size} betas from {self.betas[0]:.4g} to {self.betas[-1]:.4g})"


def as_schedule(schedule: Schedule | ArrayLike, name: str = "schedule") -> Schedule:
    """A Schedule from a Schedule or any array-like of betas (validated)."""
    if isinstance(schedule, Schedule):
        return schedule
    betas, _ = as_beta(schedule, name)
    return Schedule(betas)


def _endpoints(start, stop, n, temperature):
    n = as_int(n, "n", minimum=1)
    minimum = 0.0
    start = as_float(start, "start", minimum=minimum, allow_equal=not temperature)
    stop = as_float(stop, "stop", minimum=minimum, allow_equal=not temperature)
    return start, stop, n


def constant(beta: float, n: int) -> Schedule:
    """``n`` repetitions of one beta."""
    beta = as_float(beta, "beta", minimum=0.0)
    return Schedule(np.full(as_int(n, "n", minimum=1), beta))


def linear(start: float, stop: float, n: int, temperature: bool = False) -> Schedule:
    """n betas evenly spaced from start to stop (in T when temperature=True)."""
    start, stop, n = _endpoints(start, stop, n, temperature)
    values = np.linspace(start, stop, n)
    return Schedule(1.0 / values if temperature else values)


def geometric(start: float, stop: float, n: int, temperature: bool = False) -> Schedule:
    """n betas in geometric progression from start to stop, both > 0 (in T when temperature=True)."""
    start, stop, n = _endpoints(start, stop, n, temperature)
    if start == 0 or stop == 0:
        raise ValueError(f"geometric schedules need start and stop > 0; got start={start}, stop={stop}")
    values = np.full(n, start) if start == stop else np.geomspace(start, stop, n)
    values = (np.maximum if stop > start else np.minimum).accumulate(values)     # no step back by rounding
    return Schedule(1.0 / values if temperature else values)


def logarithmic(start: float, stop: float, n: int) -> Schedule:
    """beta_k = start + (stop - start) ln(1 + k) / ln(n), k = 0..n-1: fast at first, then slow.

    The shape of Geman & Geman's cooling T_k = c / ln(1 + k), rescaled to end at ``stop``.
    """
    start, stop, n = _endpoints(start, stop, n, False)
    if n == 1:
        return Schedule([stop])
    k = np.arange(n)
    return Schedule(start + (stop - start) * np.log1p(k) / np.log(n))


def from_array(betas: ArrayLike) -> Schedule:
    """A schedule from any 1-d array of betas (validated: finite, >= 0)."""
    return Schedule(betas)
