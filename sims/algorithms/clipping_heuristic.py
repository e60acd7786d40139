r"""The clipping heuristic: partial participation for any robust method (Malinovsky, Richtárik,
Horváth, Gorbunov, NeurIPS 2024, arXiv 2311.14127, eq. (10); specs/algorithms.md 8).

For a method :math:`x^{k+1} = x^k - \gamma\,\mathrm{Agg}(\{g_i^k\})`, replace its aggregation by

.. math::
    g^k = g^{k-1} + \mathrm{Agg}\bigl(\{\mathrm{clip}_{\lambda_k}(g_i^k - g^{k-1})\}_{i\in S_k}\bigr),
    \qquad \lambda_k = \lambda\,\|x^k - x^{k-1}\|,

with :math:`S_k` a uniform sample of C clients without replacement.  Round 0 has no
:math:`g^{-1}`: everybody takes part and nothing is clipped (the authors' code starts with a full
round).  Byz-VR-MARINA-PP is this scheme applied to Byz-VR-MARINA (up to its c_k = 1 step).  No
theorem covers the heuristic.

How it composes: ``clipping_heuristic`` is an algorithm whose ``inner`` field is any registered
algorithm table (``inner = {name = "robust_dsgd_momentum", ...}``); the wrapper runs the inner
step with its aggregator replaced by :class:`SampledClippedDifferences` (which keeps
:math:`g^{k-1}` in the aggregator state) and masks the bits of the workers outside :math:`S_k`.
Contract and conventions:

* the inner method must aggregate once per round through ``setup.aggregator`` (every method here
  does, except the PP family, which samples clients itself and is refused as ``inner``);
* workers outside :math:`S_k` still run their local update in the simulation (their messages are
  dropped, their bits and oracle calls not counted): exact for methods with stateless workers, an
  approximation for worker-side state (worker momentum, EF21 states);
* the aggregator tolerates :math:`\lfloor\delta C\rfloor` inputs, :math:`\delta` = declared f / n;
* the inner hyper-parameters are the same for every replica of a batch (they are part of the batch
  key); ``clip_coef`` varies per replica.

Order of draws: the client permutation (``sampling``, every round when C < n, unused in round 0),
then the inner method's own draws.  With C = n and no clipping the wrapper is the inner method (for
translation-equivariant aggregators such as mean, CWTM, CWMed).

=========  ===============  ==============================================================
symbol     argument         meaning
=========  ===============  ==============================================================
method     ``inner``        the wrapped algorithm (a nested algorithm table)
C          ``C``            clients sampled per round (default n)
lambda     ``clip_rule``,   ``coef``: clip_coef * ||x^k - x^{k-1}|| (paper); ``code``:
           ``clip_coef``    clip_coef * ||g^{k-1}|| (code: clip_mult = lambda gamma); ``none``
=========  ===============  ==============================================================
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..params import Integer, OneOf, Optional, Real, Spec, param, require
from ..registry import register
from . import estimators, stages
from .base import AlgorithmSpec, Setup, StepInfo
from .nested import nested
from .robust_dsgd import RobustDSGDMomentum

WRAPPER_CLIP_RULES = ("coef", "code", "none")


@dataclass(frozen=True)
class SampledClippedDifferences:
    """The aggregator a wrapped method sees in one round: sample S_k, clip the differences to the
    previous aggregate, aggregate them with ``chain``, add the previous aggregate back.  State:
    (chain state, g^{k-1}).  ``sample`` None: everybody, no clipping (round 0)."""

    chain: Any  # aggregators.Chain
    setup: Setup  # the wrapper's set-up (clip_coef, backend, streams)
    rule: str
    sample: Any = None  # host [R,C] sender indices
    step_norm: Any = None  # ||x^k - x^{k-1}|| [R]
    f_sample: int = 0

    # what attacks and reports may read from an aggregator: the underlying rule
    @property
    def name(self) -> str:
        return self.chain.name

    @property
    def agg(self):
        return self.chain.agg

    @property
    def pre(self):
        return self.chain.pre

    def kappa(self, n: int, f: int):
        return self.chain.kappa(n, f)

    def __call__(self, x, f: int):
        return self.chain(x, f)

    def init_state(self, R: int, d: int, backend):
        return (self.chain.init_state(R, d, backend), None)

    def aggregate(self, x, *, f: int, state=None, streams=None):
        chain_state, g_prev = state if state is not None else self.init_state(x.shape[0], x.shape[2], None)
        if self.sample is None:
            out, chain_state = self.chain.aggregate(x, f=f, state=chain_state, streams=streams)
            return out, (chain_state, out)
        xp = self.setup.xp
        lam = estimators.clip_threshold(self.setup, self.rule, self.step_norm,
                                        xp.linalg.vector_norm(g_prev, axis=-1))
        diffs = estimators.clip(estimators.gather(self.setup, x, self.sample) - g_prev[:, None, :], lam)
        step, chain_state = self.chain.aggregate(diffs, f=self.f_sample, state=chain_state, streams=streams)
        out = g_prev + step                                      # g^k = g^{k-1} + Agg(clip(g_i^k - g^{k-1}))
        return out, (chain_state, out)


class WrapperState(NamedTuple):
    x: object
    t: int
    inner: Any  # the wrapped method's state (its aggregator state holds g^{k-1})
    x_prev: object  # x^{k-1} [R,d]


def _full_participation_method(spec: Spec) -> bool:
    return not getattr(spec, "samples_clients", False)


@register("algorithm", "clipping_heuristic")
@dataclass(frozen=True)
class ClippingHeuristic(AlgorithmSpec):
    """Any registered method with client sampling and server-side clipping of differences (eq. 10)."""

    samples_clients = True

    inner: AlgorithmSpec = nested(
        "algorithm", RobustDSGDMomentum(beta=0.9, style="torch"),
        "the wrapped method (default: client-momentum SGD, torch-style 0.9, as the paper's experiments)",
        _full_participation_method, "a method that does not sample clients itself")
    C: int | None = param(None, Optional(Integer(1, None)), "clients sampled per round (default n)")
    clip_rule: str = param("coef", OneOf(WRAPPER_CLIP_RULES),
                           "coef: clip_coef*||x^k - x^{k-1}|| (paper); code: clip_coef*||g^{k-1}||; none")
    clip_coef: float = param(1.0, Real(0, None), "lambda of the clipping level (per replica)", batched=True)

    def check_setting(self, setting):
        self.inner.check_setting(setting)
        if self.C is not None:
            require(self.C <= setting.n, "algorithm.C", self.C, f"must be <= workers.n = {setting.n}")

    def inner_setup(self, setup: Setup, aggregator) -> Setup:
        """The set-up the inner method runs with: our aggregator, its own hyper-parameters as (R,)."""
        hp = {name: setup.backend.asarray([getattr(self.inner, name)] * setup.R)
              for name in self.inner.batched_fields()}
        return dataclasses.replace(setup, aggregator=aggregator, hp=hp)

    def init(self, x0, setup):
        agg = SampledClippedDifferences(setup.aggregator, setup, self.clip_rule)
        return WrapperState(x0, 0, self.inner.init(x0, self.inner_setup(setup, agg)), x0)

    def step(self, s, setup):
        C = min(setup.n_senders, setup.setting.n if self.C is None else self.C)
        (sample,) = estimators.sample_clients(setup, (C,))                     # S_k
        if s.t == 0:                                                           # no g^{-1}: full round
            agg, taking = SampledClippedDifferences(setup.aggregator, setup, self.clip_rule), stages.everyone(setup)
        else:
            step_norm = setup.xp.linalg.vector_norm(s.x - s.x_prev, axis=-1)  # ||x^k - x^{k-1}||
            agg = SampledClippedDifferences(setup.aggregator, setup, self.clip_rule, sample, step_norm,
                                            estimators.sample_f(setup, C))
            taking = estimators.participation(setup, sample)
        inner, info = self.inner.step(s.inner, self.inner_setup(setup, agg))
        h = setup.setting.n_honest
        return WrapperState(inner.x, s.t + 1, inner, s.x), StepInfo(
            info.bits_up * taking[:, :h], info.bits_down,
            info.grad_evals * estimators.honest_share(setup, taking), taking)
