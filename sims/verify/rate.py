"""Rate check: rounds to reach the criterion over a grid of eps, with the theorem's hyper-parameters
prescribed at each eps; the log-log slope of rounds against eps with a bootstrap interval over seeds,
compared with the claimed exponent (the theorem's, derived by sympy, or a typed-in one).

Rounds to the criterion ``sqnorm_le_eps2`` (||grad f(x_t)||^2 <= eps^2) are measured per replica by
stepping the algorithm round by round (the engine's ``build_setup`` / ``init`` / ``step``) and
stopping once every replica is done.  On the zero-chain hard instance (``sims.problems.zero_chain``)
the event is "the chain is traversed", prog_1(x_t/lambda) = T_chain: by the instance's fact 5,
||grad f|| > 2 eps before it, so it is the first round at which the criterion can hold - the event
the lower bound counts (after it, F_T's polynomial tail Psi'(t) ~ 1/t^3 would add rounds that are an
artefact of the construction, not of the rate).

Horizon: theorems whose hyper-parameters depend on T are given the horizon
T_h(eps) = ``horizon_scale`` x the theorem's own iterations_to(eps) at the instance's constants
(the same factor at every eps, so it cannot change an exponent; it only keeps the runs short when a
theorem's absolute constants are unknown placeholders).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np

from ..backend import to_numpy
from ..engine import Job, build_setup, initial_point
from .checks import Check, Verdict
from .claims import ExponentClaim, _inputs
from .rate_attain import at_eps
from .runner import Setting, algorithm_fields
from .stats import bootstrap_slope


#: the zero chain's lower bound allows this many independent oracle draws per worker and round (STORM
#: methods evaluate two gradients a round; more draws only lower the bound, so it holds for every method)
LOWER_BOUND_DRAWS = 2
#: a seed is flagged when it finishes before this quantile of the optimal zero-respecting method's rounds
LOWER_BOUND_QUANTILE = 1e-4


@dataclass(frozen=True)
class RateSetting:
    """A setting whose problem is rebuilt at every eps (``problem['eps'] = eps`` when the problem
    has an ``eps`` field, as the zero chain does)."""

    base: Setting
    eps_grid: Sequence[float]
    horizon_scale: float = 1.0
    max_rounds: int = 200_000
    attack: str = "alie"
    hyper_overrides: Mapping[str, float] = field(default_factory=dict)

    def at(self, eps: float) -> Setting:
        return at_eps(self.base, eps)


def hyper_at(theorem, setting: Setting, eps: float, horizon_scale: float, overrides=None) -> tuple[dict, float]:
    """The theorem's hyper-parameters at the instance's declared constants with horizon T_h."""
    declared = _inputs(theorem, setting.declared())
    T_h = max(1.0, horizon_scale * theorem.iterations_to(eps, declared))
    ev = theorem.evaluate(declared, T=T_h, overrides=dict(overrides or {}))
    return {k: float(ev[k]) for k in theorem.hyper}, T_h


def rounds_to_criterion(setting: Setting, attack: str, fields: Mapping[str, Any], eps: float,
                        max_rounds: int) -> np.ndarray:
    """Per seed: the first round t with ||grad f(x_t)||^2 <= eps^2 (zero chain: the chain traversed);
    +inf if not within ``max_rounds`` or diverged."""
    cfg = setting.config(attack, T=max_rounds, **fields)
    jobs = [Job(cfg, j) for j in range(setting.seeds)]
    setup = build_setup(jobs)
    problem, xp, algo = setup.problem, setup.xp, cfg.algorithm
    x0 = initial_point(setup, cfg)
    state = algo.init(x0, setup)
    R = setup.R
    hit = np.full(R, np.inf)
    chain = getattr(problem, "T", None) if hasattr(problem, "progress") else None

    def done(x) -> np.ndarray:
        if chain is not None:
            return problem.progress(x, 1.0) >= chain
        return to_numpy(xp.sum(problem.grad(x) ** 2, axis=1)) <= eps**2

    hit[done(state.x)] = 0
    with np.errstate(all="ignore"):
        for t in range(1, max_rounds + 1):
            state, _ = algo.step(state, setup)
            x = to_numpy(state.x)
            bad = ~np.all(np.isfinite(x), axis=1)
            now = done(state.x) & ~bad & ~np.isfinite(hit)
            hit[now] = t
            if np.all(np.isfinite(hit) | bad):
                break
    return hit


def measure_rates(theorem, rs: RateSetting, progress=None) -> dict[str, Any]:
    """Rounds per seed at every eps of the grid (theorem's hyper-parameters at each eps)."""
    rows = []
    for eps in rs.eps_grid:
        s = rs.at(eps)
        hyper, T_h = hyper_at(theorem, s, eps, rs.horizon_scale, rs.hyper_overrides)
        hit = rounds_to_criterion(s, rs.attack, algorithm_fields({**hyper, **rs.hyper_overrides}), eps, rs.max_rounds)
        extra = {}
        if s.problem.get("name") == "zero_chain":
            from ..problems.zero_chain import min_rounds

            spec: Any = s.config().problem  # a ZeroChainSpec (the rate settings' problem)
            extra = {"chain": spec.chain().T, "p_coin": spec.chain().p,
                     "lower_bound": min_rounds(spec, s.n - s.f),
                     "lower_bound_q": min_rounds(spec, s.n - s.f, LOWER_BOUND_DRAWS, LOWER_BOUND_QUANTILE)}
        rows.append({"eps": eps, "rounds": hit.tolist(), "hyper": hyper, "horizon": T_h, **extra})
        if progress is not None:
            progress.update(1)
    return {"theorem": theorem.key, "rows": rows, "attack": rs.attack, "max_rounds": rs.max_rounds}


def rate_check(claim: ExponentClaim, rs: RateSetting, theorem=None, measured=None, level: float = 0.9,
               tol: float = 0.3, n_boot: int = 2000) -> Check:
    """PASS iff the claimed exponent lies in the bootstrap interval of the fitted slope widened by
    ``tol`` on each side, and the fitted slope itself is within ``tol`` of the claim.  Unfinished or
    diverged runs make the slope undefined: FAIL."""
    t0 = time.perf_counter()
    th = theorem or claim.theorem
    if th is None:
        raise ValueError(f"rate_check of {claim.name!r}: no theorem given and the claim names none")
    data = measured if measured is not None else measure_rates(th, rs)
    eps = [r["eps"] for r in data["rows"]]
    groups = [r["rounds"] for r in data["rows"]]
    slope, lo, hi = bootstrap_slope(eps, groups, level=level, n_boot=n_boot, seed=rs.base.seed)
    ok = math.isfinite(slope) and abs(slope - claim.exponent) <= tol and lo - tol <= claim.exponent <= hi + tol
    return Check(
        theorem=th.key, check="rate", setting=rs.base.label, claim=claim.name, measured=slope,
        theory=claim.exponent, slack=slope - claim.exponent if math.isfinite(slope) else float("nan"),
        verdict=Verdict.PASS if ok else Verdict.FAIL, interval=(lo, hi),
        details={**data, "level": level, "tol": tol, "eps": eps},
        seconds=time.perf_counter() - t0,
    )


def lower_bound_check(theorem, rs: RateSetting, measured: Mapping[str, Any]) -> Check:
    """The zero chain as a lower-bound instance: no zero-respecting method may traverse the chain in fewer
    rounds than the negative-binomial bound (``min_rounds`` at ``LOWER_BOUND_QUANTILE``, with
    ``LOWER_BOUND_DRAWS`` draws a round).  measured = the smallest rounds / bound ratio over eps and seeds;
    PASS iff >= 1; a FAIL flags the instance or the counting (a seed faster than any method can be)."""
    t0 = time.perf_counter()
    ratios = [(r["eps"], j, float(c) / r["lower_bound_q"]) for r in measured["rows"] for j, c in enumerate(r["rounds"])]
    eps, seed, worst = min(ratios, key=lambda x: x[2])
    below = [(e, j) for e, j, q in ratios if q < 1.0]
    return Check(
        theorem=theorem.key, check="lower_bound", setting=rs.base.label, claim="cost >= the zero chain's lower bound",
        measured=worst, theory=1.0, slack=worst, verdict=Verdict.PASS if worst >= 1.0 else Verdict.FAIL,
        details={"binding": {"eps": eps, "seed": seed}, "below": below, "quantile": LOWER_BOUND_QUANTILE,
                 "draws_per_round": LOWER_BOUND_DRAWS,
                 "bounds": {r["eps"]: r["lower_bound_q"] for r in measured["rows"]}},
        seconds=time.perf_counter() - t0,
    )
