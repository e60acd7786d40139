"""Engine throughput: batched replicas against per-replica loops, measured side by side in one run.

Setting: robust D-SHB + CWTM + ALIE + coordinated Rand-K (k = d/10) on the diagonal quadratic,
R = 64 replicas, n = 20, f = 4, d in {100, 1e4}.  Three ways to advance the same 64 runs:

* ``batched``: the engine, one array program over R (``run_batch`` of 64 jobs);
* ``engine, per replica``: the same engine called 64 times with R = 1;
* ``plain loop``: a straightforward per-replica Python/numpy loop (one replica at a time, a momentum
  array per worker, trimmed mean by ``np.sort``), the style of per-call robust-learning libraries.

Prints rounds per second (replica-rounds/s) and the ratios.  Usage: ``python benchmarks/bench_engine.py
[--T 200] [--backend numpy|torch]``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import norm

from sims import ExperimentConfig, Job, run_batch
from sims.backend import Backend


def config(d: int, T: int, backend: str) -> ExperimentConfig:
    return ExperimentConfig.from_dict({
        "problem": {"name": "quadratic", "d": d, "G": 1.0, "B": 0.3, "sigma": 0.5},
        "algorithm": {"name": "robust_dshb", "lr": 0.05, "beta": 0.9},
        "aggregator": {"name": "cwtm"}, "attack": {"name": "alie"},
        "compressor": {"name": "coordinated_randk", "k": max(1, d // 10)},
        "workers": {"n": 20, "f": 4}, "run": {"T": T, "record_every": T, "progress": False, "backend": backend},
    })


def plain_loop(cfg: ExperimentConfig, R: int) -> None:
    """One replica at a time, written without the engine (same algorithm, host numpy)."""
    n, f = cfg.workers.n, cfg.workers.f
    h = n - f
    p = cfg.problem.build(h, Backend("numpy"))
    d, k, lr, beta = p.d, cfg.compressor.k, cfg.algorithm.lr, cfg.algorithm.beta
    s = np.floor(n / 2 + 1) - f
    z = norm.ppf((n - s) / n)
    for r in range(R):
        rng = np.random.default_rng(r)
        x, m = p.x0.copy(), np.zeros((n, d))
        for _ in range(cfg.run.T):
            g = p.full_grad(x[None])[0] + rng.standard_normal((h, d)) * (p.spec.sigma / np.sqrt(d))
            mask = np.zeros(d)
            mask[rng.choice(d, k, replace=False)] = d / k
            msgs = [g[i] * mask for i in range(h)]
            mu, sd = np.mean(msgs, axis=0), np.std(msgs, axis=0, ddof=1)
            msgs += [(mu - z * sd) * (mask > 0)] * f
            for i in range(n):
                m[i] = beta * m[i] + (1 - beta) * msgs[i]
            x = x - lr * np.mean(np.sort(m, axis=0)[f : n - f], axis=0)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=200)
    ap.add_argument("--R", type=int, default=64)
    ap.add_argument("--backend", default="numpy")
    ap.add_argument("--dims", type=int, nargs="+", default=[100, 10_000])
    args = ap.parse_args(argv)
    print(f"{'d':>7} {'way':<22} {'replica-rounds/s':>17} {'batched speed-up':>17}")
    for d in args.dims:
        cfg = config(d, args.T, args.backend)
        jobs = [Job(cfg, r) for r in range(args.R)]
        work = args.R * args.T
        t_batch = timed(lambda: run_batch(jobs))
        t_each = timed(lambda: [run_batch([j]) for j in jobs])
        t_plain = timed(lambda: plain_loop(cfg, args.R))
        for way, t in (("batched", t_batch), ("engine, per replica", t_each), ("plain loop", t_plain)):
            print(f"{d:>7} {way:<22} {work / t:>17.0f} {t / t_batch:>16.1f}x")


if __name__ == "__main__":
    main()
