r"""The compressor interface.

``compress(v[R,m,d], streams, shared, b_f) -> (v_hat[R,m,d], bits[R,m])`` returns the *decoded*
message the server sees and the bits each of the m messages costs on the wire.  A compressor
declares its class: ``unbiased`` (E C(x) = x, E||C(x)-x||^2 <= omega ||x||^2) or ``contractive``
(E||C(x)-x||^2 <= (1-alpha)||x||^2), the constant as a function of d, and whether its randomness is
*shared* by all workers of a replica (coordinated; drawn once per replica per round by the engine
through :meth:`draw_shared` and passed to every call of the round).  ``enforce`` projects Byzantine
messages on what the server can check (e.g. the support of a shared mask); where messages are K
(index, value) pairs (``counts_coordinates``: independent Rand-K, Top-K) the server can also count
them, and :meth:`restrict_density` (applied when the run's ``enforce_density`` is on) keeps a
Byzantine message's K largest |entries|, the closest K-sparse vector to what the attack wants.

Bits: ``b_f`` per float, ceil(log2 d) per transmitted index; a mask from a shared seed costs no
index bits (specs/components.md section 7.4); :meth:`bits` declares one message's bits (exact, or an
upper bound where the count depends on the message).  Compressors never mutate their input.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..aggregators.geometry import ranked_below
from ..backend import namespace
from ..params import Spec

CATEGORIES = ("identity", "unbiased", "contractive")


@dataclass(frozen=True)
class CompressorSpec(Spec):
    category: ClassVar[str] = "unbiased"
    shared_randomness: ClassVar[bool] = False
    counts_coordinates: ClassVar[bool] = False  # messages are density(d) index-value pairs

    def omega(self, d: int) -> float | None:
        """Variance constant of an unbiased compressor (None if not unbiased)."""
        return None

    def alpha(self, d: int) -> float | None:
        """Contraction constant (unbiased compressors: alpha = 1/(1+omega) after scaling)."""
        return None

    def norm_bound(self, d: int) -> float | None:
        """D_Q with ||C(x)|| <= D_Q ||x|| (Byz-VR-MARINA-PP Assumption 2.4), where one exists."""
        return None

    def density(self, d: int) -> float:
        """Expected number of non-zeros zeta_Q (upper bound)."""
        return float(d)

    def draw_shared(self, streams, d: int, backend) -> Any:
        """Randomness shared by all workers of a replica for one round (None if independent)."""
        return None

    def compress(self, v, streams, shared=None, b_f: int = 32):  # pragma: no cover - interface
        raise NotImplementedError

    def enforce(self, byz, shared=None):
        """Project Byzantine messages [R,f,d] on what the server can enforce (default: nothing)."""
        return byz

    def restrict_density(self, byz):
        """Byzantine messages [R,f,d] cut to density(d) non-zeros (their largest |entries|, ties:
        lower index); unchanged where the compressor's messages are not counted pairs."""
        d = byz.shape[2]
        if not self.counts_coordinates or self.density(d) >= d:
            return byz
        xp = namespace(byz)
        keep = ranked_below(-xp.abs(byz), int(self.density(d)))
        return xp.where(keep, byz, xp.zeros_like(byz))

    def bits(self, d: int, b_f: int = 32) -> float:
        """Bits of one message: exact when ``bits_exact``, else an upper bound (override)."""
        return float(d * b_f)

    bits_exact: ClassVar[bool] = True

    def constants(self, d: int) -> dict[str, float | None]:
        return {"omega": self.omega(d), "alpha": self.alpha(d), "D_Q": self.norm_bound(d),
                "zeta_Q": self.density(d), ("bits" if self.bits_exact else "bits_max"): self.bits(d)}


def index_bits(d: int) -> int:
    """Bits to transmit one index into [d]: ceil(log2 d)."""
    return max(1, math.ceil(math.log2(d))) if d > 1 else 0


def constant_bits(R: int, m: int, bits: float) -> np.ndarray:
    """Bits [R, m] with every message ``bits`` long (read-only, see :func:`frozen_full`)."""
    return frozen_full((R, m), float(bits))


@functools.lru_cache(maxsize=256)
def frozen_full(shape: tuple[int, ...], value: float) -> np.ndarray:
    """``np.full(shape, value)``, read-only and shared by every call with the same arguments: a
    round's constant bit counts cost no allocation, and the engine adds up a repeated read-only
    array once (its values cannot change)."""
    out = np.full(shape, value)
    out.flags.writeable = False
    return out
