"""Baseline (i): the same algorithms written one run at a time, in the per-call style of the
robust-learning libraries (ByzFL; Karimireddy, He, Jaggi's code): a Python list of per-worker numpy
vectors, an object per worker computing its gradient, aggregator and attack objects called once per
round on that list, one replica after another.

It is a faithful re-implementation, not a straw man: per-call aggregators are vectorised over the
workers (one ``np.sort`` for CWTM, one Gram matrix for Krum), every worker draws its own noise or
minibatch, and the numbers are the engine's: the problem data are the engine problem's host arrays
and the draws come from the same per-replica streams (:class:`sims.rng.ReplicaStreams`), so a
baseline run ends at the engine's iterate up to rounding (:func:`check_agreement`).
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from sims.attacks.basic import alie_z
from sims.backend import Backend
from sims.config import ExperimentConfig
from sims.rng import ReplicaStreams

from .lean import distance_to_engine, over_replicas


# --- aggregators: one object, called on a list of 1-D vectors -----------------------------------
class TrimmedMean:
    """CWTM: drop the f smallest and f largest values of every coordinate, average the rest."""

    def __init__(self, f: int):
        self.f = f

    def __call__(self, vectors: list[np.ndarray]) -> np.ndarray:
        v = np.sort(np.asarray(vectors), axis=0)
        return np.mean(v[self.f : len(vectors) - self.f], axis=0)


class MultiKrum:
    """Multi-Krum (Blanchard et al. 2017): mean of the m inputs whose n - f - 2 nearest others are
    closest (m = 1: Krum); distances from one Gram matrix per call."""

    def __init__(self, f: int, m: int | None = None):
        self.f, self.m = f, m

    def __call__(self, vectors: list[np.ndarray]) -> np.ndarray:
        v = np.asarray(vectors)
        n = len(v)
        c = v - v[0]  # centred at the first input (honest here: Byzantine rows come last), for the rounding
        sq = np.einsum("ij,ij->i", c, c)
        dist = np.maximum(sq[:, None] + sq[None, :] - 2.0 * c @ c.T, 0.0)
        np.fill_diagonal(dist, np.inf)
        scores = np.sum(np.sort(dist, axis=1)[:, : n - self.f - 2], axis=1)
        m = n - self.f if self.m is None else self.m
        return np.mean(v[np.argsort(scores, kind="stable")[:m]], axis=0)


class ALIE:
    """A Little Is Enough (Baruch et al. 2019): mu - z sigma coordinate-wise, sent by all f."""

    def __init__(self, n: int, f: int):
        self.f, self.z = f, alie_z(n, f)

    def __call__(self, honest: list[np.ndarray]) -> list[np.ndarray]:
        mu, sd = np.mean(honest, axis=0), np.std(honest, axis=0, ddof=1)
        return [mu - self.z * sd] * self.f


# --- workers ---------------------------------------------------------------------------------------
class QuadraticWorker:
    """f_i(x) = (1 + s_i)/2 (x - c)' diag(a) (x - c) - b_i'(x - c), Gaussian oracle noise."""

    def __init__(self, problem, i: int):
        self.eig, self.c, self.s1, self.b = problem.eigenvalues, problem.center, 1 + problem.s[i], problem.shifts[i]
        self.noise = problem.spec.sigma / np.sqrt(problem.d)

    def gradient(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        g = self.s1 * ((x - self.c) * self.eig) - self.b
        return g + rng.standard_normal(len(x)) * self.noise if self.noise else g


class LogisticWorker:
    """Logistic loss on the worker's m samples plus lambda/2 ||x||^2; minibatch with replacement."""

    def __init__(self, problem, i: int):
        self.A, self.y, self.batch, self.lam = problem.A_host[i], problem.y_host[i], problem.spec.batch, problem.spec.lam

    def gradient(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        idx = rng.integers(0, len(self.y), size=self.batch)
        A, y = self.A[idx], self.y[idx]
        s = -y / (1 + np.exp(y * (A @ x)))
        return s @ A / self.batch + self.lam * x


WORKERS = {"quadratic": QuadraticWorker, "logistic": LogisticWorker}
AGGREGATORS = {"cwtm": lambda agg, f: TrimmedMean(f), "krum": lambda agg, f: MultiKrum(f, 1),
               "multi_krum": lambda agg, f: MultiKrum(f, agg.agg.m)}


@dataclasses.dataclass
class Setup:
    """What one replica's run holds before its first round: the problem (the engine's host arrays),
    one worker object per honest worker, the aggregator and attack objects, the replica's streams."""

    problem: object
    workers: list
    aggregate: object
    attack: ALIE
    streams: ReplicaStreams
    oracle: np.random.Generator

    @classmethod
    def of(cls, config: ExperimentConfig, replica: int) -> "Setup":
        n, f = config.workers.n, config.workers.f
        problem = config.problem.build(n - f, Backend("numpy"))
        streams = ReplicaStreams([config.run.seed], [replica])
        return cls(problem, [WORKERS[config.problem.name](problem, i) for i in range(n - f)],
                   AGGREGATORS[config.aggregator.name](config.aggregator, f), ALIE(n, f), streams,
                   streams.generators("oracle")[0])


def run_one(config: ExperimentConfig, replica: int) -> np.ndarray:
    """RoSDHB (coordinated Rand-K, server momentum per worker, robust aggregation, ALIE) for one
    replica, T rounds; returns the last iterate."""
    s = Setup.of(config, replica)
    n, d, k = config.workers.n, s.problem.d, config.compressor.k
    lr, beta = config.algorithm.lr, config.algorithm.beta
    x = s.problem.x0.copy()
    momenta = [np.zeros(d) for _ in range(n)]
    for _ in range(config.run.T):
        grads = [w.gradient(x, s.oracle) for w in s.workers]
        mask = np.zeros(d)
        mask[s.streams.subsets("shared", d, k)[0]] = 1.0
        msgs = [g * mask * (d / k) for g in grads]
        msgs += [b * mask for b in s.attack(msgs)]
        momenta = [beta * m + (1 - beta) * g for m, g in zip(momenta, msgs)]
        x = x - lr * s.aggregate(momenta)
    return x


run_all = over_replicas(run_one)
check_agreement = functools.partial(distance_to_engine, run_all)  # |x_loop - x_engine|, same streams
