"""Spec fields that hold another registered component (an algorithm a wrapper runs, the server's
own compressor of Byz-EF21-BC).

In a config such a field is a sub-table with a ``name``, built and validated through the registry::

    [algorithm]
    name = "clipping_heuristic"
    inner = { name = "robust_dshb", lr = 0.1, beta = 0.9 }

It serialises back to the same sub-table (``Spec.to_dict``) and enters the batch key with all its
fields, so configs that differ in a nested field never share a replica batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..params import Rule, Spec, param


@dataclass(frozen=True)
class NestedSpec(Rule):
    """A registered component of ``kind``, given as a spec or a ``{name = ..., ...}`` table, for
    which ``allowed(spec)`` holds (``requirement`` says what that means)."""

    kind: str
    allowed: Callable[[Any], bool] | None = None  # takes a spec of ``kind`` (e.g. a CompressorSpec)
    requirement: str = ""

    def check(self, value: Any) -> bool:
        value = self.coerce(value)
        return (isinstance(value, Spec) and value.kind == self.kind
                and (self.allowed is None or self.allowed(value)))

    def coerce(self, value):
        if isinstance(value, Mapping):
            from ..registry import build

            return build(self.kind, value)
        return value

    def describe(self) -> str:
        return f"must be a {self.kind} table with a registered 'name'" + (
            f" ({self.requirement})" if self.requirement else "")


def nested(kind: str, default: Spec, doc: str, allowed: Callable[[Any], bool] | None = None,
           requirement: str = ""):
    """A field holding a registered ``kind`` spec (default ``default``)."""
    return param(default, NestedSpec(kind, allowed, requirement), doc)
