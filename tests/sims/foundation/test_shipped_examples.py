"""Every shipped example config (examples/*.toml) loads, validates and round-trips through TOML, so a
config that names an unknown key or value cannot ship."""
from __future__ import annotations

from pathlib import Path

import pytest

from sims import ExperimentConfig

EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("*.toml"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_loads_and_round_trips(path):
    cfg = ExperimentConfig.from_toml(path)
    assert cfg.title
    assert ExperimentConfig.from_toml_string(cfg.to_toml()).digest() == cfg.digest()
