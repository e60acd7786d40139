"""Validated, frozen spec dataclasses (in the spirit of scikit-learn's parameter constraints).

A component spec is a frozen dataclass whose fields carry a :class:`Rule` in their metadata.
Validation runs in ``__post_init__`` and refuses bad values with a :class:`~sims.errors.ConfigError`
that names ``kind.field``, the value and the allowed set.  Fields declared ``batched=True`` may vary
per replica: the engine stacks them into ``(R,)`` arrays (a grid of step sizes x seeds is one
array program).
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable

from .errors import ConfigError


class Rule:
    """A constraint on one field value."""

    def check(self, value: Any) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def coerce(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Real(Rule):
    """A finite real in an interval; ``closed`` says which ends belong to it."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both" | "left" | "right" | "neither"

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return lo_ok and hi_ok

    def coerce(self, value):
        return float(value)

    def describe(self):
        left = "-inf" if self.low is None else self.low
        right = "inf" if self.high is None else self.high
        lb = "[" if self.closed in ("both", "left") and self.low is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        return f"must be a finite real number in {lb}{left}, {right}{rb}"


@dataclass(frozen=True)
class Integer(Rule):
    """An integer in the closed interval [low, high]."""

    low: int | None = None
    high: int | None = None

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def coerce(self, value):
        return int(value)

    def describe(self):
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"must be an integer in [{lo}, {hi}]"


@dataclass(frozen=True)
class OneOf(Rule):
    """One of a fixed set of values."""

    options: tuple

    def check(self, value):
        return value in self.options

    def describe(self):
        return "must be one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class Boolean(Rule):
    def check(self, value):
        return isinstance(value, bool)

    def describe(self):
        return "must be true or false"


@dataclass(frozen=True)
class Optional(Rule):
    """``None`` or a value that satisfies ``inner``."""

    inner: Rule

    def check(self, value):
        return value is None or self.inner.check(value)

    def coerce(self, value):
        return None if value is None else self.inner.coerce(value)

    def describe(self):
        return self.inner.describe() + " (or omitted)"


def param(default: Any, rule: Rule, doc: str = "", *, batched: bool = False,
          used_when: tuple[str, Any] | None = None):
    """A spec field with a validation ``rule``; ``batched`` fields may vary per replica.
    ``used_when = (other, value)``: the field matters only when field ``other`` equals ``value``
    (results leave it out otherwise, so a default that was never used is not reported)."""
    return field(default=default, metadata={"rule": rule, "doc": doc, "batched": batched, "used_when": used_when})


@dataclass(frozen=True)
class Spec:
    """Base class of every configurable component.

    Subclasses set ``kind`` (``"aggregator"``, ``"attack"``, ...) and are registered by name in
    :mod:`sims.registry`; their fields are validated on construction.
    """

    kind: ClassVar[str] = "component"
    name: ClassVar[str] = ""

    def __post_init__(self):
        for f in dataclasses.fields(self):
            rule = f.metadata.get("rule")
            if rule is None:
                continue
            value = getattr(self, f.name)
            try:
                ok = rule.check(value)
            except ConfigError as exc:  # a nested component's own error, named by its path through this field
                raise exc.within(f"{self.kind}.{f.name}") from None
            if not ok:
                raise ConfigError(f"{self.kind}.{f.name}", value, rule.describe())
            object.__setattr__(self, f.name, rule.coerce(value))
        try:
            self.validate()
        except ArithmeticError as exc:  # valid fields whose combination overflows (1e300 ** 2)
            given = {k: v for k, v in self.to_dict().items() if k != "name"}
            raise ConfigError(self.kind, given, f"these values overflow float64 arithmetic ({exc}); "
                              "use moderate scales") from None

    def validate(self) -> None:
        """Cross-field checks that need no outside context (override)."""

    def check_setting(self, setting: "Setting") -> None:
        """Checks that need the run's setting (n, f, d); raise ConfigError (override)."""

    @classmethod
    def batched_fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("batched"))

    def used_batched_fields(self) -> tuple[str, ...]:
        """The batched fields this spec actually reads (see ``param(used_when=...)``)."""
        def used(f) -> bool:
            cond = f.metadata.get("used_when")
            return cond is None or getattr(self, cond[0]) == cond[1]
        return tuple(f.name for f in dataclasses.fields(self) if f.metadata.get("batched") and used(f))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with the registry name first; nested specs become dicts."""
        out: dict[str, Any] = {"name": self.name}
        for f in dataclasses.fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        return out

    def shape_key(self) -> tuple:
        """Everything but the batched fields: two specs with equal keys can share a replica batch."""
        batched = set(self.batched_fields())
        return (self.name,) + tuple(
            (f.name, _freeze(getattr(self, f.name))) for f in dataclasses.fields(self) if f.name not in batched
        )

    def replace(self, **changes) -> "Spec":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Setting:
    """The shape of a run that cross-field checks need: n workers, f Byzantine, dimension d."""

    n: int
    f: int
    d: int
    declared_f: int

    @property
    def n_honest(self) -> int:
        return self.n - self.f


def _plain(value):
    if isinstance(value, Spec):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _freeze(value):
    if isinstance(value, Spec):
        return value.shape_key() + tuple((k, _freeze(getattr(value, k))) for k in value.batched_fields())
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def require(condition: bool, field: str, value: Any, allowed: str) -> None:
    """Raise ``ConfigError(field, value, allowed)`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(field, value, allowed)


def unknown_keys(kind: str, given: Iterable[str], allowed: Iterable[str]) -> None:
    """Refuse keys a spec does not have (ByzFL silently dropped them)."""
    allowed = list(allowed)
    for key in given:
        if key not in allowed:
            raise ConfigError(f"{kind}.{key}", "<unknown key>", "allowed keys are " + ", ".join(allowed))
