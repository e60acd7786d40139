r"""Byz-VR-MARINA (Gorbunov, Horváth, Richtárik, Gidel, ICLR 2023, arXiv 2206.00529, Algorithm 1;
specs/algorithms.md 3).

.. math::
    x^{k+1} = x^k - \gamma g^k,\qquad c_k \sim \mathrm{Be}(p)\ \text{(one coin shared by all)},

    g_i^{k+1} = \begin{cases} \nabla f_i(x^{k+1}) & c_k = 1\ \text{(sent dense)},\\
                 g^k + Q\bigl(\hat\Delta_i(x^{k+1}, x^k)\bigr) & c_k = 0\ \text{(only } Q(\hat\Delta_i)
                 \text{ is sent; the server adds } g^k),\end{cases}
    \qquad g^{k+1} = \mathrm{ARAgg}(g_1^{k+1},\dots,g_n^{k+1}),

with :math:`\hat\Delta_i` the b-minibatch estimate of :math:`\nabla f_i(x^{k+1}) - \nabla f_i(x^k)` on
ONE sample at both points and Q applied independently per worker.  :math:`g^0 = \nabla f(x^0)`
(the honest mean; the start-up round is not counted in bits or oracle calls).

Variants (specs/algorithms.md 3; pitfall #10): ``variant = "no_sync"`` is the authors' code, where
worker i adds :math:`Q(\hat\Delta_i)` to its OWN previous :math:`g_i^k` (the server keeps a copy per
worker) instead of to :math:`g^k`; ``reset = "periodic"`` takes full gradients every ``period``
rounds (the code's per-epoch reset) instead of on a coin.  The paper form is the default.

Byzantine workers pick :math:`g_b^{k+1}` from the honest messages; on :math:`c_k = 0` the server
receives only a compressed increment it adds to :math:`g^k` (or to its copy), so only that
increment is projected on what it can enforce.

Order of draws in a round: coin (``shared``), compressor's shared mask, oracle sample, compression,
attack, aggregation.  Bits per honest worker: :math:`d b_f` on :math:`c_k = 1`, else the
compressor's bits of :math:`Q(\hat\Delta_i)`; down :math:`d b_f + 1` (g^k and the coin).
Oracle calls: 1 on :math:`c_k = 1`, 2 otherwise.

=========  =============  ==========================================================
symbol     argument       meaning
=========  =============  ==========================================================
gamma      ``lr``         step size (per replica)
p          ``p``          probability of a full-gradient round (per replica); paper
                          recommends min{b/m, 1/(1+omega)}
Q          compressor     unbiased compressor (identity allowed)
ARAgg      aggregator     (delta, c)-agnostic robust aggregator
b          problem        minibatch size of the problem's oracle
=========  =============  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..params import Integer, OneOf, Real, param
from ..registry import register
from . import estimators, stages
from .base import AlgorithmSpec, StepInfo


class MarinaState(NamedTuple):
    x: object
    t: int
    g: object  # the aggregate g^k [R,d]
    copies: object  # no_sync only: the server's copy of every sender's g_i^k [R,n_senders,d]
    agg: object


@register("algorithm", "byz_vr_marina")
@dataclass(frozen=True)
class ByzVRMarina(AlgorithmSpec):
    """Shared coin: dense full gradients, else compressed same-sample differences added to g^k."""

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    p: float = param(0.1, Real(0, 1, "right"), "probability p of a full-gradient round", batched=True)
    variant: str = param("sync", OneOf(("sync", "no_sync")),
                         "sync: g^k + Q(Delta_i) (paper); no_sync: g_i^k + Q(Delta_i) (VR_Byzantine code)")
    reset: str = estimators.reset_field()
    period: int = param(10, Integer(1, None), "rounds between full-gradient rounds (reset = periodic)")

    def init(self, x0, setup):
        stages.require_compressor(setup, self.name, stages.UNBIASED)
        full = setup.problem.full_grad(x0)
        copies = stages.initial_copies(setup, full) if self.variant == "no_sync" else None
        return MarinaState(x0, 0, setup.xp.mean(full, axis=1), copies,
                           setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def step(self, s, setup):
        h = setup.setting.n_honest
        x = s.x - setup.col("lr") * s.g                                      # line 3: x^{k+1} = x^k - gamma g^k
        c = estimators.coin(setup, s.t, self.reset, self.period)            # line 2: c_k ~ Be(p), shared
        shared = stages.shared_randomness(setup)
        full, diff = estimators.page_oracle(setup.problem, setup.streams, x, s.x)
        q, q_bits = stages.compress(setup, diff, shared)                     # Q(Delta_i), independent
        if self.variant == "sync":                                           # what Q(Delta_i) is added to
            base_h = base_b = s.g[:, None, :]
        else:
            base_h, base_b = s.copies[:, :h, :], s.copies[:, h:, :]
        honest = setup.xp.where(stages.replica_mask(setup, c, 3), full, base_h + q)  # lines 4-5
        byz = stages.byzantine(setup, honest, s.t, x, shared, base=base_b, dense=c)
        msgs = setup.xp.concat([honest, byz], axis=1)
        g, agg = stages.aggregate(setup, msgs, s.agg)                        # line 6: g^{k+1} = ARAgg(...)
        bits = np.where(c[:, None], float(setup.d * setup.b_f), q_bits)
        copies = msgs if self.variant == "no_sync" else None
        return MarinaState(x, s.t + 1, g, copies, agg), StepInfo(
            bits, stages.dense_bits(setup, 1), estimators.oracle_calls(c), stages.everyone(setup))
