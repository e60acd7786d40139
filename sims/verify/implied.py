"""Implied constants: for a theorem whose absolute constants are unknown (reconstructed, default
placeholders), the smallest value of one named constant that makes the theorem's bound (or floor)
hold for every run, and the run that binds it.

For run r with measured upper confidence end u_r, c_r = inf{c >= 0 : bound_c(run r) >= u_r} (found by
bisection on a log grid; the bound is non-decreasing in the constants checked here); the implied
constant is max_r c_r, bound by the run attaining it.  Verdict: PASS when the record's default is
at least the implied value (the default is consistent with all runs), FAIL otherwise.
"""
from __future__ import annotations

import math
import time
from typing import Any, Mapping, Sequence

from .checks import Check, Verdict
from .claims import BoundClaim


def _value(claim: BoundClaim, run: Mapping[str, Any], target: str, name: str, c: float) -> float:
    cl = BoundClaim(claim.theorem, claim.scale, claim.factors, {**claim.named, name: c})
    return float(cl.evaluate(run["constants"], run.get("T", 1), run.get("hyper", {}))[target])


def smallest_constant(claim: BoundClaim, name: str, run: Mapping[str, Any], target: str = "bound",
                      hi: float = 1e12) -> float:
    """The smallest c with bound_c(run) >= run['measured'] (inf if none below ``hi``)."""
    u = float(run["measured"])
    if not math.isfinite(u):
        return math.inf
    if _value(claim, run, target, name, 0.0) >= u:
        return 0.0
    lo, up = 0.0, 1e-12
    while _value(claim, run, target, name, up) < u:
        lo, up = up, up * 10
        if up > hi:
            return math.inf
    for _ in range(60):
        mid = math.sqrt(lo * up) if lo > 0 else up / 10
        if _value(claim, run, target, name, mid) >= u:
            up = mid
        else:
            lo = mid
        if up - lo <= 1e-6 * up:
            break
    return up


def implied_constant(claim: BoundClaim, name: str, runs: Sequence[Mapping[str, Any]], target: str = "bound",
                     setting: str = "") -> Check:
    """The smallest ``name`` consistent with all ``runs`` (dicts with constants, T, hyper, measured,
    label), the run binding it, and PASS iff the record's default is >= it."""
    t0 = time.perf_counter()
    default = next(c.default for c in claim.theorem.constants if c.name == name)
    per_run = [{"label": r.get("label", str(i)), "implied": smallest_constant(claim, name, r, target),
                "measured": float(r["measured"])} for i, r in enumerate(runs)]
    binding = max(per_run, key=lambda r: r["implied"])
    value = binding["implied"]
    ok = math.isfinite(value) and value <= default
    return Check(theorem=claim.theorem.key, check="implied", setting=setting or f"{len(runs)} runs",
                 claim=f"{name} (default {default:g}) via {target}", measured=value, theory=default,
                 slack=default / value if value > 0 else math.inf, verdict=Verdict.PASS if ok else Verdict.FAIL,
                 details={"name": name, "target": target, "binding_run": binding["label"], "runs": per_run},
                 seconds=time.perf_counter() - t0)
