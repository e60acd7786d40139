"""The batched engine: R independent replicas of one experiment shape advance as one array program.

``run(config)`` runs ``config.run.seeds`` replicas; ``run_batch(jobs)`` runs any list of
(config, replica) jobs whose configs share a :meth:`~sims.config.ExperimentConfig.batch_key`
(they may differ in batched hyper-parameters such as step size, momentum or attack strength, and in
seed).  Replica r of a job draws from streams keyed by (seed, r), so its trajectory does not depend
on the rest of the batch.

Metrics every ``record_every`` rounds (and at 0 and T): ||grad f_H(x_t)||^2, f_H(x_t) - f*,
||x_t - x*|| (where x* is known), cumulative bits up and down per honest worker, cumulative oracle
calls.

Divergence: a replica whose iterate becomes non-finite or explodes is marked diverged at that round
(``diverged_round``), its state is zeroed, and the rest of the batch goes on.  Its rows do not depend
on its batch: every replica has a row at every recorded round (0, record_every, 2 record_every, ...,
T); from the first recorded round at or after its divergence on, its metrics are NaN, its totals
(bits, oracle calls, participation) stay those of the divergence round and ``diverged`` is true.  Its
summary row (the last, ``final_round`` = T) thus has NaN metrics, which reductions count as diverged.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence, cast

import numpy as np
import pandas as pd

from . import fused
from .algorithms.base import AlgorithmSpec, Setup
from .backend import Backend, keep_freed_memory, to_numpy
from .config import ExperimentConfig
from .errors import ConfigError
from .problems.base import GathersMinibatchRows
from .rng import DeviceStreams, ReplicaStreams

METRICS = ("grad_sq", "f_gap", "dist", "bits_up", "bits_down", "grad_evals", "participation")


@dataclass(frozen=True)
class Job:
    config: ExperimentConfig
    replica: int


@dataclass
class RunResult:
    """Tidy results: ``records`` (one row per replica and recorded round), ``summary`` (one per replica)."""

    records: pd.DataFrame
    summary: pd.DataFrame
    jobs: list[Job]
    wall_seconds: float
    final_x: np.ndarray  # [R,d] last iterate of every replica (zeros for diverged ones)

    @property
    def config(self) -> ExperimentConfig:
        return self.jobs[0].config


def run(config: ExperimentConfig, progress: bool | None = None) -> RunResult:
    return run_batch([Job(config, r) for r in range(config.run.seeds)], progress=progress)


def build_setup(jobs: Sequence[Job]) -> Setup:
    base = jobs[0].config
    key = base.batch_key()
    for j in jobs[1:]:  # replicas of one config (the usual batch) share its key: not recomputed
        if j.config is not base and j.config.batch_key() != key:
            raise ConfigError("batch", j.config.title or "<config>", "configs of one batch must share every non-batched field")
    run = base.run
    backend = Backend(run.backend, run.dtype, run.device)
    setting = base.setting()
    problem = cast(Any, base.problem).build(setting.n_honest, backend)  # a problem spec builds its Problem
    streams = streams_for(jobs, backend)

    def stacked(kind: str) -> dict:
        spec = getattr(base, kind)
        return {name: backend.asarray([getattr(getattr(j.config, kind), name) for j in jobs]) for name in spec.batched_fields()}

    return Setup(problem=problem, compressor=base.compressor, aggregator=base.aggregator, attack=base.attack,
                 setting=setting, backend=backend, streams=streams, hp=stacked("algorithm"),
                 attack_hp=stacked("attack"), b_f=run.bits_per_float,
                 enforce_density=run.density_enforced(base.algorithm, base.compressor))


def initial_point(setup: Setup, config: ExperimentConfig):
    x0 = np.broadcast_to(setup.problem.x0, (setup.R, setup.d))
    if config.run.init == "random":
        x0 = x0 + to_numpy(setup.streams.normal("init", (setup.d,))) / np.sqrt(setup.d)
    # C order whatever R (a cast broadcast is F-ordered for R > 1, and float32 reductions of the
    # round-0 metrics then differed in the last bit between a replica alone and in a batch)
    return setup.backend.asarray(np.ascontiguousarray(x0))


def streams_for(jobs: Sequence[Job], backend: Backend) -> ReplicaStreams:
    """The random streams of ``jobs``: one per (seed, replica, purpose), drawn on the host or (``run.rng
    = "device"``, torch only) on the backend's device."""
    seeds, replicas = [j.config.run.seed for j in jobs], [j.replica for j in jobs]
    if jobs[0].config.run.rng == "host":
        return ReplicaStreams(seeds, replicas, backend.dtype)
    return DeviceStreams(seeds, replicas, backend.dtype, backend.device)  # torch: RunSpec.validate


#: Replica chunks are sized so that one [chunk, n, d] array takes about this many bytes: the round's
#: temporaries then stay in cache and in the allocator's free lists instead of being page-faulted in
#: afresh every round (measured on a 2-core EPYC, d = 1e4: 2x to 3x faster than one 100 MB batch).
CHUNK_BYTES = 2 << 20
#: ... and so that a minibatch oracle's gathered data rows [chunk, h, b, d] (``gathered_elements`` of
#: the problem spec: logistic, least squares) take at most this many.  Benchmark case c (d = 100,
#: h = 16, b = 32, 2-core Xeon): this gives 10 replicas a chunk in float64, 14.6k-14.9k replica-rounds/s
#: against 8.8k-10.1k for one chunk of 64 (its 26 MB gather streamed from memory every round), and 20
#: in float32, 23.5k-24.2k against 15.9k-16.4k; 8 / 16 and 16 / 20 measured within noise of these.
GATHER_BYTES = 4 << 20


def auto_chunk_size(jobs: Sequence[Job]) -> int:
    """Replicas per chunk: all of them on an accelerator, else as many as fit :data:`CHUNK_BYTES`
    in one [chunk, n, d] array and :data:`GATHER_BYTES` in the oracle's gathered minibatch."""
    config = jobs[0].config
    if config.run.backend == "torch" and not config.run.device.startswith("cpu"):
        return len(jobs)
    setting = config.setting()
    itemsize = np.dtype(config.run.dtype).itemsize
    chunk = CHUNK_BYTES // max(setting.n * setting.d * itemsize, 1)
    if isinstance(config.problem, GathersMinibatchRows):
        chunk = min(chunk, GATHER_BYTES // (config.problem.gathered_elements(setting) * itemsize))
    return max(1, min(len(jobs), chunk))


def run_batch(jobs: Sequence[Job], progress: bool | None = None, *, chunk_size: int | None = None,
              threads: int = 1) -> RunResult:
    """Run ``jobs`` (one batch key) and return their tidy results, in job order.

    The replica axis is cut into chunks of ``chunk_size`` replicas (default :func:`auto_chunk_size`)
    that run one after another, or on ``threads`` threads (numpy and torch release the GIL inside
    their kernels).  A replica never depends on its batch, so the results are bit-for-bit those of
    one unchunked batch (recorded rounds included: a chunk whose replicas all diverged early is
    padded with the rows the whole batch would have recorded for them).
    """
    start = time.perf_counter()
    keep_freed_memory()
    jobs = list(jobs)
    config = jobs[0].config
    size = max(1, chunk_size or auto_chunk_size(jobs))
    if chunk_size is None and threads > 1:  # at least one chunk per thread
        size = min(size, -(-len(jobs) // threads))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    show = config.run.progress if progress is None else progress
    from tqdm.auto import tqdm

    with tqdm(total=config.run.T * len(chunks), disable=not show, desc=config.algorithm.name, leave=False) as bar:
        if threads > 1 and len(chunks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(threads, len(chunks))) as pool:
                parts = list(pool.map(lambda c: _advance(c, bar), chunks))
        else:
            parts = [_advance(c, bar) for c in chunks]
    rows, diverged_at, final_x = _merge(parts, recorded_rounds(config.run.T, config.run.record_every))
    return _tidy(jobs, rows, diverged_at, time.perf_counter() - start, final_x)


def _advance(jobs: list[Job], bar) -> tuple:
    """Run one batch of jobs to the end: (recorded rows, diverged_at [R], final x [R,d] on the host,
    the totals and divergence flags at the last round run)."""
    config = jobs[0].config
    setup = build_setup(jobs)
    algo, problem, xp, R = cast(AlgorithmSpec, config.algorithm), setup.problem, setup.xp, setup.R
    T, every = config.run.T, config.run.record_every
    x0 = initial_point(setup, config)
    state = algo.init(x0, setup)
    x_star = None if problem.x_star is None else setup.backend.asarray(problem.x_star)
    scale = config.run.divergence_factor * (1 + (0 if problem.x_star is None else np.linalg.norm(problem.x0 - problem.x_star)))
    alive = np.ones(R, dtype=bool)
    diverged_at = np.full(R, -1, dtype=np.int64)
    sums = np.zeros((len(TOTALS), R))  # one add a round for the four running totals
    totals = dict(zip(TOTALS, sums))  # their rows, by name
    h = setup.setting.n_honest
    rows: list[dict[str, np.ndarray]] = []

    def record(t: int, x):
        with np.errstate(all="ignore"):
            g = to_numpy(xp.sum(problem.grad(x) ** 2, axis=1))
            gap = to_numpy(problem.loss(x)) - problem.constants.f_star
            dist = np.full(R, np.nan) if x_star is None else np.sqrt(to_numpy(xp.sum((x - x_star) ** 2, axis=1)))
        mask = np.where(alive, 1.0, np.nan)
        # classification problems: train and held-out test accuracy (Problem.metrics)
        extra = {k: to_numpy(v) * mask for k, v in problem.metrics(x).items()} if hasattr(problem, "metrics") else {}
        rows.append({"round": np.full(R, t), "grad_sq": g * mask, "f_gap": gap * mask, "dist": dist * mask, **extra,
                     **{k: v.copy() for k, v in totals.items()}, "diverged": ~alive})

    record(0, state.x)
    everyone_alive = True  # totals then add without a per-round np.where
    per_round = _PerRoundTotals(h, R)
    with np.errstate(all="ignore"):
        for t in range(1, T + 1):
            state, info = algo.step(state, setup)
            increments = per_round(info)
            sums += increments if everyone_alive else np.where(alive, increments, 0.0)
            if not (everyone_alive and _all_near(state.x, x0, scale, xp)):
                near = _deviation(state.x, x0, xp) <= scale  # NaN compares False: caught here
                bad = alive & ~near
                if bad.any():
                    alive &= ~bad
                    everyone_alive = False
                    diverged_at[bad] = t
                    keep = setup.backend.asarray(alive.astype(float))
            if not everyone_alive:  # diverged replicas stay at zero so they cannot overflow again
                state = _zero_replicas(state, keep, R)
            if t % every == 0 or t == T:
                record(t, state.x)
            bar.update(1)
            if not everyone_alive and not alive.any():
                break
    tail = {**{k: v.copy() for k, v in totals.items()}, "diverged": ~alive}
    return rows, diverged_at, to_numpy(state.x), tail


TOTALS = ("bits_up", "bits_down", "grad_evals", "participation")


class _PerRoundTotals:
    """A round's increments of :data:`TOTALS` [4, R]: bits up averaged over its senders, bits down,
    gradient evaluations, honest participation (1.0 when every honest worker took part).  Computed
    once for repeated read-only fields (the constant bits and full participation most algorithms
    return every round: their values cannot change)."""

    def __init__(self, h: int, R: int):
        self.h, self.R = h, R
        self._fields: tuple = ()  # the fields the increments were computed from
        self._increments: Any = None
        self._info: Any = None  # the last info whose fields were all read-only (it cannot change)

    def __call__(self, info) -> np.ndarray:
        if info is self._info:  # the same immutable tuple of read-only fields (fused rounds)
            return self._increments
        fields = (info.bits_up, info.bits_down, info.grad_evals, info.participated)
        read_only = not any(isinstance(a, np.ndarray) and a.flags.writeable for a in fields)
        if read_only and len(self._fields) == len(fields) and all(a is b for a, b in zip(fields, self._fields)):
            self._info = info
            return self._increments
        bits, _, _, part = fields
        honest = None if part is None else part[:, :self.h]
        out = np.empty((len(TOTALS), self.R))  # fresh: a caller may hold the last one
        out[0] = np.add.reduce(bits, axis=1) / bits.shape[1]  # np.mean's numbers, less overhead
        out[1], out[2] = info.bits_down, info.grad_evals
        # rounds an honest worker took part in, averaged over the honest workers (= t when all do)
        out[3] = 1.0 if honest is None or honest.all() else np.mean(honest, axis=1)
        self._fields, self._increments = fields, out
        self._info = info if read_only else None
        return out


def _deviation(x, x0, xp) -> np.ndarray:
    """||x - x0|| per replica on the host [R]: with numba one compiled call (:func:`sims.fused.distance`),
    else numpy's ufuncs straight on numpy arrays; the same numbers as the namespace's sum of squares."""
    if fused.distance_applies(x, x0):  # the same numbers in one compiled call
        return fused.distance(x, x0)
    if isinstance(x, np.ndarray):
        diff = np.subtract(x, x0)
        return np.sqrt(np.add.reduce(np.multiply(diff, diff, out=diff), axis=1))
    return to_numpy(xp.sqrt(xp.sum((x - x0) ** 2, axis=1)))


def _all_near(x, x0, scale, xp) -> bool:
    """Whether every replica lies within ``scale`` of x0 (:func:`_deviation` <= scale; NaN: no), with
    numba in one compiled call that stops at the first replica beyond (:func:`sims.fused.within`)."""
    if fused.distance_applies(x, x0):
        return fused.within(x, x0, scale)
    return bool((_deviation(x, x0, xp) <= scale).all())


def recorded_rounds(T: int, every: int) -> list[int]:
    """The recording schedule: 0, every multiple of ``every`` up to T, and T."""
    return [0] + [t for t in range(1, T + 1) if t % every == 0 or t == T]


def _merge(parts, rounds: list[int]):
    """Join chunks into the rows of one batch on the full recording schedule ``rounds``.  A chunk stops
    once all its replicas have diverged; it gets the rows every diverged replica has after its
    divergence (NaN metrics, the totals of its last round, diverged = True) for the rounds it did not
    reach, so a replica's rows depend neither on its batch nor on its chunk."""
    if len(parts) == 1 and len(parts[0][0]) == len(rounds):
        return parts[0][:3]
    merged, ref = [], parts[0][0][0]
    for i, t in enumerate(rounds):
        pieces = []
        for rows, _, _, tail in parts:
            if i < len(rows):
                pieces.append(rows[i])
                continue
            nan = np.full(len(tail["diverged"]), np.nan)
            pieces.append({**{k: nan for k in ref}, **tail, "round": np.full(len(nan), t)})
        merged.append({k: np.concatenate([p[k] for p in pieces]) for k in ref})
    return merged, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])


def map_replica_leaves(tree, R: int, fn):
    """``fn`` applied to every [R, ...] array leaf of a (nested) NamedTuple/tuple; other leaves kept."""
    if isinstance(tree, tuple):
        items = [map_replica_leaves(v, R, fn) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    if hasattr(tree, "shape") and len(tree.shape) >= 1 and tree.shape[0] == R:
        return fn(tree)
    return tree


def _zero_replicas(tree, keep, R):
    """Every [R, ...] array leaf with the replicas where keep[R] is 0 set to zero."""
    from .backend import namespace

    def zero(a):
        xp = namespace(a)
        k = xp.reshape(xp.astype(keep, a.dtype), (R,) + (1,) * (len(a.shape) - 1))
        return xp.where(k > 0, a, xp.zeros_like(a))

    return map_replica_leaves(tree, R, zero)


def records_frame(columns: dict, rows: list[dict], order: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows (one dict of [R] arrays per recorded round) stacked under the per-job ``columns``
    ([R] each): the frame ``pd.concat`` of one DataFrame per round would give, built once (a frame
    per round cost 0.35 ms, 7 % of the quick verification suite); ``order``: sorted by those
    columns, stably (``sort_values(list(order), kind="stable", ignore_index=True)``'s rows)."""
    keys = list(rows[0])
    if any(list(row) != keys for row in rows):  # never in the engine's records; kept exact anyway
        frame = pd.concat([pd.DataFrame({**columns, **row}) for row in rows], ignore_index=True)
        return frame.sort_values(list(order), kind="stable", ignore_index=True) if order else frame
    data = {k: np.tile(v, len(rows)) for k, v in columns.items()}
    data.update({k: np.concatenate([np.asarray(row[k]) for row in rows]) for k in keys})
    if order:  # np.lexsort is stable, its last key the primary one: numpy's permutation, no frame sort
        index = np.lexsort([data[k] for k in reversed(order)])
        data = {k: v[index] for k, v in data.items()}
    return pd.DataFrame(data)


def _tidy(jobs, rows, diverged_at, wall, final_x) -> RunResult:
    R = len(jobs)
    hp_cols = {}
    for kind in ("algorithm", "attack"):
        spec = getattr(jobs[0].config, kind)
        for name in spec.used_batched_fields():
            hp_cols[f"{kind}.{name}"] = np.array([getattr(getattr(j.config, kind), name) for j in jobs])
    ident = {"replica": np.array([j.replica for j in jobs]), "seed": np.array([j.config.run.seed for j in jobs])}
    records = records_frame({**ident, **hp_cols}, rows, order=("replica", "round"))
    last = {k: v for k, v in rows[-1].items() if k != "round"}  # the last recorded round of every job, in job order
    summary = pd.DataFrame({**ident, **hp_cols, **last, "diverged_round": diverged_at,
                            "diverged": diverged_at >= 0, "final_round": rows[-1]["round"]})
    return RunResult(records=records, summary=summary, jobs=list(jobs), wall_seconds=wall, final_x=final_x)
