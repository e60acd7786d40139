r"""Byz-VR-DM21: a STORM / MVR first estimator, a second momentum, EF21 (Li, Liu, Yi, AISTATS
2026, arXiv 2603.15144; specs/algorithms.md 10).  Structure from the authors' code
(``VRDoubleMomentumWorker``); paper text beyond the abstract not read.

.. math::
    v_i^t = \nabla f_i(x^t;\xi_i^t) + (1-\eta)\bigl(v_i^{t-1} - \nabla f_i(x^{t-1};\xi_i^t)\bigr)
    \quad\text{(the SAME sample } \xi_i^t \text{ at both points)},

    u_i^t = (1-\eta)u_i^{t-1} + \eta v_i^t,\qquad c_i^t = \mathcal C(u_i^t - g_i^{t-1}),\qquad
    g_i^t = g_i^{t-1} + c_i^t\ (\forall i\in[n]),

    \hat g^t = \mathrm{RAgg}(g_1^t..g_n^t),\qquad x^{t+1} = x^t - \gamma\hat g^t .

The code writes the first estimator as :math:`\beta v + (1-\beta)s + \beta(s - s_{prev})`, the same
thing with beta = 1 - eta.  Two oracle calls per honest worker per round (one draw, evaluated at
:math:`x^t` and :math:`x^{t-1}`; a third-party version that re-uses the previous round's sample is not
STORM, pitfall #9).  Starts: ``zero`` (default; the code: zero buffers and :math:`x^{-1} = x^0`, so
:math:`v^0 = \eta s^0`, :math:`u^0 = \eta v^0`, :math:`g^0 = \mathcal C(u^0)`) or ``gradient``
(:math:`v^0 = u^0 = g^0 = \nabla f_i(x^0;\xi)` sent uncompressed, one oracle call in round 0; the
"eta_0 = 1" start of specs 10, UNVERIFIED).  The ``style`` flag applies to the second momentum.
EF21-state aggregation, Byzantine states, bits and the order of draws as in
:mod:`~sims.algorithms.byz_ef21_sgdm`.

=========  ======================  ==========================================================
symbol     argument                meaning
=========  ======================  ==========================================================
gamma      ``lr``                  step size (per replica)
eta        ``eta``                 STORM and momentum weight (per replica); code beta = 1 - eta
-          ``style``               ``ema`` or ``torch`` buffer for the second momentum
-          ``start``               ``zero`` (VRDoubleMomentumWorker) or ``gradient``
C, RAgg    compressor, aggregator  contractive compressor; robust aggregator
=========  ======================  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import register
from .byz_ef21_sgdm import EF21MomentumSpec

#: oracle calls per honest worker: the same-sample pair at x^t and x^{t-1}, or one in a dense start
STORM_CALLS, START_CALLS = 2.0, 1.0


@register("algorithm", "byz_vr_dm21")
@dataclass(frozen=True)
class ByzVRDM21(EF21MomentumSpec):
    """STORM estimator and a second EMA at every worker, EF21 on the EMA, robust aggregation."""

    title = "Byz-VR-DM21"
    double = True
    storm = True

    def estimate(self, s, setup, first):
        problem = setup.problem
        sample = problem.draw(setup.streams)                     # xi_i^t, one draw for both points
        grad = problem.stochastic_grad(s.x, sample)              # grad f_i(x^t; xi_i^t)
        if first:
            v, calls = grad, START_CALLS
        else:
            grad_prev = problem.stochastic_grad(s.x_prev, sample)  # grad f_i(x^{t-1}; xi_i^t), same sample
            v = grad + (1 - setup.col("eta", 3)) * (s.v - grad_prev)  # v_i^t (STORM / MVR)
            calls = STORM_CALLS
        u = self.momentum(setup, s.u, v, first)                  # u_i^t = (1 - eta) u_i^{t-1} + eta v_i^t
        return u, s._replace(v=v, u=u, x_prev=s.x), calls
