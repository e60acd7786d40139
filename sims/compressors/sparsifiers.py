r"""Biased (contractive) sparsifiers: Top-K and unscaled Rand-K.

Contractive: :math:`E\|C(x) - x\|^2 \le (1 - \alpha)\|x\|^2` (EF21 convention, Richtárik,
Sokolov, Fatkhullin, NeurIPS 2021).

* Top-K: keep the K largest :math:`|x_j|` (ties: lower index).  :math:`\alpha = K/d`, attained by
  vectors with equal magnitudes (usually much better); deterministic.  K values + K indices.
* Unscaled Rand-K: keep a uniform K-subset, no d/K scaling: :math:`E\|C(x)-x\|^2 = (1 - K/d)\|x\|^2`
  exactly, so :math:`\alpha = K/d`.  K values + K indices (independent masks).

Both have D_Q = 1 and density K (specs/components.md 7.2).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..aggregators.geometry import ranked_below
from ..backend import namespace
from ..registry import register
from .base import constant_bits
from .basic import _KSparse, random_mask


@dataclass(frozen=True)
class _Contractive(_KSparse):
    category = "contractive"

    def omega(self, d):
        return None

    def norm_bound(self, d):
        return 1.0


@register("compressor", "topk")
@dataclass(frozen=True)
class TopK(_Contractive):
    """Top-K: the K largest-magnitude coordinates (contractive, alpha = K/d)."""

    def compress(self, v, streams, shared=None, b_f=32):
        xp = namespace(v)
        R, m, d = v.shape
        keep = ranked_below(-xp.abs(v), self.k)
        return xp.where(keep, v, xp.zeros_like(v)), constant_bits(R, m, self.bits(d, b_f))


@register("compressor", "unscaled_randk")
@dataclass(frozen=True)
class UnscaledRandK(_Contractive):
    """Rand-K without the d/K scaling (biased; contractive with alpha = K/d)."""

    def compress(self, v, streams, shared=None, b_f=32):
        R, m, d = v.shape
        return v * random_mask(v, streams, self.k), constant_bits(R, m, self.bits(d, b_f))
