"""Baseline (ii), the lean per-run loop, and the random-number floor.

The lean loop is what a user of this project writes to run one replica at a time: the project's own
per-call components (the problem's oracle, the compressor, the attack, the aggregator) called on
single-replica arrays ([1, h, d]), numpy float64, no metrics, no divergence checks, no engine.  It
is the same RoSDHB round as the engine's (same streams), so it ends at the engine's iterate
(:func:`check_agreement`).

The floor is the time of drawing a round's random numbers alone, for all R replicas, exactly as the
engine draws them (the oracle's sample and the compressor's shared mask): no round can take less.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
from typing import Callable

import numpy as np

from sims import native_rng
from sims.attacks.base import AttackContext
from sims.backend import Backend
from sims.config import ExperimentConfig
from sims.engine import Job, run_batch, streams_for
from sims.rng import ReplicaStreams


def _components(config: ExperimentConfig, backend: Backend):
    n, f = config.workers.n, config.workers.f
    problem = config.problem.build(n - f, backend)
    return problem, config.compressor, config.attack, config.aggregator


def run_one(config: ExperimentConfig, replica: int) -> np.ndarray:
    """RoSDHB for one replica, T rounds, on the project's per-call components; the last iterate [d]."""
    n, f = config.workers.n, config.workers.f
    backend = Backend("numpy", config.run.dtype)
    problem, compressor, attack, aggregator = _components(config, backend)
    streams = streams_for([Job(config, replica)], backend)  # the engine's streams, in the run's dtype
    lr, beta = config.algorithm.lr, config.algorithm.beta
    x = backend.asarray(np.ascontiguousarray(problem.x0[None, :]))
    m = np.zeros((1, n, problem.d), dtype=x.dtype)
    state = aggregator.init_state(1, problem.d, backend)
    for t in range(config.run.T):
        shared = compressor.draw_shared(streams, problem.d, backend)
        g, _ = compressor.compress(problem.sample_grad(x, streams), streams, shared, config.run.bits_per_float)
        ctx = AttackContext(t=t, n=n, f=f, declared_f=f, aggregator=aggregator, honest_mean=g.mean(axis=1),
                            shared=shared, streams=streams, problem=problem, x=x)
        byz = compressor.enforce(attack.craft(g, ctx), shared)
        m = beta * m + (1 - beta) * np.concatenate([g, byz], axis=1)
        agg, state = aggregator.aggregate(m, f=f, state=state, streams=streams)
        x = x - lr * agg
    return x[0]


#: ReplicaStreams' methods that call the replicas' generators themselves (the others compute on
#: what these return: the mask's selection, the oracle's scaling)
GENERATOR_CALLS = ("normal_into", "uniform", "integers", "bernoulli", "permutations")


def _logged(name: str):
    base = getattr(ReplicaStreams, name)

    def draw(self, purpose, *args):
        self.calls.append((base, purpose, args))
        return base(self, purpose, *args)
    return draw


#: Host streams that note each generator call (method, purpose, arguments) in their ``calls``
_CallLog = type("_CallLog", (ReplicaStreams,), {name: _logged(name) for name in GENERATOR_CALLS})


def rng_floor_block(config: ExperimentConfig, R: int, rounds: int, numpy_calls: bool = False,
                    calls_only: bool = False) -> Callable[[], None]:
    """A function that draws ``rounds`` rounds of random numbers for R replicas, as the engine draws
    them (the oracle sample, the shared mask), and does nothing else: the random-number floor is
    its time over ``rounds``.  ``numpy_calls``: the same numbers from numpy's per-replica generator
    calls (issue 18's floor) instead of numba's compiled pass over the replicas
    (:mod:`sims.native_rng`).  ``calls_only``: the generator calls alone (host streams), without
    what the components compute on their numbers (the mask's k-smallest selection, the oracle's
    sigma / sqrt(d) scaling), replayed from one round's log of :data:`GENERATOR_CALLS`."""
    backend = Backend(config.run.backend, config.run.dtype, config.run.device)
    problem, compressor, _, _ = _components(config, backend)
    if calls_only and config.run.rng != "host":
        raise ValueError(f"rng_floor_block: calls_only needs run.rng = 'host', got {config.run.rng!r}")
    if calls_only:  # the streams streams_for builds for host draws, noting their generator calls
        streams = _CallLog([config.run.seed] * R, range(R), backend.dtype)
        streams.calls = []
    else:
        streams = streams_for([Job(config, r) for r in range(R)], backend)
    calls = native_rng.numpy_calls if numpy_calls else contextlib.nullcontext
    with calls():
        problem.draw(streams), compressor.draw_shared(streams, problem.d, backend)  # generators built
    log = getattr(streams, "calls", [])

    def components() -> None:
        with calls():
            for _ in range(rounds):
                problem.draw(streams)
                compressor.draw_shared(streams, problem.d, backend)

    def generator_calls() -> None:
        for _ in range(rounds):
            for method, purpose, args in log:
                method(streams, purpose, *args)

    return generator_calls if calls_only else components


RunOne = Callable[[ExperimentConfig, int], np.ndarray]  # (config, replica) -> the last iterate [d]


def over_replicas(run_one: RunOne) -> RunOne:
    """A per-run loop over replicas 0 .. R-1 from its one-replica loop: (config, R) -> [R, d]."""
    return lambda config, replicas: np.stack([run_one(config, r) for r in range(replicas)])


def distance_to_engine(run_all: RunOne, config: ExperimentConfig, replicas: int = 2, T: int = 20) -> float:
    """Largest |x_loop - x_engine| after T rounds of ``run_all`` (a baseline's loop over replicas) and
    of the engine on the same config and streams: 0 (or rounding) when the loop is the engine's algorithm."""
    cfg = config.replace(run=dataclasses.replace(config.run, T=T, record_every=T))
    ours = run_batch([Job(cfg, r) for r in range(replicas)]).final_x
    return float(np.max(np.abs(run_all(cfg, replicas) - ours)))


run_all = over_replicas(run_one)
check_agreement = functools.partial(distance_to_engine, run_all)  # lean loop vs engine, same streams
