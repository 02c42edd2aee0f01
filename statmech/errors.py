"""Exceptions that need handling of their own.

Wrong types and values raise the built-in ``TypeError`` and ``ValueError``; the
classes here mark failures a caller may want to catch specifically.
"""

__all__ = ["StatmechError", "EnumerationTooLarge", "StatmechWarning", "SlowPathWarning"]


class StatmechError(Exception):
    """Base class of statmech's own exceptions."""


class EnumerationTooLarge(StatmechError, ValueError):
    """Exact enumeration was asked for more states than it can visit in reasonable time."""


class StatmechWarning(UserWarning):
    """Base class of statmech's warnings."""


class SlowPathWarning(StatmechWarning):
    """A Hamiltonian without a fast kernel is evaluated through its Python ``energy``."""
