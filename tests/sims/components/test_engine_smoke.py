"""Every registered component runs inside the engine for a few rounds (numpy), in a config that
round-trips: the catalogue is usable by the algorithms, not only in isolation."""
from __future__ import annotations

import numpy as np
import pytest

from sims import ExperimentConfig, run
from tests.conftest import small_config

from component_cases import kind_cases


def experiment(kind, table):
    base = small_config(problem={"name": "logistic", "d": 9, "m": 20}, workers={"n": 11, "f": 2},
                        run={"T": 3, "seeds": 2, "record_every": 3, "progress": False})
    if kind == "preaggregator":
        base["aggregator"] = {"name": "cwtm", "pre": [table]}
    else:
        base[kind] = table
    if table["name"] == "shift_back":  # reads x0 and the sampled set: a client-sampling method
        base["algorithm"] = {"name": "byz_vr_marina_pp", "C": 3, "C_hat": 11}
    return ExperimentConfig.from_dict(base)


@pytest.mark.parametrize("kind,table", kind_cases("aggregator", "preaggregator", "attack", "compressor"))
def test_component_runs_in_the_engine(kind, table):
    result = run(experiment(kind, table))
    assert not result.summary["diverged"].any()
    assert np.all(np.isfinite(result.final_x))
