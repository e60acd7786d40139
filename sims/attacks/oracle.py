r"""Attacks that need more than the honest messages: label flipping and shift-back.

* ``label_flip``: honest computation on flipped labels (y -> -y for +-1 labels), through
  ``problem.flipped_grad(x, streams)``; every Byzantine worker sends the mean of the honest
  workers' flipped-label minibatch gradients (ByzFL's convention).  The minibatches are drawn from
  the replica's "attack" stream, so the honest oracle stream is untouched (common random numbers
  across attacks).  Needs a problem with labels (logistic); the quadratic refuses it.
* ``shift_back`` (Malinovsky, Richtárik, Horváth, Gorbunov, NeurIPS 2024, Byz-VR-MARINA-PP,
  Section 5): when the Byzantine workers are a strict majority of the round's sampled set
  (``ctx.sampled``; everyone when None), each sends ``scale * (x^k - x^0)``, which in the update
  convention x <- x - gamma * aggregate pulls the model back towards x^0 (scale = 1/gamma: all the
  way in one step); otherwise it sends the honest mean (the authors' code).  Needs ``ctx.x0``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import like, namespace
from ..errors import ConfigError
from ..params import Real, param
from ..registry import register
from .base import AttackSpec, RedirectedStreams, replicate


@register("attack", "label_flip")
@dataclass(frozen=True)
class LabelFlip(AttackSpec):
    """Mean of the honest workers' gradients on flipped labels."""

    def craft(self, honest, ctx):
        try:
            flipped = ctx.problem.flipped_grad(ctx.x, RedirectedStreams(ctx.streams))
        except NotImplementedError as exc:
            raise ConfigError("attack.name", self.name, f"needs a problem with labels ({exc})") from None
        return replicate(namespace(flipped).mean(flipped, axis=1), ctx.f)


def byzantine_majority(ctx) -> np.ndarray:
    """Host (R,) bool: the Byzantine workers are a strict majority of the sampled set."""
    R, h = ctx.honest_mean.shape[0], ctx.n - ctx.f
    sampled = np.ones((R, ctx.n), dtype=bool) if ctx.sampled is None else np.asarray(ctx.sampled)
    return sampled[:, h:].sum(axis=1) > sampled[:, :h].sum(axis=1)


@register("attack", "shift_back")
@dataclass(frozen=True)
class ShiftBack(AttackSpec):
    """With a Byzantine majority in the sample, scale * (x - x0); else the honest mean."""

    scale: float = param(1.0, Real(None, None), "multiplier of x - x0 (1/gamma returns to x0)", batched=True)

    def craft(self, honest, ctx):
        if ctx.x is None or ctx.x0 is None:
            raise ConfigError("attack.name", self.name, "needs an algorithm that passes x and x0 to the attack "
                              "(Byz-VR-MARINA-PP)")
        back = self.hyper(ctx, "scale") * (ctx.x - ctx.x0)
        majority = like(back, byzantine_majority(ctx).astype(np.float64))[:, None] > 0
        return replicate(namespace(back).where(majority, back, ctx.honest_mean), ctx.f)
