r"""Krum-SGD and Multi-Krum-SGD (Blanchard, El Mhamdi, Guerraoui, Stainer, NeurIPS 2017;
specs/algorithms.md 1.3).

.. math::
    V_p^t = G(x_t, \xi_p^t)\ \ (\text{correct } p),\qquad
    x_{t+1} = x_t - \gamma_t\, F(V_1^t, \dots, V_n^t),\qquad
    F = \mathrm{Krum}\ \text{or}\ \mathrm{Multi\text{-}Krum}(m),

plain SGD at the server, no momentum, no compression, no state besides :math:`x_t`.  Step sizes
:math:`\gamma_t = \gamma / (1 + \text{lr\_decay}\cdot t)`: constant for lr_decay = 0, and
:math:`\sum\gamma_t = \infty`, :math:`\sum\gamma_t^2 < \infty` (Prop. 2) for lr_decay > 0.

The rule is the run's aggregator, which the algorithm *validates* rather than forces: the config
must say ``[aggregator] name = "krum"`` (``multi_krum`` for Multi-Krum-SGD; its ``m``, default
n - f as in the paper's experiments, and the neighbour ``variant``, default the paper's n - f - 2,
are the aggregator's fields), without pre-aggregators, and the compressor must be the identity.
A silent Byzantine worker (attack ``none``) is dropped rather than counted as a zero vector.

Order of draws: oracle, attack, aggregator.  Bits: :math:`d b_f` up (the identity compressor's) and down.
Oracle calls: 1.

=========  ==============  =======================================================
symbol     argument        meaning
=========  ==============  =======================================================
gamma      ``lr``          step size gamma_0 (per replica)
-          ``lr_decay``    gamma_t = gamma / (1 + lr_decay t) (per replica)
F          aggregator      ``krum`` (Krum-SGD) or ``multi_krum`` (Multi-Krum-SGD)
=========  ==============  =======================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..params import Real, param, require
from ..registry import register
from . import stages
from .base import AlgorithmSpec, Setup, StepInfo


class KrumSGDState(NamedTuple):
    x: object
    t: int
    agg: object


@register("algorithm", "krum_sgd")
@dataclass(frozen=True)
class KrumSGD(AlgorithmSpec):
    """Stochastic gradients up, Krum at the server, SGD step."""

    rule = "krum"

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma_0", batched=True)
    lr_decay: float = param(0.0, Real(0, None), "gamma_t = lr / (1 + lr_decay * t)", batched=True)

    def init(self, x0, setup: Setup):
        chain = setup.aggregator
        require(chain.agg.name == self.rule and not chain.pre, "aggregator.name", chain.name,
                f"{self.name} runs with the '{self.rule}' aggregator and no pre-aggregators "
                f"(Blanchard et al. 2017); set [aggregator] name = \"{self.rule}\"")
        stages.require_compressor(setup, self.name, ("identity",))
        return KrumSGDState(x0, 0, chain.init_state(setup.R, setup.d, setup.backend))

    def step(self, s: KrumSGDState, setup: Setup):
        V, bits = stages.compress(setup, setup.problem.sample_grad(s.x, setup.streams))  # V_p^t = G(x_t, xi_p^t)
        msgs = stages.with_byzantine(setup, V, s.t, s.x)
        F, agg = stages.aggregate(setup, msgs, s.agg)                   # Krum / Multi-Krum
        gamma_t = setup.col("lr") / (1 + setup.col("lr_decay") * s.t)   # gamma_t
        x = s.x - gamma_t * F                                           # x_{t+1} = x_t - gamma_t F
        return KrumSGDState(x, s.t + 1, agg), StepInfo(bits, stages.dense_bits(setup), 1.0, stages.everyone(setup))


@register("algorithm", "multi_krum_sgd")
@dataclass(frozen=True)
class MultiKrumSGD(KrumSGD):
    """Stochastic gradients up, Multi-Krum(m) at the server, SGD step."""

    rule = "multi_krum"
