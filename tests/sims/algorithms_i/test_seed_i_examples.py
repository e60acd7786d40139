"""The example config of every issue-4 algorithm (examples/<algorithm>.toml) loads, round-trips
through TOML and runs on small sizes, making progress from x0."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sims import ExperimentConfig, run

EXAMPLES = Path(__file__).parents[3] / "examples"
ALGORITHMS = ["rosdhb", "byz_vr_marina", "byz_dasha_page", "byz_ef21", "byz_ef21_bc", "byz_vr_marina_pp",
              "byz_vr_marina_pp_plus", "clipping_heuristic", "br_csgd", "br_diana"]


@pytest.mark.parametrize("name", ALGORITHMS)
def test_example_config_runs_on_small_sizes(name):
    cfg = ExperimentConfig.from_toml(EXAMPLES / f"{name}.toml")
    assert cfg.algorithm.name == name
    assert ExperimentConfig.from_toml_string(cfg.to_toml()).digest() == cfg.digest()
    res = run(cfg.replace(run=cfg.run.replace(T=60, seeds=1, record_every=60, progress=False)))
    start, end = res.records.sort_values("round").grad_sq.to_numpy()[[0, -1]]
    assert not res.summary.diverged.any() and np.isfinite(end)
    assert end < start
    assert res.summary.bits_up.iloc[0] > 0 and res.summary.grad_evals.iloc[0] > 0
