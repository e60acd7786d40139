"""Floor checks: the error floor (plateau of ||grad f||^2) against a knob - G^2, kappa, the
compression level d/k, 1/p - under the worst attack of the setting.

A floor is an upper bound, so it is refuted only by a measured floor above it:

* :func:`floor_level_check` compares the plateau's upper confidence end at every grid point with
  the claimed floor value: PASS = consistent, FAIL = refuted (a floor claimed with kappa too small);
* :func:`floor_check` fits the log-log slope of the plateau against the knob (bootstrap over seeds)
  beside the claim's slope over the same grid: information (INFO), never a verdict - a plateau
  flatter than the claimed floor refutes nothing, since both kappa G^2 and kappa (d/k) G^2 are
  upper bounds.

By default the runs use fixed, stated hyper-parameters (``FloorSetting.fields``) long enough to reach
the plateau.  A record whose statement couples the floor to its step (RoSDHB: gamma = k/(c_gamma d L),
beta from gamma) is run at its own prescription instead: ``FloorSetting.prescribed`` is the claim whose
hyper-parameters are evaluated at every grid point's declared constants and horizon (a claim with a
named constant replaced, e.g. ``c_gamma = 232``, states a scaled prescription; its name says so).
The plateau of a seed is the mean of ||grad f(x_t)||^2 over the last ``window`` fraction of the
rounds; the window before it gives the ``drift`` (last / previous - 1, worst attack): a plateau still
rising is a lower bound on the floor, which can only under-state a refutation.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .checks import Check, Verdict, slack_ratio
from .claims import BoundClaim, FloorClaim
from .runner import Setting, algorithm_fields, per_replica, run_variants
from .power import provenance
from .stats import bootstrap_slope, upper_confidence

KNOBS: dict[str, Callable[[Mapping[str, float]], float]] = {
    "G^2": lambda c: c["G_het"] ** 2,
    "kappa": lambda c: c["kappa"],
    "d/k": lambda c: c["d"] / c["k_sp"],
    "1/p": lambda c: 1.0 / c["p"],
}


@dataclass(frozen=True)
class FloorSetting:
    """``base`` varied over ``points`` (each a dict of Setting fields to replace, e.g.
    ``{"problem": {...}}``, ``{"compressor": {...}, "T": 4000}``), run with ``fields``, and with the
    hyper-parameters ``prescribed`` prescribes at each point when given (they override ``fields``)."""

    base: Setting
    knob: str
    points: Sequence[Mapping[str, Any]]
    fields: Mapping[str, Any] = field(default_factory=dict)
    window: float = 0.5
    prescribed: BoundClaim | None = None

    def settings(self) -> list[Setting]:
        return [self.base.replace(**p) for p in self.points]

    def run_fields(self, s: Setting) -> dict[str, Any]:
        """The algorithm fields a grid point runs with: ``fields``, then the prescription (gamma -> lr, ...)
        of ``prescribed`` at the point's declared constants and horizon."""
        if self.prescribed is None:
            return dict(self.fields)
        return {**self.fields, **algorithm_fields(self.prescribed.hyper(s.declared(), s.T))}


def measure_floor(fs: FloorSetting) -> dict[str, Any]:
    """Per grid point: declared constants, knob value, horizon T, the fields run (``hyper``),
    per-attack per-seed plateaus, the worst attack and its ``drift`` against the window before."""
    rows = []
    for s in fs.settings():
        fields = fs.run_fields(s)
        declared = s.declared() | {k: float(v) for k, v in fields.items() if k == "p"}
        start = int(math.floor(s.T * (1 - fs.window)))
        before = (max(0, int(math.floor(s.T * (1 - 2 * fs.window)))), start - 1)
        per_attack, previous = {}, {}
        for attack in s.attack_list:
            res = run_variants(s, attack, [fields])
            per_attack[attack] = per_replica(res, "grad_sq", (start, s.T), "mean").tolist()
            previous[attack] = float(np.mean(per_replica(res, "grad_sq", before, "mean")))
        worst = max(per_attack, key=lambda a: np.mean(per_attack[a]))
        rows.append({"knob": KNOBS[fs.knob](declared), "constants": declared, "T": s.T, "hyper": fields,
                     "plateau": per_attack[worst], "worst_attack": worst,
                     "per_attack_mean": {a: float(np.mean(v)) for a, v in per_attack.items()},
                     "drift": float(np.mean(per_attack[worst]) / previous[worst] - 1.0)})
    return {"knob": fs.knob, "rows": rows, "fields": dict(fs.fields), "window": fs.window,
            "prescribed": fs.prescribed.name if fs.prescribed is not None else None}


def floor_check(claim: FloorClaim, fs: FloorSetting, measured=None, level: float = 0.9, tol: float = 0.25,
                n_boot: int = 2000) -> Check:
    """The fitted slope beside the claim's (INFO); ``details['slope_agrees']``: within ``tol`` and
    the claim's slope inside the bootstrap interval widened by ``tol``."""
    t0 = time.perf_counter()
    data = measured if measured is not None else measure_floor(fs)
    x = [r["knob"] for r in data["rows"]]
    slope, lo, hi = bootstrap_slope(x, [r["plateau"] for r in data["rows"]], level=level, n_boot=n_boot,
                                    seed=fs.base.seed)
    want = claim.exponent([r["constants"] for r in data["rows"]], x)
    ok = math.isfinite(slope) and abs(slope - want) <= tol and lo - tol <= want <= hi + tol
    th = claim.theorem.key if claim.theorem is not None else "-"
    return Check(theorem=th, check="floor", setting=f"{fs.base.label}, vs {fs.knob}", claim=claim.name,
                 measured=slope, theory=want, slack=slope - want if math.isfinite(slope) else float("nan"),
                 verdict=Verdict.INFO, interval=(lo, hi),
                 extra={"provenance": provenance(claim.theorem)} if claim.theorem is not None else {},
                 details={**data, "level": level, "tol": tol, "slope_agrees": bool(ok), "claim_floor": [claim.floor(r["constants"]) for r in data["rows"]]},
                 seconds=time.perf_counter() - t0)


def floor_level_check(claim: BoundClaim, fs: FloorSetting, measured=None, level: float = 0.95,
                      power: bool = True, outside: str = "") -> Check:
    """PASS iff at every grid point the plateau's upper confidence end (worst attack) is <= the
    claim's floor (``claim.evaluate(...)['floor']`` at that point's declared constants):
    ``details['finding']`` is "consistent" or "refuted".  ``outside``: why the setting lies outside
    the record's assumptions (e.g. independent masks for a coordinated-mask theorem); the verdict is
    then INFO, since such a run can refute nothing, and the finding is reported beside it."""
    t0 = time.perf_counter()
    data = measured if measured is not None else measure_floor(fs)
    worst_ratio, worst = -np.inf, None
    rows = []
    for r in data["rows"]:
        ev = claim.evaluate(r["constants"], r.get("T", fs.base.T), {})
        fl = float(ev["floor"])
        ucb = upper_confidence(r["plateau"], level)
        rows.append({"knob": r["knob"], "floor": fl, "ucb": ucb, "mean": float(np.mean(r["plateau"]))})
        ratio = ucb / fl if fl > 0 else np.inf
        if ratio > worst_ratio:
            worst_ratio, worst = ratio, rows[-1]
    ok = bool(np.isfinite(worst_ratio) and worst_ratio <= 1.0)
    assert worst is not None, "floor_level_check: the floor measurement has no rows"
    verdict = Verdict.INFO if outside else Verdict.PASS if ok else Verdict.FAIL
    extra = {}
    if power and not outside and claim.scale == 1 and not claim.factors:
        from .power import floor_level_power

        extra = {**floor_level_power(claim, fs, data, verdict, level=level),
                 "detects_floor_below": float(max(0.0, worst_ratio))}
    return Check(theorem=claim.theorem.key, check="floor_level", setting=f"{fs.base.label}, vs {fs.knob}",
                 claim=claim.name, measured=worst["ucb"], theory=worst["floor"],
                 slack=slack_ratio(worst["floor"], worst["mean"]), verdict=verdict,
                 details={**data, "level": level, "points": rows, "finding": "consistent" if ok else "refuted",
                          **({"outside": outside} if outside else {})}, seconds=time.perf_counter() - t0, extra=extra)
