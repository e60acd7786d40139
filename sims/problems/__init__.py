"""Problems with known constants: quadratics (exact L, mu, G, B, sigma), logistic regression
(synthetic, scikit-learn's bundled data, one's own arrays; :class:`LabelledDataSpec` the base
of data-driven problems), a small CNN on digits (estimated constants), each a
registered spec that builds a runtime problem."""
from . import arrays, cnn, least_squares, logistic, plateau, quadratic, zero_chain  # noqa: F401  (registration)
from .base import Constants, Problem
from .logistic import LabelledDataSpec

__all__ = ["Constants", "LabelledDataSpec", "Problem"]
