"""Compressors: each declares omega (unbiased) or alpha (contractive), D_Q, density and bits."""
from . import basic  # noqa: F401  (registration)
from .base import CompressorSpec

__all__ = ["CompressorSpec"]
