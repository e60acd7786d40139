"""The batched engine: R independent replicas of one experiment shape advance as one array program.

``run(config)`` runs ``config.run.seeds`` replicas; ``run_batch(jobs)`` runs any list of
(config, replica) jobs whose configs share a :meth:`~sims.config.ExperimentConfig.batch_key`
(they may differ in batched hyper-parameters such as step size, momentum or attack strength, and in
seed).  Replica r of a job draws from streams keyed by (seed, r), so its trajectory does not depend
on the rest of the batch.

Metrics every ``record_every`` rounds (and at 0 and T): ||grad f_H(x_t)||^2, f_H(x_t) - f*,
||x_t - x*|| (where x* is known), cumulative bits up and down per honest worker, cumulative oracle
calls.  A replica whose iterate becomes non-finite or explodes is marked diverged at that round,
its state is zeroed, and the rest of the batch goes on.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .algorithms.base import Setup
from .backend import Backend, to_numpy
from .config import ExperimentConfig
from .errors import ConfigError
from .rng import ReplicaStreams

METRICS = ("grad_sq", "f_gap", "dist", "bits_up", "bits_down", "grad_evals")


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
    for j in jobs[1:]:
        if j.config.batch_key() != key:
            raise ConfigError("batch", j.config.title or "<config>", "configs of one batch must share every non-batched field")
    run = base.run
    backend = Backend(run.backend, run.dtype, run.device)
    setting = base.setting()
    problem = base.problem.build(setting.n_honest, backend)
    streams = ReplicaStreams([j.config.run.seed for j in jobs], [j.replica for j in jobs])

    def stacked(kind: str) -> dict:
        spec = getattr(base, kind)
        return {name: backend.asarray([getattr(getattr(j.config, kind), name) for j in jobs]) for name in spec.batched_fields()}

    return Setup(problem=problem, compressor=base.compressor, aggregator=base.aggregator, attack=base.attack,
                 setting=setting, backend=backend, streams=streams, hp=stacked("algorithm"),
                 attack_hp=stacked("attack"), b_f=run.bits_per_float)


def initial_point(setup: Setup, config: ExperimentConfig):
    x0 = np.broadcast_to(setup.problem.x0, (setup.R, setup.d))
    if config.run.init == "random":
        x0 = x0 + setup.streams.normal("init", (setup.d,)) / np.sqrt(setup.d)
    return setup.backend.asarray(x0)


def run_batch(jobs: Sequence[Job], progress: bool | None = None) -> RunResult:
    start = time.perf_counter()
    jobs = list(jobs)
    config = jobs[0].config
    setup = build_setup(jobs)
    algo, problem, xp, R = config.algorithm, setup.problem, setup.xp, setup.R
    T, every = config.run.T, config.run.record_every
    x0 = initial_point(setup, config)
    state = algo.init(x0, setup)
    x_star = None if problem.x_star is None else setup.backend.asarray(problem.x_star)
    scale = config.run.divergence_factor * (1 + (0 if problem.x_star is None else np.linalg.norm(problem.x0 - problem.x_star)))
    alive = np.ones(R, dtype=bool)
    diverged_at = np.full(R, -1, dtype=np.int64)
    totals = {"bits_up": np.zeros(R), "bits_down": np.zeros(R), "grad_evals": np.zeros(R)}
    rows: list[dict[str, np.ndarray]] = []

    def record(t: int, x):
        with np.errstate(all="ignore"):
            g = to_numpy(xp.sum(problem.grad(x) ** 2, axis=1))
            gap = to_numpy(problem.loss(x)) - problem.constants.f_star
            dist = np.full(R, np.nan) if x_star is None else np.sqrt(to_numpy(xp.sum((x - x_star) ** 2, axis=1)))
        mask = np.where(alive, 1.0, np.nan)
        rows.append({"round": np.full(R, t), "grad_sq": g * mask, "f_gap": gap * mask, "dist": dist * mask,
                     **{k: v.copy() for k, v in totals.items()}, "diverged": ~alive})

    record(0, state.x)
    show = config.run.progress if progress is None else progress
    from tqdm.auto import tqdm

    with np.errstate(all="ignore"), tqdm(total=T, disable=not show, desc=config.algorithm.name, leave=False) as bar:
        for t in range(1, T + 1):
            state, info = algo.step(state, setup)
            totals["bits_up"] += np.where(alive, np.mean(info.bits_up, axis=1), 0.0)
            totals["bits_down"] += np.where(alive, info.bits_down, 0.0)
            totals["grad_evals"] += np.where(alive, info.grad_evals, 0.0)
            dev = xp.sqrt(xp.sum((state.x - x0) ** 2, axis=1))
            bad = alive & ~(to_numpy(dev) <= scale)  # NaN compares False: caught here
            if bad.any():
                alive &= ~bad
                diverged_at[bad] = t
                keep = setup.backend.asarray(alive.astype(float))
            if not alive.all():  # diverged replicas stay at zero so they cannot overflow again
                state = _zero_replicas(state, keep, R)
            if t % every == 0 or t == T:
                record(t, state.x)
            bar.update(1)
            if not alive.any():
                break
    return _tidy(jobs, rows, diverged_at, time.perf_counter() - start, to_numpy(state.x))


def _zero_replicas(tree, keep, R):
    """Multiply every [R, ...] array leaf of a (nested) NamedTuple/tuple by keep[R] (1 or 0)."""
    if isinstance(tree, tuple):
        items = [_zero_replicas(v, keep, R) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    if hasattr(tree, "shape") and len(tree.shape) >= 1 and tree.shape[0] == R and not isinstance(tree, (int, float)):
        from .backend import namespace

        xp = namespace(tree)
        k = xp.reshape(xp.astype(keep, tree.dtype), (R,) + (1,) * (len(tree.shape) - 1))
        return xp.where(k > 0, tree, xp.zeros_like(tree))
    return tree


def _tidy(jobs, rows, diverged_at, wall, final_x) -> RunResult:
    R = len(jobs)
    hp_cols = {}
    for kind in ("algorithm", "attack"):
        spec = getattr(jobs[0].config, kind)
        for name in spec.batched_fields():
            hp_cols[f"{kind}.{name}"] = np.array([getattr(getattr(j.config, kind), name) for j in jobs])
    ident = {"replica": np.array([j.replica for j in jobs]), "seed": np.array([j.config.run.seed for j in jobs])}
    frames = [pd.DataFrame({**ident, **hp_cols, **row}) for row in rows]
    records = pd.concat(frames, ignore_index=True).sort_values(["replica", "round"], kind="stable", ignore_index=True)
    summary = frames[-1].copy()  # the last recorded round of every job, in job order (as diverged_at)
    summary["diverged_round"] = diverged_at
    summary["diverged"] = diverged_at >= 0
    summary["final_round"] = summary["round"]
    return RunResult(records=records, summary=summary.drop(columns=["round"]), jobs=list(jobs), wall_seconds=wall,
                     final_x=final_x)
