r"""Perm-K (Szlendak, Tyurin, Richtárik, "Permutation Compressors for Provably Faster Distributed
Nonconvex Optimization", ICLR 2022, Definition 2): correlated sparsification over B workers.

A random permutation of the d coordinates, shared by all workers of a replica (drawn once per round
by the engine; a shared seed, no index bits), splits them into B blocks of q = d/B; worker i keeps
block i scaled by B.  Each C_i is unbiased with :math:`\omega = B - 1` (equality) and, jointly,
:math:`E\|\frac1B\sum_i C_i(a_i) - \bar a\|^2 = \frac1B\sum_i\|a_i - \bar a\|^2` (specs 7.2).  We
require B | d (the replicated-block construction for d < B is not implemented).

``workers``: B.  Set it to the run's n (checked): honest worker i gets block i and Byzantine worker
j is restricted by the server to block n - f + j (``enforce``).  Left unset, B is the number of
messages compressed together (the honest workers), and Byzantine messages are not restricted.
Bits: q values.  D_Q = B, density q.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import namespace
from ..params import Integer, Optional, param, require
from ..registry import register
from .base import CompressorSpec, constant_bits


@register("compressor", "permk")
@dataclass(frozen=True)
class PermK(CompressorSpec):
    """Perm-K: worker i keeps block i of a shared permutation, scaled by B (set workers = n for omega)."""

    workers: int | None = param(None, Optional(Integer(1, None)), "B, the workers sharing the permutation "
                                "(set to workers.n; unset: the messages compressed together)")

    shared_randomness = True

    @property
    def bits_exact(self) -> bool:  # type: ignore[override]  # a class flag elsewhere; here it depends on `workers`
        """Exact with ``workers`` set; otherwise the declared d * b_f is an upper bound."""
        return self.workers is not None

    def check_setting(self, setting):
        blocks = setting.n_honest if self.workers is None else self.workers
        if self.workers is not None:
            require(self.workers == setting.n, "compressor.workers", self.workers,
                    f"must equal workers.n = {setting.n}")
        require(setting.d % blocks == 0, "problem.d", setting.d,
                f"permk needs d divisible by the {blocks} blocks (compressor.workers or n - f)")

    def omega(self, d):
        return None if self.workers is None else float(self.workers - 1)

    def alpha(self, d):
        return None if self.workers is None else 1.0 / self.workers

    def norm_bound(self, d):
        return None if self.workers is None else float(self.workers)

    def density(self, d):
        return float(d) if self.workers is None else d / self.workers

    def bits(self, d, b_f=32):
        return float(d * b_f) if self.workers is None else d / self.workers * b_f

    def draw_shared(self, streams, d, backend):
        """Position of every coordinate in the round's permutation: [R,d] int."""
        return backend.asarray(np.argsort(streams.permutations("shared", d), axis=-1), dtype="int64")

    def blocks(self, d: int, m: int) -> int:
        blocks = m if self.workers is None else self.workers
        require(d % blocks == 0 and m <= blocks, "compressor.workers", self.workers,
                f"needs d = {d} divisible by B and at most B messages (B = {blocks}, {m} messages)")
        return blocks

    def compress(self, v, streams, shared=None, b_f=32):
        xp = namespace(v)
        R, m, d = v.shape
        B = self.blocks(d, m)
        owner = shared // (d // B)  # block of every coordinate [R,d]
        rows = xp.reshape(xp.arange(m, device=v.device), (1, m, 1))
        keep = owner[:, None, :] == rows
        out = xp.where(keep, v * B, xp.zeros_like(v))
        return out, constant_bits(R, m, (d // B) * b_f)

    def enforce(self, byz, shared=None):
        if self.workers is None:
            return byz
        xp = namespace(byz)
        f, d = byz.shape[1], byz.shape[2]
        rows = xp.reshape(xp.arange(self.workers - f, self.workers, device=byz.device), (1, f, 1))
        keep = (shared // (d // self.workers))[:, None, :] == rows
        return xp.where(keep, byz, xp.zeros_like(byz))
