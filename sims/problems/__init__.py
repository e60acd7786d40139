"""Problems with known constants: quadratics (exact L, mu, G, B, sigma), logistic regression
(synthetic and scikit-learn's bundled data), a small CNN on digits (estimated constants), each a
registered spec that builds a runtime problem."""
from . import cnn, least_squares, logistic, plateau, quadratic, zero_chain  # noqa: F401  (registration)
from .base import Constants, Problem

__all__ = ["Constants", "Problem"]
