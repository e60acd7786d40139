"""Shared stages of a round, so each algorithm module only writes what is its own.

A round walks one way: honest local estimator -> compress (+ bits) -> attack (read-only context) ->
enforce what the server can check -> pre-aggregate -> aggregate -> server step -> metrics.
Honest workers come first in the message axis, Byzantine workers last.
"""
from __future__ import annotations

import numpy as np

from ..attacks.base import AttackContext
from .base import Setup


def shared_randomness(setup: Setup):
    """The compressor's per-replica randomness for this round (e.g. a coordinated mask), or None."""
    return setup.compressor.draw_shared(setup.streams, setup.d, setup.backend)


def compress(setup: Setup, v, shared=None):
    """Compress honest vectors v [R,h,d]: (decoded messages, bits [R,h])."""
    return setup.compressor.compress(v, setup.streams, shared, setup.b_f)


def byzantine(setup: Setup, honest, t: int, x, shared=None):
    """The Byzantine messages [R,f',d] crafted from the honest ones and projected on what the
    server can enforce (f' = 0 when the attack is silent)."""
    xp = setup.xp
    ctx = AttackContext(
        t=t, n=setup.setting.n, f=setup.setting.f, declared_f=setup.setting.declared_f,
        aggregator=setup.aggregator, honest_mean=xp.mean(honest, axis=1), shared=shared,
        streams=setup.streams, hp=setup.attack_hp, problem=setup.problem, x=x,
    )
    if setup.setting.f == 0:
        return honest[:, :0, :]
    return setup.compressor.enforce(setup.attack.craft(honest, ctx), shared)


def with_byzantine(setup: Setup, honest, t: int, x, shared=None):
    """Honest messages followed by the Byzantine ones: [R, n_senders, d]."""
    return setup.xp.concat([honest, byzantine(setup, honest, t, x, shared)], axis=1)


def aggregate(setup: Setup, messages, agg_state):
    """Pre-aggregate and aggregate with the declared f: ([R,d], new aggregator state)."""
    return setup.aggregator.aggregate(messages, f=setup.setting.declared_f, state=agg_state, streams=setup.streams)


def dense_bits(setup: Setup) -> np.ndarray:
    """A dense d-float broadcast per replica: [R]."""
    return np.full(setup.R, float(setup.d * setup.b_f))


def ema(setup: Setup, old, new, name: str = "beta", style: str = "ema"):
    """Momentum update with the per-replica weight ``name`` on the old value.

    ``ema``: beta*old + (1-beta)*new (Allouah et al., ByzFL);  ``torch``: beta*old + new (the torch
    heavy-ball buffer of the Karimireddy code; effective step larger by 1/(1-beta)).
    """
    beta = setup.col(name, new.ndim)
    return beta * old + ((1 - beta) * new if style == "ema" else new)
