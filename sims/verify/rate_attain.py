r"""Attainment measurement for rate checks, claim-free ("method complexity" mode).

For a target eps the *cost* of a run is the first round t at which the record's criterion holds in
its average-iterate form, :math:`\frac1{t+1}\sum_{s\le t}\|\nabla f(x_s)\|^2 \le \epsilon^2` (criterion
``sqnorm_le_eps2``; the average, not one iterate, so that a lucky noisy iterate does not count), counted in
rounds, oracle calls per honest worker and bits sent up per honest worker.  The method's cost at eps
is the smallest mean-over-seeds cost over a declared grid of its hyper-parameters (``lr``, ``eta``,
...); the grid x seeds runs as ONE replica batch (engine contract: a replica does not depend on its
batch).  Nothing here reads a theorem or a claim: swapping the claim cannot move the measurement.

Early stop (exact): at round t a variant whose seeds are not all done has mean cost at least
(sum of its done costs + t x #not-done) / seeds; once that is >= the best finished variant's mean
for every unfinished variant, no later round can change the minimum.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..backend import to_numpy
from ..engine import Job, build_setup, initial_point
from .runner import Setting

COST_UNITS = ("rounds", "oracle_calls", "bits")


def grid(**axes: Sequence[float]) -> list[dict[str, float]]:
    """The Cartesian grid of algorithm fields, e.g. ``grid(lr=(0.1, 0.01), eta=(1, 0.1))``."""
    names = sorted(axes)
    return [dict(zip(names, map(float, vals))) for vals in itertools.product(*(axes[k] for k in names))]


@dataclass(frozen=True)
class Attainment:
    """Per variant x seed costs at one eps (+inf: not reached within max_rounds, or diverged)."""

    eps: float
    variants: list[dict[str, float]]
    costs: Mapping[str, np.ndarray]  # unit -> [V, S]

    @property
    def best(self) -> int:
        """Index of the variant with the smallest mean cost in rounds."""
        return int(np.argmin(np.mean(self.costs["rounds"], axis=1)))

    def best_costs(self, unit: str = "rounds") -> np.ndarray:
        return self.costs[unit][self.best]


def attain(setting: Setting, attack: str, variants: Sequence[Mapping[str, Any]], eps: float,
           max_rounds: int, criterion: str = "sqnorm_le_eps2") -> Attainment:
    """First round t of (1/(t+1)) sum_{s<=t} ||grad f(x_s)||^2 <= eps^2 for every variant x seed,
    one replica batch."""
    if criterion != "sqnorm_le_eps2":
        from ..errors import ConfigError

        raise ConfigError(f"criterion: {criterion!r} is not measured by attainment; allowed: 'sqnorm_le_eps2'")
    S, V = setting.seeds, len(variants)
    jobs = [Job(setting.config(attack, T=max_rounds, **dict(fv)), v * S + j) for v, fv in enumerate(variants) for j in range(S)]
    setup = build_setup(jobs)
    problem, xp, algo = setup.problem, setup.xp, jobs[0].config.algorithm
    x0 = initial_point(setup, jobs[0].config)
    state = algo.init(x0, setup)
    R = setup.R
    scale = 1e3 * (1.0 + float(np.linalg.norm(problem.x0)))
    hit = {u: np.full(R, np.inf) for u in COST_UNITS}
    used = {"oracle_calls": np.zeros(R), "bits": np.zeros(R)}
    dead = np.zeros(R, bool)

    total = np.zeros(R)  # sum_{s<=t} ||grad f(x_s)||^2

    def reached(x, t) -> np.ndarray:
        total[:] += to_numpy(xp.sum(problem.grad(x) ** 2, axis=1))
        return total / (t + 1) <= eps**2

    def settle(now, t):
        hit["rounds"][now] = t
        for u in ("oracle_calls", "bits"):
            hit[u][now] = used[u][now]

    settle(reached(state.x, 0), 0)
    with np.errstate(all="ignore"):
        for t in range(1, max_rounds + 1):
            state, info = algo.step(state, setup)
            used["oracle_calls"] += info.grad_evals
            used["bits"] += np.mean(info.bits_up, axis=1)
            x = to_numpy(state.x)
            dead |= ~(np.linalg.norm(x, axis=1) <= scale)
            open_ = ~np.isfinite(hit["rounds"]) & ~dead
            settle(open_ & reached(state.x, t), t)
            if _settled(hit["rounds"].reshape(V, S), dead.reshape(V, S), t):
                break
    return Attainment(eps, [dict(v) for v in variants], {u: c.reshape(V, S) for u, c in hit.items()})


def _settled(rounds: np.ndarray, dead: np.ndarray, t: int) -> bool:
    done = np.isfinite(rounds)
    full = done.all(axis=1)
    if not full.any():
        return bool((done | dead).all())
    best = rounds[full].mean(axis=1).min()
    bound = np.where(done, rounds, np.where(dead, np.inf, t)).mean(axis=1)
    return bool(np.all(full | (bound >= best)))


def measure_complexity(setting: Setting, attack: str, variants: Sequence[Mapping[str, Any]],
                       eps_grid: Sequence[float], max_rounds: int) -> list[Attainment]:
    """Attainment at every eps of the grid (the problem's ``eps`` field set to eps when it has one)."""
    out = []
    for eps in eps_grid:
        problem = dict(setting.problem)
        if problem.get("name") in ("plateau", "zero_chain"):
            problem["eps"] = eps
        out.append(attain(setting.replace(problem=problem), attack, variants, eps, max_rounds))
    return out
