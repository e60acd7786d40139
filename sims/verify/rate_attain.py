r"""Attainment measurement for rate checks, claim-free ("method complexity" mode).

For a target eps the *cost* of a run is the first round t at which the record's criterion holds in
its average-iterate form, :math:`\frac1{t+1}\sum_{s\le t}\|\nabla f(x_s)\|^2 \le \epsilon^2` (criterion
``sqnorm_le_eps2``; the average, not one iterate, so that a lucky noisy iterate does not count), counted in
rounds, oracle calls per honest worker and bits sent up per honest worker.  The method's cost at eps
is the smallest mean-over-seeds cost over a declared grid of its hyper-parameters (``lr``, ``eta``,
...); the grid x seeds runs as replicas of one batch (engine contract: a replica does not depend on
its batch).  Nothing here reads a theorem or a claim: swapping the claim cannot move the measurement.

Exact pruning.  With :math:`S_t = \sum_{s\le t}\|\nabla f(x_s)\|^2` a replica not done at round t
cannot be done before round :math:`\max(t+1,\ S_t/\epsilon^2 - 1)` (the sum never decreases), so a
variant's mean cost is at least the mean of its done costs and these lower bounds.  A variant whose
bound exceeds the incumbent (the smallest finished mean) cannot be the minimum; its replicas, and
the done ones, leave the batch (the batch is compacted: state, streams and batched fields sliced),
so the run costs what the contenders cost.  The incumbent comes early from a probe: the variants in
``first`` (the previous eps's winner in :func:`measure_complexity`) run to the end before the rest.
The minimum and its per-seed costs are those of the full grid run to the end.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..backend import to_numpy
from ..engine import Job, build_setup, initial_point, map_replica_leaves
from ..errors import ConfigError
from .runner import Setting

COST_UNITS = ("rounds", "oracle_calls", "bits")


def grid(**axes: Sequence[float]) -> list[dict[str, float]]:
    """The Cartesian grid of algorithm fields, e.g. ``grid(lr=(0.1, 0.01), eta=(1, 0.1))``."""
    names = sorted(axes)
    return [dict(zip(names, map(float, vals))) for vals in itertools.product(*(axes[k] for k in names))]


@dataclass(frozen=True)
class Attainment:
    """Per variant x seed costs at one eps (+inf: not reached within max_rounds, diverged, or pruned)."""

    eps: float
    variants: list[dict[str, float]]
    costs: Mapping[str, np.ndarray]  # unit -> [V, S]
    #: unit -> [S'] costs of the best variant on fresh seeds (None: not re-measured)
    fresh: Mapping[str, np.ndarray] | None = None

    @property
    def best(self) -> int:
        """Index of the variant with the smallest mean cost in rounds (on the selection seeds)."""
        return int(np.argmin(np.mean(self.costs["rounds"], axis=1)))

    def best_costs(self, unit: str = "rounds") -> np.ndarray:
        """The best variant's per-seed costs: on fresh seeds when re-measured (no winner's curse)."""
        return self.costs[unit][self.best] if self.fresh is None else self.fresh[unit]

    def on_edge(self) -> list[str]:
        """Grid axes on which the best variant sits at an end (the grid may not contain the optimum)."""
        best = self.variants[self.best]
        return [k for k in sorted(best) if len({v[k] for v in self.variants}) > 1 and
                best[k] in (min(v[k] for v in self.variants), max(v[k] for v in self.variants))]


def attain(setting: Setting, attack: str, variants: Sequence[Mapping[str, Any]], eps: float,
           max_rounds: int, criterion: str = "sqnorm_le_eps2", first: Sequence[int] = ()) -> Attainment:
    """First round t of (1/(t+1)) sum_{s<=t} ||grad f(x_s)||^2 <= eps^2 for every variant x seed
    (replica v S + j: variant v, seed j, whatever the batch); ``first`` variants run first."""
    if criterion != "sqnorm_le_eps2":
        raise ConfigError("criterion", criterion, "attainment measures 'sqnorm_le_eps2' only")
    S, V = setting.seeds, len(variants)
    jobs = [Job(setting.config(attack, T=max_rounds, **dict(fv)), v * S + j) for v, fv in enumerate(variants)
            for j in range(S)]
    hit = {u: np.full(V * S, np.inf) for u in COST_UNITS}
    probe = sorted(set(first))
    rest = [v for v in range(V) if v not in probe]
    for stage in (probe, rest) if probe else (rest,):
        rows = np.array([v * S + j for v in stage for j in range(S)], dtype=np.int64)
        _run(jobs, rows, hit, eps, max_rounds, V, S)
    return Attainment(eps, [dict(v) for v in variants], {u: c.reshape(V, S) for u, c in hit.items()})


def _run(jobs: Sequence[Job], rows: np.ndarray, hit: Mapping[str, np.ndarray], eps: float, max_rounds: int,
         V: int, S: int) -> None:
    """Run replicas ``rows`` of ``jobs``, filling ``hit`` (the costs of every replica; those outside
    ``rows`` already final) until each variant is done or cannot beat the incumbent."""
    setup = build_setup([jobs[r] for r in rows])
    problem, xp, algo = setup.problem, setup.xp, jobs[0].config.algorithm
    state = algo.init(initial_point(setup, jobs[0].config), setup)
    scale = 1e3 * (1.0 + float(np.linalg.norm(problem.x0)))
    R = V * S
    used = {"oracle_calls": np.zeros(R), "bits": np.zeros(R)}
    total = np.zeros(R)  # S_t = sum_{s<=t} ||grad f(x_s)||^2
    bound = np.full(R, np.inf)  # per-replica lower bound on its cost (exact when done)
    bound[rows] = 0.0
    done = np.isfinite(hit["rounds"])
    bound[done] = hit["rounds"][done]
    live = rows

    def observe(x, t: int) -> np.ndarray:
        total[live] += to_numpy(xp.sum(problem.grad(x) ** 2, axis=1))
        now = total[live] / (t + 1) <= eps**2
        hit["rounds"][live[now]] = float(t)
        for u in ("oracle_calls", "bits"):
            hit[u][live[now]] = used[u][live][now]
        bound[live] = np.where(now, t, np.maximum(t + 1, total[live] / eps**2 - 1))
        return now

    now = observe(state.x, 0)
    with np.errstate(all="ignore"):
        for t in range(1, max_rounds + 1):
            keep = _contenders(bound.reshape(V, S), np.isfinite(hit["rounds"]).reshape(V, S)).reshape(R)[live] & ~now
            if not keep.all():
                live = live[keep]
                if not live.size:
                    return
                index = setup.backend.asarray(np.flatnonzero(keep), "int64")
                state, setup = _take(state, index, len(keep)), _take_setup(setup, index, len(keep))
            state, info = algo.step(state, setup)
            used["oracle_calls"][live] += info.grad_evals
            used["bits"][live] += np.mean(info.bits_up, axis=1)
            now = observe(state.x, t)
            dead = ~(np.linalg.norm(to_numpy(state.x), axis=1) <= scale) & ~now
            bound[live[dead]] = np.inf
            now |= dead


def _contenders(bound: np.ndarray, done: np.ndarray) -> np.ndarray:
    """[V, S] mask of replicas whose variant may still have the smallest mean cost."""
    full = done.all(axis=1)
    incumbent = bound[full].mean(axis=1).min() if full.any() else np.inf
    alive = bound.mean(axis=1) <= incumbent  # ties kept: argmin's first index must stay exact
    return alive[:, None] & ~done


def _take(tree, index, R: int):
    """Rows ``index`` (a backend int array) of every [R, ...] array leaf of a (nested) NamedTuple/tuple."""
    return map_replica_leaves(tree, R, lambda a: a[index])


def _take_setup(setup, index, R: int):
    """The setup of replicas ``index``: streams and batched fields sliced."""
    sliced = {k: {name: _take(a, index, R) for name, a in getattr(setup, k).items()} for k in ("hp", "attack_hp")}
    return dataclasses.replace(setup, streams=setup.streams.subset(to_numpy(index)), **sliced)


def at_eps(setting: Setting, eps: float) -> Setting:
    """``setting`` with its problem built for target eps (the plateau's and the zero chain's ``eps`` field)."""
    if setting.problem.get("name") not in ("plateau", "zero_chain"):
        return setting
    return setting.replace(problem={**setting.problem, "eps": eps})


def measure_complexity(setting: Setting, attack: str, variants: Sequence[Mapping[str, Any]],
                       eps_grid: Sequence[float], max_rounds: int, fresh: bool = False) -> list[Attainment]:
    """Attainment at every eps of the grid, largest eps first (the problem's ``eps`` field set to eps
    when it has one); the winner at one eps is the probe at the next.  ``fresh``: the winner's cost is
    re-measured on as many fresh seeds (base seed + 1), so that its interval is not biased down by
    the selection (the minimum of many noisy means)."""
    out: dict[float, Attainment] = {}
    first: tuple[int, ...] = ()
    for eps in sorted(eps_grid, reverse=True):
        at = at_eps(setting, eps)
        a = attain(at, attack, variants, eps, max_rounds, first=first)
        if fresh:
            again = attain(at.replace(seed=setting.seed + 1), attack, [a.variants[a.best]], eps, max_rounds)
            a = dataclasses.replace(a, fresh={u: c[0] for u, c in again.costs.items()})
        out[eps] = a
        first = (a.best,)
    return [out[eps] for eps in eps_grid]
