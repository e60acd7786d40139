"""Configs: TOML round-trip and one-line errors naming field, value and what is allowed."""
from __future__ import annotations

import math

import pytest

from sims import ConfigError, ExperimentConfig
from tests.conftest import small_config


def test_toml_round_trip():
    cfg = ExperimentConfig.from_dict(small_config(compressor={"name": "randk", "k": 3}, title="round trip"))
    again = ExperimentConfig.from_toml_string(cfg.to_toml())
    assert again == cfg and again.digest() == cfg.digest()


@pytest.mark.parametrize("change,field,fragment", [
    ({"workers": {"n": 10, "f": 5}}, "workers.f", "cwtm needs n >= 2f + 1 (n = 10), i.e. f <= 4"),
    ({"compressor": {"name": "randk", "k": 9}}, "compressor.k", "must be <= d = 8"),
    ({"algorithm": {"lr": -0.1}}, "algorithm.lr", "(0, inf)"),
    ({"attack": {"name": "no_such_attack"}}, "attack.name", "must be one of"),
    ({"algorithm": {"lr": math.nan}}, "algorithm.lr", "finite real"),
    ({"problem": {"name": "quadratic", "d": 8, "dd": 3}}, "problem.dd", "allowed keys are"),
    ({"run": {"T": 0}}, "run.T", "[1, inf]"),
    ({"problem": {"name": "quadratic", "mu": 2.0, "L": 1.0}}, "problem.mu", "<= problem.L"),
    ({"workers": {"n": 4, "f": 4}}, "workers.f", "< workers.n"),
])
def test_invalid_values_are_refused_with_one_line(change, field, fragment):
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(small_config(**change))
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(field) and fragment in msg, msg


def test_unknown_section_is_refused():
    table = small_config()
    table["optimizer"] = {"name": "adam"}
    with pytest.raises(ConfigError, match="config.optimizer"):
        ExperimentConfig.from_dict(table)
