r"""Centered clipping, CClip (Karimireddy, He, Jaggi, "Learning from History for Byzantine Robust
Optimization", ICML 2021, Algorithm 2).

.. math::
    v \leftarrow v + \frac1n \sum_{i=1}^n \mathrm{clip}_\tau(x_i - v),\qquad
    \mathrm{clip}_\tau(u) = u \min(1, \tau/\|u\|),

repeated ``iters`` times, v started at the previous round's output.  The centre is the
aggregator's explicit **state** ([R,d], returned with the output): it is never kept on the object
(ByzFL and the Karimireddy code do, pitfall #14).  State ``None`` means no round yet; the first
centre is then 0 (ByzFL, "Learning from History") or the coordinate median (``start``).

Defaults tau = 10, iters = 3 (bucketing-paper experiments); ByzFL uses tau = 100, iters = 1.  Its
(delta, c) guarantee needs a good start and delta <= 0.1 (constants UNVERIFIED): no (f, kappa)
constant is declared (from a fixed centre the error is unbounded in the input scale).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import namespace
from ..params import Integer, OneOf, Real, param
from ..registry import register
from .base import AggregatorSpec
from .geometric import start_point
from .geometry import clip_scales, distances_to, sq_row_norms, weighted_sum


def centered_clip(x, centre, tau: float, iters: int):
    """``iters`` centred-clipping steps on x [R,n,d] from ``centre`` [R,d]:
    v + (1/n) sum_i s_i (x_i - v) with s_i = min(1, tau/||x_i - v||), distances expanded around the
    starting centre (no [R,n,d] temporary per step)."""
    xp = namespace(x)
    n = x.shape[1]
    y = x - centre[:, None, :]
    sq = sq_row_norms(y)
    u = xp.zeros_like(centre)  # v minus the starting centre
    for _ in range(iters):
        s = clip_scales(distances_to(y, sq, u), tau)
        u = u + (weighted_sum(s, y) - xp.sum(s, axis=1)[:, None] * u) / n
    return centre + u


@register("aggregator", "cclip")
@dataclass(frozen=True)
class CenteredClip(AggregatorSpec):
    """Centered clipping around the previous output (the centre is explicit state)."""

    tau: float = param(10.0, Real(0, None, "neither"), "clipping radius tau")
    iters: int = param(3, Integer(1, 1000), "clipping iterations L per round")
    start: str = param("zero", OneOf(("zero", "median")), "centre of the first round (state None)")

    kappa_provenance = "(delta, c)-robust from a good start (Karimireddy et al. 2021; constants UNVERIFIED)"

    def aggregate(self, x, *, f, state=None, streams=None):
        centre = start_point(x, self.start) if state is None else state
        out = centered_clip(x, centre, self.tau, self.iters)
        return out, out
