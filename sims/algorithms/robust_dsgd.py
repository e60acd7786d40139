r"""Robust D-SGD with worker momentum (Karimireddy, He, Jaggi, ICML 2021; specs/algorithms.md 1.2).

.. math::
    m_i^t = \beta m_i^{t-1} + (1-\beta) g_i^t\ \ (\texttt{style="ema"})\quad\text{or}\quad
    m_i^t = \beta m_i^{t-1} + g_i^t\ \ (\texttt{style="torch"}),\qquad m_i^{-1} = 0,

    R_t = F(\mathrm{Pre}(C(m_1^t),\dots,C(m_n^t))),\qquad x_{t+1} = x_t - \gamma R_t.

Byzantine workers send arbitrary momenta; the omniscient attack reads the honest (compressed)
momenta.  With a compressor other than the identity this is the BR-SGDm baseline.

=========  ===========  ==========================================================
symbol     argument     meaning
=========  ===========  ==========================================================
gamma      ``lr``       step size (per replica)
beta       ``beta``     momentum weight on the old value (per replica); 0 = D-SGD
style      ``style``    ``ema`` (Allouah, ByzFL) or ``torch`` buffer (Karimireddy code)
=========  ===========  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import OneOf, Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, StepInfo


class WorkerMomentumState(NamedTuple):
    x: object
    t: int
    m: object  # honest workers' momenta [R,h,d]
    agg: object


@register("algorithm", "robust_dsgd_momentum")
@dataclass(frozen=True)
class RobustDSGDMomentum(AlgorithmSpec):
    """Worker momentum, robust aggregation of the momenta, SGD step at the server."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    beta: float = param(0.9, Real(0, 1, "left"), "momentum weight on the old value", batched=True)
    style: str = param("ema", OneOf(("ema", "torch")), "momentum convention")

    def init(self, x0, setup):
        xp = setup.xp
        m = xp.zeros((setup.R, setup.setting.n_honest, setup.d), dtype=x0.dtype)
        return WorkerMomentumState(x0, 0, m, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def step(self, s, setup):
        g = setup.problem.sample_grad(s.x, setup.streams)           # g_i^t, stochastic
        m = stages.ema(setup, s.m, g, style=self.style)            # m_i^t
        shared = stages.shared_randomness(setup)
        msg, bits = stages.compress(setup, m, shared)
        msgs = stages.with_byzantine(setup, msg, s.t, s.x, shared)
        R_t, agg = stages.aggregate(setup, msgs, s.agg)           # R_t = F(Pre(m_1..m_n))
        x = s.x - setup.col("lr") * R_t                             # x_{t+1} = x_t - gamma R_t
        return WorkerMomentumState(x, s.t + 1, m, agg), StepInfo(bits, stages.dense_bits(setup), 1.0)
