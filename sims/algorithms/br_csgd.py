r"""BR-CSGD: compressed SGD with robust aggregation, the naive baseline of the Byz-VR-MARINA and
Liu/Li experiments (Gorbunov et al., ICLR 2023, Sec. 5; specs/algorithms.md 2; update rule
RECONSTRUCTED, UNVERIFIED against a paper statement).

.. math::
    \hat g = \mathrm{RAgg}\bigl(Q(g_1^t),\dots,Q(g_n^t)\bigr),\qquad x^{t+1} = x^t - \gamma\hat g,

with :math:`g_i^t` a stochastic gradient at :math:`x^t` and Q applied independently per worker.
With independent masks the compression noise reaches the aggregator as extra heterogeneity
:math:`\omega\|\nabla f\|^2`, so the robust error does not vanish (specs/components.md 7.3).

Order of draws: compressor's shared mask, oracle, compression, attack, aggregation.  Bits: the
compressor's bits up, :math:`d b_f` down.  Oracle calls: 1.

=========  ==========  ===================================
symbol     argument    meaning
=========  ==========  ===================================
gamma      ``lr``      step size (per replica)
Q          compressor  any compressor
RAgg       aggregator  robust aggregator
=========  ==========  ===================================
"""
from __future__ import annotations

from dataclasses import dataclass

from ..params import Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, StepInfo
from .robust_dgd import DGDState  # the same state (x, t, aggregator state)


@register("algorithm", "br_csgd")
@dataclass(frozen=True)
class BRCSGD(AlgorithmSpec):
    """Compress stochastic gradients, robustly aggregate the decoded messages, SGD step."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)

    def init(self, x0, setup):
        return DGDState(x0, 0, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def step(self, s, setup):
        shared = stages.shared_randomness(setup)
        q, bits = stages.compress(setup, setup.problem.sample_grad(s.x, setup.streams), shared)  # Q(g_i^t)
        g, agg = stages.aggregate(setup, stages.with_byzantine(setup, q, s.t, s.x, shared), s.agg)  # RAgg
        x = s.x - setup.col("lr") * g                                                           # SGD step
        return DGDState(x, s.t + 1, agg), StepInfo(bits, stages.dense_bits(setup), 1.0, stages.everyone(setup))
