r"""Upper-bound verdicts for rate claims from a claim-free attainment measurement.

A claim "cost = O(eps^a)" (a < 0) is an upper bound on the slope of log cost against log eps:

* refuted (FAIL) when the measured slope is steeper than a: the whole ``level`` interval lies below
  a - tol (data above the bound at small eps);
* consistent (PASS) otherwise;
* ``tight`` (reported separately, not a verdict): the point estimate is within ``tol`` of a.
"""
from __future__ import annotations

import math
import time
from typing import Sequence

from .checks import Check, Verdict
from .rate_attain import Attainment
from .stats import bootstrap_slope


def measured_slope(attainments: Sequence[Attainment], unit: str = "rounds", level: float = 0.9,
                   n_boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Slope of the best variant's mean cost against eps with its bootstrap interval over seeds."""
    eps = [a.eps for a in attainments]
    return bootstrap_slope(eps, [a.best_costs(unit) for a in attainments], level=level, n_boot=n_boot, seed=seed)


def upper_bound_verdict(slope: float, lo: float, hi: float, claim: float, tol: float) -> tuple[Verdict, bool]:
    """(verdict, tight) of the claim eps^claim against a measured slope and interval [lo, hi]."""
    if not math.isfinite(slope):
        return Verdict.FAIL, False
    refuted = hi < claim - tol
    return (Verdict.FAIL if refuted else Verdict.PASS), abs(slope - claim) <= tol


def method_rate_check(theorem: str, claim_name: str, claim_exponent: float, attainments: Sequence[Attainment],
                      instance: str, algorithm: str, setting: str, unit: str = "rounds", level: float = 0.9,
                      tol: float = 0.3, seed: int = 0, mode: str = "method_complexity") -> Check:
    """Rate check of a claim-free measurement (``mode``: "method_complexity", the best of a declared
    grid, or "theorem", the record's prescriptions at the smallest horizon that meets the target);
    the measurement never sees ``claim_exponent``."""
    t0 = time.perf_counter()
    slope, lo, hi = measured_slope(attainments, unit, level, seed=seed)
    verdict, tight = upper_bound_verdict(slope, lo, hi, claim_exponent, tol)
    rows = [{"eps": a.eps, "best": a.variants[a.best], "costs": a.best_costs(unit).tolist()} for a in attainments]
    return Check(
        theorem=theorem, check="rate", setting=setting, claim=claim_name, measured=slope, theory=claim_exponent,
        slack=slope - claim_exponent if math.isfinite(slope) else float("nan"), verdict=verdict, interval=(lo, hi),
        details={"rows": rows, "level": level, "tol": tol, "eps": [a.eps for a in attainments], "tight": tight},
        seconds=time.perf_counter() - t0,
        extra={"instance": instance, "algorithm": algorithm, "mode": mode, "measured": slope,
               "interval": [lo, hi], "claim_exponent": claim_exponent, "verdict": verdict.value, "tight": tight,
               "cost_unit": unit},
    )
