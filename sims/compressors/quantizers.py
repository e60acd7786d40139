r"""Quantizers: natural compression, random dithering / QSGD with s levels, scaled sign.

* Natural compression (Horváth, Ho, Horváth, Sahu, Canini, Richtárik, "Natural Compression for
  Distributed Deep Learning", MSML 2022): each coordinate is rounded at random to one of the two
  nearest powers of two, :math:`2^e \le |x_j| < 2^{e+1}`, up with probability
  :math:`(|x_j| - 2^e)/2^e`: unbiased, :math:`\omega = 1/8` (attained at :math:`|x_j| = \tfrac43 2^e`),
  D_Q = 2.  Bits: a sign and an exponent per coordinate, 1 + 8 for float32 (9d; 1 + 11 for
  float64, 1 + 5 for float16).
* QSGD / l2 random dithering with s levels (Alistarh, Grubic, Li, Tomioka, Vojnovic, NeurIPS 2017):
  :math:`Q(x)_j = \|x\|\,\mathrm{sign}(x_j)\,\xi_j/s`, :math:`\xi_j` the stochastic rounding of
  :math:`s|x_j|/\|x\|`: unbiased with :math:`\omega = \min(d/s^2, \sqrt d/s)`,
  :math:`D_Q = \min(\sqrt d, 1 + \sqrt d/s)`, density :math:`\le \min(d, s(s+\sqrt d))`.  Bits as
  sent with Elias-gamma codes: the norm (b_f) plus, per non-zero coordinate, a sign, gamma(xi_j) and
  gamma(gap to the previous non-zero index); the declared ``bits`` is the worst case
  b_f + d (2 + gamma(s)) (every coordinate at level s), the realised count is returned per message.
* Scaled sign (Karimireddy, Rebjock, Stich, Jaggi, ICML 2019, EF-SignSGD):
  :math:`C(x) = (\|x\|_1/d)\,\mathrm{sign}(x)`, deterministic, :math:`\|C(x) - x\|^2 = (1 - \alpha(x))\|x\|^2`
  with :math:`\alpha(x) = \|x\|_1^2/(d\|x\|_2^2) \ge 1/d` when no coordinate is 0 (zero coordinates,
  sent as sign 0, only lower the error); d sign bits + one float.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..backend import like, namespace, to_numpy
from ..params import Integer, param
from ..registry import register
from .base import CompressorSpec, constant_bits

EXPONENT_BITS = {16: 5, 32: 8, 64: 11}


def elias_gamma_bits(k: np.ndarray) -> np.ndarray:
    """Length of the Elias-gamma code of integers k >= 1: 2 floor(log2 k) + 1."""
    return 2.0 * np.floor(np.log2(np.maximum(k, 1))) + 1.0


def sparse_level_bits(levels: np.ndarray, b_f: int) -> np.ndarray:
    """Bits of Elias-coded QSGD messages with integer levels [R,m,d]: [R,m]."""
    d = levels.shape[-1]
    nonzero = levels > 0
    index = np.arange(d)
    last = np.maximum.accumulate(np.where(nonzero, index, -1), axis=-1)
    previous = np.concatenate([np.full(levels.shape[:-1] + (1,), -1), last[..., :-1]], axis=-1)
    per = 1.0 + elias_gamma_bits(levels) + elias_gamma_bits(index - previous)
    return b_f + np.sum(np.where(nonzero, per, 0.0), axis=-1)


def power_of_two_below(a):
    """2^floor(log2 a) for a > 0, corrected for log2 rounding at exact powers of two."""
    xp = namespace(a)
    low = 2.0 ** xp.floor(xp.log2(a))
    low = xp.where(low > a, 0.5 * low, low)
    return xp.where(2.0 * low <= a, 2.0 * low, low)


@register("compressor", "natural")
@dataclass(frozen=True)
class NaturalCompression(CompressorSpec):
    """Random rounding of every coordinate to a neighbouring power of two (omega = 1/8)."""

    def omega(self, d):
        return 0.125

    def alpha(self, d):
        return 1.0 / 1.125

    def norm_bound(self, d):
        return 2.0

    def bits(self, d, b_f=32):
        """Sign and exponent per coordinate."""
        return float(d * (1 + EXPONENT_BITS.get(b_f, 8)))

    def compress(self, v, streams, shared=None, b_f=32):
        xp = namespace(v)
        R, m, d = v.shape
        a = xp.abs(v)
        nonzero = a > 0
        low = power_of_two_below(xp.where(nonzero, a, xp.ones_like(a)))
        up = like(v, streams.uniform("compress", (m, d))) < (a - low) / low
        rounded = xp.sign(v) * xp.where(up, 2.0 * low, low)
        return xp.where(nonzero, rounded, xp.zeros_like(v)), constant_bits(R, m, self.bits(d, b_f))


@register("compressor", "qsgd")
@dataclass(frozen=True)
class QSGD(CompressorSpec):
    """QSGD / l2 random dithering with s levels (unbiased, omega = min(d/s^2, sqrt(d)/s))."""

    s: int = param(1, Integer(1, None), "quantization levels")

    bits_exact = False

    def omega(self, d):
        return min(d / self.s**2, math.sqrt(d) / self.s)

    def alpha(self, d):
        return 1.0 / (1.0 + self.omega(d))

    def norm_bound(self, d):
        return min(math.sqrt(d), 1.0 + math.sqrt(d) / self.s)

    def density(self, d):
        return float(min(d, self.s * (self.s + math.sqrt(d))))

    def bits(self, d, b_f=32):
        """Worst case of the Elias-coded message: every coordinate non-zero at level s."""
        return float(b_f + d * (2.0 + elias_gamma_bits(np.array(self.s))))

    def compress(self, v, streams, shared=None, b_f=32):
        xp = namespace(v)
        R, m, d = v.shape
        norm = xp.linalg.vector_norm(v, axis=2, keepdims=True)
        scaled = self.s * xp.abs(v) / xp.where(norm > 0, norm, xp.ones_like(norm))
        floor = xp.floor(scaled)
        levels = floor + xp.astype(like(v, streams.uniform("compress", (m, d))) < scaled - floor, v.dtype)
        out = norm * xp.sign(v) * levels / self.s
        return out, sparse_level_bits(to_numpy(levels).astype(np.int64), b_f)


@register("compressor", "scaled_sign")
@dataclass(frozen=True)
class ScaledSign(CompressorSpec):
    """(||x||_1/d) sign(x): contractive with alpha(x) = ||x||_1^2/(d ||x||_2^2) >= 1/d."""

    category = "contractive"

    def alpha(self, d):
        return 1.0 / d

    def norm_bound(self, d):
        return 1.0

    def bits(self, d, b_f=32):
        """d signs and one float."""
        return float(d + b_f)

    def compress(self, v, streams, shared=None, b_f=32):
        xp = namespace(v)
        R, m, d = v.shape
        scale = xp.sum(xp.abs(v), axis=2, keepdims=True) / d
        return scale * xp.sign(v), constant_bits(R, m, self.bits(d, b_f))
