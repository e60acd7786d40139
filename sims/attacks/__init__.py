"""Attacks: omniscient functions of the honest messages and a read-only context."""
from . import basic  # noqa: F401  (registration)
from .base import AttackContext, AttackSpec

__all__ = ["AttackContext", "AttackSpec"]
