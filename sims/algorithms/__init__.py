"""Algorithms: one module per paper method, each reading as its pseudo-code."""
from . import robust_dgd, robust_dshb, robust_dsgd  # noqa: F401  (registration)
from .base import AlgorithmSpec, Setup, StepInfo

__all__ = ["AlgorithmSpec", "Setup", "StepInfo"]
