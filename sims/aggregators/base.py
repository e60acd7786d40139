r"""Aggregators, pre-aggregators and their composition.

An aggregator maps the n messages of every replica to one vector, ``[R,n,d] -> [R,d]``; a
pre-aggregator maps ``[R,n,d] -> [R,n',d]``.  Both are pure: explicit ``state`` in, new state out
(centered clipping carries its centre there, never on the object), randomness from the replica
streams.  ``f`` is the number of Byzantine inputs the rule is told to tolerate (the *declared* f).

(f, kappa)-robustness (Allouah et al., AISTATS 2023, Definition 2): for every S of size n - f,

.. math:: \|F(x_1..x_n) - \bar x_S\|^2 \le \kappa\, \tfrac{1}{|S|}\sum_{i\in S}\|x_i - \bar x_S\|^2.

Each aggregator declares ``kappa(n, f)`` where theory gives one, with its provenance, and its
preconditions through :meth:`AggregatorSpec.check_counts` (called by ``check_setting`` on the
config and again on every call, with the n the rule actually receives).  A pre-aggregator declares
how it transforms a kappa (:meth:`PreAggregatorSpec.compose_kappa`, e.g. F o NNM and F o ARC), so a
:class:`Chain` declares the composed constant where a theorem gives one.

Every ``aggregate`` / ``apply`` is guarded (:func:`guarded`, installed on each subclass): an input
that is not [R,n,d] gets a one-line error naming the expected shape (ByzFL calls take [n,d]), and a
non-finite output is never returned silently: :class:`NonFiniteOutput` names the rule and the first
non-finite input row, or says the inputs were finite.  Rules keep finite inputs of any norm finite
(centring at an input of the bulk, per-replica rescaling, radial clamping in the GM).
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, cast

import numpy as np

from .. import fused
from ..errors import ConfigError
from ..backend import namespace, to_numpy
from ..params import Setting, Spec, require
from ..registry import build


class NonFiniteOutput(ValueError):
    """An aggregator or pre-aggregator met an input it cannot aggregate to a finite vector."""


def check_shape(spec, x) -> None:
    """Refuse anything but [R,n,d] (a replica axis first) with a one-line message naming the rule
    (``spec.name``, built only for the message: a chain's name is a join)."""
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) != 3:
        raise ValueError(f"{spec.name}: expected messages of shape [R, n, d] (replicas, inputs, dimension), got "
                         f"shape {shape}; add a replica axis, e.g. x[None] for one [n, d] set")


def check_finite_output(rule: str, x, out) -> None:
    """Raise :class:`NonFiniteOutput` if ``out`` has a non-finite entry, naming the first non-finite
    input (replica r, row i, its value) or saying every input was finite.  ``out = None``: check the
    input alone (rules whose linear algebra would fail on it)."""
    if isinstance(out, np.ndarray) and fused.all_finite(out):  # numpy: no namespace, no host copy
        return
    xp = namespace(x)
    if out is not None and bool(to_numpy(xp.all(xp.isfinite(out)))):
        return
    rows = ~to_numpy(xp.all(xp.isfinite(x), axis=2))  # [R,n] host bool
    if rows.any():
        r, i = (int(v[0]) for v in rows.nonzero())
        bad = to_numpy(x[r, i])
        value = bad[~(abs(bad) < float("inf"))][0]
        raise NonFiniteOutput(f"{rule}: input row {i} of replica {r} is not finite ({value}); the rule "
                              "needs finite messages (drop or replace non-finite ones first)")
    if out is None:
        return
    raise NonFiniteOutput(f"{rule}: non-finite output from finite inputs of largest |entry| "
                          f"{float(to_numpy(xp.max(xp.abs(x)))):.3g} (overflow beyond this dtype's range)")


def guarded(method):
    """Wrap ``aggregate`` / ``apply``: shape check before, finite-output check after."""

    @functools.wraps(method)
    def run(self, x, *args, **kwargs):
        check_shape(self, x)
        if self.finite_input_only:
            check_finite_output(self.name, x, None)
        out, state = method(self, x, *args, **kwargs)
        check_finite_output(self.name, x, out)
        return out, state

    run.guarded = True
    return run


class _Guarded:
    finite_input_only: ClassVar[bool] = False  # check the input first (eigen-solvers fail on inf)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("aggregate", "apply"):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "guarded", False):
                setattr(cls, name, guarded(method))


@dataclass(frozen=True)
class AggregatorSpec(_Guarded, Spec):
    kappa_provenance: ClassVar[str] = ""

    def kappa(self, n: int, f: int) -> float | None:
        """(f, kappa)-robustness constant, or None where theory gives none."""
        return None

    def check_counts(self, n: int, f: int) -> None:
        """Preconditions on (n inputs, declared f); raise ConfigError naming the field (override)."""

    def check_setting(self, setting) -> None:
        self.check_counts(setting.n, setting.declared_f)

    def init_state(self, R: int, d: int, backend) -> Any:
        return None

    def aggregate(self, x, *, f: int, state=None, streams=None):  # pragma: no cover - interface
        """x [R,n,d] -> ([R,d], new state)."""
        raise NotImplementedError

    def __call__(self, x, f: int, streams=None):
        """Stateless convenience: the aggregate of x [R,n,d] tolerating f inputs."""
        check_shape(self, x)
        return self.aggregate(x, f=f, state=self.init_state(x.shape[0], x.shape[2], None), streams=streams)[0]

    def describe_constants(self, n: int, f: int) -> str:
        """One line for ``byzcomp list``: kappa(n, f) with its provenance."""
        k = self.kappa(n, f)
        text = f"kappa(n={n}, f={f}) = {k:.4g}" if k is not None else "kappa: none"
        return text + (f" [{self.kappa_provenance}]" if self.kappa_provenance else "")


@dataclass(frozen=True)
class PreAggregatorSpec(_Guarded, Spec):
    compose_rule: ClassVar[str] = ""  # e.g. "kappa(F o NNM) <= 8f/(n-f) (kappa_F + 1)", with provenance

    def init_state(self, R: int, d: int, backend) -> Any:
        return None

    def apply(self, x, *, f: int, state=None, streams=None):  # pragma: no cover - interface
        """x [R,n,d] -> ([R,n',d], new state)."""
        raise NotImplementedError

    def out_count(self, n: int) -> int:
        return n

    def compose_kappa(self, kappa_F: float, n: int, f: int) -> float | None:
        """kappa of F o self given kappa_F of F at (out_count(n), f); None where no theorem says."""
        return None

    def check_counts(self, n: int, f: int) -> None:
        """Preconditions on (n inputs, declared f) (override)."""

    def check_setting(self, setting) -> None:
        self.check_counts(setting.n, setting.declared_f)

    def describe_constants(self, n: int, f: int) -> str:
        return self.compose_rule or "composed kappa: none"


def require_workers(spec: Any, n: int, f: int, factor: int = 2, extra: int = 0) -> None:
    """Refuse declared f with n <= factor*f + extra (e.g. CWTM needs n > 2f, Bulyan n >= 4f + 3)."""
    if n < factor * f + extra + 1:  # the message is built only for a refusal: this runs every round
        raise ConfigError("workers.f", f, f"{spec.name} needs n >= {factor}f + {extra + 1} (n = {n}), i.e. f <= {(n - extra - 1) // factor}")


class HonestMajority:
    """Mixin for rules that need n > 2f."""

    def check_counts(self, n: int, f: int) -> None:
        require_workers(self, n, f)


def needs_honest_majority(spec: Spec, setting, factor: int = 2, extra: int = 0) -> None:
    """:func:`require_workers` on a run's setting (n, declared f)."""
    require_workers(spec, setting.n, setting.declared_f, factor, extra)


@dataclass(frozen=True)
class Chain:
    """Pre-aggregators applied in order, then an aggregator (an optax-like chain).

    The chain is itself an aggregator: same ``aggregate``/``init_state``/``kappa`` interface, built
    from (and written back to) the config table ``{name = AGG, ..., pre = [{name = PRE, ...}, ...]}``.
    Its kappa folds each pre-aggregator's composition rule over the aggregator's kappa, evaluated at
    the number of inputs that stage receives (bucketing turns n into ceil(n/s)).
    """

    agg: AggregatorSpec
    pre: tuple[PreAggregatorSpec, ...] = ()

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> "Chain":
        table = dict(table)
        pre = table.pop("pre", [])
        if not isinstance(pre, (list, tuple)):
            raise ConfigError("aggregator.pre", pre, "must be a list of pre-aggregator tables")
        stages: list[PreAggregatorSpec] = []
        for i, p in enumerate(pre):
            try:
                stages.append(cast(PreAggregatorSpec, build("preaggregator", p)))
            except ConfigError as exc:  # named by its place in the chain: aggregator.pre[0].s
                raise exc.within(f"aggregator.pre[{i}]") from None
        return cls(cast(AggregatorSpec, build("aggregator", table)), tuple(stages))

    @property
    def name(self) -> str:
        return " o ".join([self.agg.name] + [p.name for p in reversed(self.pre)])

    def counts(self, n: int) -> list[int]:
        """Inputs received by each stage: [n, after pre 1, ..., what the aggregator sees]."""
        out = [n]
        for p in self.pre:
            out.append(p.out_count(out[-1]))
        return out

    def check_setting(self, setting) -> None:
        for p, n in zip(self.pre, self.counts(setting.n)):
            p.check_setting(dataclasses.replace(setting, n=n))
        self.agg.check_setting(dataclasses.replace(setting, n=self.counts(setting.n)[-1]))

    def init_state(self, R: int, d: int, backend):
        return tuple(p.init_state(R, d, backend) for p in self.pre) + (self.agg.init_state(R, d, backend),)

    def aggregate(self, x, *, f: int, state=None, streams=None):
        check_shape(self, x)
        state = state if state is not None else self.init_state(x.shape[0], x.shape[2], None)
        new = []
        for p, s in zip(self.pre, state[:-1]):
            x, s = p.apply(x, f=f, state=s, streams=streams)
            new.append(s)
        out, s = self.agg.aggregate(x, f=f, state=state[-1], streams=streams)
        return out, tuple(new) + (s,)

    aggregate.guarded = True  # type: ignore[attr-defined]  # its stages' guards check every output: no second pass

    def __call__(self, x, f: int, streams=None):
        return self.aggregate(x, f=f, streams=streams)[0]

    def kappa(self, n: int, f: int) -> float | None:
        counts = self.counts(n)
        if counts[-1] <= 2 * f:
            return None
        kappa = self.agg.kappa(counts[-1], f)
        for p, m in zip(reversed(self.pre), reversed(counts[:-1])):
            if kappa is None:
                return None
            kappa = p.compose_kappa(kappa, m, f)
        return kappa

    @property
    def kappa_provenance(self) -> str:
        parts = [self.agg.kappa_provenance]
        for p in reversed(self.pre):
            parts.append(p.compose_rule or f"{p.name}: no (f, kappa) composition rule")
        return "; ".join(part for part in parts if part)

    def describe_constants(self, n: int, f: int) -> str:
        k = self.kappa(n, f)
        return (f"kappa(n={n}, f={f}) = {k:.4g}" if k is not None else "kappa: none") + f" [{self.kappa_provenance}]"

    def to_dict(self) -> dict:
        out = self.agg.to_dict()
        if self.pre:
            out["pre"] = [p.to_dict() for p in self.pre]
        return out

    def shape_key(self) -> tuple:
        return (self.agg.shape_key(),) + tuple(p.shape_key() for p in self.pre)


def compositions(n: int, f: int) -> list[tuple[str, float, str]]:
    """(chain name, composed kappa, composition rule) of every registered pre-aggregator that declares
    a composition rule, put in front of every registered aggregator that declares a kappa."""
    from ..registry import lookup, names

    out = []
    for pre_name in names("preaggregator"):
        pre = cast(PreAggregatorSpec, lookup("preaggregator", pre_name)())
        if not pre.compose_rule:
            continue
        for agg_name in names("aggregator"):
            chain = Chain(cast(AggregatorSpec, lookup("aggregator", agg_name)()), (pre,))
            k = chain.kappa(n, f)
            if k is not None:
                out.append((chain.name, k, pre.compose_rule))
    return out


__all__ = ["AggregatorSpec", "Chain", "HonestMajority", "NonFiniteOutput", "PreAggregatorSpec", "Setting",
           "check_shape", "compositions",
           "needs_honest_majority", "require_workers"]
