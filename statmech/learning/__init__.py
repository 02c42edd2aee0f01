"""Learning (``statmech.learning``): Boltzmann learning of RBMs by sampling (CD, PCD), by
mean field / TAP (EMF) and exactly; likelihoods; the BernoulliRBM estimator; inverse Ising.

See ``statmech.learning._gradients`` for the gradient and its model-term estimators.
"""
from ._gradients import METHODS, ModelTerm, data_statistics, exact_statistics, gradient, tap_statistics
from ._likelihood import LogLikelihood, base_rate_rbm, free_energy, log_likelihood, pseudo_log_likelihood
from ._boltzmann import BoltzmannResult, boltzmann_learning
from ._classification import ClassificationRBM
from ._inverse_ising import InverseIsingResult, coupling_error, inverse_ising
from ._rbm import BernoulliRBM, GaussianBernoulliRBM

__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "ClassificationRBM", "boltzmann_learning", "BoltzmannResult",
           "log_likelihood", "pseudo_log_likelihood", "LogLikelihood", "free_energy",
           "base_rate_rbm", "gradient", "data_statistics", "exact_statistics", "tap_statistics", "ModelTerm",
           "METHODS", "inverse_ising", "InverseIsingResult", "coupling_error"]
