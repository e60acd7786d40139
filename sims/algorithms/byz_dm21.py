r"""Byz-DM21: double momentum feeding EF21 (Li, Liu, Yi, AISTATS 2026, arXiv 2603.15144;
specs/algorithms.md 10).  Paper text beyond the abstract not read; the EMA first momentum is
inferred from EF21-SGD2M (Fatkhullin, Tyurin, Richtarik, NeurIPS 2023) and a third-party
re-implementation (UNVERIFIED: the released code's classes both carry a STORM correction, see
``byz_vr_dm21``).

.. math::
    s_i^t = \nabla f_i(x^t;\xi_i^t),\qquad v_i^t = (1-\eta)v_i^{t-1} + \eta s_i^t,\qquad
    u_i^t = (1-\eta)u_i^{t-1} + \eta v_i^t,

    c_i^t = \mathcal C(u_i^t - g_i^{t-1}),\quad g_i^t = g_i^{t-1} + c_i^t\ (\forall i\in[n]),\quad
    \hat g^t = \mathrm{RAgg}(g_1^t..g_n^t),\quad x^{t+1} = x^t - \gamma\hat g^t .

Both momenta use the same eta (the code has one ``momentum`` beta = 1 - eta).  Starts: ``gradient``
(default; the code's ``DoubleMomentumWorker``: :math:`v^0 = u^0 = g^0 = \nabla f_i(x^0;\xi)`, sent
uncompressed) or ``zero`` (zero buffers).  EF21-state aggregation, Byzantine states, bits and the
order of draws as in :mod:`~sims.algorithms.byz_ef21_sgdm`.  With the identity compressor, f = 0
and the mean this is SGD with double momentum (EF21-SGD2M with alpha = 1).  Oracle calls: 1.

=========  ======================  ==========================================================
symbol     argument                meaning
=========  ======================  ==========================================================
gamma      ``lr``                  step size (per replica)
eta        ``eta``                 weight on the new term of both momenta (per replica)
-          ``style``               ``ema`` or ``torch`` heavy-ball buffers
-          ``start``               ``gradient`` (DoubleMomentumWorker) or ``zero``
C, RAgg    compressor, aggregator  contractive compressor; robust aggregator
=========  ======================  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass

from ..params import OneOf, param
from ..registry import register
from .byz_ef21_sgdm import STARTS, EF21MomentumSpec


@register("algorithm", "byz_dm21")
@dataclass(frozen=True)
class ByzDM21(EF21MomentumSpec):
    """Two EMAs of stochastic gradients at every worker, EF21 on the second, robust aggregation."""

    title = "Byz-DM21"
    double = True

    start: str = param("gradient", OneOf(STARTS), "dense first round with eta = 1 (DoubleMomentumWorker) or zero")

    def estimate(self, s, setup, first):
        grad = setup.problem.sample_grad(s.x, setup.streams)  # s_i^t
        v = self.momentum(setup, s.v, grad, first)            # v_i^t = (1 - eta) v_i^{t-1} + eta s_i^t
        u = self.momentum(setup, s.u, v, first)               # u_i^t = (1 - eta) u_i^{t-1} + eta v_i^t
        return u, s._replace(v=v, u=u), 1.0
