"""``byzcomp list [KIND [NAME]]``: registered components with their declared constants.

With a NAME (``byzcomp list aggregator cwtm``), or for ``run`` and ``workers``, every field with its
default, its rule (type and allowed values) and its help text, generated from the field metadata.
"""
from __future__ import annotations

import dataclasses

from .. import registry
from ..plugins import add_option

ALIASES = {"aggregators": "aggregator", "attacks": "attack", "compressors": "compressor", "problems": "problem",
           "algorithms": "algorithm", "preaggregators": "preaggregator"}


def register(sub) -> None:
    p = sub.add_parser("list", help="list registered components and their declared constants")
    p.add_argument("kind", nargs="?", default=None,
                   help="one of " + ", ".join(sorted(ALIASES)) + ", run, workers (default: all)")
    p.add_argument("name", nargs="?", default=None, help="one component: all its fields in full")
    p.add_argument("--n", type=int, default=20, help="workers, for kappa(n, f)")
    p.add_argument("--f", type=int, default=4, help="Byzantine workers, for kappa(n, f)")
    p.add_argument("--d", type=int, default=100, help="dimension, for omega/alpha(d)")
    add_option(p)
    p.set_defaults(func=main)


def field_lines(cls) -> list[str]:
    """One line per field: ``name = default``, the rule (type, allowed values), the help text."""
    lines = []
    for f in dataclasses.fields(cls):
        rule = f.metadata.get("rule")
        default = f.default if f.default is not dataclasses.MISSING else "(required)"
        extra = " [batched: may vary per replica]" if f.metadata.get("batched") else ""
        lines.append(f"    {f.name} = {default!r}: {rule.describe() if rule else '-'}; "
                     f"{f.metadata.get('doc') or '-'}{extra}")
    return lines


def summary_line(cls: type) -> str:
    """The first line of a class's docstring ("" without one)."""
    return cls.__doc__.strip().splitlines()[0] if cls.__doc__ else ""


def describe(kind: str, cls, n: int, f: int, d: int) -> str:
    doc = summary_line(cls)
    extra = ""
    if kind in ("aggregator", "preaggregator", "attack"):
        spec = cls()
        extra = spec.describe_constants(n, f) if hasattr(spec, "describe_constants") else ""
    elif kind == "compressor":
        try:
            spec = cls()
        except Exception:  # noqa: BLE001 - a compressor without defaults
            spec = None
        if spec is not None:
            c = spec.constants(d)
            extra = f"{cls.category}; " + ", ".join(f"{k}(d={d}) = {v:.4g}" for k, v in c.items() if v is not None)
            extra += "; shared mask" if cls.shared_randomness else ""
    fields = ", ".join(cls.field_names())
    return f"  {cls.name:<24} {doc}\n{'':26} fields: {fields or '-'}" + (f"\n{'':26} {extra}" if extra else "")


def main(args) -> int:
    from ..config import RunSpec, WorkersSpec
    from ..errors import ConfigError

    sections = {"run": RunSpec, "workers": WorkersSpec}
    if args.kind in sections:
        print(f"[{args.kind}]  {summary_line(sections[args.kind])}")
        print("\n".join(field_lines(sections[args.kind])))
        return 0
    if args.name is not None:
        kind = ALIASES.get(args.kind, args.kind)
        if kind not in registry.KINDS:
            raise ConfigError("list.kind", args.kind, "must be one of " + ", ".join(sorted(ALIASES) + list(sections)))
        print(describe(kind, registry.lookup(kind, args.name), args.n, args.f, args.d))
        print("\n".join(field_lines(registry.lookup(kind, args.name))))
        return 0
    kinds = registry.KINDS if args.kind is None else (ALIASES.get(args.kind, args.kind),)
    for kind in kinds:
        if kind not in registry.KINDS:
            from ..errors import ConfigError

            raise ConfigError("list.kind", args.kind, "must be one of " + ", ".join(sorted(ALIASES)))
        print(f"{kind}s:")
        for name in registry.names(kind):
            print(describe(kind, registry.lookup(kind, name), args.n, args.f, args.d))
        if args.kind is None and kind == registry.KINDS[-1]:
            for title, cls in sections.items():
                print(f"{title}:")
                print("\n".join(field_lines(cls)))
        if kind == "aggregator":
            from ..aggregators import compositions

            print(f"  chains (pre-aggregator then aggregator) with a composed kappa at n={args.n}, f={args.f}:")
            for name, kappa, provenance in compositions(args.n, args.f):
                print(f"  {name:<24} kappa = {kappa:.4g} [{provenance}]")
    return 0
