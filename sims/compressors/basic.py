r"""Identity, Rand-K (independent masks) and coordinated Rand-K (one shared mask, RoSDHB).

Rand-K keeps a uniform K-subset S of the coordinates and scales by d/K: unbiased with
:math:`\omega = d/K - 1` (equality).  Independent masks cost :math:`K(b_f + \lceil\log_2 d\rceil)`
bits; the coordinated variant draws one S per replica per round, shared by all workers through a
seed, and costs :math:`K b_f` bits.  Under a shared mask honest messages differ only on S, and the
engine restricts Byzantine messages to S (Gupta et al. 2026, RoSDHB; specs/components.md 7.3).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import like
from ..params import Integer, param, require
from ..registry import register
from .base import CompressorSpec, constant_bits, index_bits


@register("compressor", "identity")
@dataclass(frozen=True)
class Identity(CompressorSpec):
    """No compression: omega = 0, alpha = 1, d floats."""

    category = "identity"

    def omega(self, d):
        return 0.0

    def alpha(self, d):
        return 1.0

    def norm_bound(self, d):
        return 1.0

    def compress(self, v, streams, shared=None, b_f=32):
        return v, constant_bits(v.shape[0], v.shape[1], self.bits(v.shape[2], b_f))


@dataclass(frozen=True)
class _KSparse(CompressorSpec):
    counts_coordinates = True  # K (index, value) pairs: the server can count them
    k: int = param(1, Integer(1, None), "coordinates kept (K)")

    def check_setting(self, setting):
        require(self.k <= setting.d, "compressor.k", self.k, f"must be <= d = {setting.d} (problem dimension)")

    def omega(self, d):
        return d / self.k - 1.0

    def alpha(self, d):
        return self.k / d

    def norm_bound(self, d):
        return d / self.k

    def density(self, d):
        return float(self.k)

    def bits(self, d, b_f=32):
        """K values and K indices."""
        return float(self.k * (b_f + index_bits(d)))


def random_mask(v, streams, k: int):
    """An independent uniform k-subset mask per message of v [R,m,d], in v's dtype."""
    R, m, d = v.shape
    return like(v, streams.subset_masks("compress", d, k, (m,)))  # [R,m,d]


@register("compressor", "randk")
@dataclass(frozen=True)
class RandK(_KSparse):
    """Unbiased Rand-K with an independent mask per worker, scaled by d/K."""

    def compress(self, v, streams, shared=None, b_f=32):
        R, m, d = v.shape
        return v * random_mask(v, streams, self.k) * (d / self.k), constant_bits(R, m, self.bits(d, b_f))


@register("compressor", "coordinated_randk")
@dataclass(frozen=True)
class CoordinatedRandK(_KSparse):
    """Rand-K with ONE mask per replica per round shared by all workers (RoSDHB), scaled by d/K."""

    shared_randomness = True

    def draw_shared(self, streams, d, backend):
        return backend.asarray(streams.subset_masks("shared", d, self.k))  # [R,d]

    def draw_coordinates(self, streams, d):
        """The round's mask as its k coordinates, ascending (host int64 [R,k]): the set
        :meth:`draw_shared` marks, from the same draws (a round calls one of the two)."""
        return streams.subset_coordinates("shared", d, self.k)

    def bits(self, d, b_f=32):
        """K values; the mask comes from a shared seed (no indices)."""
        return float(self.k * b_f)

    def compress(self, v, streams, shared=None, b_f=32):
        R, m, d = v.shape
        # (mask * d/k) is exactly 0 or d/k, so v * (mask * d/k) == v * mask * (d/k) bit for bit,
        # with one pass over [R,m,d] instead of two
        return v * (shared * (d / self.k))[:, None, :], constant_bits(R, m, self.bits(d, b_f))

    def enforce(self, byz, shared=None):
        return byz * shared[:, None, :]

