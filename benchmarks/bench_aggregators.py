"""Aggregators: time per call batched over R replicas vs a per-replica Python loop, in one run.

Setting: R = 64 replicas, n = 20 inputs (f = 4 Byzantine: the last 4 rows shifted far away),
d in {100, 1e4}, float64 numpy (``--backend torch`` for the torch CPU path).  For every registered
aggregator (default parameters) and a few chains:

* ``batched``: one call on the [R, n, d] array (the engine's way);
* ``loop``: R calls on [1, n, d] slices, the same code (a per-replica library's way);

the best of ``--repeat`` interleaved timings of each (one for the exponential SMEA), in milliseconds
per call of all R replicas, and the ratio loop / batched.  Usage: ``python -m benchmarks.bench_aggregators [--R 64] [--dims 100 10000]``.
"""
from __future__ import annotations

import argparse

import numpy as np

from sims.backend import Backend
from sims.kappa import as_chain
from sims.registry import names
from sims.rng import ReplicaStreams

from .timing import best_times

CHAINS = ("nnm+cwtm", "bucketing+cwmed", "arc+cwtm")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--R", type=int, default=64)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--f", type=int, default=4)
    ap.add_argument("--dims", type=int, nargs="+", default=[100, 10_000])
    ap.add_argument("--repeat", type=int, default=5, help="timings per way (best kept; SMEA: 1)")
    ap.add_argument("--backend", default="numpy")
    ap.add_argument("--rules", nargs="*", default=None, help="default: every aggregator and " + ", ".join(CHAINS))
    args = ap.parse_args(argv)
    backend = Backend(args.backend)
    rules = args.rules or names("aggregator") + list(CHAINS)
    print(f"R = {args.R}, n = {args.n}, f = {args.f}, backend = {args.backend}; ms per call of all R replicas")
    print(f"{'d':>6} {'rule':<20} {'batched ms':>11} {'loop ms':>10} {'loop/batched':>13}")
    for d in args.dims:
        rng = np.random.default_rng(0)
        host = rng.standard_normal((args.R, args.n, d))
        host[:, args.n - args.f :, :] += 10.0
        x = backend.asarray(host)
        for rule in rules:
            chain = as_chain(rule)
            streams = ReplicaStreams([0] * args.R, range(args.R))
            singles = [streams.subset(np.array([r])) for r in range(args.R)]
            t_batch, t_loop = best_times([
                lambda: chain.aggregate(x, f=args.f, streams=streams),
                lambda: [chain.aggregate(x[r : r + 1], f=args.f, streams=singles[r]) for r in range(args.R)],
            ], args.repeat if chain.agg.name != "smea" else 1)
            print(f"{d:>6} {chain.name:<20} {1e3 * t_batch:>11.2f} {1e3 * t_loop:>10.2f} {t_loop / t_batch:>13.1f}")


if __name__ == "__main__":
    main()
