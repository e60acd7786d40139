r"""Empirical (f, kappa): an adversarial search for the largest

.. math:: \rho(x) = \frac{\|F(x_1..x_n) - \bar x_S\|^2}{\mathrm{disp}_S(x)},\qquad
          \mathrm{disp}_S(x) = \frac{1}{|S|}\sum_{i\in S}\|x_i - \bar x_S\|^2,

with S the first n - f inputs (Allouah et al., AISTATS 2023, Definition 2; specs/components.md 2.1,
3.4).  Every value found is attained by an actual input (returned with it), so the maximum is a
*certified lower estimate* of the rule's true kappa: it can falsify a claimed upper bound, never
prove one.

Scale-free: rho is computed from the honest inputs centred at their mean and divided by their
largest deviation, and norms are taken without squaring overflow (:func:`scaled_norms`), so a
Byzantine row may sit at any finite distance (no cut-off) and an honest set of any spread is scored.
Only an honest set coincident up to rounding (or of spread below 1e-150, where squared distances
underflow) is not scored (a 0/0 is not evidence).

Search (numpy float64, batched over replicas on the aggregators' replica axis):

1. constructions (:func:`constructions`): the universal lower-bound input of specs 2.2 (n - 2f
   honest at 0, f at e_1, Byzantines on the e_1 axis); two honest clusters at 0 and e_1 of every
   split a / (n - f - a), in both orders (so the first, trusted input may be isolated), with the
   Byzantines coincident at t e_1 (t from -1e3 to 1e3, incl. just under 2 and between the
   clusters), at t e_2 + e_1/2, or spread (e.g. 9 honest at 0, 7 at 1, 4 Byzantine at 1000 gives
   CWMed 9/7 at (20, 4)); honest inputs on a circle with Byzantines far or at its centre; all
   scored, the best ``restarts`` kept beside heavy-tailed random clouds;
2. local optimisation of log rho over all n rows by L-BFGS-B (``scipy.optimize``) on the sum over
   replicas, whose gradient is separable: one batched evaluation per coordinate gives every
   replica's forward difference; coordinates are the inputs' offsets from the start's honest mean
   in units of its honest spread;
3. a batched (1+1) hill climb: one row, or every row equal to it (a cluster), moves by a Gaussian
   step scaled by the honest spread and a per-replica step size (x2 on success, x0.7 otherwise), or
   a Byzantine row moves radially by a log-normal factor; a move is kept when rho does not decrease.

A randomised chain (bucketing) is scored on one draw per evaluation, from seeded replica streams.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .aggregators.base import Chain, NonFiniteOutput
from .errors import ConfigError
from .params import Setting
from .registry import build
from .rng import ReplicaStreams

CHUNK = 256  # replicas per batched evaluation of the constructions
RESOLUTION = 1e-150  # deviations below it have squares below the smallest normal float: not evidence


@dataclass(frozen=True)
class KappaResult:
    """The largest ratio found for one rule (with the input attaining it), beside the theory's upper
    and universal lower bounds."""

    name: str
    n: int
    f: int
    d: int
    empirical: float  # the best lower estimate found
    upper: float | None
    lower: float
    provenance: str
    evaluations: int
    seconds: float
    attaining: np.ndarray | None = field(default=None, compare=False)  # [n,d]: honest rows first

    @property
    def within_upper(self) -> bool | None:
        """empirical <= declared upper bound (None where no bound is declared)."""
        return None if self.upper is None else self.empirical <= self.upper * (1 + 1e-9) + 1e-12

    @property
    def attains_lower(self) -> bool:
        """empirical >= f/(n - 2f) (up to rounding)."""
        return self.empirical >= self.lower * (1 - 1e-6)

    def to_dict(self) -> dict:
        return {"rule": self.name, "n": self.n, "f": self.f, "d": self.d, "best_lower_estimate": self.empirical,
                "declared_upper_bound": self.upper, "universal_lower_bound": self.lower,
                "provenance": self.provenance, "evaluations": self.evaluations,
                "attaining_input": None if self.attaining is None else self.attaining.tolist(),
                "honest_rows": self.n - self.f}


def _parse_one(kind: str, text: str) -> dict:
    """``"krum"`` or ``"krum[variant=byzfl,...]"`` -> the config table."""
    name, _, rest = text.partition("[")
    table: dict = {"name": name.strip()}
    for item in filter(None, rest.rstrip("]").split(",")):
        key, _, value = item.partition("=")
        table[key.strip()] = _number_or_text(value)
    return table


def _number_or_text(text: str) -> int | float | str:
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


def parse_rule(text: str) -> Chain:
    """``"cwtm"``, or pre-aggregators then the aggregator joined by '+': ``"nnm+cwtm"``,
    ``"arc+nnm+cwmed"``; fields in brackets: ``"krum[variant=byzfl]"``."""
    *pre, agg = text.split("+")
    return Chain(build("aggregator", _parse_one("aggregator", agg)),
                 tuple(build("preaggregator", _parse_one("preaggregator", p)) for p in pre))


def as_chain(rule) -> Chain:
    if isinstance(rule, Chain):
        return rule
    if isinstance(rule, str):
        return parse_rule(rule)
    return Chain(rule)


def scaled_norms(v: np.ndarray, axis: int = -1) -> np.ndarray:
    """||v|| along ``axis`` without overflow or underflow of the squares (rows of any finite norm)."""
    big = np.max(np.abs(v), axis=axis, keepdims=True)
    safe = np.where(big > 0, big, 1.0)
    return np.squeeze(big, axis) * np.sqrt(np.sum((v / safe) ** 2, axis=axis))


def outputs(chain: Chain, x: np.ndarray, f: int, streams) -> np.ndarray:
    """F(x) [R,d]; a replica the rule refuses (non-finite output) gets a NaN row."""
    try:
        with np.errstate(all="ignore"):
            return np.asarray(chain.aggregate(x, f=f, streams=streams)[0])
    except NonFiniteOutput:
        if x.shape[0] == 1:
            return np.full((1, x.shape[2]), np.nan)
        rows = [outputs(chain, x[r : r + 1], f, streams.subset(np.array([r])) if streams else None)
                for r in range(x.shape[0])]
        return np.concatenate(rows)


def set_ratio(out: np.ndarray, group: np.ndarray) -> np.ndarray:
    """||out - mean_G||^2 / disp_G for groups [..., m, d] and outputs [..., d], exact at any scale
    (computed in units of the group's largest deviation).  A group coincident up to rounding (or
    within RESOLUTION) gives 0 if out reproduces it (to 1e-7 relative, or within RESOLUTION), else
    +inf; a non-finite out gives NaN."""
    mean = group.mean(axis=-2)
    dev = group - mean[..., None, :]
    s = np.max(np.abs(dev), axis=(-2, -1))
    size = np.max(np.abs(group), axis=(-2, -1))
    flat = (s <= 1e-13 * size) | (s < RESOLUTION)
    unit = np.where(flat, 1.0, s)
    disp = np.mean(np.sum((dev / unit[..., None, None]) ** 2, axis=-1), axis=-1)
    with np.errstate(all="ignore"):
        err = scaled_norms(out - mean) / unit
        ratio = np.where(flat, np.where(err <= 1e-7 * size + RESOLUTION, 0.0, np.inf), err * err / disp)
    return np.where(np.all(np.isfinite(out), axis=-1), ratio, np.nan)


def ratios(rule, x: np.ndarray, f: int, streams=None) -> np.ndarray:
    """rho for every replica of x [R,n,d] (S = the first n - f inputs); unscored inputs (honest
    inputs coincident up to rounding, or refused by the rule) give -inf."""
    chain = as_chain(rule)
    honest = x[:, : x.shape[1] - f, :]
    value = set_ratio(outputs(chain, x, f, streams), honest)
    dev = np.max(np.abs(honest - honest.mean(axis=1, keepdims=True)), axis=(1, 2))
    ok = (dev > 1e-13 * np.max(np.abs(honest), axis=(1, 2))) & (dev >= RESOLUTION) & ~np.isnan(value)
    return np.where(ok, value, -np.inf)


def worst_subset_ratio(rule, x: np.ndarray, f: int, streams=None) -> np.ndarray:
    """max over every S of size n - f of ||F(x) - mean_S||^2 / disp_S, per replica of x [R,n,d]
    (the full (f, kappa) definition; exponential in n, for small test inputs), exact at any scale
    (:func:`set_ratio`): a subset coincident up to rounding demands F = its common value."""
    from .aggregators.subsets import excluded_sets

    out = outputs(as_chain(rule), x, f, streams)
    kept = excluded_sets(x.shape[1], f)[1]
    return set_ratio(out[:, None, :], x[:, kept, :]).max(axis=1)


def _two_clusters(n: int, f: int, d: int) -> list[np.ndarray]:
    """Honest inputs split a / (n - f - a) between 0 and e_1 (either cluster first), Byzantines
    coincident on the e_1 axis, beside it, or spread far."""
    h = n - f
    e1, e2 = np.eye(d)[0], np.eye(d)[min(1, d - 1)]
    placements = [t * e1 for t in (-1e3, -10.0, -1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 1.999, 3.0, 1e3)]
    if d > 1:
        placements += [0.5 * e1 + t * e2 for t in (0.5, 1.0, 3.0)]
    out = []
    for a in range(1, h):
        for first_at_one in (False, True):
            honest = np.zeros((h, d))
            honest[:a] = e1 if first_at_one else 0.0
            honest[a:] = 0.0 if first_at_one else e1
            for p in placements:
                out.append(np.concatenate([honest, np.broadcast_to(p, (f, d))]))
            spread = np.outer(np.linspace(1e3, 2e3, f), e1)
            out.append(np.concatenate([honest, spread]))
    return out


def _three_clusters(n: int, f: int, d: int) -> list[np.ndarray]:
    """Honest inputs in three clusters of sizes (a, b, c) at e_1, y e_1 and -z y e_1 (the first,
    trusted input in the e_1 cluster), Byzantines coincident at p e_1: an outlying honest cluster
    that a selection rule (Krum, MoNNA) is lured to by Byzantines placed at or beyond it (e.g. Krum
    2.68 at (20, 4): 1 honest at 1, 10 at 0.55, 5 at -0.275, 4 Byzantine at 1.45)."""
    h = n - f
    e1 = np.eye(d)[0]
    out = []
    for a in range(1, h - 1):
        for b in range(1, h - a):
            for y, z in itertools.product((0.25, 0.55, 0.75), (0.0, 0.5)):
                honest = np.concatenate([np.tile(e1, (a, 1)), np.tile(y * e1, (b, 1)),
                                         np.tile(-z * y * e1, (h - a - b, 1))])
                for p in (1.0, 0.5 * (1 + y), 1.0 + (1 - y), 2.0 - 1e-3):
                    out.append(np.concatenate([honest, np.tile(p * e1, (f, 1))]))
    return out


def constructions(n: int, f: int, d: int) -> np.ndarray:
    """Known worst-case shapes [K,n,d] (module doc, step 1)."""
    h = n - f
    e1 = np.eye(d)[0]
    out = []
    for byz in (0.0, 0.5, 1.0, 2.0, -1.0):  # specs 2.2: n - 2f at 0, f at e_1; Byzantines on the e_1 axis
        x = np.zeros((n, d))
        x[n - 2 * f : h] = e1
        x[h:] = byz * e1
        out.append(x)
    out += _two_clusters(n, f, d) + _three_clusters(n, f, d)
    angles = 2 * np.pi * np.arange(h) / h  # specs 3.2: honest inputs on a circle (a segment if d = 1)
    for byz in (0.0, 1.0, 50.0, 1e6):
        circle = np.zeros((n, d))
        circle[:h, 0] = np.cos(angles)
        if d > 1:
            circle[:h, 1] = np.sin(angles)
        circle[h:] = byz * e1
        out.append(circle)
    return np.stack(out)


def random_clouds(n: int, f: int, d: int, R: int, rng: np.random.Generator) -> np.ndarray:
    """R heavy-tailed honest clouds (Student t, 3 d.o.f.) with Byzantines near or far: [R,n,d]."""
    h = n - f
    x = rng.standard_t(3, size=(R, n, d))
    scale = rng.choice([0.1, 1.0, 10.0, 1e4], size=(R, 1, 1))
    x[:, h:] = x[:, :h].mean(axis=1, keepdims=True) + scale * rng.standard_t(3, size=(R, f, d))
    return x


def starts(n: int, f: int, d: int, R: int, rng: np.random.Generator) -> np.ndarray:
    """R starting configurations [R,n,d]: the first R constructions, then random clouds."""
    built = constructions(n, f, d)[:R]
    return np.concatenate([built, random_clouds(n, f, d, R - len(built), rng)])


class Tracker:
    """The best value and input seen per replica, over every evaluation."""

    def __init__(self, x: np.ndarray, value: np.ndarray):
        self.x, self.value, self.evaluations = x.copy(), value.copy(), 0

    def offer(self, x: np.ndarray, value: np.ndarray) -> None:
        better = value > self.value
        self.x[better], self.value[better] = x[better], value[better]


def _log(value: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(value) & (value > 0), np.log(np.where(value > 0, value, 1.0)),
                        np.where(value == np.inf, 700.0, -50.0))


class Score:
    """rho of each replica's input x [R, n, d] under ``chain`` (its last ``f`` rows Byzantine), with
    the replica streams ``streams`` unless others are given; counts the inputs scored."""

    def __init__(self, chain: Chain, f: int, streams: ReplicaStreams):
        self.chain, self.f, self.streams, self.evaluations = chain, f, streams, 0

    def __call__(self, x: np.ndarray, streams: ReplicaStreams | None = None) -> np.ndarray:
        self.evaluations += x.shape[0]
        return ratios(self.chain, x, self.f, streams if streams is not None else self.streams)


def lbfgs(score: Score, track: Tracker, steps: int) -> None:
    """L-BFGS-B on sum_r log rho_r over all rows (module doc, step 2), from the tracker's inputs."""
    from scipy.optimize import minimize

    x0 = track.x
    R, n, d = x0.shape
    h = n - score.f
    origin = x0[:, :h].mean(axis=1, keepdims=True)
    unit = np.sqrt(np.mean(np.sum((x0[:, :h] - origin) ** 2, axis=2), axis=1))[:, None, None]
    unit = np.where(unit > 0, unit, 1.0)
    z0 = ((x0 - origin) / unit).ravel()
    size = n * d
    eye = np.eye(size).reshape(size, n, d)

    def objective(z):
        z = z.reshape(R, n, d)
        x = origin + unit * z
        value = score(x)
        track.offer(x, value)
        base = _log(value)
        step = 1e-6 * (1.0 + np.abs(z))
        grad = np.empty((R, n, d))
        for k in range(size):
            hk = step * eye[k]
            xk = origin + unit * (z + hk)
            vk = score(xk)
            track.offer(xk, vk)
            grad.reshape(R, size)[:, k] = (_log(vk) - base) / hk.reshape(R, size)[:, k]
        return -float(np.sum(base)), -grad.ravel()

    with np.errstate(all="ignore"):
        minimize(objective, z0, jac=True, method="L-BFGS-B", options={"maxiter": steps, "maxfun": steps})


def hill_climb(score: Score, track: Tracker, iters: int, rng: np.random.Generator, step: float = 1.0) -> None:
    """Batched (1+1) hill climb from the tracker's inputs (module doc, step 3); ``step``: the initial
    move size in honest spreads."""
    x, value = track.x.copy(), track.value.copy()
    R, n, d = x.shape
    h = n - score.f
    sigma = np.full(R, float(step))
    rows = np.arange(R)
    for _ in range(iters):
        honest = x[:, :h, :]
        centre = honest.mean(axis=1)
        spread = np.sqrt(np.mean(np.sum((honest - centre[:, None]) ** 2, axis=2), axis=1))
        cand = x.copy()
        who = rng.integers(n, size=R)
        kind = rng.integers(3, size=R)  # 0: one row, 1: its cluster, 2: radial (Byzantine rows)
        move = rng.standard_normal((R, d)) * (sigma * np.maximum(spread, 1e-300))[:, None]
        cluster = np.all(x == x[rows, who][:, None, :], axis=2) & (kind == 1)[:, None]
        cluster[rows, who] = True
        cand = np.where(cluster[:, :, None], cand + move[:, None, :], cand)
        radial = (kind == 2) & (score.f > 0)
        if radial.any():
            b = h + rng.integers(max(score.f, 1), size=R)
            factor = np.exp(2.0 * rng.standard_normal(R))
            moved = centre + (x[rows, b] - centre) * factor[:, None]
            cand[rows[radial], b[radial]] = moved[radial]
        new = score(cand)
        keep = new >= value
        x[keep], value[keep] = cand[keep], new[keep]
        sigma = np.clip(np.where(new > value, sigma * 2.0, np.where(keep, sigma, sigma * 0.7)), 1e-6, 1e3)
        track.offer(cand, new)


def search(rule, n: int, f: int, d: int = 2, restarts: int = 32, iters: int = 200, step: float = 1.0,
           seed: int = 0, lbfgs_steps: int = 10, progress: Callable[[str], None] | None = None) -> KappaResult:
    """The largest rho found from the constructions and ``restarts`` batched local optimisations
    (``lbfgs_steps`` L-BFGS-B evaluations, then ``iters`` hill-climbing moves; ``step``: initial
    move size in honest spreads), with the input attaining it."""
    chain = as_chain(rule)
    label = chain.name + (f" [{rule.split('[', 1)[1]}" if isinstance(rule, str) and "[" in rule else "")
    if n <= 2 * f:
        raise ConfigError("workers.f", f, f"the (f, kappa) search needs n > 2f (n = {n})")
    chain.check_setting(Setting(n=n, f=f, d=d, declared_f=f))
    say = progress or (lambda text: None)
    clock = time.perf_counter()
    rng = np.random.default_rng([seed, n, f, d])
    built = constructions(n, f, d)
    score = Score(chain, f, ReplicaStreams([seed] * CHUNK, range(CHUNK)))
    built_value = np.concatenate([score(built[i : i + CHUNK], score.streams.subset(np.arange(min(CHUNK, len(built) - i))))
                                  for i in range(0, len(built), CHUNK)])
    say(f"{label}: {len(built)} constructions scored, best {np.max(built_value):.4g}")
    best = np.argsort(-built_value, kind="stable")[: max(1, restarts // 2)]
    x = np.concatenate([built[best], random_clouds(n, f, d, restarts - len(best), rng)])
    score.streams = ReplicaStreams([seed] * restarts, range(restarts))
    track = Tracker(x, score(x))
    if lbfgs_steps:
        lbfgs(score, track, lbfgs_steps)
        say(f"{label}: L-BFGS-B over {restarts} restarts, best {np.max(track.value):.4g}")
    hill_climb(score, track, iters, rng, step)
    i = int(np.argmax(track.value))
    top, top_x = float(track.value[i]), track.x[i].copy()
    if built_value.max() > top:
        j = int(np.argmax(built_value))
        top, top_x = float(built_value[j]), built[j].copy()
    seconds = time.perf_counter() - clock
    say(f"{label}: done, best lower estimate {top:.4g} ({score.evaluations} evaluations, {seconds:.1f} s)")
    return KappaResult(label, n, f, d, top, chain.kappa(n, f), f / (n - 2 * f), chain.kappa_provenance,
                       score.evaluations, seconds, top_x)


def check_kappa(rule, n: int, f: int, claimed: float, **search_args) -> tuple[bool, KappaResult]:
    """Falsification check of a claimed kappa: PASS unless the search finds a larger ratio."""
    result = search(rule, n, f, **search_args)
    return result.empirical <= claimed * (1 + 1e-9) + 1e-12, result


def format_table(results: list[KappaResult]) -> str:
    """The kappa table (rule, best lower estimate found, declared upper bound, f/(n-2f), check,
    source), then the numbered sources."""
    sources: list[str] = []
    head = (f"{'rule':<24} {'best lower estimate found':>26} {'declared upper bound':>21} {'f/(n-2f)':>9} "
            f"{'found<=declared':>16} {'source':>7}")
    lines = [head, "-" * len(head)]
    for r in results:
        if r.provenance not in sources:
            sources.append(r.provenance)
        upper = "-" if r.upper is None else f"{r.upper:.4g}"
        ok = {None: "-", True: "yes", False: "NO"}[r.within_upper]
        tag = f"[{sources.index(r.provenance) + 1}]"
        lines.append(f"{r.name:<24} {r.empirical:>26.4g} {upper:>21} {r.lower:>9.4g} {ok:>16} {tag:>7}")
    lines.append("")
    lines += [f"[{i}] {text}" for i, text in enumerate(sources, 1)]
    return "\n".join(lines)


def format_input(result: KappaResult, digits: int = 4) -> str:
    """The attaining input, one row per line, honest rows (S) first."""
    if result.attaining is None:
        raise ValueError(f"{result.name}: the result carries no attaining input")
    h = result.n - result.f
    lines = [f"{result.name}: rho = {result.empirical:.6g} attained by (rows 0..{h - 1} honest = S, "
             f"{h}..{result.n - 1} Byzantine):"]
    for i, row in enumerate(result.attaining):
        tag = "H" if i < h else "B"
        lines.append(f"  {tag} {i:>3}  " + "  ".join(f"{v: .{digits}g}" for v in row))
    return "\n".join(lines)


def default_rules() -> list[str]:
    """Every registered aggregator (Krum also in its ByzFL variant), then NNM and ARC in front of the
    rules they are usually paired with."""
    from .registry import names

    return names("aggregator") + ["krum[variant=byzfl]", "nnm+cwtm", "nnm+cwmed", "nnm+krum", "nnm+gm",
                                  "arc+cwtm", "bucketing+cwmed"]


__all__ = ["KappaResult", "check_kappa", "constructions", "default_rules", "format_input", "format_table",
           "parse_rule", "ratios", "search", "set_ratio", "starts", "worst_subset_ratio"]
