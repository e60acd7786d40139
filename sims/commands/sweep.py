"""``byzcomp sweep SWEEP.toml [--executor local|dask://HOST:PORT] [--workers N] [--store PATH]``.

Runs every (point, replica) of a sweep (format: :mod:`sims.sweep`) that the store lacks, with an
overall progress bar and ETA; finished batches are stored as they arrive, so an interrupted sweep
resumes where it stopped when run again.
"""
from __future__ import annotations

import sys

from ..plugins import add_option
from ..store import DEFAULT_NAME, ENV_STORE


def add_execution_options(p) -> None:
    """The options every command that runs sweeps shares (also used by ``byzcomp figs``)."""
    p.add_argument("--store", default=None, help=f"result store (default: ${ENV_STORE} or ./{DEFAULT_NAME})")
    p.add_argument("--executor", default="local",
                   help="'local' (worker processes, default), 'serial' (this process) or dask://HOST:PORT")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    p.add_argument("--batch-size", type=int, default=64, help="most replicas per batched run")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--recompute", action="store_true", help="recompute every run, overwriting stored results")
    add_option(p)


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a sweep (base config x grid) into the result store")
    p.add_argument("sweep", help="sweep TOML file: [base] config, [grid] dotted keys -> lists, [[variants]]")
    add_execution_options(p)
    p.add_argument("--dry-run", action="store_true", help="show the plan, compute nothing")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..store import Store, error_line, point_digest
    from ..sweep import Sweep, SweepFailed, plan

    sweep = Sweep.from_toml(args.sweep)
    store = Store(args.store)
    if args.dry_run:
        points = sweep.points()
        jobs = [j for p in points for j in p.jobs()]
        pending = store.missing([(p.digest, r) for p in points for r in range(p.config.run.seeds)])
        stored = len(jobs) - len(pending)
        print(f"{sweep.name}: {len(points)} points, {len(jobs)} runs ({stored} stored), "
              f"{len(plan(jobs, args.batch_size))} batches when nothing is stored; store {store.path}")
        return 0
    try:
        report = sweep.run(store, executor=args.executor, workers=args.workers, batch_size=args.batch_size,
                           progress=not args.no_progress, recompute=args.recompute)
    except SweepFailed as exc:
        print(f"{sweep.name}: {exc.report}", file=sys.stderr)
        for task, error in exc.report.failures:
            job = task.jobs[0]
            print(f"  failed: replica {job.replica} of {job.config.algorithm.name} ({point_digest(job.config)[:12]}): "
                  f"{error_line(error)}", file=sys.stderr)
        return 1
    print(f"{sweep.name}: {report}; store {store.path}")
    return 0
