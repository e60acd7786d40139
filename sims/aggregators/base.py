r"""Aggregators, pre-aggregators and their composition.

An aggregator maps the n messages of every replica to one vector, ``[R,n,d] -> [R,d]``; a
pre-aggregator maps ``[R,n,d] -> [R,n',d]``.  Both are pure: explicit ``state`` in, new state out
(centered clipping carries its centre there, never on the object), randomness from the replica
streams.  ``f`` is the number of Byzantine inputs the rule is told to tolerate (the *declared* f).

(f, kappa)-robustness (Allouah et al., AISTATS 2023): for every S of size n - f,

.. math:: \|F(x_1..x_n) - \bar x_S\|^2 \le \kappa\, \tfrac{1}{|S|}\sum_{i\in S}\|x_i - \bar x_S\|^2.

Each aggregator declares ``kappa(n, f)`` where theory gives one, with its provenance, and its
preconditions through :meth:`check_setting`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..params import Spec, require


@dataclass(frozen=True)
class AggregatorSpec(Spec):
    kappa_provenance: ClassVar[str] = ""

    def kappa(self, n: int, f: int) -> float | None:
        """(f, kappa)-robustness constant, or None where theory gives none."""
        return None

    def init_state(self, R: int, d: int, backend) -> Any:
        return None

    def aggregate(self, x, *, f: int, state=None, streams=None):  # pragma: no cover - interface
        """x [R,n,d] -> ([R,d], new state)."""
        raise NotImplementedError

    def __call__(self, x, f: int):
        """Stateless convenience: the aggregate of x [R,n,d] tolerating f inputs."""
        return self.aggregate(x, f=f, state=self.init_state(x.shape[0], x.shape[2], None))[0]


@dataclass(frozen=True)
class PreAggregatorSpec(Spec):
    def init_state(self, R: int, d: int, backend) -> Any:
        return None

    def apply(self, x, *, f: int, state=None, streams=None):  # pragma: no cover - interface
        """x [R,n,d] -> ([R,n',d], new state)."""
        raise NotImplementedError

    def out_count(self, n: int) -> int:
        return n


def needs_honest_majority(spec: Spec, setting, factor: int = 2, extra: int = 0) -> None:
    """Refuse declared f with n <= factor*f + extra - 1 (e.g. CWTM needs n > 2f)."""
    n, f = setting.n, setting.declared_f
    require(n >= factor * f + extra + 1, "workers.f", f,
            f"{spec.name} needs n >= {factor}f + {extra + 1} (n = {n}), i.e. f <= {(n - extra - 1) // factor}")


@dataclass(frozen=True)
class Chain:
    """Pre-aggregators applied in order, then an aggregator (an optax-like chain)."""

    agg: AggregatorSpec
    pre: tuple[PreAggregatorSpec, ...] = ()

    @property
    def name(self) -> str:
        return " o ".join([self.agg.name] + [p.name for p in reversed(self.pre)])

    def check_setting(self, setting) -> None:
        for p in self.pre:
            p.check_setting(setting)
        self.agg.check_setting(setting)

    def init_state(self, R: int, d: int, backend):
        return tuple(p.init_state(R, d, backend) for p in self.pre) + (self.agg.init_state(R, d, backend),)

    def aggregate(self, x, *, f: int, state=None, streams=None):
        state = state if state is not None else self.init_state(x.shape[0], x.shape[2], None)
        new = []
        for p, s in zip(self.pre, state[:-1]):
            x, s = p.apply(x, f=f, state=s, streams=streams)
            new.append(s)
        out, s = self.agg.aggregate(x, f=f, state=state[-1], streams=streams)
        return out, tuple(new) + (s,)

    def __call__(self, x, f: int):
        return self.aggregate(x, f=f)[0]

    def kappa(self, n: int, f: int) -> float | None:
        return self.agg.kappa(n, f) if not self.pre else None

    def to_dict(self) -> dict:
        out = self.agg.to_dict()
        if self.pre:
            out["pre"] = [p.to_dict() for p in self.pre]
        return out

    def shape_key(self) -> tuple:
        return (self.agg.shape_key(),) + tuple(p.shape_key() for p in self.pre)
