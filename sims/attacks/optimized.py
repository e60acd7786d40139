r"""Optimised ALIE and IPM: the attack scale tau is searched with the server's aggregator in the loop.

Objective (ByzFL's "optimal" attacks, specs/components.md 6.6):
:math:`\varphi(\tau) = \|F(\mathrm{honest} \cup f \text{ copies of } b(\tau)) - \mu_H\|^2` with the
server's chain F (pre-aggregators included) and declared f, from a fresh aggregator state.

* ``opt_alie``: :math:`b(\tau) = \mu_H - \tau\hat\sigma` (coordinate-wise, ddof = 1).
* ``opt_ipm``: :math:`b(\tau) = -\tau\mu_H` (the FOE sweep of the RoSDHB scripts).

Optimiser: a grid of ``candidates`` scales on [low, high], evaluated for all replicas and candidates
in one batched call of the aggregator ([R * C, n, d], chunked over candidates to bound memory), then
``rounds - 1`` zooms onto [tau* - step, tau* + step] (step = the grid spacing), so the budget is
``candidates * rounds`` evaluations and the final resolution is (high - low) (2/(C-1))^(rounds-1)/(C-1).
Unlike ByzFL's scan, which only tries increments +delta from its start (pitfall #16), every grid point
of [low, high] is tried.  A randomised pre-aggregator (bucketing) draws from the replica's "attack"
stream, one draw shared by all candidates (common random numbers), never from the server's stream.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import like, namespace, to_numpy
from ..params import Integer, Real, param, require
from ..registry import register
from .base import AttackSpec, RedirectedStreams, replicate
from .basic import honest_std

CHUNK_ELEMENTS = 1 << 20  # per replica: candidates x n x d of one aggregator call


def attack_objective(honest, ctx, byz):
    """phi for each replica and candidate: byz [R,C,d] (one Byzantine vector per candidate) -> host [R,C]."""
    xp = namespace(honest)
    R, h, d = honest.shape
    C, n = byz.shape[1], h + ctx.f
    chunk = max(1, CHUNK_ELEMENTS // (n * d))
    values = []
    for lo in range(0, C, chunk):
        b = byz[:, lo : lo + chunk, :]
        c = b.shape[1]
        msgs = xp.concat([xp.broadcast_to(honest[:, None, :, :], (R, c, h, d)),
                          xp.broadcast_to(b[:, :, None, :], (R, c, ctx.f, d))], axis=2)
        out, _ = ctx.aggregator.aggregate(xp.reshape(msgs, (R * c, n, d)), f=ctx.declared_f,
                                          streams=RedirectedStreams(ctx.streams, repeat=c))
        gap = xp.reshape(out, (R, c, d)) - ctx.honest_mean[:, None, :]
        values.append(to_numpy(xp.sum(gap * gap, axis=2)))
    return np.nan_to_num(np.concatenate(values, axis=1), nan=-np.inf)


def best_scale(honest, ctx, base, direction, low: float, high: float, candidates: int, rounds: int):
    """The tau [R] maximising phi(tau) for b(tau) = base + tau * direction (grid, then zooms)."""
    R = honest.shape[0]
    lo, hi = np.full(R, low), np.full(R, high)
    best_tau, best_val = lo.copy(), np.full(R, -np.inf)
    grid = np.linspace(0.0, 1.0, candidates)
    rows = np.arange(R)
    for _ in range(rounds):
        taus = lo[:, None] + (hi - lo)[:, None] * grid[None, :]
        tau_b = like(base, taus)
        values = attack_objective(honest, ctx, base[:, None, :] + tau_b[:, :, None] * direction[:, None, :])
        k = np.argmax(values, axis=1)
        better = values[rows, k] > best_val
        best_tau = np.where(better, taus[rows, k], best_tau)
        best_val = np.where(better, values[rows, k], best_val)
        step = (hi - lo) / (candidates - 1)
        lo, hi = np.maximum(low, best_tau - step), np.minimum(high, best_tau + step)
    return like(base, best_tau)


@dataclass(frozen=True)
class _ScaleSearch(AttackSpec):
    low: float = param(0.0, Real(None, None), "smallest scale tried")
    high: float = param(10.0, Real(None, None), "largest scale tried")
    candidates: int = param(16, Integer(2, 4096), "grid points per round (batched in one aggregator call)")
    rounds: int = param(3, Integer(1, 50), "grid rounds (each zooms onto the best point)")

    def validate(self):
        require(self.low < self.high, "attack.high", self.high, f"must be > attack.low = {self.low}")

    def line(self, honest, ctx):  # pragma: no cover - interface
        """(base, direction) [R,d] of the candidate vectors base + tau * direction."""
        raise NotImplementedError

    def craft(self, honest, ctx):
        base, direction = self.line(honest, ctx)
        tau = best_scale(honest, ctx, base, direction, self.low, self.high, self.candidates, self.rounds)
        return replicate(base + tau[:, None] * direction, ctx.f)


@register("attack", "opt_alie")
@dataclass(frozen=True)
class OptimizedALIE(_ScaleSearch):
    """ALIE mu_H - tau * std_H with tau maximising the aggregate's distance from mu_H."""

    def line(self, honest, ctx):
        return ctx.honest_mean, -honest_std(honest)


@register("attack", "opt_ipm")
@dataclass(frozen=True)
class OptimizedIPM(_ScaleSearch):
    """IPM / FOE -tau * mu_H with tau maximising the aggregate's distance from mu_H."""

    def line(self, honest, ctx):
        return namespace(honest).zeros_like(ctx.honest_mean), -ctx.honest_mean
