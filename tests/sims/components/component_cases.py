"""Shared cases of the component tests: every registered component (with its defaults) plus a few
non-default variants, backends, and small array / context builders.  A newly registered component
is covered by the battery without any change here."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from sims import registry
from sims.aggregators import Chain
from sims.attacks import AttackContext
from sims.backend import Backend
from sims.problems.logistic import LogisticSpec
from sims.rng import ReplicaStreams

HAS_TORCH = importlib.util.find_spec("torch") is not None
BACKENDS = ["numpy", pytest.param("torch", marks=pytest.mark.skipif(not HAS_TORCH, reason="no torch"))]

# Non-default settings worth covering too (defaults of every registered name are always covered).
VARIANTS = {
    "aggregator": [{"name": "krum", "variant": "byzfl"}, {"name": "multi_krum", "m": 3},
                   {"name": "gm", "start": "mean"}, {"name": "cclip", "start": "median", "iters": 2}],
    "preaggregator": [{"name": "bucketing", "s": 2, "partial": "divide_by_s"}],
    "attack": [{"name": "alie", "z_rule": "fixed", "z": 1.5}, {"name": "alie", "z_rule": "karimireddy"},
               {"name": "large_norm", "direction": "random"}, {"name": "mimic", "target": "direction"},
               {"name": "opt_alie", "candidates": 5, "rounds": 2}],
    "compressor": [{"name": "randk", "k": 4}, {"name": "topk", "k": 4}, {"name": "qsgd", "s": 4},
                   {"name": "coordinated_randk", "k": 4}],
}

N, F, D = 11, 2, 12  # n >= 4f + 3 (Bulyan); d divisible by the 6 compressed messages (Perm-K)


def tables(kind: str) -> list[dict]:
    """Config tables of every registered component of ``kind`` (defaults) and its variants."""
    return [{"name": name} for name in registry.names(kind)] + VARIANTS.get(kind, [])


def case_id(table: dict) -> str:
    return "-".join(str(v) for v in table.values())


def cases(kind: str):
    """pytest params, one per table of :func:`tables`."""
    return [pytest.param(t, id=case_id(t)) for t in tables(kind)]


def kind_cases(*kinds: str):
    """pytest params (kind, table) over several kinds."""
    return [pytest.param(k, t, id=f"{k}-{case_id(t)}") for k in kinds for t in tables(k)]


def build(kind: str, table):
    return registry.build(kind, dict(table))


def chain_of(kind: str, table) -> Chain:
    """An aggregator alone, or a pre-aggregator in front of CWTM."""
    if kind == "aggregator":
        return Chain(build(kind, table))
    return Chain(build("aggregator", {"name": "cwtm"}), (build(kind, table),))


def streams(R: int, seed: int = 0, replicas=None) -> ReplicaStreams:
    return ReplicaStreams([seed] * R, range(R) if replicas is None else replicas)


def messages(R: int = 4, n: int = N, d: int = D, f: int = F, seed: int = 0) -> np.ndarray:
    """Honest rows around 1, the last f rows shifted away: [R,n,d] float64."""
    rng = np.random.default_rng(seed)
    x = 1.0 + rng.standard_normal((R, n, d))
    x[:, n - f :, :] += 6.0 + rng.standard_normal((R, f, 1))
    return x


def on(backend: str, x: np.ndarray, dtype: str = "float64"):
    return Backend(backend, dtype).asarray(x)


def attack_context(spec, honest, backend: Backend, x: np.ndarray, f: int = F, replicas=None, aggregator=None,
                   sampled=None):
    """A read-only context as the engine builds it, on a logistic problem (labels to flip); x, the
    current model [R,d] on the host (x0 = 0)."""
    R, h, d = honest.shape
    problem = LogisticSpec(d=d, m=20).build(h, backend)
    hp = {name: backend.asarray(np.full(R, float(getattr(spec, name)))) for name in spec.batched_fields()}
    return AttackContext(
        t=3, n=h + f, f=f, declared_f=f, aggregator=aggregator or Chain(build("aggregator", {"name": "cwtm"})),
        honest_mean=backend.xp.mean(honest, axis=1), streams=streams(R, replicas=replicas), hp=hp, problem=problem,
        x=backend.asarray(x), x0=backend.asarray(np.zeros_like(x)), sampled=sampled)
