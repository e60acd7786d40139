"""Aggregators and pre-aggregators, each declaring its (f, kappa)-robustness where theory gives one."""
from . import coordinatewise  # noqa: F401  (registration)
from .base import AggregatorSpec, Chain, PreAggregatorSpec

__all__ = ["AggregatorSpec", "Chain", "PreAggregatorSpec"]
