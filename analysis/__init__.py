"""What results mean: closed-form references, landscapes, scaling (``statmech.analysis``)."""
from . import exact_results

__all__ = ["exact_results"]
