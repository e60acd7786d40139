r"""Byz-EF21-SGDM, "compressed momentum filtering" (Liu, Li, Yi, Johansson, arXiv 2409.08640, IEEE
TNNLS 2026; specs/algorithms.md 9).  Structure from the authors' code (``TopMomentumWorker``); the
paper text beyond its abstract was not read.

.. math::
    s_i^t = \nabla f_i(x^t;\xi_i^t),\qquad v_i^t = (1-\eta)v_i^{t-1} + \eta s_i^t,

    c_i^t = \mathcal C(v_i^t - g_i^{t-1}),\qquad g_i^t = g_i^{t-1} + c_i^t\quad(\text{server: } \forall i\in[n]),

    \hat g^t = \mathrm{RAgg}(g_1^t,\dots,g_n^t),\qquad x^{t+1} = x^t - \gamma\hat g^t .

The server robustly aggregates the EF21 *states* g_i, not the increments (specs 14.1); a Byzantine
worker fully controls its own state (the attack picks it from the honest states; the server only
enforces the increment), never rebuilt from an honest one (pitfall #8).

Starts (``start``): ``zero`` (the authors' logistic-regression worker, ``worker_lr.py``, [V-code]):
:math:`v_i^{-1} = g_i^{-1} = 0`, so round 0 sends :math:`\mathcal C(\eta s_i^0)`; ``gradient``
(their CIFAR worker, ``worker.py``, [V-code]; the paper's choice is UNVERIFIED):
:math:`v_i^0 = g_i^0 = \nabla f_i(x^0;\xi_i^0)`, i.e. round 0 takes :math:`\eta = 1` and sends
:math:`v_i^0` uncompressed (:math:`d b_f` bits).  The authors' round 0 sends no message at all and
hands the server the workers' first states on an uncounted side channel; here round 0 is a counted
message in both starts (a simulator choice).  ``style="torch"`` uses the heavy-ball buffer
:math:`v \leftarrow (1-\eta)v + s` instead of the EMA (specs 0).  With the identity compressor and
:math:`\eta = 1` this is robust D-SGD (aggregating stochastic gradients); with f = 0 and the mean it
is EF21-SGDM (Fatkhullin, Tyurin, Richtarik, NeurIPS 2023).

Order of draws per round: oracle, compressor (shared, then per worker), attack, aggregator.
Bits: the compressor's bits of :math:`c_i` up (Top-K: :math:`K(b_f + \lceil\log_2 d\rceil)`),
:math:`d b_f` down.  Oracle calls per honest worker: 1.

=========  ======================  ================================================================
symbol     argument                meaning
=========  ======================  ================================================================
gamma      ``lr``                  step size (per replica)
eta        ``eta``                 momentum weight on the new term (per replica); code beta = 1 - eta
-          ``style``               ``ema`` (paper, code) or ``torch`` heavy-ball buffer
-          ``start``               ``zero`` (code's LR worker) or ``gradient`` (CIFAR worker)
C          compressor              contractive compressor (identity allowed)
-          ``strict_compressor``   refuse unbiased compressors (False: the a9a script's Rand-1)
RAgg       aggregator              robust aggregator (e.g. CWTM, NNM + CWTM)
=========  ======================  ================================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import Boolean, OneOf, Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, Setup, StepInfo

STARTS = ("zero", "gradient")


class EF21MomentumState(NamedTuple):
    x: object
    t: int
    v: object  # first momentum v_i [R,h,d]
    u: object  # second momentum u_i [R,h,d] (double momentum; None otherwise)
    x_prev: object  # x^{t-1} [R,d] (STORM correction; None otherwise)
    copies: object  # EF21 states g_i of every sender [R,n_senders,d]; honest rows = the workers' g_i
    agg: object


@dataclass(frozen=True)
class EF21MomentumSpec(AlgorithmSpec):
    """A momentum estimator at every honest worker, EF21 on it, robust aggregation of the EF21
    states and an SGD step at the server (Byz-EF21-SGDM, Byz-DM21, Byz-VR-DM21).  Subclasses set
    ``title`` and write :meth:`estimate`."""

    title = "Byz-EF21-SGDM"
    double = False  # keeps a second momentum u_i
    storm = False  # keeps x^{t-1}

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    eta: float = param(0.1, Real(0, 1, "right"), "momentum weight on the new term (code beta = 1 - eta)",
                       batched=True)
    style: str = param("ema", OneOf(("ema", "torch")), "momentum convention (specs 0)")
    start: str = param("zero", OneOf(STARTS),
                       "zero buffers (the code's LR worker) or a dense first round with eta = 1 (its CIFAR worker)")
    strict_compressor: bool = param(True, Boolean(), "refuse unbiased compressors (EF21 needs contractive ones)")

    def init(self, x0, setup: Setup):
        if self.strict_compressor:
            stages.require_compressor(setup, self.title, stages.CONTRACTIVE)
        xp = setup.xp
        zeros = xp.zeros((setup.R, setup.setting.n_honest, setup.d), dtype=x0.dtype)
        copies = xp.zeros((setup.R, setup.n_senders, setup.d), dtype=x0.dtype)
        return EF21MomentumState(x0, 0, zeros, zeros if self.double else None, x0 if self.storm else None,
                                 copies, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def momentum(self, setup: Setup, old, new, first: bool):
        """(1 - eta) old + eta new (``ema``) or (1 - eta) old + new (``torch``); eta = 1 in a dense first round."""
        return new if first else stages.ema(setup, old, new, "eta", self.style, weight="new")

    def estimate(self, s: EF21MomentumState, setup: Setup, first: bool):
        """Honest workers' estimators at x^t: (EF21 target [R,h,d], updated state, oracle calls)."""
        grad = setup.problem.sample_grad(s.x, setup.streams)      # s_i^t = grad f_i(x^t; xi_i^t)
        v = self.momentum(setup, s.v, grad, first)                # v_i^t = (1 - eta) v_i^{t-1} + eta s_i^t
        return v, s._replace(v=v), 1.0

    def step(self, s: EF21MomentumState, setup: Setup):
        first = self.start == "gradient" and s.t == 0
        target, s, calls = self.estimate(s, setup, first)
        copies, bits = stages.ef21_update(setup, s.copies, target, s.t, s.x, dense=first)  # c_i^t, g_i^t (all i)
        g_hat, agg = stages.aggregate(setup, copies, s.agg)                                # RAgg(g_1^t..g_n^t)
        x = s.x - setup.col("lr") * g_hat                                                  # x^{t+1}
        return s._replace(x=x, t=s.t + 1, copies=copies, agg=agg), StepInfo(
            bits, stages.dense_bits(setup), calls, stages.everyone(setup))


@register("algorithm", "byz_ef21_sgdm")
@dataclass(frozen=True)
class ByzEF21SGDM(EF21MomentumSpec):
    """Worker EMA momentum, EF21 on the momentum, robust aggregation of the EF21 states."""
