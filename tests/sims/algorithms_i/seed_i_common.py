"""Shared tables of the issue-4 algorithm tests.

Top-K and FOE come from the component catalogue (registry names ``topk`` and ``ipm``, the latter
being FOE); while they are not registered the tests fall back to a local Top-K spec and to sign
flipping.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sims import registry
from sims.backend import like
from sims.compressors.base import CompressorSpec, constant_bits, index_bits
from sims.params import Integer, param

LOGISTIC = {"name": "logistic", "d": 6, "m": 20, "batch": 4, "het": 1.0, "lam": 0.05, "x0_scale": 1.0}


@dataclass(frozen=True)
class LocalTopK(CompressorSpec):
    """Top-K (keep the K largest |v_j|), contractive with alpha = K/d: K values + K indices."""

    category = "contractive"
    name = "topk"
    kind = "compressor"
    k: int = param(1, Integer(1, None), "coordinates kept")

    def alpha(self, d):
        return self.k / d

    def compress(self, v, streams, shared=None, b_f=32):
        a = np.asarray(v)
        keep = np.argsort(-np.abs(a), axis=2, kind="stable")[:, :, : self.k]
        mask = np.zeros(a.shape, dtype=bool)
        np.put_along_axis(mask, keep, True, axis=2)
        R, m, d = a.shape
        return v * like(v, mask), constant_bits(R, m, self.k * (b_f + index_bits(d)))


def topk_table(k: int):
    """The catalogue's Top-K by registry name, or the local one while it is not registered."""
    if "topk" in registry.names("compressor"):
        return {"name": "topk", "k": k}
    return LocalTopK(k=k)


def foe_table(eps: float = 10.0):
    """The catalogue's FOE (registered as ``ipm``: -eps * mu_H, restricted to a shared mask by the
    engine; eps = 10 is the RoSDHB code's FOE default), or sign flipping while absent."""
    names = registry.names("attack")
    for name in ("foe", "ipm"):
        if name in names:
            return {"name": name, "eps": eps}
    return {"name": "sign_flip"}
