"""Shared fixtures: a small config builder and a torch availability marker."""
from __future__ import annotations

import copy
import importlib.util

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None
requires_torch = pytest.mark.skipif(not HAS_TORCH, reason="optional torch extra not installed")


def small_config(**sections):
    """An ExperimentConfig dict on a small heterogeneous quadratic; ``sections`` override tables."""
    base = {
        "problem": {"name": "quadratic", "d": 8, "L": 1.0, "mu": 0.1, "G": 1.0, "B": 0.5},
        "algorithm": {"name": "robust_dshb", "lr": 0.3, "beta": 0.5},
        "aggregator": {"name": "cwtm"},
        "attack": {"name": "alie"},
        "compressor": {"name": "identity"},
        "workers": {"n": 10, "f": 2},
        "run": {"T": 30, "seeds": 2, "record_every": 5, "progress": False},
    }
    out = copy.deepcopy(base)
    for key, table in sections.items():
        if table is None:
            out.pop(key, None)
        elif key in out and isinstance(table, dict) and "name" not in table and key != "aggregator":
            out[key].update(table)
        else:
            out[key] = table
    return out


def assert_replicas_as_alone(cfg, replicas):
    """Run ``cfg``'s whole batch, then each of ``replicas`` alone: final iterates and recorded
    grad_sq must be bit-identical (the engine's batch-independence contract); returns the batch."""
    import numpy as np

    from sims import Job, run, run_batch

    batch = run(cfg)
    for r in replicas:
        alone = run_batch([Job(cfg, r)])
        np.testing.assert_array_equal(batch.final_x[r], alone.final_x[0])
        np.testing.assert_array_equal(batch.records[batch.records.replica == r].grad_sq.to_numpy(),
                                      alone.records.grad_sq.to_numpy())
    return batch


@pytest.fixture
def config_dict():
    return small_config
