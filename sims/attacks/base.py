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


@dataclass(frozen=True)
class AttackSpec(Spec):
    drops: ClassVar[bool] = False  # True: the Byzantine workers send nothing at all

    def craft(self, honest, ctx: AttackContext):  # pragma: no cover - interface
        raise NotImplementedError


def replicate(v, f: int):
    """The same vector [R,d] sent by all f Byzantine workers: [R,f,d] (ByzFL convention)."""
    xp = namespace(v)
    return xp.broadcast_to(v[:, None, :], (v.shape[0], f, v.shape[1]))


def column(a, ndim: int = 2):
    """A per-replica (R,) array shaped to broadcast against [R, ...] arrays of ``ndim`` dims."""
    xp = namespace(a)
    return xp.reshape(a, (a.shape[0],) + (1,) * (ndim - 1))
