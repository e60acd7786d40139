"""Attacks: omniscient functions of the honest messages and a read-only context.

Registered: none, sign_flip, alie (basic); ipm, large_norm, gaussian (scaling); mimic; label_flip,
shift_back (oracle); opt_alie, opt_ipm (optimized).
"""
from . import basic, mimic, optimized, oracle, scaling  # noqa: F401  (registration)
from .base import AttackContext, AttackSpec

__all__ = ["AttackContext", "AttackSpec"]
