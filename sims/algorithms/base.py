"""The algorithm interface and the run-time set-up every round reads.

An algorithm is a frozen spec with two pure functions over a small NamedTuple state (optax-like):
``init(x0[R,d], setup) -> state`` and ``step(state, setup) -> (state, StepInfo)``.  Every state
has the model ``x`` ([R,d]) and the round counter ``t``.  Per-replica hyper-parameters (fields
declared ``batched``) are read from ``setup.hp`` as (R,) arrays, never from the spec's scalars.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, NamedTuple

import numpy as np

from ..params import Setting, Spec


class StepInfo(NamedTuple):
    """Bookkeeping of one round: bits each honest worker sent up [R,h], bits broadcast to each
    worker [R], oracle calls per honest worker, and who took part ([R,n] bool, None = all)."""

    bits_up: np.ndarray
    bits_down: np.ndarray
    grad_evals: float
    participated: Any = None


@dataclass(frozen=True)
class Setup:
    """Everything a round may read, built once per batch by the engine."""

    problem: Any
    compressor: Any
    aggregator: Any  # aggregators.Chain
    attack: Any
    setting: Setting
    backend: Any
    streams: Any
    hp: Mapping[str, Any]  # algorithm's batched fields -> (R,) backend arrays
    attack_hp: Mapping[str, Any]
    b_f: int = 32
    enforce_density: bool = False  # Byzantine messages cut to the compressor's coordinate count

    @property
    def xp(self):
        return self.backend.xp

    @property
    def R(self) -> int:
        return self.streams.R

    @property
    def d(self) -> int:
        return self.setting.d

    @property
    def n_senders(self) -> int:
        """Messages the server receives per round (n, or n - f when Byzantines are silent)."""
        return self.setting.n_honest if getattr(self.attack, "drops", False) else self.setting.n

    def col(self, name: str, ndim: int = 2):
        """Batched hyper-parameter ``name`` shaped (R, 1, ...) to broadcast against ndim-d arrays."""
        a = self.hp[name]
        return self.xp.reshape(a, (a.shape[0],) + (1,) * (ndim - 1))

    def factor(self, name: str, ndim: int = 2):
        """Batched hyper-parameter ``name`` as a multiplier of [R, ...] arrays of ``ndim`` dims: the
        0-d array every replica shares (the same products bit for bit, and a scalar multiply is twice
        as fast as a per-replica column on numpy), else :meth:`col`."""
        shared = self._shared_hp.get(name)
        return self.col(name, ndim) if shared is None else shared

    @functools.cached_property
    def memo(self) -> dict[Any, Any]:
        """Per-batch values a round would otherwise recompute every round, under keys that name their
        owner and everything the value depends on besides the setup (e.g. a state array's dtype)."""
        return {}

    def once(self, key, compute: Callable[[], Any]) -> Any:
        """``memo[key]``, computed by ``compute()`` the first time this batch asks for it."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @functools.cached_property
    def _shared_hp(self) -> dict[str, Any]:
        """The batched hyper-parameters equal in every replica, as 0-d arrays of the run's dtype."""
        out = {}
        for name, a in self.hp.items():
            host = np.asarray(a) if not hasattr(a, "cpu") else a.cpu().numpy()
            if host.ndim == 1 and host.size and bool(np.all(host == host[0])):
                out[name] = a[0]
        return out


@dataclass(frozen=True)
class AlgorithmSpec(Spec):
    # the paper's server counts the coordinates of a sparse message (default of run.enforce_density);
    # the Byzantine-compression papers implemented let a Byzantine worker send any vector: False
    server_counts_coordinates: ClassVar[bool] = False

    def init(self, x0, setup: Setup):  # pragma: no cover - interface
        raise NotImplementedError

    def step(self, state, setup: Setup):  # pragma: no cover - interface
        raise NotImplementedError
