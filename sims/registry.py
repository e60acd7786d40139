"""Explicit registries of components: no ``getattr`` on modules, every name listed.

``REGISTRIES[kind]`` maps a registry name (the paper name, e.g. ``"cwtm"``, ``"byz_vr_marina"``) to
its spec class.  ``build(kind, {"name": ..., **fields})`` validates the keys and values.

Your own component is a frozen :class:`~sims.params.Spec` dataclass decorated with
``@register(kind, name)`` in a module of yours; load that module as a plugin (:mod:`sims.plugins`:
``--plugin MODULE``, ``plugins = [...]`` in a config, or the ``byzcomp.plugins`` entry points) and
every command accepts the name::

    @register("aggregator", "median_of_means")
    @dataclass(frozen=True)
    class MedianOfMeans(AggregatorSpec):
        groups: int = param(3, Integer(1, None), "number of groups")

        def aggregate(self, x, *, f, state=None, streams=None):   # x [R, n, d] -> ([R, d], state)
            ...
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, TypeVar, overload

from .errors import ConfigError
from .params import Spec, unknown_keys

if TYPE_CHECKING:
    from .aggregators.base import AggregatorSpec, PreAggregatorSpec
    from .algorithms.base import AlgorithmSpec
    from .attacks.base import AttackSpec
    from .compressors.base import CompressorSpec

KINDS = ("problem", "algorithm", "aggregator", "preaggregator", "attack", "compressor")
REGISTRIES: dict[str, dict[str, type[Spec]]] = {kind: {} for kind in KINDS}

S = TypeVar("S", bound=type[Spec])


def register(kind: str, name: str) -> Callable[[S], S]:
    """Class decorator: ``@register("aggregator", "cwtm")``."""
    if kind not in REGISTRIES:
        raise ConfigError("kind", kind, "must be one of " + ", ".join(KINDS))

    def deco(cls: S) -> S:
        if name in REGISTRIES[kind]:
            raise ValueError(f"{kind} {name!r} registered twice")
        cls.kind = kind
        cls.name = name
        REGISTRIES[kind][name] = cls
        return cls

    return deco


def lookup(kind: str, name: str) -> type[Spec]:
    _ensure_loaded()
    table = REGISTRIES[kind]
    if not isinstance(name, str) or name not in table:
        raise ConfigError(f"{kind}.name", name, "must be one of " + ", ".join(sorted(table)))
    return table[name]


@overload
def build(kind: Literal["algorithm"], table: Mapping[str, Any] | Spec) -> AlgorithmSpec: ...
@overload
def build(kind: Literal["aggregator"], table: Mapping[str, Any] | Spec) -> AggregatorSpec: ...
@overload
def build(kind: Literal["preaggregator"], table: Mapping[str, Any] | Spec) -> PreAggregatorSpec: ...
@overload
def build(kind: Literal["attack"], table: Mapping[str, Any] | Spec) -> AttackSpec: ...
@overload
def build(kind: Literal["compressor"], table: Mapping[str, Any] | Spec) -> CompressorSpec: ...
@overload
def build(kind: str, table: Mapping[str, Any] | Spec) -> Spec: ...


def build(kind: str, table: Mapping[str, Any] | Spec) -> Spec:
    """A validated spec from ``{"name": ..., field: value}`` (unknown keys refused).  The types say
    that a component of a kind subclasses that kind's base (``AggregatorSpec``, ...), as registered
    components do."""
    if isinstance(table, Spec):
        return table
    if not isinstance(table, Mapping) or "name" not in table:
        raise ConfigError(kind, table, "must be a table with a 'name' key")
    cls = lookup(kind, table["name"])
    fields = {k: v for k, v in table.items() if k != "name"}
    unknown_keys(kind, fields, cls.field_names())
    return cls(**{k: cls.coerce_field(k, v) if hasattr(cls, "coerce_field") else v for k, v in fields.items()})


def names(kind: str) -> list[str]:
    _ensure_loaded()
    return sorted(REGISTRIES[kind])


def _ensure_loaded() -> None:
    """Import the component packages and the entry-point plugins (:mod:`sims.plugins`) so that their
    ``@register`` decorators have run."""
    from . import algorithms, aggregators, attacks, compressors, problems  # noqa: F401
    from .plugins import load_entry_points

    load_entry_points()
