"""Learning (``statmech.learning``): Boltzmann learning of RBMs by sampling (CD, PCD), by
mean field / TAP (EMF) and exactly; likelihoods; the scikit-learn estimators
(BernoulliRBM, GaussianBernoulliRBM, ClassificationRBM); inverse Ising.

See ``statmech.learning._gradients`` for the gradient and its model-term estimators. The
estimators are scikit-learn estimators and import scikit-learn, which takes most of a
second: they load on first use, so ``import statmech`` does not pay for them.
"""
from typing import TYPE_CHECKING, Any

from ._gradients import METHODS, ModelTerm, data_statistics, exact_statistics, gradient, tap_statistics
from ._likelihood import LogLikelihood, base_rate_rbm, free_energy, log_likelihood, pseudo_log_likelihood
from ._boltzmann import BoltzmannResult, boltzmann_learning
from ._inverse_ising import InverseIsingResult, coupling_error, inverse_ising

if TYPE_CHECKING:
    from ._classification import ClassificationRBM
    from ._rbm import BernoulliRBM, GaussianBernoulliRBM

_ESTIMATORS = {"BernoulliRBM": "_rbm", "GaussianBernoulliRBM": "_rbm", "ClassificationRBM": "_classification"}


def __getattr__(name: str) -> Any:
    if name in _ESTIMATORS:
        from importlib import import_module
        value = getattr(import_module(f"{__name__}.{_ESTIMATORS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "ClassificationRBM", "boltzmann_learning", "BoltzmannResult",
           "log_likelihood", "pseudo_log_likelihood", "LogLikelihood", "free_energy",
           "base_rate_rbm", "gradient", "data_statistics", "exact_statistics", "tap_statistics", "ModelTerm",
           "METHODS", "inverse_ising", "InverseIsingResult", "coupling_error"]
