"""Baseline (iii), the lean loop of issue 18 as its author measured it: one replica at a time on the
per-call components of the robust-learning libraries (ByzFL's TrMean, Krum and ALIE, numpy), the
vectors of a round held in ``[n, d]`` arrays, no metrics.

It differs from :mod:`.plain` only where a user writing a lean loop would differ: the round's
vectors are arrays, not Python lists of per-worker vectors, so masking, the attack and the momenta
are one numpy expression each, and the quadratic's oracle is one expression over the workers (the
logistic's minibatches stay a loop over the worker objects, each drawing its own indices).  It
differs from :mod:`.lean` in its components: the libraries' ``np.sort`` trimmed mean and two-pass
``np.mean`` / ``np.std`` ALIE, where the lean loop calls this project's per-call components (the
sorting-network trimmed mean, the one-pass moments, the compiled oracle).  At d = 100 this loop is
the faster of the two (it has no per-call dispatch); at d = 1e4 the project's components are.
Same streams as the engine, so it ends at the engine's iterate (:func:`check_agreement`).
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from sims.config import ExperimentConfig

from . import plain
from .lean import distance_to_engine, over_replicas


def oracle(s: plain.Setup, config: ExperimentConfig) -> Callable[[np.ndarray], np.ndarray]:
    """x -> the h honest stochastic gradients [h, d] of one round, drawn from the replica's oracle
    stream in the workers' order (the quadratic's one draw of h d normals is the h draws of d)."""
    if config.problem.name != "quadratic":
        return lambda x: np.stack([w.gradient(x, s.oracle) for w in s.workers])
    p = s.problem
    s1, shifts = 1 + np.asarray(p.s)[:, None], np.asarray(p.shifts)
    scale = p.spec.sigma / np.sqrt(p.d)

    def gradients(x: np.ndarray) -> np.ndarray:
        g = s1 * ((x - p.center) * p.eigenvalues) - shifts
        return g + s.oracle.standard_normal(g.shape) * scale if scale else g

    return gradients


def run_one(config: ExperimentConfig, replica: int) -> np.ndarray:
    """RoSDHB for one replica, T rounds, on [n, d] arrays and the libraries' components; the last
    iterate [d]."""
    s = plain.Setup.of(config, replica)
    n, d, k = config.workers.n, s.problem.d, config.compressor.k
    lr, beta = config.algorithm.lr, config.algorithm.beta
    gradients = oracle(s, config)
    x = s.problem.x0.copy()
    momenta = np.zeros((n, d))
    for _ in range(config.run.T):
        g = gradients(x)
        mask = np.zeros(d)
        mask[s.streams.subsets("shared", d, k)[0]] = 1.0
        msgs = g * mask * (d / k)
        byz = np.asarray(s.attack(msgs)) * mask
        momenta = beta * momenta + (1 - beta) * np.concatenate([msgs, byz])
        x = x - lr * s.aggregate(momenta)
    return x


run_all = over_replicas(run_one)
check_agreement = functools.partial(distance_to_engine, run_all)  # |x_loop - x_engine|, same streams
