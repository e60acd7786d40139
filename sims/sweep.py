"""Sweeps: a base config and a grid of dotted keys, planned into replica batches and cached in the store.

A sweep is a base :class:`~sims.config.ExperimentConfig` table (no lists in it, apart from
``aggregator.pre``) and a ``grid``: the Cartesian product of its axes.  An axis is

* a dotted key (``"algorithm.lr"``, ``"workers.f"``) with a list of values, or a config section
  (``attack``) with a list of whole tables, each replacing that section;
* a *bundle axis*: any other name (``method``, ``horizon``) with a list of tables of dotted overrides
  that move together, each with an optional ``label`` (the point's coordinate on that axis).
  ``variants`` is the bundle axis named ``variant``, applied first.

The TOML form (examples in ``examples/sweeps/``)::

    name = "dshb_lr_attack"                       # optional; the progress bar's label
    [base]                                        # one experiment config
    problem = {name = "quadratic", d = 20, G = 1.0}
    algorithm = {name = "robust_dshb", beta = 0.9}
    aggregator = {name = "cwtm"}
    workers = {n = 12, f = 2}
    run = {T = 200, seeds = 3}
    [grid]
    "algorithm.lr" = [0.3, 0.1, 0.03]             # one field
    attack = [{name = "alie"}, {name = "sign_flip"}]   # a whole table per value (replaces the section)
    workers.f = [1, 2]                            # unquoted dotted keys work too (TOML nests them)
    [[grid.method]]                               # a bundle axis: several keys per value
    label = "mean, f = 0"
    "aggregator.name" = "mean"                    # quote dotted keys in bundles: a table value
    "workers.f" = 0                               #   replaces its whole section
    [[variants]]                                  # the bundle axis "variant"
    label = "coordinated"
    compressor = {name = "coordinated_randk", k = 2}

A point's config is the base, then its variant, then the grid's axes in order.  Every point is
validated before anything runs.  The planner (:func:`plan`) groups the replica jobs that share
:meth:`~sims.config.ExperimentConfig.batch_key` (same shapes: n, d, f, algorithm, ...) into batches of
at most ``batch_size`` replicas; each batch is one :func:`~sims.engine.run_batch`, and points with a
shape of their own go to jobs of their own.  The plan depends on the sweep, the store's contents and
``batch_size`` only, never on the executor, so every executor stores the same numbers.

``Sweep.run`` skips the (config, replica) pairs the store holds, runs the rest on an executor
(:mod:`sims.executors`) with an overall progress bar and ETA, and stores each batch as it finishes.
A batch that raises is retried point by point (then replica by replica): what succeeds is stored
(a replica's numbers do not depend on its batch), and each replica that still fails is recorded in
the store with its error (``byzcomp results --failed``).  Ctrl-C raises :class:`SweepInterrupted`
("interrupted, N of M stored"); everything stored before it stays;
``Sweep.load`` returns the tidy frames (:func:`sims.results.load`).  Reductions (worst case over
attacks, ByzFL's best step size against the worst attack, rounds to a target, time averages) are in
:mod:`sims.reductions` and re-exported here.
"""
from __future__ import annotations

import copy
import itertools
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .config import SECTIONS, ExperimentConfig
from .engine import METRICS, Job, run_batch
from .errors import ConfigError
from .reductions import best_step_size, restrict, rounds_to_target, seed_stats, time_average, worst_case  # noqa: F401
from .store import Store, StoredRun, error_line, pack, point_digest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VARIANT = "variant"
ALLOWED_LISTS = ("aggregator.pre", "plugins")
DEFAULT_BATCH_SIZE = 64


# --- dotted keys and axis values -------------------------------------------------------------------
def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"workers": {"f": [1, 2]}}`` -> ``{"workers.f": [1, 2]}`` (tables nest, anything else is a leaf)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def set_dotted(table: dict, key: str, value: Any) -> None:
    """Set ``key`` (``"algorithm.lr"``) in a nested config table; a one-part key replaces the section."""
    parts = key.split(".")
    if parts[0] not in SECTIONS:
        raise ConfigError(f"sweep key {key}", parts[0], "must start with one of " + ", ".join(SECTIONS))
    node = table
    for i, part in enumerate(parts[:-1]):
        if part not in node:
            node[part] = {}
        elif not isinstance(node[part], dict):
            raise ConfigError(".".join(parts[:i + 1]), node[part], f"must be a table (the sweep sets {key} in it)")
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)


def label(value: Any) -> Any:
    """A hashable label of an axis value: scalars as they are, tables as ``name(k=v, ...)``."""
    if isinstance(value, Mapping):
        body = ", ".join(f"{k}={label(v)}" for k, v in value.items() if k != "name")
        name = value.get("name", "")
        return f"{name}({body})" if body else str(name)
    if isinstance(value, (list, tuple)):
        return "+".join(str(label(v)) for v in value) or "none"
    return value


#: columns every results table carries; a bundle axis of the same name would shadow one of them
RESULT_COLUMNS = frozenset(METRICS) | {"round", "final_round", "diverged", "diverged_round", "wall_seconds",
                                       "digest", "replica", "seed", "version"}


def is_bundle_axis(key: str) -> bool:
    """A grid axis whose values are tables of dotted overrides (its name is not a config section)."""
    return key.split(".")[0] not in SECTIONS


def apply_value(table: dict, key: str, value: Any) -> Any:
    """Apply one axis value to a config table; return the point's coordinate on that axis."""
    if not is_bundle_axis(key):
        set_dotted(table, key, value)
        return label(value)
    if not isinstance(value, Mapping):
        raise ConfigError(f"grid.{key}", value, "a dotted key must start with one of " + ", ".join(SECTIONS)
                          + "; any other axis name takes tables of dotted overrides (and a label)")
    for dotted, v in value.items():
        if dotted != "label":
            set_dotted(table, dotted, v)
    if "label" not in value:
        return label({k: v for k, v in value.items() if k != "label"})
    given = value["label"]
    if not isinstance(given, str) and (isinstance(given, bool) or not isinstance(given, (int, float))
                                       or not math.isfinite(given)):
        raise ConfigError(f"{key}.label", given, "must be a string or a finite number (the point's coordinate)")
    return given


def _lists_in(table: Mapping[str, Any]) -> list[str]:
    return [k for k, v in flatten(table).items() if isinstance(v, (list, tuple)) and k not in ALLOWED_LISTS]


# --- the sweep -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    """One grid point: its validated config and its coordinates (axis -> label)."""

    config: ExperimentConfig
    coords: Mapping[str, Any]

    @property
    def digest(self) -> str:
        return point_digest(self.config)

    def jobs(self) -> list[Job]:
        return [Job(self.config, r) for r in range(self.config.run.seeds)]


@dataclass(frozen=True)
class Sweep:
    base: Mapping[str, Any]
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    variants: Sequence[Mapping[str, Any]] = ()
    name: str = ""

    def __post_init__(self):
        lists = _lists_in(self.base)
        if lists:
            raise ConfigError(f"base.{lists[0]}", flatten(self.base)[lists[0]],
                              "lists belong in [grid], not in the base config")
        grid = flatten(self.grid)
        if VARIANT in grid:
            raise ConfigError(f"grid.{VARIANT}", "<reserved>", "give the variant axis as the variants list")
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "variants", tuple(dict(v) for v in self.variants))
        for key, values in self.axes().items():
            if key in RESULT_COLUMNS:
                raise ConfigError(f"grid.{key}", "<axis name>", "an axis may not be named like a result column ("
                                  + ", ".join(sorted(RESULT_COLUMNS)) + ")")
            if not isinstance(values, (list, tuple)) or len(values) == 0:
                raise ConfigError(f"grid.{key}", values, "must be a non-empty list of values")
            labels = [str(apply_value({}, key, v)) for v in values]
            if len(set(labels)) != len(labels):
                raise ConfigError(f"grid.{key}", labels, "the values (labels) of an axis must be distinct")

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> "Sweep":
        unknown = sorted(set(table) - {"name", "base", "grid", "variants"})
        if unknown:
            raise ConfigError(f"sweep.{unknown[0]}", "<unknown key>", "allowed keys are name, base, grid, variants")
        if "base" not in table:
            raise ConfigError("base", "<missing>", "a sweep needs a [base] table holding an experiment config")
        for key, kind in (("base", Mapping), ("grid", Mapping), ("variants", (list, tuple)), ("name", str)):
            if key in table and not isinstance(table[key], kind):
                raise ConfigError(key, table[key], {"base": "must be a table (an experiment config)",
                                                    "grid": "must be a table of dotted keys -> lists of values",
                                                    "variants": "must be a list of tables",
                                                    "name": "must be a string"}[key])
        for i, variant in enumerate(table.get("variants", ())):
            if not isinstance(variant, Mapping):
                raise ConfigError(f"variants[{i}]", variant, "must be a table of dotted overrides (and a label)")
        return cls(base=table["base"], grid=table.get("grid", {}), variants=table.get("variants", ()),
                   name=str(table.get("name", "")))

    @classmethod
    def from_toml(cls, path: str | Path) -> "Sweep":
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), "<unparsable>", f"is not valid TOML: {exc}") from None
        table.setdefault("name", Path(path).stem)
        return cls.from_dict(table)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name} if self.name else {}
        out["base"] = copy.deepcopy(dict(self.base))
        if self.grid:
            out["grid"] = {k: list(v) for k, v in self.grid.items()}
        if self.variants:
            out["variants"] = [dict(v) for v in self.variants]
        return out

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    # --- expansion -----------------------------------------------------------------------------
    def axes(self) -> dict[str, Sequence[Any]]:
        """Every axis in application order: ``variant`` (if any), then the grid's."""
        return ({VARIANT: self.variants} if self.variants else {}) | dict(self.grid)

    @property
    def keys(self) -> list[str]:
        """The coordinates of a point: its axes' names."""
        return list(self.axes())

    def points(self) -> list[Point]:
        axes = self.axes()
        out = []
        for values in itertools.product(*axes.values()):
            table = copy.deepcopy(dict(self.base))
            coords = {key: apply_value(table, key, value) for key, value in zip(axes, values)}
            try:
                config = ExperimentConfig.from_dict(table)
            except ConfigError as exc:
                where = ", ".join(f"{k}={v}" for k, v in coords.items()) or "base"
                raise ConfigError(f"sweep point [{where}]: {exc.field}", exc.value, exc.allowed) from None
            out.append(Point(config, coords))
        return out

    def jobs(self) -> list[Job]:
        return [job for point in self.points() for job in point.jobs()]

    # --- running and loading -------------------------------------------------------------------
    def run(self, store: Store | str | Path | None = None, executor: Any = "local", workers: int | None = None,
            batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = True, retries: int = 2,
            recompute: bool = False) -> "SweepReport":
        """Compute every (point, replica) the store lacks (every one with ``recompute``); see :func:`run_jobs`."""
        return run_jobs(self.jobs(), store=store, executor=executor, workers=workers, batch_size=batch_size,
                        progress=progress, retries=retries, desc=self.name or "sweep", recompute=recompute)

    def load(self, store: Store | str | Path | None = None, *, records: bool = False, query: str | None = None,
             constants: bool = False):
        """This sweep's stored results as a tidy frame (:func:`sims.results.load`)."""
        from .results import load

        return load(store, sweep=self, records=records, query=query, constants=constants)


# --- planning and running ------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One unit of work: a replica batch (jobs sharing a batch key)."""

    jobs: tuple[Job, ...]

    def __len__(self) -> int:
        return len(self.jobs)


def plan(jobs: Sequence[Job], batch_size: int = DEFAULT_BATCH_SIZE) -> list[Task]:
    """Group ``jobs`` by batch key (first-appearance order) into tasks of at most ``batch_size`` jobs."""
    if batch_size < 1:
        raise ConfigError("batch_size", batch_size, "must be an integer >= 1")
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.config.batch_key(), []).append(job)
    return [Task(tuple(group[i:i + batch_size])) for group in groups.values()
            for i in range(0, len(group), batch_size)]


def execute(task: Task) -> list[StoredRun]:
    """Run one task (on any worker) and pack its replicas for the store."""
    return pack(run_batch(task.jobs, progress=False))


def split(task: Task) -> list[Task]:
    """The retries of a failed task: one task per point (config) it holds, or per replica for one point."""
    by_point: dict[str, list[Job]] = {}
    for job in task.jobs:
        by_point.setdefault(point_digest(job.config), []).append(job)
    if len(by_point) > 1:
        return [Task(tuple(jobs)) for jobs in by_point.values()]
    return [Task((job,)) for job in task.jobs]


@dataclass
class SweepReport:
    total: int
    already_stored: int
    computed: int
    failures: list[tuple[Task, BaseException]]  # one single-replica task per failed replica
    wall_seconds: float

    @property
    def stored(self) -> int:
        return self.already_stored + self.computed

    def __str__(self) -> str:
        text = (f"{self.total} runs: {self.already_stored} already stored, {self.computed} computed "
                f"in {self.wall_seconds:.1f}s")
        if self.failures:
            text += (f", {sum(len(t) for t, _ in self.failures)} failed ({error_line(self.failures[0][1])}; "
                     "byzcomp results --failed lists them)")
        return text


class SweepFailed(RuntimeError):
    def __init__(self, report: SweepReport):
        super().__init__(str(report))
        self.report = report


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep; ``report`` says how much of it is stored."""

    def __init__(self, report: SweepReport):
        super().__init__(f"interrupted, {report.stored} of {report.total} stored")
        self.report = report


def run_jobs(jobs: Sequence[Job], store: Store | str | Path | None = None, executor: Any = "local",
             workers: int | None = None, batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = True,
             retries: int = 2, desc: str = "sweep", recompute: bool = False) -> SweepReport:
    """Run the jobs the store lacks (all of them with ``recompute``, overwriting what is stored) and
    store each finished batch in one transaction.

    A failed task is retried as smaller tasks (:func:`split`) until single replicas fail on their own;
    those are recorded (:meth:`Store.put_failure`) and :class:`SweepFailed` is raised after every other
    task has finished and been stored.  Lost workers are retried ``retries`` times by the executor.
    """
    from tqdm.auto import tqdm

    from .executors import make_executor

    start = time.perf_counter()
    store = Store.open(store)
    by_key: dict[tuple[str, int], Job] = {}
    for job in jobs:
        by_key.setdefault((point_digest(job.config), job.replica), job)
    pending = list(by_key.values()) if recompute else [by_key[k] for k in store.missing(list(by_key))]
    tasks = plan(pending, batch_size)
    failures: list[tuple[Task, BaseException]] = []
    computed = 0

    def report() -> SweepReport:
        return SweepReport(len(by_key), len(by_key) - len(pending), computed, failures, time.perf_counter() - start)

    try:
        with make_executor(executor, workers=workers, tasks=len(tasks), retries=retries) as pool, \
                tqdm(total=len(pending), unit="run", desc=desc, disable=not progress, smoothing=0.05) as bar:
            while tasks:
                retry: list[Task] = []
                for outcome in pool.map(execute, tasks):
                    task = tasks[outcome.index]
                    if outcome.error is None:
                        store.put(outcome.value, replace=recompute)
                        computed += len(task)
                    elif len(task) > 1:
                        retry.extend(split(task))
                        continue
                    else:
                        failures.append((task, outcome.error))
                        store.put_failure(task.jobs[0].config, task.jobs[0].replica, outcome.error)
                    bar.update(len(task))
                tasks = retry
    except KeyboardInterrupt:
        raise SweepInterrupted(report()) from None
    if failures:
        raise SweepFailed(report())
    return report()
