r"""No attack, sign flipping and ALIE.

* ``none``: the f Byzantine workers are silent (dropped: the aggregator sees the h honest inputs
  and still tolerates the declared f).  This is the convention of VR_Byzantine.
* ``sign_flip``: every Byzantine worker sends :math:`-\mu_H`, the negated honest mean (ByzFL).
* ``alie`` (Baruch, Baruch, Goldberg, NeurIPS 2019): :math:`\mu_H - z\hat\sigma` coordinate-wise,
  :math:`\hat\sigma` the unbiased (ddof = 1) std of the honest messages.  ``z_rule``:
  ``baruch``: :math:`s = \lfloor n/2+1\rfloor - f`, :math:`z = \Phi^{-1}((n-s)/n)`;
  ``karimireddy``: :math:`z = \Phi^{-1}((n-f-s)/(n-f))`; ``fixed``: the per-replica ``z`` field.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from scipy.stats import norm

from .. import fused
from ..backend import namespace
from ..params import OneOf, Real, param
from ..registry import register
from .base import AttackContext, AttackSpec, replicate


@register("attack", "none")
@dataclass(frozen=True)
class NoAttack(AttackSpec):
    """Byzantine workers send nothing (dropped)."""

    drops = True

    def craft(self, honest, ctx):
        return honest[:, :0, :]


@register("attack", "sign_flip")
@dataclass(frozen=True)
class SignFlip(AttackSpec):
    """-mu_H from every Byzantine worker."""

    def craft(self, honest, ctx):
        return replicate(-ctx.honest_mean, ctx.f)


def honest_std(honest, mean=None):
    """Coordinate-wise unbiased (ddof = 1) standard deviation of the honest messages [R,h,d]: [R,d],
    sqrt(sum_i (v_i - mu)^2 / (h - 1)); ``mean`` [R,d] (their mean, when already computed) saves
    a pass.  One numba pass (:func:`sims.fused.std`) when it applies, else two passes in place;
    numpy's own order of operations either way (bit-identical to ``np.std``)."""
    xp = namespace(honest)
    mean = xp.mean(honest, axis=1) if mean is None else mean
    if fused.std_applies(honest, mean):
        return fused.std(honest, mean)  # the same numbers in one pass (numba)
    dev = honest - mean[:, None, :]
    dev *= dev
    var = xp.sum(dev, axis=1)
    var /= honest.shape[1] - 1
    return xp.sqrt(var)


@functools.cache
def alie_z(n: int, f: int, rule: str = "baruch") -> float:
    """The ALIE factor z from (n, f): Baruch et al.'s rule or the Karimireddy code's."""
    s = math.floor(n / 2 + 1) - f
    if rule == "baruch":
        return float(norm.ppf((n - s) / n))
    return float(norm.ppf((n - f - s) / (n - f)))


@register("attack", "alie")
@dataclass(frozen=True)
class ALIE(AttackSpec):
    """A Little Is Enough: mu_H - z * std_H (coordinate-wise, ddof = 1)."""

    z_rule: str = param("baruch", OneOf(("baruch", "karimireddy", "fixed")), "how z is chosen")
    z: float = param(1.0, Real(None, None), "z when z_rule = 'fixed' (may vary per replica)", batched=True,
                     used_when=("z_rule", "fixed"))

    def craft(self, honest, ctx: AttackContext):
        z = self.hyper(ctx, "z") if self.z_rule == "fixed" else alie_z(ctx.n, ctx.f, self.z_rule)
        return replicate(ctx.honest_mean - z * honest_std(honest, ctx.honest_mean), ctx.f)

    def describe_constants(self, n, f):
        if self.z_rule == "fixed":
            return f"z = {self.z} (fixed)"
        return f"z(n={n}, f={f}) = {alie_z(n, f, self.z_rule):.4f} ({self.z_rule} rule)"
