"""``byzcomp results [--sweep NAME|SWEEP.toml] [--dir RUN_DIR] [--query EXPR] [--by KEYS] [--stat mean|median|worst]
[--worst-over attack] [--best-step] [--plot METRIC] [--records] [--export parquet|csv --out PATH] [--failed]``.

Prints (or exports) stored results as a tidy table: one row per replica (last recorded round), or
one per replica and recorded round with ``--records``.  ``--query`` takes a filter in the language
of :mod:`sims.query` (data, not code): ``--query "algorithm.lr < 0.1 and attack.name == 'alie'"``.
``--failed`` lists the replicas whose computation raised, with their errors.  The store is opened
read-only.  Only results of the current code (:func:`sims.store.code_version`) are shown unless
``--code-version all`` (or a version) is given.

Reductions (:mod:`sims.reductions`): ``--by`` / ``--stat`` give one row per setting (mean +- CI
over seeds, diverged replicas excluded and counted); ``--worst-over attack`` the worst seed mean
over attacks; ``--best-step`` ByzFL's step size whose worst case is best; ``--plot METRIC`` a band
over seeds per group, written to ``results_<METRIC>.png/pdf``.  ``--sweep`` takes a sweep's name
(``examples/sweeps/<NAME>.toml`` or ``./<NAME>.toml``) or its TOML path; ``--dir`` reads a
``byzcomp run`` output directory instead of the store.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import ConfigError
from ..plugins import add_option
from ..store import DEFAULT_NAME, ENV_STORE

SHOWN = ("replica", "final_round", "grad_sq", "f_gap", "accuracy", "test_accuracy", "bits_up", "diverged")
SWEEP_DIRS = (Path("."), Path("examples/sweeps"), Path("sweeps"))


def register(sub) -> None:
    p = sub.add_parser("results", help="show, reduce, plot or export stored results as tidy tables")
    p.add_argument("--store", default=None, help=f"result store (default: ${ENV_STORE} or ./{DEFAULT_NAME})")
    p.add_argument("--sweep", default=None, help="a sweep NAME or TOML path: its points, grid keys as columns")
    p.add_argument("--dir", default=None, help="a `byzcomp run` output directory (its records.csv) instead")
    p.add_argument("--query", default=None,
                   help="filter: comparisons, in [...], ranges, and/or/not on result columns, e.g. "
                        "\"0.01 <= algorithm.lr < 1 and attack.name in ['alie', 'ipm']\"")
    p.add_argument("--failed", action="store_true", help="list the replicas whose computation failed, with the error")
    p.add_argument("--code-version", default=None, metavar="VERSION|all",
                   help="results computed by this code version (default: the current code; `all`: any)")
    p.add_argument("--records", action="store_true", help="one row per recorded round instead of per replica")
    p.add_argument("--metric", default="grad_sq", help="the metric the reductions use (default grad_sq)")
    p.add_argument("--by", default=None, help="comma-separated keys: one row per setting (default: the grid keys)")
    p.add_argument("--stat", choices=("mean", "median", "worst"), default=None,
                   help="one row per setting with this statistic over seeds (and the mean's 95%% CI)")
    p.add_argument("--worst-over", default=None, metavar="KEY", help="worst seed mean over this key (e.g. attack)")
    p.add_argument("--best-step", action="store_true",
                   help="per setting, the algorithm.lr whose worst case (over --worst-over, default attack) is best")
    p.add_argument("--plot", default=None, metavar="METRIC", help="band plot of METRIC against rounds, per group")
    p.add_argument("--export", choices=("parquet", "csv"), default=None, help="write the table instead of printing it")
    p.add_argument("--out", default=None, help="export or plot path (default: results.<format>, results_<METRIC>)")
    add_option(p)
    p.set_defaults(func=main)


def find_sweep(name: str):
    """The sweep of a TOML path, or of ``<NAME>.toml`` in :data:`SWEEP_DIRS` (also by its ``name``)."""
    from ..sweep import Sweep

    path = Path(name)
    if path.suffix == ".toml":
        if not path.is_file():
            raise ConfigError("--sweep", name, "no such sweep file")
        return Sweep.from_toml(path)
    candidates = [d / f"{name}.toml" for d in SWEEP_DIRS]
    for c in candidates:
        if c.is_file():
            return Sweep.from_toml(c)
    for d in SWEEP_DIRS:
        for c in sorted(d.glob("*.toml")) if d.is_dir() else ():
            try:
                sweep = Sweep.from_toml(c)
            except (ConfigError, OSError):
                continue
            if sweep.name == name:
                return sweep
    raise ConfigError("--sweep", name, "no sweep of that name: give its TOML path, or run where "
                      + " or ".join(str(c) for c in candidates) + " exists")


def read_run_dir(directory: str, records: bool):
    import pandas as pd

    path = Path(directory) / ("records.csv" if records else "summary.csv")
    if not path.is_file():
        raise ConfigError("--dir", directory, "is not a `byzcomp run` output directory (no " + path.name + ")")
    frame = pd.read_csv(path)
    if not records:
        frame = frame.rename(columns={"round": "final_round"})
    frame["digest"] = directory
    frame.attrs["keys"] = []
    return frame


def reduce(frame, args):
    """The reduction the options ask for (or ``frame`` itself)."""
    from .. import reductions as red

    by = [k.strip() for k in args.by.split(",")] if args.by else None
    for key in by or ():
        if key not in frame:
            raise ConfigError("--by", key, "must be a column: " + ", ".join(map(str, frame.columns)))
    if args.metric not in frame:
        raise ConfigError("--metric", args.metric, "must be a metric column: " + ", ".join(map(str, frame.columns)))
    if args.best_step:
        over = args.worst_over or "attack"
        return red.best_step_size(frame, args.metric, against=_key(frame, over), by=by)
    if args.worst_over:
        return red.worst_case(frame, args.metric, over=_key(frame, args.worst_over), by=by)
    if args.stat or by is not None:
        return red.seed_stats(frame, args.metric, by=by if by is not None else None, stat=args.stat or "mean")
    return None


def _key(frame, name: str) -> str:
    """A column of the frame for ``name`` (``attack`` or ``attack.name``)."""
    for c in (name, f"{name}.name"):
        if c in frame:
            return c
    raise ConfigError("--worst-over", name, "must be a column: " + ", ".join(map(str, frame.columns)))


def main(args) -> int:
    from ..results import export, load
    from ..store import Store

    records = args.records or bool(args.plot)
    if args.dir:
        frame = read_run_dir(args.dir, records)
    else:
        sweep = find_sweep(args.sweep) if args.sweep else None
        with Store(args.store, read_only=True) as store:
            if args.failed:
                return show_failures(store)
            frame = load(store, sweep=sweep, query=args.query, records=records, version=args.code_version)
            if not len(frame) and args.code_version is None:
                older = len(load(store, sweep=sweep, query=args.query, version="all"))
                if older:
                    print(f"{older} matching rows were computed by other code versions (the sources changed "
                          "since): rerun the sweep, or see them with --code-version all", file=sys.stderr)
    if args.plot:
        return plot(frame, args)
    reduced = reduce(frame, args) if len(frame) else None
    if reduced is not None:  # one row per setting, in the order of its keys
        reduced = reduced.sort_values([k for k in reduced.attrs["keys"] if k in reduced], kind="stable")
    table = reduced if reduced is not None else frame
    if args.export:
        path = export(table, args.out or f"results.{args.export}", args.export)
        print(f"wrote {len(table)} rows to {path}")
        return 0
    if reduced is None:
        keys = frame.attrs["keys"] or [c for c in ("algorithm.name", "aggregator.name", "attack.name") if c in frame]
        shown = keys + [c for c in ("round",) + SHOWN if c in frame and c not in keys]
        table = frame[shown].sort_values(keys + ["replica"]) if len(frame) else frame
    print(table.to_string(max_rows=60, index=False) if len(table) else "no stored results match")
    print(f"{len(table)} rows")
    return 0


def plot(frame, args) -> int:
    from ..plots import band_plot, panels, save

    if args.plot not in frame:
        raise ConfigError("--plot", args.plot, "must be a metric column: " + ", ".join(map(str, frame.columns)))
    if not len(frame):
        print("no stored results match")
        return 1
    by = [k.strip() for k in args.by.split(",")] if args.by else [k for k in frame.attrs.get("keys", [])]
    fig, axes = panels()
    band_plot(axes[0, 0], frame, y=args.plot, hue=by or None)
    if by:
        axes[0, 0].legend(fontsize=5, title=", ".join(by), title_fontsize=5)
    paths = save(fig, args.out or f"results_{args.plot}")
    print("wrote " + ", ".join(map(str, paths)))
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
