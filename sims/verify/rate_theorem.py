r"""Rate measurement in *theorem mode*: the record's own prescriptions at the smallest horizon that works.

For a horizon T the record prescribes hyper-parameters ``hyper(T)`` (Byz-DM21: eta(T), gamma(eta);
SGD: gamma(T); ...) at the instance's declared constants.  A seed *meets the target at T* when the run
with ``hyper(T)`` satisfies the record's left-hand side at T,

.. math:: \frac1T \sum_{t=0}^{T-1} \|\nabla f(x_t)\|^2 \le \epsilon^2 ,

and its cost is the smallest such T, searched by doubling (T = T_0, 2 T_0, ... until met) and then
bisection between the last two horizons down to a relative width ``rtol``.  The search reads the
record's hyper-parameter *prescriptions* only, never its claimed complexity ``T(eps)`` nor the claim
under test: the horizon is found, not computed.  A seed's runs at different horizons share its random
stream (replica j of the base seed), and each batch holds the seeds at their own horizons (a replica
does not depend on its batch).  Seeds that do not meet the target by ``max_rounds`` (or diverge) cost
+inf.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from ..backend import to_numpy
from ..engine import Job, build_setup, initial_point
from ..errors import ConfigError
from .claims import _inputs
from .rate_attain import Attainment, at_eps
from .runner import Setting, algorithm_fields


def prescribed(theorem, declared: Mapping[str, float], T: int) -> dict[str, float]:
    """The record's hyper-parameters at horizon T and the declared constants (``Setting.declared()``)."""
    ev = theorem.evaluate(_inputs(theorem, declared), T=float(T))
    return {k: float(ev[k]) for k in theorem.hyper}


def lhs_at_horizon(theorem, setting: Setting, attack: str, horizons: Sequence[int] | np.ndarray,
                   seeds: Sequence[int] | np.ndarray) -> np.ndarray:
    """(1/T) sum_{t<T} ||grad f(x_t)||^2 of seed ``seeds[i]`` run with ``hyper(horizons[i])`` for
    ``horizons[i]`` rounds, all in one batch (+inf when a run diverges)."""
    Ts = np.asarray(horizons, dtype=np.int64)
    T_max = int(Ts.max())
    declared = setting.declared()  # builds the problem: once, not per job
    fields = {int(T): algorithm_fields(prescribed(theorem, declared, int(T))) for T in set(Ts.tolist())}
    jobs = [Job(setting.config(attack, T=T_max, **fields[int(T)]), int(j)) for T, j in zip(Ts, seeds)]
    setup = build_setup(jobs)
    problem, xp, algo = setup.problem, setup.xp, jobs[0].config.algorithm
    state = algo.init(initial_point(setup, jobs[0].config), setup)
    total = np.zeros(len(jobs))
    with np.errstate(all="ignore"):
        for t in range(T_max):
            g2 = to_numpy(xp.sum(problem.grad(state.x) ** 2, axis=1))
            total += np.where(t < Ts, np.nan_to_num(g2, nan=np.inf), 0.0)
            if t + 1 < T_max:
                state, _ = algo.step(state, setup)
    return total / Ts


def smallest_horizon(theorem, setting: Setting, attack: str, eps: float, T0: int = 8, max_rounds: int = 40_000,
                     rtol: float = 0.05) -> np.ndarray:
    """Per seed: the smallest horizon T (doubling from ``T0``, then bisection to relative width
    ``rtol``) at which the run with the record's ``hyper(T)`` meets (1/T) sum ||grad f||^2 <= eps^2."""
    if T0 < 1:
        raise ConfigError("T0", T0, "the first horizon of the doubling search must be an integer >= 1")
    S = setting.seeds
    lo = np.zeros(S, dtype=np.int64)  # largest horizon known to fail (0: none tried)
    hi = np.full(S, -1, dtype=np.int64)  # smallest horizon known to meet (-1: none yet)
    T = T0
    while T <= max_rounds and (hi < 0).any():
        todo = np.flatnonzero(hi < 0)
        met = lhs_at_horizon(theorem, setting, attack, [T] * len(todo), todo) <= eps**2
        hi[todo[met]] = T
        lo[todo[~met]] = T
        T *= 2
    found = hi > 0
    while True:
        open_ = np.flatnonzero(found & (hi - lo > np.maximum(1, rtol * hi)))
        if not open_.size:
            break
        mid = (lo[open_] + hi[open_]) // 2
        met = lhs_at_horizon(theorem, setting, attack, mid, open_) <= eps**2
        hi[open_[met]], lo[open_[~met]] = mid[met], mid[~met]
    return np.where(found, hi.astype(float), math.inf)


def measure_theorem_mode(theorem, setting: Setting, attack: str, eps_grid: Sequence[float],
                         max_rounds: int = 40_000, **kw: Any) -> list[Attainment]:
    """Theorem-mode costs (rounds) at every eps, as :class:`Attainment` rows of one "variant" (the
    record's prescriptions), so that :func:`rate_verdict.method_rate_check` fits and judges them."""
    out = []
    for eps in eps_grid:
        cost = smallest_horizon(theorem, at_eps(setting, eps), attack, eps, max_rounds=max_rounds, **kw)
        out.append(Attainment(eps, [{"prescribed": 1.0}], {"rounds": cost[None, :]}))
    return out
