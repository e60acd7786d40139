"""Shared stages of a round, so each algorithm module only writes what is its own.

A round walks one way: honest local estimator -> compress (+ bits) -> attack (read-only context) ->
enforce what the server can check (:func:`enforced`) -> pre-aggregate -> aggregate -> server step -> metrics.
Honest workers come first in the message axis, Byzantine workers last.

Accounting conventions of :class:`~sims.algorithms.base.StepInfo`, shared by every algorithm:

* ``grad_evals`` counts *oracle calls per honest worker per round*: each call of
  ``problem.full_grad`` or ``problem.stochastic_grad`` counts one, whatever its batch (a full local
  gradient is one call, a same-sample difference two (STORM, Byz-VR-DM21), the gradient of one data
  subset one (LAD: s per device)).  It is a float, or a host (R,) array when the
  count varies per replica (a PAGE/MARINA coin); with partial participation it is the average over
  the honest workers (non-sampled workers make no call).
* ``bits_up`` are the bits each honest worker sent ([R,h], 0 for a worker that did not take part);
  ``bits_down`` the bits broadcast to each worker ([R]); a coin costs one bit.
* ``participated`` is a host [R,n] bool array (Byzantine columns last; a silent Byzantine worker
  never takes part); :func:`everyone` gives the full-participation one.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import fused
from ..attacks.base import AttackContext
from ..compressors.base import frozen_full
from ..params import require
from .base import Setup


def shared_randomness(setup: Setup):
    """The compressor's per-replica randomness for this round (e.g. a coordinated mask), or None."""
    return setup.compressor.draw_shared(setup.streams, setup.d, setup.backend)


def compress(setup: Setup, v, shared=None):
    """Compress honest vectors v [R,h,d]: (decoded messages, bits [R,h])."""
    return setup.compressor.compress(v, setup.streams, shared, setup.b_f)


def byzantine(setup: Setup, honest, t: int, x, shared=None, base=None, dense=None, sampled=None, x0=None):
    """The Byzantine messages [R,f',d] crafted from the honest ones and projected on what the
    server can enforce (f' = 0 when the attack is silent).

    ``base``: what the server already holds for each Byzantine worker and adds to what it receives
    (its EF21 / DASHA copy [R,f,d], or the broadcast g^k [R,1,d] of Byz-VR-MARINA): the attack picks
    the vector it wants aggregated, the server only honours the increment it can check,
    ``base + enforced(crafted - base)``.  ``dense``: host (R,) bool of replicas whose round is
    uncompressed (a MARINA coin c_k = 1): nothing to enforce there, the crafted vector stands.
    ``sampled`` (host [R,n] bool) and ``x0`` ([R,d]) tell the attack who takes part in a round with
    client sampling and where the run started (the shift-back attack of Byz-VR-MARINA-PP).
    """
    if setup.setting.f == 0:  # before the context: its honest mean costs a pass over [R,h,d]
        return honest[:, :0, :]
    xp = setup.xp
    ctx = AttackContext(
        t=t, n=setup.setting.n, f=setup.setting.f, declared_f=setup.setting.declared_f,
        aggregator=setup.aggregator, honest_mean=xp.mean(honest, axis=1), shared=shared,
        streams=setup.streams, hp=setup.attack_hp, problem=setup.problem, x=x, x0=x0, sampled=sampled,
    )
    crafted = setup.attack.craft(honest, ctx)
    if base is None:
        projected = enforced(setup, crafted, shared)
    else:
        projected = base + enforced(setup, crafted - base, shared)
    if dense is None:
        return projected
    return xp.where(replica_mask(setup, dense, 3), crafted, projected)


def enforced(setup: Setup, byz, shared=None):
    """What the server accepts of Byzantine messages (or increments) [R,f,d]: the compressor's
    projection on what it can check (e.g. a shared mask's support), then, with
    ``run.enforce_density`` on, at most the compressor's number of coordinates (the K largest
    |entries| of independent Rand-K / Top-K messages; default off: the papers' servers accept any
    vector, :attr:`~sims.algorithms.base.AlgorithmSpec.server_counts_coordinates`)."""
    byz = setup.compressor.enforce(byz, shared)
    return setup.compressor.restrict_density(byz) if setup.enforce_density else byz


def with_byzantine(setup: Setup, honest, t: int, x, shared=None):
    """Honest messages followed by the Byzantine ones: [R, n_senders, d]."""
    return setup.xp.concat([honest, byzantine(setup, honest, t, x, shared)], axis=1)


def aggregate(setup: Setup, messages, agg_state, f: int | None = None):
    """Pre-aggregate and aggregate with the declared f (or ``f``, e.g. for a sample of the
    workers): ([R,d], new aggregator state)."""
    f = setup.setting.declared_f if f is None else f
    return setup.aggregator.aggregate(messages, f=f, state=agg_state, streams=setup.streams)


def update_copies(setup: Setup, copies, honest_increments, t: int, x, shared=None, dense=None):
    """Server-side copies g_i <- g_i + c_i of every sender (EF21 / DASHA / Byz-EF21-type state,
    Rammal et al. 2024; specs/algorithms.md 14.1): honest rows add their increments [R,h,d];
    each Byzantine worker controls its own copy (the attack picks it from the new honest copies,
    the server enforces the increment, except in ``dense`` replicas), never rebuilt from honest states."""
    h = honest_increments.shape[1]
    honest = copies[:, :h, :] + honest_increments
    byz = byzantine(setup, honest, t, x, shared, base=copies[:, h:, :], dense=dense)
    return setup.xp.concat([honest, byz], axis=1)


def ef21_update(setup: Setup, copies, target, t: int, x, dense: bool = False):
    """One EF21 round towards ``target`` [R,h,d] (Richtarik, Sokolov, Fatkhullin, NeurIPS 2021):
    honest worker i sends c_i = C(target_i - g_i) and sets g_i <- g_i + c_i; the server adds the
    increments to its copies of every sender (:func:`update_copies`).  The honest rows of ``copies``
    [R,n_senders,d] ARE the workers' own g_i (EF21 keeps worker and server in step).  ``dense``:
    send the difference uncompressed, d*b_f bits (an EF21 start g_i = target_i; Byzantine copies
    unrestricted; the round's shared randomness is drawn all the same, the per-worker compressor
    draws are not).  Returns (new copies, bits [R,h])."""
    h = target.shape[1]
    delta = target - copies[:, :h, :]
    shared = shared_randomness(setup)
    if dense:
        bits = np.full((setup.R, h), float(setup.d * setup.b_f))
        return update_copies(setup, copies, delta, t, x, shared, dense=np.ones(setup.R, dtype=bool)), bits
    c, bits = compress(setup, delta, shared)
    return update_copies(setup, copies, c, t, x, shared), bits


def initial_copies(setup: Setup, honest):
    """Round-0 server copies [R, n_senders, d]: the honest rows ``honest`` [R,h,d] (e.g. g_i^0 =
    grad f_i(x^0)), every Byzantine row their mean (the attack takes its copy over from round 1)."""
    xp = setup.xp
    R, h, d = honest.shape
    byz = xp.broadcast_to(xp.mean(honest, axis=1, keepdims=True), (R, setup.n_senders - h, d))
    return xp.concat([honest, byz], axis=1)


UNBIASED = ("identity", "unbiased")  # compressor categories of Q(omega) methods
CONTRACTIVE = ("identity", "contractive")  # compressor categories of C(alpha) (EF21-type) methods


def require_compressor(setup: Setup, algorithm: str, categories: tuple[str, ...]) -> None:
    """Refuse a compressor whose category (identity | unbiased | contractive) the method's theory
    does not cover; raised when the run starts, since a spec alone cannot see the compressor."""
    comp = setup.compressor
    require(comp.category in categories, "compressor.name", comp.name,
            f"{algorithm} needs a compressor of category {' or '.join(categories)}; "
            f"{comp.name!r} is {comp.category}")


def dense_bits(setup: Setup, extra: int = 0) -> np.ndarray:
    """A dense d-float broadcast per replica, plus ``extra`` bits (e.g. 1 for a coin): [R] (read-only)."""
    return frozen_full((setup.R,), float(setup.d * setup.b_f + extra))


def everyone(setup: Setup) -> np.ndarray:
    """Full participation [R,n]: every honest worker, and every Byzantine one unless silent
    (one read-only array per shape, shared by every round)."""
    return _participation(setup.R, setup.setting.n, setup.n_senders)


@functools.lru_cache(maxsize=64)
def _participation(R: int, n: int, senders: int) -> np.ndarray:
    out = np.ones((R, n), dtype=bool)
    out[:, senders:] = False
    out.flags.writeable = False
    return out


def replica_mask(setup: Setup, flags: np.ndarray, ndim: int):
    """Host (R,) bool ``flags`` as a backend bool array shaped (R, 1, ...) to broadcast in
    ``xp.where`` against ndim-d arrays (a per-replica branch, e.g. a PAGE/MARINA coin)."""
    return setup.xp.reshape(setup.backend.asarray(flags, dtype="bool"), (setup.R,) + (1,) * (ndim - 1))


def select_replicas(setup: Setup, flags: np.ndarray, a, b):
    """Per replica, ``a`` where the host (R,) bool ``flags`` hold, else ``b``; maps over (nested)
    tuples / NamedTuples of [R, ...] arrays (e.g. two aggregator states); None and scalars pass."""
    if isinstance(a, tuple):
        items = [select_replicas(setup, flags, u, v) for u, v in zip(a, b)]
        return type(a)(*items) if hasattr(a, "_fields") else tuple(items)
    if a is None or not hasattr(a, "shape") or len(a.shape) == 0:
        return a
    return setup.xp.where(replica_mask(setup, flags, len(a.shape)), a, b)


def ema(setup: Setup, old, new, name: str = "beta", style: str = "ema", weight: str = "old"):
    """Momentum update with the per-replica weight ``name`` on the old value (``weight="old"``:
    beta) or on the new one (``weight="new"``: eta = 1 - beta, the Liu/Li convention).

    ``ema``: beta*old + (1-beta)*new (Allouah et al., ByzFL);  ``torch``: beta*old + new (the torch
    heavy-ball buffer of the Karimireddy code; effective step larger by 1/(1-beta)).
    """
    w = setup.factor(name, new.ndim)
    keep, take = (w, 1 - w) if weight == "old" else (1 - w, w)
    if style == "ema" and fused.applies(old, new, keep, take):
        return fused.ema(old, new, keep, take)  # the same numbers in one pass (numba)
    out = keep * old  # a fresh array: accumulating into it in place saves a full-size temporary
    inc = take * new if style == "ema" else new
    if tuple(out.shape) != tuple(inc.shape):  # broadcasting the other way: no room in out
        return out + inc
    out += inc
    return out
