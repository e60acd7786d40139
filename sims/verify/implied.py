"""Implied constants: for a theorem whose absolute constants are unknown (reconstructed, default
placeholders), the smallest value of one named constant that makes the theorem's bound (or floor)
hold for every run, and the run that binds it.

For run r with measured upper confidence end u_r, c_r = inf{c >= 0 : bound_c(run r) >= u_r} (found by
bisection on a log grid; the bound is non-decreasing in the constants checked here); the implied
constant is max_r c_r, bound by the run attaining it.  Verdict: PASS when the record's default is
at least the implied value (the default is consistent with all runs), FAIL otherwise.  An implied
value 0 means the other terms alone cover every run: the check is vacuous for that constant and says
so (``details["vacuous"]``, "[vacuous here]" in the claim).
"""
from __future__ import annotations

import math
import time
from typing import Any, Mapping, Sequence

from .checks import Check, Verdict
from .claims import BoundClaim


def _value(claim: BoundClaim, run: Mapping[str, Any], target: str, name: str | Sequence[str], c: float) -> float:
    """``target`` of ``claim`` at run ``run`` with constant ``name`` = c, or, for a tuple of names,
    every one of them at c x its record default (a common factor)."""
    if isinstance(name, str):
        named = {name: c}
    else:
        defaults = {k.name: k.default for k in claim.theorem.constants}
        named = {k: c * defaults[k] for k in name}
    cl = BoundClaim(claim.theorem, claim.scale, claim.factors, {**claim.named, **named})
    return float(cl.evaluate(run["constants"], run.get("T", 1), run.get("hyper", {}))[target])


def smallest_constant(claim: BoundClaim, name: str | Sequence[str], run: Mapping[str, Any], target: str = "bound",
                      hi: float = 1e12) -> float:
    """The smallest c with bound_c(run) >= run['measured'] (inf if none below ``hi``); ``name`` a
    tuple of names: the smallest common factor of their defaults."""
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


def implied_constant(claim: BoundClaim, name: str | Sequence[str], runs: Sequence[Mapping[str, Any]],
                     target: str = "bound", setting: str = "") -> Check:
    """The smallest ``name`` consistent with all ``runs`` (dicts with constants, T, hyper, measured,
    label), the run binding it, and PASS iff the record's default is >= it.  ``name`` a tuple of
    constants: their implied common factor (every one at factor x its default; the "default" is 1)."""
    t0 = time.perf_counter()
    if isinstance(name, str):
        default = next(c.default for c in claim.theorem.constants if c.name == name)
        label = name
    else:
        default, label = 1.0, "common factor of " + ", ".join(name)
    per_run = [{"label": r.get("label", str(i)), "implied": smallest_constant(claim, name, r, target),
                "measured": float(r["measured"])} for i, r in enumerate(runs)]
    binding = max(per_run, key=lambda r: r["implied"])
    value = binding["implied"]
    ok = math.isfinite(value) and value <= default
    details = {"name": label, "target": target, "binding_run": binding["label"], "runs": per_run}
    vacuous = value == 0.0
    if vacuous:  # every run is covered with name = 0: the check says nothing about this constant
        r = runs[[p["label"] for p in per_run].index(binding["label"])] if runs else {}
        rest = _value(claim, r, target, name, 0.0) if runs else math.nan
        details["vacuous"] = (f"with {label} = 0 the other terms (their constants at the record's defaults) already "
                              f"give {rest:.3g} >= the measured {binding['measured']:.3g}: every {label} >= 0 is "
                              f"consistent with these runs, which therefore say nothing about {label}")
    return Check(theorem=claim.theorem.key, check="implied", setting=setting or f"{len(runs)} runs",
                 claim=f"{label} (default {default:g}) via {target}" + (" [vacuous here]" if vacuous else ""),
                 measured=value, theory=default,
                 slack=default / value if value > 0 else math.inf, verdict=Verdict.PASS if ok else Verdict.FAIL,
                 details=details, seconds=time.perf_counter() - t0)
