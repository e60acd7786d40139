"""Algorithms: one module per paper method, each reading as its pseudo-code."""
from . import robust_dgd, robust_dshb, robust_dsgd  # noqa: F401  (registration)
from . import (  # noqa: F401  (registration, issue 4)
    br_csgd, br_diana, byz_dasha_page, byz_ef21, byz_ef21_bc, byz_vr_marina, byz_vr_marina_pp, clipping_heuristic,
    rosdhb,
)
from . import byz_dm21, byz_ef21_sgdm, byz_vr_dm21, krum_sgd, lad  # noqa: F401  (registration, issue 5)
from .base import AlgorithmSpec, Setup, StepInfo

__all__ = ["AlgorithmSpec", "Setup", "StepInfo"]
