"""``byzcomp list [KIND]``: registered components with their declared constants."""
from __future__ import annotations

from .. import registry

ALIASES = {"aggregators": "aggregator", "attacks": "attack", "compressors": "compressor", "problems": "problem",
           "algorithms": "algorithm", "preaggregators": "preaggregator"}


def register(sub) -> None:
    p = sub.add_parser("list", help="list registered components and their declared constants")
    p.add_argument("kind", nargs="?", default=None,
                   help="one of " + ", ".join(sorted(ALIASES)) + " (default: all)")
    p.add_argument("--n", type=int, default=20, help="workers, for kappa(n, f)")
    p.add_argument("--f", type=int, default=4, help="Byzantine workers, for kappa(n, f)")
    p.add_argument("--d", type=int, default=100, help="dimension, for omega/alpha(d)")
    p.set_defaults(func=main)


def describe(kind: str, cls, n: int, f: int, d: int) -> str:
    doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
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
    kinds = registry.KINDS if args.kind is None else (ALIASES.get(args.kind, args.kind),)
    for kind in kinds:
        if kind not in registry.KINDS:
            from ..errors import ConfigError

            raise ConfigError("list.kind", args.kind, "must be one of " + ", ".join(sorted(ALIASES)))
        print(f"{kind}s:")
        for name in registry.names(kind):
            print(describe(kind, registry.lookup(kind, name), args.n, args.f, args.d))
        if kind == "aggregator":
            from ..aggregators import compositions

            print(f"  chains (pre-aggregator then aggregator) with a composed kappa at n={args.n}, f={args.f}:")
            for name, kappa, provenance in compositions(args.n, args.f):
                print(f"  {name:<24} kappa = {kappa:.4g} [{provenance}]")
    return 0
