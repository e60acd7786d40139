"""Example configs, validation messages and numpy/torch parity of the issue-5 algorithms."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sims import ConfigError, ExperimentConfig, run
from tests.conftest import requires_torch
from tests.sims.algorithms_ii.seed_ii_common import LSQ, config, topk_table

EXAMPLES = Path(__file__).parents[3] / "examples"
ISSUE_5 = ("byz_ef21_sgdm", "byz_dm21", "byz_vr_dm21", "lad", "com_lad", "krum_sgd", "multi_krum_sgd")


@pytest.mark.parametrize("name", ISSUE_5)
def test_example_config_runs_and_round_trips(name):
    cfg = ExperimentConfig.from_toml(EXAMPLES / f"{name}.toml")
    assert cfg.algorithm.name == name
    assert ExperimentConfig.from_toml_string(cfg.to_toml()).digest() == cfg.digest()
    res = run(cfg)
    assert not res.summary.diverged.any()
    assert (res.summary.f_gap < res.records.query("round == 0").f_gap.to_numpy()).all()


@pytest.mark.parametrize("table,aggregator,compressor,field", [
    ({"name": "krum_sgd"}, "cwtm", None, "aggregator.name"),
    ({"name": "multi_krum_sgd"}, "krum", None, "aggregator.name"),
    ({"name": "krum_sgd"}, {"name": "krum", "pre": [{"name": "nnm"}]}, None, "aggregator.name"),
    ({"name": "krum_sgd"}, "krum", {"name": "randk", "k": 2}, "compressor.name"),
    ({"name": "byz_ef21_sgdm"}, "cwtm", {"name": "randk", "k": 2}, "compressor.name"),
    ({"name": "com_lad"}, "cwtm", "topk", "compressor.name"),
])
def test_a_run_with_the_wrong_component_is_refused_naming_it(table, aggregator, compressor, field):
    problem = {**LSQ, "subsets": 9} if "lad" in table["name"] else None
    compressor = topk_table(2) if compressor == "topk" else compressor
    cfg = config(table, aggregator=aggregator, compressor=compressor, n=9, f=2,
                 **({"problem": problem} if problem else {}))
    with pytest.raises(ConfigError) as err:
        run(cfg)
    assert err.value.field == field


@pytest.mark.parametrize("table,field", [
    ({"name": "byz_dm21", "eta": 0.0}, "algorithm.eta"),
    ({"name": "byz_vr_dm21", "start": "warm"}, "algorithm.start"),
    ({"name": "byz_ef21_sgdm", "style": "nesterov"}, "algorithm.style"),
    ({"name": "krum_sgd", "lr_decay": -1.0}, "algorithm.lr_decay"),
    ({"name": "lad", "coding": "mds"}, "algorithm.coding"),
])
def test_invalid_hyper_parameters_name_the_field(table, field):
    with pytest.raises(ConfigError) as err:
        config(table)
    assert err.value.field == field


def test_unbiased_compression_is_allowed_when_asked_for():
    """The a9a launch script ran Byz-EF21-SGDM with Rand-1 (specs experiments 5): strict_compressor = false."""
    cfg = config({"name": "byz_ef21_sgdm", "lr": 0.1, "strict_compressor": False},
                 compressor={"name": "randk", "k": 3})
    res = run(cfg)
    assert not res.summary.diverged.any()
    assert (res.summary.bits_up == cfg.run.T * 3 * (32 + 3)).all()  # K (b_f + ceil(log2 6)) per round


PARITY = [
    ({"name": "byz_ef21_sgdm", "lr": 0.3, "eta": 0.5}, {}),
    ({"name": "byz_dm21", "lr": 0.3, "eta": 0.5, "style": "torch"}, {}),
    ({"name": "byz_vr_dm21", "lr": 0.3, "eta": 0.5, "start": "gradient"},
     {"compressor": {"name": "coordinated_randk", "k": 3}, "algorithm_extra": {"strict_compressor": False}}),
    ({"name": "lad", "lr": 0.5, "s": 3}, {"problem": {**LSQ, "subsets": 7}}),
    ({"name": "com_lad", "lr": 0.3, "s": 2}, {"problem": {**LSQ, "subsets": 7},
                                              "compressor": {"name": "randk", "k": 2}}),
    ({"name": "krum_sgd", "lr": 0.3}, {"aggregator": "krum"}),
    ({"name": "multi_krum_sgd", "lr": 0.3}, {"aggregator": "multi_krum"}),
]


@requires_torch
@pytest.mark.torch
@pytest.mark.parametrize("table,extra", PARITY, ids=[p[0]["name"] for p in PARITY])
def test_numpy_and_torch_give_the_same_trajectory(table, extra):
    extra = dict(extra)
    table = {**table, **extra.pop("algorithm_extra", {})}
    finals = [run(config(table, T=30, seeds=2, backend=backend, **extra)).final_x for backend in ("numpy", "torch")]
    np.testing.assert_allclose(finals[0], finals[1], rtol=0, atol=1e-10)
