"""Aggregators and pre-aggregators, each declaring its (f, kappa)-robustness where theory gives one.

Registered aggregators: mean, cwmed, cwtm, meamed (coordinatewise), gm, rfa (geometric), krum,
multi_krum (krum), bulyan, cclip (clipping), mda, smea (subsets), monna, caf.  Pre-aggregators
(pre): nnm, bucketing, clip, arc; a :class:`Chain` composes them with any aggregator.
"""
from . import bulyan, caf, clipping, coordinatewise, geometric, krum, monna, pre, subsets  # noqa: F401  (registration)
from .base import AggregatorSpec, Chain, PreAggregatorSpec, compositions

__all__ = ["AggregatorSpec", "Chain", "PreAggregatorSpec", "compositions"]
