r"""The attack interface: omniscient Byzantine workers.

``craft(honest[R,h,d], ctx) -> [R,f,d]``: the Byzantine messages of one round, from the honest
messages (already compressed and decoded, as the server sees them) and a read-only
:class:`AttackContext`.  The engine then projects them on what the server can enforce (e.g. a
shared mask's support).  Per-replica strengths (fields declared batched) arrive as (R,) arrays in
``ctx.hp``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from ..backend import namespace
from ..params import Spec


@dataclass(frozen=True)
class AttackContext:
    """What an omniscient attacker may read; never the engine itself."""

    t: int
    n: int
    f: int
    declared_f: int
    aggregator: Any  # sims.aggregators.Chain
    honest_mean: Any  # [R,d]
    shared: Any = None  # the round's shared randomness (e.g. coordinated mask [R,d])
    streams: Any = None
    hp: Mapping[str, Any] = field(default_factory=dict)
    problem: Any = None
    x: Any = None  # the current model [R,d] (label flipping recomputes gradients)
    x0: Any = None  # the initial model [R,d] (shift-back pulls towards it)
    sampled: Any = None  # host [R,n] bool: who takes part this round (None: everyone; Byzantine columns last)


@dataclass(frozen=True)
class AttackSpec(Spec):
    drops: ClassVar[bool] = False  # True: the Byzantine workers send nothing at all

    def craft(self, honest, ctx: AttackContext):  # pragma: no cover - interface
        raise NotImplementedError

    def describe_constants(self, n: int, f: int) -> str:
        """One line of declared constants for ``byzcomp list`` (none by default)."""
        return ""

    def hyper(self, ctx: AttackContext, name: str, ndim: int = 2):
        """Batched field ``name`` as an (R, 1, ...) column: ``ctx.hp[name]`` when the engine stacked it,
        else this spec's scalar."""
        if name in ctx.hp:
            return column(ctx.hp[name], ndim)
        return getattr(self, name)


def replicate(v, f: int):
    """The same vector [R,d] sent by all f Byzantine workers: [R,f,d] (ByzFL convention)."""
    xp = namespace(v)
    return xp.broadcast_to(v[:, None, :], (v.shape[0], f, v.shape[1]))


def column(a, ndim: int = 2):
    """A per-replica (R,) array shaped to broadcast against [R, ...] arrays of ``ndim`` dims."""
    xp = namespace(a)
    return xp.reshape(a, (a.shape[0],) + (1,) * (ndim - 1))


class RedirectedStreams:
    """A view of :class:`~sims.rng.ReplicaStreams` for an attacker's private computations: draws for
    the purposes in ``redirect`` come from the replica's "attack" stream instead (so a simulated
    aggregation or a label-flipped oracle call never consumes the honest "aggregate" / "oracle"
    streams), and every draw is repeated ``repeat`` times along the replica axis (one draw shared by
    the candidates of a batched search: common random numbers)."""

    def __init__(self, streams, redirect=("aggregate", "oracle"), repeat: int = 1):
        self.streams, self.redirect, self.repeat = streams, tuple(redirect), repeat

    @property
    def R(self) -> int:
        return self.streams.R * self.repeat

    def _draw(self, method: str, purpose: str, *args, **kwargs):
        out = getattr(self.streams, method)("attack" if purpose in self.redirect else purpose, *args, **kwargs)
        return np.repeat(out, self.repeat, axis=0) if self.repeat > 1 else out

    def normal(self, purpose, shape):
        return self._draw("normal", purpose, shape)

    def uniform(self, purpose, shape):
        return self._draw("uniform", purpose, shape)

    def integers(self, purpose, high, shape):
        return self._draw("integers", purpose, high, shape)

    def bernoulli(self, purpose, p, shape=()):
        return self._draw("bernoulli", purpose, p, shape)

    def subsets(self, purpose, d, k, shape=()):
        return self._draw("subsets", purpose, d, k, shape)

    def permutations(self, purpose, m, shape=()):
        return self._draw("permutations", purpose, m, shape)
