"""``byzcomp results [--sweep SWEEP.toml] [--query EXPR] [--records] [--export parquet|csv --out PATH] [--failed]``.

Prints (or exports) the stored results as a tidy table: one row per replica (last recorded round),
or one per replica and recorded round with ``--records``.  ``--query`` takes a filter in the language
of :mod:`sims.query` (data, not code): ``--query "algorithm.lr < 0.1 and attack.name == 'alie'"``.
``--failed`` lists the replicas whose computation raised, with their errors.  The store is opened
read-only.
"""
from __future__ import annotations

from ..store import DEFAULT_NAME, ENV_STORE

SHOWN = ("replica", "final_round", "grad_sq", "f_gap", "bits_up", "diverged")


def register(sub) -> None:
    p = sub.add_parser("results", help="show or export stored results as tidy tables")
    p.add_argument("--store", default=None, help=f"result store (default: ${ENV_STORE} or ./{DEFAULT_NAME})")
    p.add_argument("--sweep", default=None, help="only this sweep's points, with its grid keys as columns")
    p.add_argument("--query", default=None,
                   help="filter: comparisons, in [...], ranges, and/or/not on result columns, e.g. "
                        "\"0.01 <= algorithm.lr < 1 and attack.name in ['alie', 'ipm']\"")
    p.add_argument("--failed", action="store_true", help="list the replicas whose computation failed, with the error")
    p.add_argument("--records", action="store_true", help="one row per recorded round instead of per replica")
    p.add_argument("--export", choices=("parquet", "csv"), default=None, help="write the table instead of printing it")
    p.add_argument("--out", default=None, help="export path (default: results.<format>)")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..results import export, load
    from ..store import Store
    from ..sweep import Sweep

    sweep = Sweep.from_toml(args.sweep) if args.sweep else None
    with Store(args.store, read_only=True) as store:
        if args.failed:
            return show_failures(store)
        frame = load(store, sweep=sweep, query=args.query, records=args.records)
    if args.export:
        path = export(frame, args.out or f"results.{args.export}", args.export)
        print(f"wrote {len(frame)} rows to {path}")
        return 0
    keys = frame.attrs["keys"] or [c for c in ("algorithm.name", "aggregator.name", "attack.name") if c in frame]
    shown = keys + [c for c in ("round",) + SHOWN if c in frame and c not in keys]
    print(frame[shown].to_string(max_rows=60) if len(frame) else "no stored results match")
    print(f"{len(frame)} rows")
    return 0


FAILURE_LABELS = ("algorithm.name", "aggregator.name", "attack.name", "compressor.name")


def show_failures(store) -> int:
    """The recorded failures of this version, one line each: config labels, replica, error."""
    from ..sweep import flatten

    failed = store.failures()
    configs = store.configs(set(failed["digest"]))
    for row in failed.itertuples():
        flat = flatten(configs.get(row.digest, {}))
        where = " ".join(f"{k}={flat[k]}" for k in FAILURE_LABELS if k in flat)
        print(f"{row.digest[:12]} replica {row.replica} seed {row.seed} ({where}): {row.error}")
    print(f"{len(failed)} failed replicas")
    return 0
