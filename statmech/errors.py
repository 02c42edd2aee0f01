"""Exceptions that need handling of their own.

Wrong types and values raise the built-in ``TypeError`` and ``ValueError``; the
classes here mark failures a caller may want to catch specifically.
"""
from __future__ import annotations

from typing import Any

__all__ = ["StatmechError", "EnumerationTooLarge", "AutocorrelationError", "ConvergenceError",
           "StoreLockedError", "StatmechWarning", "SlowPathWarning", "ConvergenceWarning",
           "EffectiveSampleSizeWarning", "MemoryWarning", "DataWarning"]


class StatmechError(Exception):
    """Base class of statmech's own exceptions."""


class EnumerationTooLarge(StatmechError, ValueError):
    """Exact enumeration was asked for more states than it can visit in reasonable time."""


class AutocorrelationError(StatmechError, ValueError):
    """The series is too short for a reliable integrated autocorrelation time.

    Attributes
    ----------
    tau : float
        The estimate reached anyway (use with care).
    """

    def __init__(self, message: str, tau: float) -> None:
        super().__init__(message)
        self.tau = tau


class ConvergenceError(StatmechError, RuntimeError):
    """An iterative solver stopped before reaching its tolerance.

    Attributes
    ----------
    result : record
        The solver's record at its last iterate (``converged`` False).
    """

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class StoreLockedError(StatmechError, RuntimeError):
    """A study store is being written by another process (a store has one writer)."""


class StatmechWarning(UserWarning):
    """Base class of statmech's warnings."""


class SlowPathWarning(StatmechWarning):
    """A Hamiltonian without a fast kernel is evaluated through its Python ``energy``."""


class ConvergenceWarning(StatmechWarning):
    """An iterative solver stopped before reaching its tolerance (``on_failure="warn"``)."""


class EffectiveSampleSizeWarning(StatmechWarning):
    """Importance weights collapsed onto a few chains: the estimate's error bar, which
    assumes many effective samples, does not measure its error."""


class MemoryWarning(StatmechWarning):
    """A run needs more memory than the machine has available now (it may swap)."""


class DataWarning(StatmechWarning):
    """Data that do not look like what the model assumes (e.g. unstandardised real values
    for Gaussian units of unit variance)."""
