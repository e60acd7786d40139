"""Compressors: each declares omega (unbiased) or alpha (contractive), D_Q, density and bits.

Registered: identity, randk, coordinated_randk (basic); topk, unscaled_randk (sparsifiers);
natural, qsgd, scaled_sign (quantizers); permk.
"""
from . import basic, permk, quantizers, sparsifiers  # noqa: F401  (registration)
from .base import CompressorSpec

__all__ = ["CompressorSpec"]
