"""Shared helpers of the store / sweep / executor tests (imported by name: this folder is on sys.path)."""
from __future__ import annotations

from sims import ExperimentConfig
from sims.sweep import Sweep

BASE = {
    "problem": {"name": "quadratic", "d": 6, "L": 1.0, "mu": 0.1, "G": 1.0, "B": 0.3, "sigma": 0.3},
    "algorithm": {"name": "robust_dshb", "beta": 0.5},
    "aggregator": {"name": "cwtm"},
    "workers": {"n": 8, "f": 1},
    "run": {"T": 20, "seeds": 2, "record_every": 5, "progress": False},
}
GRID = {"algorithm.lr": [0.3, 0.1, 0.03], "attack": [{"name": "alie"}, {"name": "sign_flip"}], "workers.f": [1, 2]}


def tiny_sweep(T: int = 20, seeds: int = 2, d: int = 6, grid=None, name: str = "tiny") -> Sweep:
    """lr x attack x f on a small quadratic: 12 points, 24 runs, 4 batch keys by default."""
    base = {**BASE, "problem": {**BASE["problem"], "d": d}, "run": {**BASE["run"], "T": T, "seeds": seeds}}
    return Sweep(base, GRID if grid is None else grid, name=name)


def one_config(**run) -> ExperimentConfig:
    return ExperimentConfig.from_dict({**BASE, "algorithm": {**BASE["algorithm"], "lr": 0.1},
                                       "attack": {"name": "alie"}, "run": {**BASE["run"], **run}})


def stored_records(store) -> dict:
    """{(digest, replica): float64 records} of a store, for exact comparisons."""
    return {(r.digest, r.replica): r.records for r in store.runs()}


def computation_counts(store) -> dict:
    """{(digest, replica): finished computations logged}."""
    log = store.computations()
    return log.groupby(["digest", "replica"]).size().to_dict()


def die_once(marker_dir: str, value):
    """A task that kills its own worker process (SIGKILL) the first time it runs, then returns ``value``."""
    import os
    import signal
    from pathlib import Path

    marker = Path(marker_dir) / f"ran-{value}"
    first = not marker.exists()
    with open(marker, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    if first and value == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return value * 10


def fail_on_three(value):
    if value == 3:
        raise ValueError("three")
    return value


def die_always(value):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
