r"""Robust D-GD (Allouah, Guerraoui, Gupta, Pinot, Rizk, NeurIPS 2023; specs/algorithms.md 1.1).

.. math::
    g_i^t = \nabla f_i(\theta_t),\qquad R_t = F(g_1^t,\dots,g_n^t),\qquad
    \theta_{t+1} = \theta_t - \gamma R_t.

=========  ================  =====================================
symbol     argument          meaning
=========  ================  =====================================
gamma      ``lr``            step size (per replica); theory 1/L
F          aggregator        (f, kappa)-robust rule
=========  ================  =====================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, StepInfo


class DGDState(NamedTuple):
    x: object
    t: int
    agg: object


@register("algorithm", "robust_dgd")
@dataclass(frozen=True)
class RobustDGD(AlgorithmSpec):
    """Full local gradients, robust aggregation, gradient step."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)

    def init(self, x0, setup):
        return DGDState(x0, 0, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def local_gradients(self, x, setup):
        """g_i^t = grad f_i(theta_t): [R,h,d] (BR-CSGD swaps in the stochastic oracle)."""
        return setup.problem.full_grad(x)

    def step(self, s, setup):
        shared = stages.shared_randomness(setup)
        g, bits = stages.compress(setup, self.local_gradients(s.x, setup), shared)  # (compressed) g_i^t
        msgs = stages.with_byzantine(setup, g, s.t, s.x, shared)
        R_t, agg = stages.aggregate(setup, msgs, s.agg)                             # R_t = F(g_1..g_n)
        x = s.x - setup.col("lr") * R_t                                             # theta_{t+1}
        info = StepInfo(bits, stages.dense_bits(setup), 1.0, stages.everyone(setup))
        return DGDState(x, s.t + 1, agg), info
