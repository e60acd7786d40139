"""Configs: TOML round-trip and one-line errors naming field, value and what is allowed."""
from __future__ import annotations

import math

import pytest

from sims import ConfigError, ExperimentConfig, registry, run
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


def test_conditional_fields_name_a_real_field_and_an_allowed_value():
    import dataclasses

    from sims.params import OneOf

    found = 0
    for kind in registry.KINDS:
        for name in registry.names(kind):
            cls = registry.lookup(kind, name)
            fields = {f.name: f for f in dataclasses.fields(cls)}
            for f in fields.values():
                cond = f.metadata.get("used_when")
                if cond:
                    found += 1
                    rule = fields[cond[0]].metadata["rule"]
                    assert isinstance(rule, OneOf) and cond[1] in rule.options, (kind, name, f.name)
    assert found >= 3


def test_results_report_only_the_batched_fields_that_were_used():
    """ALIE's z is a column only under z_rule = 'fixed' (else z comes from n and f, not the field)."""
    base = small_config(attack={"name": "alie"}, run={"T": 3, "seeds": 1, "record_every": 3, "progress": False})
    derived = run(ExperimentConfig.from_dict(base)).summary
    fixed = run(ExperimentConfig.from_dict({**base, "attack": {"name": "alie", "z_rule": "fixed", "z": 0.7}})).summary
    assert "attack.z" not in derived.columns
    assert fixed["attack.z"].tolist() == [0.7]
