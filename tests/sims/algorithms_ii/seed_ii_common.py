"""Shared helpers of the issue-5 algorithm tests: small configs and a round-by-round driver."""
from __future__ import annotations

import copy

import numpy as np

from sims import ExperimentConfig, Job
from sims.backend import to_numpy
from sims.engine import build_setup, initial_point
from sims.rng import ReplicaStreams

QUAD = {"name": "quadratic", "d": 6, "L": 1.0, "mu": 0.2, "G": 1.0, "B": 0.5, "sigma": 0.3}
LSQ = {"name": "least_squares", "d": 4, "subsets": 8, "m": 3, "sigma_H": 1.0, "noise": 0.1, "lam": 0.01, "seed": 3}


def config(algorithm, problem=QUAD, aggregator="cwtm", attack="alie", compressor=None, n=7, f=2, T=20, seeds=1,
           **run):
    """A small validated config (no progress bar)."""
    return ExperimentConfig.from_dict({
        "problem": copy.deepcopy(problem), "algorithm": dict(algorithm),
        "aggregator": aggregator if isinstance(aggregator, dict) else {"name": aggregator},
        "attack": attack if isinstance(attack, dict) else {"name": attack},
        "compressor": compressor or {"name": "identity"}, "workers": {"n": n, "f": f},
        "run": {"T": T, "seeds": seeds, "record_every": 1, "progress": False, **run},
    })


def drive(configs, T):
    """Run ``configs`` (one replica each, replica index = position) round by round through the
    algorithm's own init / step: (iterates [R, T+1, d], StepInfos, setup, fresh twin streams)."""
    jobs = [Job(c, r) for r, c in enumerate(configs)]
    setup = build_setup(jobs)
    algo = configs[0].algorithm
    state = algo.init(initial_point(setup, configs[0]), setup)
    xs, infos = [to_numpy(state.x)], []
    for _ in range(T):
        state, info = algo.step(state, setup)
        xs.append(to_numpy(state.x))
        infos.append(info)
    twin = ReplicaStreams([j.config.run.seed for j in jobs], [j.replica for j in jobs])
    return np.stack(xs, axis=1), infos, setup, twin


def topk_table(k: int) -> dict:
    """The catalogue's Top-K (contractive, alpha = K/d)."""
    return {"name": "topk", "k": k}


def hp(configs, name):
    return [getattr(c.algorithm, name) for c in configs]
