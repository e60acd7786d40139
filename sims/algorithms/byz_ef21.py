r"""Byz-EF21 (Rammal, Gruntkowska, Fedin, Gorbunov, Richtárik, AISTATS 2024, arXiv 2310.09804;
structure from the co-author's code; specs/algorithms.md 5).

.. math::
    x^{t+1} = x^t - \gamma g^t,\qquad
    c_i^{t+1} = \mathcal C\bigl(\nabla f_i(x^{t+1}) - g_i^t\bigr),\qquad g_i^{t+1} = g_i^t + c_i^{t+1},

    g^{t+1} = \mathrm{ARAgg}(g_1^{t+1},\dots,g_n^{t+1})\quad\text{(the server's copies, not the increments)}.

Full local gradients, a contractive :math:`\mathcal C(\alpha)` per worker.  Init
:math:`g_i^0 = \nabla f_i(x^0)`, :math:`g^0 = \nabla f(x^0)` (honest mean; start-up not counted).  A
Byzantine worker controls its own copy :math:`g_b` (the attack picks it from the honest copies; the
server applies to the increment :math:`c_b` what it can check: a shared mask's support, and with
``run.enforce_density`` the compressor's number of coordinates, else nothing); it is never rebuilt
from honest states (pitfall #8).
With f = 0 and the mean this is EF21 (Richtárik, Sokolov, Fatkhullin, NeurIPS 2021), and GD when
:math:`\alpha = 1`.

Order of draws: compressor's shared mask, compression, attack, aggregation.  Bits: the compressor's
bits of :math:`c_i` up (Top-K: :math:`K(b_f + \lceil\log_2 d\rceil)`), :math:`d b_f` down.  Oracle
calls: 1.

=========  ==========  ==========================================
symbol     argument    meaning
=========  ==========  ==========================================
gamma      ``lr``      step size (per replica)
C          compressor  contractive compressor (identity allowed)
ARAgg      aggregator  (delta, c)-agnostic robust aggregator
=========  ==========  ==========================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, Setup, StepInfo


class EF21State(NamedTuple):
    x: object
    t: int
    g: object  # aggregate g^t [R,d]
    copies: object  # server copies g_i^t of every sender [R,n_senders,d] (honest rows = workers' g_i)
    agg: object


def ef21_start(setup: Setup, x0):
    """EF21 start: (g^0 = grad f(x^0), server copies g_i^0 = grad f_i(x^0)), checking the compressor."""
    stages.require_compressor(setup, "Byz-EF21", stages.CONTRACTIVE)
    full = setup.problem.full_grad(x0)
    return setup.xp.mean(full, axis=1), stages.initial_copies(setup, full)


def ef21_round(setup: Setup, copies, x, t: int):
    """Workers' EF21 step at x (lines 2-3): c_i = C(grad f_i(x) - g_i), g_i += c_i at worker and
    server: (new server copies, bits [R,h] of c_i)."""
    return stages.ef21_update(setup, copies, setup.problem.full_grad(x), t, x)


@register("algorithm", "byz_ef21")
@dataclass(frozen=True)
class ByzEF21(AlgorithmSpec):
    """EF21 increments up; the server robustly aggregates its copies of the workers' EF21 states."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)

    def init(self, x0, setup):
        g, copies = ef21_start(setup, x0)
        return EF21State(x0, 0, g, copies, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def step(self, s, setup):
        x = s.x - setup.col("lr") * s.g                                # 1. x^{t+1} = x^t - gamma g^t
        copies, bits = ef21_round(setup, s.copies, x, s.t)            # 2-3. c_i, g_i^{t+1}
        g, agg = stages.aggregate(setup, copies, s.agg)               # 3. g^{t+1} = ARAgg(g_i^{t+1})
        return EF21State(x, s.t + 1, g, copies, agg), StepInfo(
            bits, stages.dense_bits(setup), 1.0, stages.everyone(setup))
