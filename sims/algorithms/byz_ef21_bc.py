r"""Byz-EF21-BC: Byz-EF21 with a compressed broadcast (Rammal, Gruntkowska, Fedin, Gorbunov,
Richtárik, AISTATS 2024, arXiv 2310.09804; RECONSTRUCTED from EF21-BC, Fatkhullin et al. 2021,
"EF21 with Bells & Whistles", Alg. EF21-BC; UNVERIFIED against the paper; specs/algorithms.md 6).

.. math::
    x^{t+1} = x^t - \gamma b^t\quad(b^t\ \text{known to every worker}),\qquad
    c_i^{t+1} = \mathcal C_w\bigl(\nabla f_i(x^{t+1}) - g_i^t\bigr),\quad g_i^{t+1} = g_i^t + c_i^{t+1},

    g^{t+1} = \mathrm{ARAgg}(g_1^{t+1},\dots,g_n^{t+1}),\qquad
    s^{t+1} = \mathcal C_M(g^{t+1} - b^t),\qquad b^{t+1} = b^t + s^{t+1}\ \text{(broadcast } s^{t+1}).

The server's own error feedback compresses the broadcast with a contractive :math:`\mathcal C_M`
(``server_compressor``, a nested compressor table).  Init :math:`b^0 = g^0 = \nabla f(x^0)`,
:math:`g_i^0 = \nabla f_i(x^0)`.  With the identity as :math:`\mathcal C_M` this is Byz-EF21.

Order of draws: the workers' round of Byz-EF21, aggregation, then :math:`\mathcal C_M`'s shared
randomness and compression.  Bits: as Byz-EF21 up; down the bits of :math:`\mathcal C_M(\cdot)`
(Top-K: :math:`K_M(b_f + \lceil\log_2 d\rceil)`).  Oracle calls: 1.

===========  ======================  =============================================
symbol       argument                meaning
===========  ======================  =============================================
gamma        ``lr``                  step size (per replica)
C_w          compressor              workers' contractive compressor
C_M          ``server_compressor``   server's contractive compressor (downlink)
ARAgg        aggregator              (delta, c)-agnostic robust aggregator
===========  ======================  =============================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..compressors.base import CompressorSpec
from ..compressors.basic import Identity
from ..params import Real, param
from ..registry import register
from . import stages
from .base import AlgorithmSpec, StepInfo
from .byz_ef21 import ef21_round, ef21_start
from .nested import nested


class EF21BCState(NamedTuple):
    x: object
    t: int
    b: object  # the broadcast model direction b^t [R,d], known to every worker
    copies: object  # server copies g_i^t of every sender [R,n_senders,d]
    agg: object


def _contractive(spec: CompressorSpec) -> bool:
    return spec.category in stages.CONTRACTIVE


@register("algorithm", "byz_ef21_bc")
@dataclass(frozen=True)
class ByzEF21BC(AlgorithmSpec):
    """Byz-EF21 uplink plus server-side error feedback on a compressed broadcast."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    server_compressor: CompressorSpec = nested(
        "compressor", Identity(), "the server's contractive compressor C_M of the broadcast",
        _contractive, "its category must be identity or contractive")

    def check_setting(self, setting):
        self.server_compressor.check_setting(setting)

    def init(self, x0, setup):
        g, copies = ef21_start(setup, x0)
        return EF21BCState(x0, 0, g, copies, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def step(self, s, setup):
        x = s.x - setup.col("lr") * s.b                                # x^{t+1} = x^t - gamma b^t
        copies, bits = ef21_round(setup, s.copies, x, s.t)            # workers: Byz-EF21 step at x^{t+1}
        g, agg = stages.aggregate(setup, copies, s.agg)               # g^{t+1} = ARAgg(g_i^{t+1})
        cm = self.server_compressor
        shared = cm.draw_shared(setup.streams, setup.d, setup.backend)
        s_msg, down = cm.compress((g - s.b)[:, None, :], setup.streams, shared, setup.b_f)  # s^{t+1}
        b = s.b + s_msg[:, 0, :]                                      # b^{t+1} = b^t + s^{t+1}
        return EF21BCState(x, s.t + 1, b, copies, agg), StepInfo(bits, down[:, 0], 1.0, stages.everyone(setup))
