r"""Robust D-SHB with server-side per-worker momentum (Allouah et al., AISTATS 2023; specs 1.2, 11).

.. math::
    \tilde g_i^t = C(g_i^t)\ \ (i\in H),\qquad
    m_i^t = \beta m_i^{t-1} + (1-\beta)\,\tilde g_i^t\ \ \text{for every sender } i,\ m_i^{-1}=0,

    R_t = F(m_1^t,\dots,m_n^t),\qquad \theta_{t+1} = \theta_t - \gamma R_t.

The server keeps one momentum per worker, Byzantine workers included: they control their messages,
not their momenta.  With f = 0, the identity compressor and the mean this is heavy-ball GD
(:math:`m_t = \beta m_{t-1} + (1-\beta)\nabla f(\theta_t)`); with a coordinated Rand-K compressor it is
RoSDHB's update.

=========  ========  ==============================================
symbol     argument  meaning
=========  ========  ==============================================
gamma      ``lr``    step size (per replica)
beta       ``beta``  momentum weight on the old value (per replica)
=========  ========  ==============================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, StepInfo


class ServerMomentumState(NamedTuple):
    x: object
    t: int
    m: object  # server-side momenta of every sender [R, n_senders, d]
    agg: object


@register("algorithm", "robust_dshb")
@dataclass(frozen=True)
class RobustDSHB(AlgorithmSpec):
    """Stochastic gradients up, per-worker heavy-ball momentum at the server, robust aggregation."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    beta: float = param(0.9, Real(0, 1, "left"), "momentum weight on the old value", batched=True)

    def init(self, x0, setup):
        m = setup.xp.zeros((setup.R, setup.n_senders, setup.d), dtype=x0.dtype)
        return ServerMomentumState(x0, 0, m, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def step(self, s, setup):
        shared = stages.shared_randomness(setup)
        g, bits = stages.compress(setup, setup.problem.sample_grad(s.x, setup.streams), shared)
        msgs = stages.with_byzantine(setup, g, s.t, s.x, shared)
        m = stages.ema(setup, s.m, msgs)                           # m_i^t for every sender
        R_t, agg = stages.aggregate(setup, m, s.agg)               # R_t = F(m_1..m_n)
        x = s.x - setup.factor("lr") * R_t                            # theta_{t+1}
        return ServerMomentumState(x, s.t + 1, m, agg), StepInfo(bits, stages.dense_bits(setup), 1.0)
