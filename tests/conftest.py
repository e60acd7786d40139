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


@pytest.fixture
def config_dict():
    return small_config
