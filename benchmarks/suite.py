"""The benchmark cases and the three ways of running each, measured side by side in one process.

Cases (issue 10), all RoSDHB: coordinated Rand-K (k = d/10), server momentum per worker, ALIE:

* ``a``  quadratic, n = 20, f = 4, d = 100, CWTM, R = 64;
* ``b``  the same at d = 1e4 (T = 300 in the full run: throughput per replica-round is flat in T,
  and 1000 rounds of the three ways would take most of the 20-minute budget);
* ``c``  logistic regression, d = 100, 500 samples per worker, minibatch 32, CWTM;
* ``d-krum`` / ``d-multikrum``: the quadratic at n = 50, f = 10, d = 100 with Krum / Multi-Krum;
* ``e``  (``--device cuda`` only) the quadratic at d = 1e6, n = 20, R = 16 (every cuda case draws
  its numbers on the device, ``run.rng = "device"``);
* ``g``  (``--device cuda`` only) the CNN at 64 channels (d = 23 690), R = 16: where a GPU pays;
* ``f``  the small CNN on digits (``cnn_digits``, 4 channels, d = 1490), n = 20, f = 4, R = 16,
  minibatch 16, CWTM: a torch-model workload (no plain baseline: the libraries' CNN path is torch
  autograd per worker, which this suite does not re-implement).

Ways: ``batched`` (the engine over all R replicas, replica chunks sized to the cache) and
``batched x2`` (the same chunks on two threads), ``engine/replica`` (the engine called once per replica, R = 1),
``lean`` (:mod:`.lean`: one replica at a time on the project's per-call components, no metrics, as a
user writes it), ``lean lib`` (:mod:`.lean_lib`: the same on the libraries' per-call components and
[n, d] arrays, as issue 18's author measured) and ``plain`` (:mod:`.plain`, the per-call library
style).  Beside them, the random-number floors (:func:`.lean.rng_floor_block`: the generator calls
of a round alone, and the components' draw calls) and the round time's ratio to each, all timed in
one interleaved loop.  The per-replica ways cost exactly R times one replica, so at large d they
are timed on a subset of the replicas (column ``timed R``) and reported per replica-round like the
others.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sims import ExperimentConfig, Job, registry, run_batch
from sims.aggregators import network
from sims.config import problem_dimension
from sims.engine import auto_chunk_size

from . import lean, lean_lib, plain
from .timing import best_times, peak_bytes, timed


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    problem: dict
    n: int = 20
    f: int = 4
    R: int = 64
    aggregator: str = "cwtm"
    T: tuple[int, int] = (100, 1000)  # (quick, full)
    sub: tuple[int, int] = (16, 16)  # replicas timed for the per-replica ways (quick, full)
    threads: tuple[int, ...] = (1, 2)
    plain: bool = True  # time the plain per-call baseline (quadratic and logistic only)
    extra: dict = field(default_factory=dict)

    @property
    def d(self) -> int:
        return problem_dimension(registry.build("problem", self.problem))

    def config(self, T: int, backend: str, dtype: str, device: str) -> ExperimentConfig:
        return ExperimentConfig.from_dict({
            "problem": self.problem,
            "algorithm": {"name": "rosdhb", "lr": 0.05, "beta": 0.9},
            "aggregator": {"name": self.aggregator}, "attack": {"name": "alie"},
            "compressor": {"name": "coordinated_randk", "k": max(1, self.d // 10)},
            "workers": {"n": self.n, "f": self.f},
            "run": {"T": T, "record_every": T, "progress": False, "backend": backend, "dtype": dtype, "device": device,
                    "rng": "device" if device.startswith("cuda") else "host"},
        })


QUAD = {"name": "quadratic", "G": 1.0, "B": 0.3, "sigma": 0.5}
CASES = (
    Case("a", "quadratic d=100 CWTM", {**QUAD, "d": 100}),
    Case("b", "quadratic d=1e4 CWTM", {**QUAD, "d": 10_000}, T=(20, 300), sub=(4, 4)),
    Case("c", "logistic m=500 b=32", {"name": "logistic", "d": 100, "m": 500, "batch": 32}),
    Case("d-krum", "quadratic n=50 Krum", {**QUAD, "d": 100}, n=50, f=10, aggregator="krum"),
    Case("d-mkrum", "quadratic n=50 Multi-Krum", {**QUAD, "d": 100}, n=50, f=10, aggregator="multi_krum"),
    Case("f", "cnn digits d=1490 R=16", {"name": "cnn_digits", "batch": 16}, R=16, T=(30, 200), sub=(4, 8), plain=False),
)
CUDA_CASE = Case("e", "quadratic d=1e6 R=16 (cuda)", {**QUAD, "d": 1_000_000}, R=16, T=(20, 200), sub=(0, 0), threads=(1,))
#: the CNN at a width where a GPU pays (64 channels, d = 23 690), engine only
CUDA_CNN_CASE = Case("g", "cnn digits C=64 R=16 (cuda)", {"name": "cnn_digits", "channels": 64, "batch": 16}, R=16,
                     T=(20, 100), sub=(0, 0), threads=(1,), plain=False)
CUDA_CASES = (CUDA_CASE, CUDA_CNN_CASE)  # with --device cuda only; no per-replica baselines


def warm_kernels(case: Case, dtype: str) -> None:
    """Build the kernels a long run builds mid-way (every way is timed in its steady state): the
    unrolled sorting network of CWTM's (n, f), which a run builds once it has sorted
    ``network.UNROLL_AFTER`` coordinates, called once in ``dtype`` since numba compiles (or loads
    from its disk cache) each dtype at its first call."""
    if case.aggregator == "cwtm" and network.applies(np.zeros((1, 2, 2))) and case.n <= network.MAX_UNROLLED:
        kernel = network.unrolled_kernel(case.n, case.f)
        kernel(np.zeros((1, case.n, 2), dtype), np.empty((1, 2), dtype))


def compulsory_bytes(case: Case, itemsize: int) -> float:
    """Bytes one round cannot avoid moving: the momenta read and written (2 n R d) and the oracle
    noise written by the generator and read once (2 h R d); the roofline's numerator."""
    return float((2 * case.n + 2 * (case.n - case.f)) * case.R * case.d * itemsize)


def measure(case: Case, quick: bool, backend: str, dtype: str, device: str, bandwidth: float,
            baselines: bool = True) -> dict:
    """Throughputs (replica-rounds/s) of every way, ratios, roofline and peak memory of one case."""
    T = case.T[0] if quick else case.T[1]
    sub = min(case.R, case.sub[0] if quick else case.sub[1])
    cfg = case.config(T, backend, dtype, device)
    jobs = [Job(cfg, r) for r in range(case.R)]
    run_batch(jobs[:1], chunk_size=1)  # warm-up: imports, problem constants (cached), allocator
    warm_kernels(case, dtype)
    out = {"case": case.key, "title": case.title, "R": case.R, "n": case.n, "f": case.f, "d": case.d, "T": T,
           "backend": backend, "dtype": dtype, "device": device, "chunk": auto_chunk_size(jobs), "timed_R": sub}
    budget = 0.5 if quick else 3.0  # seconds of repeats per way (best of up to 5, see best_times)
    floor_rounds = min(T, 50)
    timed_ways: dict[str, tuple[Callable[[], object], int]] = {}  # way -> (its run, its replica-rounds)
    for th in case.threads:
        timed_ways[f"batched x{th}" if th > 1 else "batched"] = (functools.partial(run_batch, jobs, threads=th),
                                                                 case.R * T)
    if baselines and sub:
        timed_ways["engine/replica"] = (lambda: [run_batch([j]) for j in jobs[:sub]], sub * T)
        timed_ways["lean"] = (functools.partial(lean.run_all, cfg, sub), sub * T)  # numpy, one replica at a time
    if baselines and sub and case.plain:  # numpy float64: the libraries' components, then their style
        timed_ways["lean lib"] = (functools.partial(lean_lib.run_all, cfg, sub), sub * T)
        timed_ways["plain"] = (functools.partial(plain.run_all, cfg, sub), sub * T)
    floors = {"rng_floor_seconds": lean.rng_floor_block(cfg, case.R, floor_rounds),
              "rng_floor_numpy_seconds": lean.rng_floor_block(cfg, case.R, floor_rounds, numpy_calls=True)}
    if cfg.run.rng == "host":  # the generator calls alone: the target's floor (issue 18)
        floors["rng_draws_seconds"] = lean.rng_floor_block(cfg, case.R, floor_rounds, calls_only=True)
    if dtype == "float32":  # the float64 batched run in the same loop, for the float32 / float64 ratio
        jobs64 = [Job(case.config(T, backend, "float64", device), r) for r in range(case.R)]
        warm_kernels(case, "float64")
        timed_ways["batched float64"] = (functools.partial(run_batch, jobs64), case.R * T)
    runs = [run for run, _ in timed_ways.values()] + list(floors.values())
    # interleaved: a load spike hits every way
    seconds = dict(zip([*timed_ways, *floors], best_times(runs, 5, budget * len(runs))))
    ways = {w: count / seconds[w] for w, (_, count) in timed_ways.items()}
    float64 = ways.pop("batched float64", None)
    out["float32_vs_float64"] = ways["batched"] / float64 if float64 else None
    out["throughput"] = ways
    base = ways.get("plain")
    out["speedup_vs_plain"] = {w: v / base for w, v in ways.items()} if base else {}
    out["speedup_vs_lean"] = {w: v / ways["lean"] for w, v in ways.items()} if "lean" in ways else {}
    out["speedup_vs_lean_lib"] = {w: v / ways["lean lib"] for w, v in ways.items()} if "lean lib" in ways else {}
    out["speedup_vs_engine_replica"] = {w: v / ways["engine/replica"] for w, v in ways.items()} if "engine/replica" in ways else {}
    itemsize = np.dtype(dtype).itemsize
    t_round = case.R / ways["batched"]
    out["round_seconds"] = t_round
    for key, ratio in (("rng_floor_seconds", "round_vs_rng_floor"), ("rng_floor_numpy_seconds", "round_vs_numpy_floor"),
                       ("rng_draws_seconds", "round_vs_draws")):
        if key in floors:
            out[key] = seconds[key] / floor_rounds
            out[ratio] = t_round / out[key]
    out["roofline"] = t_round / (compulsory_bytes(case, itemsize) / bandwidth)
    short = case.config(3, backend, dtype, device)
    out["peak_MB"] = peak_bytes(lambda: run_batch([Job(short, r) for r in range(case.R)])) / 2**20
    out["state_MB"] = case.R * case.n * case.d * itemsize / 2**20
    if baselines and case.plain and dtype == "float64" and backend == "numpy":
        out["plain_vs_engine_max_abs_diff"] = plain.check_agreement(cfg)
    return out


def scaling_grid(quick: bool, backend: str, dtype: str, device: str) -> list[dict]:
    """Seconds per round of the batched engine over a grid of (R, n, d), one factor at a time around
    (R, n, d) = (16, 20, 1000), for CWTM (cost ~ R n d) and Multi-Krum (~ R n^2 d)."""
    T = 5 if quick else 20
    points = [(R, 20, 1000) for R in (4, 16, 64)] + [(16, n, 1000) for n in (10, 40, 80)] + \
             [(16, 20, d) for d in (100, 10_000, 30_000)]
    rows = []
    for agg in ("cwtm", "multi_krum"):
        for R, n, d in points:
            case = Case("grid", "", {**QUAD, "d": d}, n=n, f=n // 5, R=R, aggregator=agg)
            jobs = [Job(case.config(T, backend, dtype, device), r) for r in range(R)]
            run_batch(jobs[:1], chunk_size=1)
            rows.append({"aggregator": agg, "R": R, "n": n, "d": d, "round_seconds": timed(lambda: run_batch(jobs)) / T})
    return rows


def fit_slope(rows: list[dict], agg: str) -> tuple[float, str]:
    """Log-log slope of seconds per round against R n d (CWTM) or R n^2 d (Krum family)."""
    pts = [r for r in rows if r["aggregator"] == agg]
    power = 2 if agg != "cwtm" else 1
    work = np.array([r["R"] * r["n"] ** power * r["d"] for r in pts], dtype=float)
    secs = np.array([r["round_seconds"] for r in pts])
    return float(np.polyfit(np.log(work), np.log(secs), 1)[0]), ("R n^2 d" if power == 2 else "R n d")
