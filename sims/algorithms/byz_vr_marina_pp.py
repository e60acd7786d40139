r"""Byz-VR-MARINA-PP and PP+ (Malinovsky, Richtárik, Horváth, Gorbunov, "Byzantine Robustness and
Partial Participation Can Be Achieved at Once: Just Clip Gradient Differences", NeurIPS 2024,
arXiv 2311.14127, Algorithms 1 and 3; specs/algorithms.md 7).

.. math::
    c_k \sim \mathrm{Be}(p),\quad S_k \subseteq [n]\ \text{uniform without replacement},\
    |S_k| = \hat C\ (c_k = 1),\ C\ (c_k = 0),\qquad
    x^{k+1} = x^k - \gamma g^k,\quad \lambda_{k+1} = \alpha_{k+1}\|x^{k+1} - x^k\|,

    g^{k+1} = \begin{cases}\mathrm{ARAgg}\bigl(\{\nabla f_i(x^{k+1})\}_{i\in S_k}\bigr) & c_k = 1,\\
    g^k + \mathrm{ARAgg}\bigl(\{\mathrm{clip}_{\lambda_{k+1}}(Q(\hat\Delta_i(x^{k+1},x^k)))\}_{i\in S_k}\bigr)
    & c_k = 0,\end{cases}

:math:`\mathrm{clip}_\lambda(v) = \min\{1, \lambda/\|v\|\}v`, applied by the server to every sampled
message (Byzantines could ignore client-side clipping).  PP+ (Alg. 3) replaces ARAgg by the plain
average :math:`\frac1C\sum_{i\in S_k}` when :math:`c_k = 0`.  With :math:`S_k \equiv [n]` and
:math:`\lambda \equiv \infty` this is Byz-VR-MARINA.  :math:`g^0 = \nabla f(x^0)` (honest mean).

Clipping levels (``clip_rule``; pitfall #11): ``coef`` :math:`\lambda_{k+1} =` clip_coef
:math:`\cdot\|x^{k+1}-x^k\|` (paper); ``code`` clip_coef :math:`\cdot\|g^k\|` (authors' code, whose
clip_mult equals :math:`\lambda\gamma`, not :math:`\lambda`); ``theorem_4_1`` :math:`2L\|x^{k+1}-x^k\|`;
``theorem_4_2`` :math:`D_Q L\|x^{k+1}-x^k\|`; ``none`` no clipping.  In the theorem rules L is the
smoothness of every f_ij, as Theorems 4.1 / 4.2 assume (:func:`~.estimators.function_smoothness`:
the quadratic's max_i L_i, a per-sample bound for logistic), not the honest average's
``constants.L``, which is smaller and made the level "that never clips honest vectors" clip them.

Simulation conventions: the aggregator tolerates :math:`\lfloor\delta|S_k|\rfloor` inputs,
:math:`\delta` = declared f / n; with a silent attack the senders (and the sample) are the honest
workers; the omniscient attack crafts from every honest worker's would-be message; both
branches are computed each round and selected per replica (aggregator states too).
:math:`\hat C \ge \max\{1, \delta_{real}n/\delta\}` (the paper's condition) is not enforced.

Order of draws: coin (``shared``), client permutation (``sampling``: the first :math:`\hat C` and
the first C entries, nested), compressor's shared mask, oracle sample, compression, attack,
aggregation (:math:`\hat C` set, then C set).  Bits per honest worker: :math:`d b_f` if sampled on
:math:`c_k = 1`, the compressor's bits if sampled on :math:`c_k = 0`, else 0; down :math:`d b_f + 1`
to all n workers.  Oracle calls per honest worker: (1 or 2) x the sampled honest fraction.

=========  ================  ==============================================================
symbol     argument          meaning
=========  ================  ==============================================================
gamma      ``lr``            step size (per replica)
p          ``p``             probability of a full round (per replica); paper
                             min{C/n, b/m, zeta_Q/d}
C          ``C``             clients sampled on c_k = 0 (default n)
C_hat      ``C_hat``         clients sampled on c_k = 1 (default n), C <= C_hat <= n
alpha      ``clip_rule``,    clipping level rule and its per-replica coefficient
           ``clip_coef``
Q          compressor        unbiased compressor, independent per worker
ARAgg      aggregator        (delta, c)-agnostic robust aggregator
=========  ================  ==============================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from ..params import Integer, Optional, Real, param, require
from ..registry import register
from . import estimators, stages
from .base import AlgorithmSpec, StepInfo


class PPState(NamedTuple):
    x: object
    t: int
    g: object  # g^k [R,d]
    agg: object
    x0: object  # the starting point [R,d] (the shift-back attack reads it)


@register("algorithm", "byz_vr_marina_pp")
@dataclass(frozen=True)
class ByzVRMarinaPP(AlgorithmSpec):
    """Byz-VR-MARINA with client sampling and server-side clipping of compressed differences."""

    samples_clients: ClassVar[bool] = True  # partial participation of its own (no wrapper on top)
    average_differences: ClassVar[bool] = False  # PP+: plain average of the clipped differences

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    p: float = param(0.1, Real(0, 1, "right"), "probability p of a full round", batched=True)
    C: int | None = param(None, Optional(Integer(1, None)), "clients sampled when c_k = 0 (default n)")
    C_hat: int | None = param(None, Optional(Integer(1, None)), "clients sampled when c_k = 1 (default n)")
    clip_rule: str = estimators.clip_rule_field()
    clip_coef: float = param(1.0, Real(0, None), "coefficient of the clipping level (coef, code rules)",
                             batched=True)
    reset: str = estimators.reset_field()
    period: int = param(10, Integer(1, None), "rounds between full rounds (reset = periodic)")

    def sizes(self, n: int) -> tuple[int, int]:
        return (n if self.C is None else self.C), (n if self.C_hat is None else self.C_hat)

    def check_setting(self, setting):
        C, C_hat = self.sizes(setting.n)
        require(C_hat <= setting.n, "algorithm.C_hat", C_hat, f"must be <= workers.n = {setting.n}")
        require(C <= C_hat, "algorithm.C", C, f"must be <= algorithm.C_hat = {C_hat}")

    def init(self, x0, setup):
        stages.require_compressor(setup, self.name, stages.UNBIASED)
        return PPState(x0, 0, setup.xp.mean(setup.problem.full_grad(x0), axis=1),
                       setup.aggregator.init_state(setup.R, setup.d, setup.backend), x0)

    def step(self, s, setup):
        xp, h = setup.xp, setup.setting.n_honest
        C, C_hat = (min(k, setup.n_senders) for k in self.sizes(setup.setting.n))
        x = s.x - setup.col("lr") * s.g                                          # x^{k+1} = x^k - gamma g^k
        norm = lambda v: xp.linalg.vector_norm(v, axis=-1)  # noqa: E731
        lam = estimators.clip_threshold(setup, self.clip_rule, norm(x - s.x), norm(s.g))  # lambda_{k+1}
        c = estimators.coin(setup, s.t, self.reset, self.period)               # line 2: c_k ~ Be(p)
        small, big = estimators.sample_clients(setup, (C, C_hat))              # line 3: S_k
        taking = np.where(c[:, None], estimators.participation(setup, big), estimators.participation(setup, small))
        shared = stages.shared_randomness(setup)
        full, diff = estimators.page_oracle(setup.problem, setup.streams, x, s.x)
        q, q_bits = stages.compress(setup, diff, shared)                        # Q(Delta_i)
        honest = xp.where(stages.replica_mask(setup, c, 3), full, q)           # what good i in S_k sends
        byz = stages.byzantine(setup, honest, s.t, x, shared, dense=c, sampled=taking, x0=s.x0)
        msgs = xp.concat([honest, byz], axis=1)
        g_full, agg_full = stages.aggregate(setup, estimators.gather(setup, msgs, big), s.agg,
                                            f=estimators.sample_f(setup, C_hat))  # c_k = 1: ARAgg(grad f_i)
        clipped = estimators.clip(estimators.gather(setup, msgs, small), lam)  # server-side clipping
        if self.average_differences:                                            # PP+ (Alg. 3)
            step, agg_diff = xp.mean(clipped, axis=1), s.agg
        else:
            step, agg_diff = stages.aggregate(setup, clipped, s.agg, f=estimators.sample_f(setup, C))
        g = xp.where(stages.replica_mask(setup, c, 2), g_full, s.g + step)
        agg = stages.select_replicas(setup, c, agg_full, agg_diff)
        bits = np.where(c[:, None], float(setup.d * setup.b_f), q_bits) * taking[:, :h]
        calls = estimators.oracle_calls(c) * estimators.honest_share(setup, taking)
        return PPState(x, s.t + 1, g, agg, s.x0), StepInfo(bits, stages.dense_bits(setup, 1), calls, taking)


@register("algorithm", "byz_vr_marina_pp_plus")
@dataclass(frozen=True)
class ByzVRMarinaPPPlus(ByzVRMarinaPP):
    """PP+ (Alg. 3): the plain average of the clipped differences when c_k = 0; ARAgg when c_k = 1."""

    average_differences = True
