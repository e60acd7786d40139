"""Bound check: run with the theorem's own prescribed hyper-parameters on a setting whose constants
are declared exactly, under every attack of the setting; estimate the left-hand side per seed;
PASS only if the one-sided upper confidence end (worst attack) is below the claimed bound."""
from __future__ import annotations

import time

import numpy as np

from .checks import Check, Verdict, slack_ratio
from .claims import BoundClaim
from .runner import Setting, algorithm_fields, per_replica, run_variants
from .stats import upper_confidence


def lhs_rounds(theorem, T: int) -> tuple[str, tuple[int, int], str]:
    """(metric, rounds, how) of the theorem's left-hand side from its ``averaging``:
    x_hat uniform over x^0..x^T -> mean grad_sq over rounds 0..T; (1/T) sum_{t<T} -> rounds 0..T-1;
    last iterate (PL) -> f_gap at round T; asymptotic (the region the iterates reach) -> mean grad_sq
    over the last quarter of the rounds."""
    avg = theorem.averaging
    if "asymptotic" in avg:  # the region the iterates reach: the last quarter of the rounds
        return "grad_sq", (T - T // 4, T), "mean"
    if "last iterate" in avg:
        return "f_gap", (T, T), "last"
    if "x^0..x^T" in avg:
        return "grad_sq", (0, T), "mean"
    return "grad_sq", (0, T - 1), "mean"


def measure(claim: BoundClaim, setting: Setting, level: float = 0.95, method: str = "t"):
    """Run ``setting`` under each attack with the theorem's hyper-parameters; per-attack per-seed
    left-hand sides, their upper confidence ends, the mean ||grad f||^2 over the second half of the
    rounds (``plateau``), and the evaluated claim."""
    declared = setting.declared()
    hyper = claim.hyper(declared, setting.T)
    return declared, hyper, measure_at(claim.theorem, setting, [hyper], level, method)[0]


def measure_at(theorem, setting: Setting, hypers, level: float = 0.95, method: str = "t") -> list[dict]:
    """Per hyper-parameter set of ``hypers`` (one batch per attack, a variant each): the per-attack
    measurements of :func:`measure` (lhs per seed, mean, plateau, ucb, diverged)."""
    T, S = setting.T, setting.seeds
    metric, rounds, how = lhs_rounds(theorem, T)
    out: list[dict] = [{} for _ in hypers]
    for attack in setting.attack_list:
        res = run_variants(setting, attack, [algorithm_fields(h) for h in hypers])
        lhs_all = per_replica(res, metric, rounds, how)
        plateau_all = per_replica(res, "grad_sq", (T // 2, T), "mean")
        diverged_all = res.summary["diverged"].to_numpy(bool)
        for v in range(len(hypers)):
            lhs, rows = lhs_all[v * S:(v + 1) * S], slice(v * S, (v + 1) * S)
            out[v][attack] = {"lhs": lhs.tolist(), "mean": float(np.mean(lhs)),
                              "plateau": float(np.mean(plateau_all[rows])),
                              "ucb": upper_confidence(lhs, level, method), "diverged": int(diverged_all[rows].sum())}
    return out


def bound_check(claim: BoundClaim, setting: Setting, level: float = 0.95, method: str = "t",
                measured=None, power: bool = True) -> Check:
    """PASS iff max over attacks of the upper confidence end <= the claimed bound.  ``measured``
    (the output of :func:`measure`) lets several claims share one set of runs.  ``power``: for the
    record's own claim, add the power matrix (:mod:`.power`) and the record's provenance."""
    t0 = time.perf_counter()
    declared, hyper, per_attack = measured if measured is not None else measure(claim, setting, level, method)
    ev = claim.evaluate(declared, setting.T, hyper)
    worst = max(per_attack, key=lambda a: per_attack[a]["ucb"])
    ucb, mean = per_attack[worst]["ucb"], per_attack[worst]["mean"]
    bound = float(ev["bound"])
    conditions_ok = all(ev["conditions"].values())
    verdict = Verdict.PASS if (np.isfinite(ucb) and ucb <= bound and conditions_ok) else Verdict.FAIL
    extra = {}
    if power and claim.scale == 1 and not claim.factors:
        from .power import bound_power, detects_below

        extra = {**bound_power(claim, setting, (declared, hyper, per_attack), verdict, level=level, method=method),
                 "detects_bound_below": detects_below(ucb, bound)}
    return Check(
        theorem=claim.theorem.key, check="bound", setting=setting.label, claim=claim.name,
        measured=ucb, theory=bound, slack=slack_ratio(bound, mean), verdict=verdict,
        interval=None,
        details={"worst_attack": worst, "mean": mean, "level": level, "method": method, "hyper": hyper,
                 "per_attack": per_attack, "floor": float(ev["floor"]), "conditions": ev["conditions"],
                 "T": setting.T, "seeds": setting.seeds,
                 "constants": {k: declared[k] for k in sorted(declared)}},
        seconds=time.perf_counter() - t0, extra=extra,
    )
