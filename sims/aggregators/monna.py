r"""MoNNA (Farhadkhani, Guerraoui, Gupta, Hoang, Pinot, Stephan, "Robust Collaborative Learning
with Linear Gradient Overhead", ICML 2023): the mean of the n - f inputs nearest to a trusted one.

.. math:: \mathrm{MoNNA}(x) = \frac{1}{n-f}\sum_{j \in N_t} x_j,

N_t = the n - f inputs closest to x_t (itself included; ties: lower index).  In the paper each
honest node trusts its own vector; at a server we trust input ``trusted`` (default 0, an honest
worker since honest workers come first).  Cost O(n d).  Its guarantee is relative to the trusted
input, not the (f, kappa) inequality over every S: none declared.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..params import Integer, param, require
from ..registry import register
from .base import AggregatorSpec, require_workers
from .geometry import mean_of_rows, row_norms, smallest


@register("aggregator", "monna")
@dataclass(frozen=True)
class MoNNA(AggregatorSpec):
    """Mean of the n - f nearest neighbours of the trusted input."""

    trusted: int = param(0, Integer(0, None), "index of the trusted input (honest workers come first)")

    kappa_provenance = "guarantee relative to a trusted honest input; no (f, kappa) constant"

    def check_counts(self, n, f):
        require_workers(self, n, f)
        require(self.trusted < n, "aggregator.trusted", self.trusted, f"must be < the number of inputs n = {n}")

    def aggregate(self, x, *, f, state=None, streams=None):
        n = x.shape[1]
        self.check_counts(n, f)
        dist = row_norms(x - x[:, self.trusted : self.trusted + 1, :])
        return mean_of_rows(x, smallest(dist, n - f)), state
