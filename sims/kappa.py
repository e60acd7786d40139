r"""Empirical (f, kappa): an adversarial search for the largest

.. math:: \rho(x) = \frac{\|F(x_1..x_n) - \bar x_S\|^2}{\mathrm{disp}_S(x)},\qquad
          \mathrm{disp}_S(x) = \frac{1}{|S|}\sum_{i\in S}\|x_i - \bar x_S\|^2,

with S the first n - f inputs (Allouah et al., AISTATS 2023, Definition 2; specs/components.md 2.1,
3.4).  Every value found is attained by an actual input, so the maximum is a *certified lower
estimate* of the rule's true kappa: it can falsify a claimed upper bound, never prove one.

Search (batched over R restarts on the replica axis, numpy float64):

* starts: the universal lower-bound construction of specs 2.2 (n - 2f honest inputs at 0, f at e_1,
  the f Byzantine ones at 0, 0.5, 1, 2 or -1 times e_1), the Theta(1) constructions of specs 3.2
  (honest inputs split between -e_1 and +e_1, or spread on a circle, Byzantine ones far away), and
  heavy-tailed random clouds (Student t, 3 degrees of freedom) at several Byzantine scales;
* moves: one input per restart moves by a Gaussian step, scaled by the honest spread sqrt(disp_S)
  and shrinking geometrically from ``step`` to ``step * 1e-3``; a move is kept when rho does not
  decrease (the hill climb of specs 3.4).

Inputs whose honest dispersion is numerically zero are not scored (a 0/0 is not evidence).  A
randomised chain (bucketing) is scored on one draw per evaluation, from seeded replica streams.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .aggregators.base import Chain
from .errors import ConfigError
from .params import Setting
from .registry import build
from .rng import ReplicaStreams


@dataclass(frozen=True)
class KappaResult:
    """The largest ratio found for one rule, beside the theory's upper and universal lower bounds."""

    name: str
    n: int
    f: int
    d: int
    empirical: float
    upper: float | None
    lower: float
    provenance: str
    evaluations: int
    seconds: float

    @property
    def within_upper(self) -> bool | None:
        """empirical <= declared upper bound (None where no bound is declared)."""
        return None if self.upper is None else self.empirical <= self.upper * (1 + 1e-9) + 1e-12

    @property
    def attains_lower(self) -> bool:
        """empirical >= f/(n - 2f) (up to rounding)."""
        return self.empirical >= self.lower * (1 - 1e-6)


def parse_rule(text: str) -> Chain:
    """``"cwtm"``, or pre-aggregators then the aggregator joined by '+': ``"nnm+cwtm"``, ``"arc+nnm+cwmed"``."""
    *pre, agg = text.split("+")
    return Chain(build("aggregator", {"name": agg}), tuple(build("preaggregator", {"name": p}) for p in pre))


def as_chain(rule) -> Chain:
    if isinstance(rule, Chain):
        return rule
    if isinstance(rule, str):
        return parse_rule(rule)
    return Chain(rule)


def ratios(rule: Chain, x: np.ndarray, f: int, streams) -> np.ndarray:
    """rho for every replica of x [R,n,d] (S = the first n - f inputs); unscored inputs give -inf."""
    h = x.shape[1] - f
    honest = x[:, :h, :]
    mean = honest.mean(axis=1)
    disp = np.mean(np.sum((honest - mean[:, None, :]) ** 2, axis=2), axis=1)
    spread = np.mean(np.sum((x - mean[:, None, :]) ** 2, axis=2), axis=1)
    with np.errstate(all="ignore"):
        out = np.asarray(rule.aggregate(x, f=f, streams=streams)[0])
        err = np.sum((out - mean) ** 2, axis=1)
        value = err / disp
    ok = (disp > 1e-10 * (spread + 1e-300)) & np.isfinite(value)
    return np.where(ok, value, -np.inf)


def worst_subset_ratio(rule, x: np.ndarray, f: int, streams=None) -> np.ndarray:
    """max over every S of size n - f of ||F(x) - mean_S||^2 / disp_S, per replica of x [R,n,d]
    (the full (f, kappa) definition; exponential in n, for small test inputs).  A subset with
    (numerically) zero dispersion demands F = its common value: any error counts as +inf."""
    from .aggregators.subsets import excluded_sets

    out = np.asarray(as_chain(rule).aggregate(x, f=f, streams=streams)[0])
    kept = excluded_sets(x.shape[1], f)[1]
    groups = x[:, kept, :]  # [R,S,n-f,d]
    mean = groups.mean(axis=2)
    disp = np.mean(np.sum((groups - mean[:, :, None, :]) ** 2, axis=3), axis=2)
    err = np.sum((out[:, None, :] - mean) ** 2, axis=2)
    magnitude = np.mean(np.sum(x * x, axis=2), axis=1)[:, None] + 1e-300
    flat = disp <= 1e-20 * magnitude  # coincident up to rounding: F must return them (|error| <~ 1e-7 |x|)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(flat, np.where(err <= 1e-14 * magnitude, 0.0, np.inf), err / np.where(flat, 1.0, disp))
    return ratio.max(axis=1)


def starts(n: int, f: int, d: int, R: int, rng: np.random.Generator) -> np.ndarray:
    """R starting configurations [R,n,d]: the structured ones first, then random clouds."""
    h = n - f
    e1 = np.eye(d)[0]
    out = []
    for byz in (0.0, 0.5, 1.0, 2.0, -1.0):  # specs 2.2: n - 2f at 0, f at e_1; Byzantines on the e_1 axis
        x = np.zeros((n, d))
        x[n - 2 * f : h] = e1
        x[h:] = byz * e1
        out.append(x)
    for far in (10.0, 1e3):  # specs 3.2: honest split between -e_1 and +e_1, Byzantines far away
        x = np.zeros((n, d))
        x[: h // 2] = -e1
        x[h // 2 : 2 * (h // 2)] = e1
        x[h:] = far * e1
        out.append(x)
    angles = 2 * np.pi * np.arange(h) / h  # specs 3.2: honest inputs on a circle (a segment if d = 1)
    circle = np.zeros((n, d))
    circle[:h, 0] = np.cos(angles)
    if d > 1:
        circle[:h, 1] = np.sin(angles)
    circle[h:] = 50.0 * e1
    out.append(circle)
    while len(out) < R:
        x = rng.standard_t(3, size=(n, d))
        x[h:] = x[:h].mean(axis=0) + rng.choice([0.1, 1.0, 10.0]) * rng.standard_t(3, size=(f, d))
        out.append(x)
    return np.stack(out[:R])


def search(rule, n: int, f: int, d: int = 2, restarts: int = 32, iters: int = 200, step: float = 1.0,
           seed: int = 0) -> KappaResult:
    """Hill-climb rho over all n inputs from ``restarts`` batched starts; the best value found."""
    chain = as_chain(rule)
    if n <= 2 * f:
        raise ConfigError("workers.f", f, f"the (f, kappa) search needs n > 2f (n = {n})")
    chain.check_setting(Setting(n=n, f=f, d=d, declared_f=f))
    clock = time.perf_counter()
    rng = np.random.default_rng([seed, n, f, d])
    streams = ReplicaStreams([seed] * restarts, range(restarts))
    x = starts(n, f, d, restarts, rng)
    value = ratios(chain, x, f, streams)
    rows = np.arange(restarts)
    for t in range(iters):
        sigma = step * 1e-3 ** (t / max(1, iters - 1))
        honest = x[:, : n - f, :]
        spread = np.sqrt(np.mean(np.sum((honest - honest.mean(axis=1, keepdims=True)) ** 2, axis=2), axis=1))
        cand = x.copy()
        who = rng.integers(n, size=restarts)
        cand[rows, who] += rng.standard_normal((restarts, d)) * (sigma * np.maximum(spread, 1e-12))[:, None]
        new = ratios(chain, cand, f, streams)
        keep = new >= value
        x[keep], value[keep] = cand[keep], new[keep]
    q = f / (n - 2 * f)
    return KappaResult(chain.name, n, f, d, float(np.max(value)), chain.kappa(n, f), q, chain.kappa_provenance,
                       restarts * (iters + 1), time.perf_counter() - clock)


def check_kappa(rule, n: int, f: int, claimed: float, **search_args) -> tuple[bool, KappaResult]:
    """Falsification check of a claimed kappa: PASS unless the search finds a larger ratio."""
    result = search(rule, n, f, **search_args)
    return result.empirical <= claimed * (1 + 1e-9) + 1e-12, result


def format_table(results: list[KappaResult]) -> str:
    """The kappa table (rule, empirical lower estimate, declared upper bound, f/(n-2f), check, source),
    then the numbered sources."""
    sources: list[str] = []
    head = f"{'rule':<20} {'empirical':>10} {'upper (theory)':>15} {'f/(n-2f)':>9} {'emp<=upper':>11} {'source':>7}"
    lines = [head, "-" * len(head)]
    for r in results:
        if r.provenance not in sources:
            sources.append(r.provenance)
        upper = "-" if r.upper is None else f"{r.upper:.4g}"
        ok = {None: "-", True: "yes", False: "NO"}[r.within_upper]
        tag = f"[{sources.index(r.provenance) + 1}]"
        lines.append(f"{r.name:<20} {r.empirical:>10.4g} {upper:>15} {r.lower:>9.4g} {ok:>11} {tag:>7}")
    lines.append("")
    lines += [f"[{i}] {text}" for i, text in enumerate(sources, 1)]
    return "\n".join(lines)


def default_rules() -> list[str]:
    """Every registered aggregator, then NNM and ARC in front of the rules they are usually paired with."""
    from .registry import names

    return names("aggregator") + ["nnm+cwtm", "nnm+cwmed", "nnm+krum", "nnm+gm", "arc+cwtm", "bucketing+cwmed"]


__all__ = ["KappaResult", "check_kappa", "default_rules", "format_table", "parse_rule", "search", "worst_subset_ratio"]
