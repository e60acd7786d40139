r"""Mimic (Karimireddy, He, Jaggi, "Byzantine-Robust Learning on Heterogeneous Datasets via
Bucketing", ICLR 2022, Section 5): every Byzantine worker copies one honest worker, which
over-represents it and exploits heterogeneity.

* ``target = "index"``: copy honest worker ``index`` (ByzFL: 0).
* ``target = "direction"``: copy the honest worker farthest from mu_H along the top principal
  direction of the honest messages, recomputed every round (exact ``eigh`` of the honest centred
  Gram matrix).  The paper's MimicVariant estimates that direction over a warm-up by power
  iteration and then keeps its choice; attacks carry no state here, so this variant re-chooses
  every round (a documented difference).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import namespace
from ..params import Integer, OneOf, param, require
from ..registry import register
from ..aggregators.caf import top_eigenpair
from ..aggregators.geometry import take_rows
from .base import AttackSpec, replicate


def principal_outlier(honest):
    """Index [R] of the honest message with the largest squared projection on the top principal axis."""
    xp = namespace(honest)
    R, h, _ = honest.shape
    c = honest - xp.mean(honest, axis=1, keepdims=True)
    uniform = xp.full((R, h), 1.0 / h, dtype=honest.dtype, device=honest.device)
    _, proj_sq = top_eigenpair(xp.matmul(c, xp.matrix_transpose(c)), uniform)
    return xp.argmax(proj_sq, axis=1)


@register("attack", "mimic")
@dataclass(frozen=True)
class Mimic(AttackSpec):
    """Every Byzantine worker copies one honest worker (fixed, or the principal-axis outlier)."""

    target: str = param("index", OneOf(("index", "direction")), "which honest worker to copy")
    index: int = param(0, Integer(0, None), "honest worker copied when target = 'index'")

    def check_setting(self, setting):
        require(self.index < setting.n_honest, "attack.index", self.index,
                f"must be < the number of honest workers n - f = {setting.n_honest}")

    def craft(self, honest, ctx):
        if self.target == "index":
            chosen = honest[:, self.index, :]
        else:
            chosen = take_rows(honest, principal_outlier(honest)[:, None])[:, 0, :]
        return replicate(chosen, ctx.f)
