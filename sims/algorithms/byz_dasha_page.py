r"""Byz-DASHA-PAGE (Rammal, Gruntkowska, Fedin, Gorbunov, Richtárik, AISTATS 2024, arXiv 2310.09804;
structure from the co-author's code; specs/algorithms.md 4).

.. math::
    x^{t+1} = x^t - \gamma g^t,\qquad c \sim \mathrm{Be}(p)\ \text{(shared)},

    h_i^{t+1} = \begin{cases}\nabla f_i(x^{t+1}) & c = 1\\
                h_i^t + \hat\Delta_i(x^{t+1}, x^t) & c = 0\end{cases}\quad\text{(PAGE)},\qquad
    m_i^{t+1} = Q\bigl(h_i^{t+1} - h_i^t - a\,(g_i^t - h_i^t)\bigr)\quad\text{(DASHA)},

    g_i^{t+1} = g_i^t + m_i^{t+1}\ \text{(worker and server copy)},\qquad
    g^{t+1} = \mathrm{ARAgg}(g_1^{t+1},\dots,g_n^{t+1}).

Workers always send the compressed :math:`m_i` (never dense, even when c = 1).  Init
:math:`h_i^0 = g_i^0 = \nabla f_i(x^0)`, :math:`g^0 = \nabla f(x^0)` (honest mean, as the code).
A Byzantine worker controls its server copy :math:`g_b` (the attack picks it from the honest copies;
the server applies to the increment :math:`m_b` what it can check: a shared mask's support, and with
``run.enforce_density`` the compressor's number of coordinates, else nothing).  The shared coin follows both public codes (the paper's
choice is UNVERIFIED).

Order of draws: coin (``shared``), compressor's shared mask, oracle sample, compression, attack,
aggregation.  Bits: the compressor's bits of :math:`m_i` up, :math:`d b_f + 1` down.  Oracle calls:
1 on c = 1, 2 otherwise.

=========  ==============  ===========================================================
symbol     argument        meaning
=========  ==============  ===========================================================
gamma      ``lr``          step size (per replica)
p          ``p``           PAGE probability (per replica); code: b/m
a          ``a_rule``,     DASHA momentum: ``dasha`` = 1/(2 omega + 1) of the compressor,
           ``a``           ``fixed`` = the per-replica ``a``
Q          compressor      unbiased compressor, independent per worker
ARAgg      aggregator      (delta, c)-agnostic robust aggregator
=========  ==============  ===========================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import OneOf, Real, param
from ..registry import register
from . import estimators, stages
from .base import AlgorithmSpec, StepInfo


class DashaState(NamedTuple):
    x: object
    t: int
    g: object  # aggregate g^t [R,d]
    h: object  # honest PAGE estimators h_i^t [R,h,d]
    copies: object  # server copies g_i^t of every sender [R,n_senders,d] (honest rows = workers' g_i)
    agg: object


@register("algorithm", "byz_dasha_page")
@dataclass(frozen=True)
class ByzDashaPage(AlgorithmSpec):
    """PAGE estimator, DASHA-compressed momentum messages, robust aggregation of the server copies."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    p: float = param(0.1, Real(0, 1, "right"), "PAGE probability p of a full-gradient round", batched=True)
    a_rule: str = param("dasha", OneOf(("dasha", "fixed")), "DASHA momentum a: 1/(2 omega + 1) or the field a")
    a: float = param(0.5, Real(0, 1, "right"), "DASHA momentum a when a_rule = 'fixed'", batched=True,
                     used_when=("a_rule", "fixed"))

    def init(self, x0, setup):
        stages.require_compressor(setup, self.name, stages.UNBIASED)
        full = setup.problem.full_grad(x0)
        return DashaState(x0, 0, setup.xp.mean(full, axis=1), full, stages.initial_copies(setup, full),
                          setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def momentum(self, setup):
        """a: 1/(2 omega + 1) (DASHA; the code's 1/(2d/K - 1) for Rand-K) or the per-replica field."""
        if self.a_rule == "dasha":
            return 1.0 / (2.0 * setup.compressor.omega(setup.d) + 1.0)
        return setup.col("a", 3)

    def step(self, s, setup):
        h = setup.setting.n_honest
        x = s.x - setup.col("lr") * s.g                                      # 1. x^{t+1} = x^t - gamma g^t
        c = estimators.coin(setup, s.t)                                     # 2. shared coin
        shared = stages.shared_randomness(setup)
        full, diff = estimators.page_oracle(setup.problem, setup.streams, x, s.x)
        h_new = setup.xp.where(stages.replica_mask(setup, c, 3), full, s.h + diff)  # 3. PAGE h_i^{t+1}
        g_i = s.copies[:, :h, :]
        m, bits = stages.compress(setup, h_new - s.h - self.momentum(setup) * (g_i - s.h), shared)  # m_i
        copies = stages.update_copies(setup, s.copies, m, s.t, x, shared)   # 4. g_i^{t+1} = g_i^t + m_i
        g, agg = stages.aggregate(setup, copies, s.agg)                     #    g^{t+1} = ARAgg(g_i^{t+1})
        return DashaState(x, s.t + 1, g, h_new, copies, agg), StepInfo(
            bits, stages.dense_bits(setup, 1), estimators.oracle_calls(c), stages.everyone(setup))
