"""Statistics of the checks: one-sided upper confidence bounds over seeds, log-log slopes with a
bootstrap over seeds.  numpy / scipy only; every function is deterministic given its ``seed``."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import stats as _st

UCB_METHODS = ("t", "bootstrap")


def upper_confidence(samples, level: float = 0.95, method: str = "t", n_boot: int = 2000, seed: int = 0) -> float:
    """One-sided upper confidence bound for the mean of ``samples`` (one value per seed).

    ``t``: mean + t_{level, S-1} * sd / sqrt(S) (Student; the default).  ``bootstrap``: the
    ``level`` quantile of the bootstrap distribution of the mean (percentile method).  A non-finite
    sample (a diverged run) gives +inf; a single sample gives +inf for ``t`` (no spread estimate).
    """
    x = np.asarray(samples, dtype=float)
    if method not in UCB_METHODS:
        raise ValueError(f"method {method!r} not in {UCB_METHODS}")
    if not (0.5 <= level < 1):
        raise ValueError(f"level {level} must be in [0.5, 1)")
    if x.size == 0 or not np.all(np.isfinite(x)):
        return float("inf")
    if method == "t":
        if x.size < 2:
            return float("inf")
        return float(x.mean() + _st.t.ppf(level, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, (n_boot, x.size))].mean(axis=1)
    return float(np.quantile(means, level))


def fit_slope(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of log(y) against log(x)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    slope, intercept = np.polyfit(lx, ly, 1)
    return float(slope), float(intercept)


def bootstrap_slope(x: Sequence[float], groups: Sequence[Sequence[float] | np.ndarray], level: float = 0.9, n_boot: int = 2000,
                    seed: int = 0, stat=np.mean) -> tuple[float, float, float]:
    """Slope of log(stat(group)) against log(x) and its two-sided ``level`` percentile bootstrap
    interval, resampling the seeds of every grid point independently.

    ``groups[i]`` holds the per-seed measurements at ``x[i]``.  Non-finite measurements (runs that
    never reached the target, diverged runs) make the statistic of their group +inf: the point
    estimate is then nan and the interval (-inf, inf) - the check cannot pass on such data.
    """
    xs = np.asarray(x, float)
    gs = [np.asarray(g, float) for g in groups]
    if any(not np.all(np.isfinite(g)) or np.any(g <= 0) for g in gs):
        return float("nan"), float("-inf"), float("inf")
    slope = fit_slope(xs, [stat(g) for g in gs])[0]
    rng = np.random.default_rng(seed)
    boots = np.empty(n_boot)
    lx = np.log(xs)
    A = np.vstack([lx, np.ones_like(lx)]).T
    ys = np.empty((n_boot, len(gs)))
    for i, g in enumerate(gs):
        ys[:, i] = stat(g[rng.integers(0, g.size, (n_boot, g.size))], axis=1)
    boots = np.linalg.lstsq(A, np.log(ys).T, rcond=None)[0][0]
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return slope, float(lo), float(hi)
