r"""Attacks that scale or perturb the honest mean: IPM / FOE, large norm, Gaussian.

* ``ipm`` (inner-product manipulation, Xie, Koyejo, Gupta, UAI 2020, "Fall of Empires"):
  :math:`-\varepsilon\,\mu_H` from every Byzantine worker; epsilon per replica (default 0.1, the
  Karimireddy code and VR_Byzantine; ByzFL uses 2.0).  Under a shared mask the engine restricts it
  to the mask's support, which is the compression-aware FOE of the RoSDHB code.
* ``large_norm``: :math:`\lambda u` with u = -mu_H (Blanchard et al.'s "omniscient" attack, default),
  +mu_H, or a uniformly random direction of norm ||mu_H|| per Byzantine worker; lambda per replica
  (default 100; no canonical default in the literature).  |lambda| <= 1e150 (squared norms of the
  messages stay finite in float64), and a lambda that overflows the run's dtype on the round's
  mu_H (e.g. 1e30 in float32) is refused with an error naming attack.scale, never sent as inf.
* ``gaussian``: i.i.d. :math:`\mathcal N(\mathrm{loc}, \mathrm{std}^2)` coordinates per Byzantine worker
  (ByzFL: loc 0, std 1; the Krum paper used std 200), drawn from the replica's "attack" stream.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import like, namespace, to_numpy
from ..params import OneOf, Real, param, require
from ..registry import register
from .base import AttackSpec, replicate

MAX_SCALE = 1e150  # larger lambdas overflow squared message norms in float64


@register("attack", "ipm")
@dataclass(frozen=True)
class IPM(AttackSpec):
    """Inner-product manipulation (Fall of Empires): -eps * mu_H."""

    eps: float = param(0.1, Real(0, None, "neither"), "epsilon (may vary per replica)", batched=True)

    def craft(self, honest, ctx):
        return replicate(-self.hyper(ctx, "eps") * ctx.honest_mean, ctx.f)


def random_directions(honest, ctx):
    """Per Byzantine worker a uniform random direction scaled to ||mu_H||: [R,f,d]."""
    xp = namespace(honest)
    xi = like(honest, ctx.streams.normal("attack", (ctx.f, honest.shape[2])))
    unit = xi / xp.linalg.vector_norm(xi, axis=2, keepdims=True)
    return unit * xp.linalg.vector_norm(ctx.honest_mean, axis=1)[:, None, None]


@register("attack", "large_norm")
@dataclass(frozen=True)
class LargeNorm(AttackSpec):
    """lambda * u with u = -mu_H, +mu_H or a random direction of norm ||mu_H||."""

    scale: float = param(100.0, Real(-MAX_SCALE, MAX_SCALE), "lambda (may vary per replica)", batched=True)
    direction: str = param("negative_mean", OneOf(("negative_mean", "mean", "random")), "direction u")

    def craft(self, honest, ctx):
        lam = self.hyper(ctx, "scale", 3)
        if self.direction == "random":
            out = lam * random_directions(honest, ctx)
        else:
            sign = -1.0 if self.direction == "negative_mean" else 1.0
            out = lam * replicate(sign * ctx.honest_mean, ctx.f)
        refuse_overflow(out, ctx.honest_mean, self.scale)
        return out


def refuse_overflow(out, honest_mean, scale) -> None:
    """ConfigError naming attack.scale when lambda * u overflows where mu_H is finite."""
    xp = namespace(out)
    if bool(to_numpy(xp.all(xp.isfinite(out)))) or not bool(to_numpy(xp.all(xp.isfinite(honest_mean)))):
        return
    require(False, "attack.scale", scale,
            f"overflows {out.dtype}: |scale| * ||mu_H|| must stay below the dtype's largest float")


@register("attack", "gaussian")
@dataclass(frozen=True)
class Gaussian(AttackSpec):
    """Independent Gaussian vectors N(loc, std^2 I) from every Byzantine worker."""

    loc: float = param(0.0, Real(None, None), "mean of every coordinate")
    std: float = param(1.0, Real(0, None), "standard deviation (may vary per replica)", batched=True)

    def craft(self, honest, ctx):
        noise = like(honest, ctx.streams.normal("attack", (ctx.f, honest.shape[2])))
        return self.loc + self.hyper(ctx, "std", 3) * noise
