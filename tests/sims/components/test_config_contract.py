"""Validation errors that name field, value and what is allowed, preconditions of every rule, and
the TOML round-trip of every component inside an ExperimentConfig (specs/components.md 11.1)."""
from __future__ import annotations

import dataclasses

import pytest

from sims import ConfigError, ExperimentConfig, registry
from tests.conftest import small_config

from component_cases import tables

KINDS = ("aggregator", "preaggregator", "attack", "compressor")
FIELDS = [pytest.param(kind, name, f.name, id=f"{kind}-{name}-{f.name}")
          for kind in KINDS for name in registry.names(kind)
          for f in dataclasses.fields(registry.lookup(kind, name)) if "rule" in f.metadata]


@pytest.mark.parametrize("kind,name,field", FIELDS)
def test_every_field_refuses_a_bad_value_naming_itself(kind, name, field):
    with pytest.raises(ConfigError) as info:
        registry.build(kind, {"name": name, field: "__nope__"})
    assert str(info.value).startswith(f"{kind}.{field} = '__nope__': "), str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_refused(kind):
    name = registry.names(kind)[0]
    with pytest.raises(ConfigError, match=f"{kind}.tau_typo"):
        registry.build(kind, {"name": name, "tau_typo": 1})


def config_with(kind: str, table: dict) -> dict:
    """A small config (n = 11, f = 2, d = 9) carrying the component ``table``."""
    base = small_config(problem={"name": "quadratic", "d": 9}, workers={"n": 11, "f": 2})
    if kind == "preaggregator":
        base["aggregator"] = {"name": "cwtm", "pre": [table]}
    else:
        base[kind] = table
    return base


ROUND_TRIP = [pytest.param(kind, t, id=f"{kind}-" + "-".join(map(str, t.values()))) for kind in KINDS
              for t in tables(kind)]


@pytest.mark.parametrize("kind,table", ROUND_TRIP)
def test_toml_round_trip_inside_an_experiment(kind, table):
    cfg = ExperimentConfig.from_dict(config_with(kind, table))
    again = ExperimentConfig.from_toml_string(cfg.to_toml())
    assert again == cfg and again.digest() == cfg.digest()


def test_chained_pre_aggregators_round_trip_in_order():
    table = config_with("aggregator", {"name": "cwmed", "pre": [{"name": "arc"}, {"name": "nnm"}]})
    cfg = ExperimentConfig.from_dict(table)
    assert cfg.aggregator.name == "cwmed o nnm o arc"
    assert ExperimentConfig.from_toml_string(cfg.to_toml()).aggregator == cfg.aggregator


@pytest.mark.parametrize("change,field,fragment", [
    ({"aggregator": {"name": "bulyan"}, "workers": {"n": 10, "f": 2}}, "workers.f", "needs n >= 4f + 3"),
    ({"aggregator": {"name": "krum"}, "workers": {"n": 6, "f": 2}}, "workers.f", "needs n >= 2f + 3"),
    ({"aggregator": {"name": "mda"}, "workers": {"n": 21, "f": 2}}, "workers.n", "needs n <= aggregator.max_n = 20"),
    ({"aggregator": {"name": "smea", "max_n": 12}, "workers": {"n": 13, "f": 2}}, "workers.n", "C(13, 2) = 78"),
    ({"aggregator": {"name": "multi_krum", "m": 12}}, "aggregator.m", "must be <= the number of inputs n = 11"),
    ({"aggregator": {"name": "cwtm", "pre": [{"name": "bucketing", "s": 3}]}, "workers": {"n": 11, "f": 2}},
     "workers.f", "(n = 4)"),
    ({"aggregator": {"name": "monna", "trusted": 11}}, "aggregator.trusted", "must be < the number of inputs"),
    ({"compressor": {"name": "permk"}, "problem": {"name": "quadratic", "d": 10}}, "problem.d", "divisible"),
    ({"compressor": {"name": "permk", "workers": 9}}, "compressor.workers", "must equal workers.n = 11"),
    ({"attack": {"name": "mimic", "index": 9}}, "attack.index", "must be < the number of honest workers"),
    ({"attack": {"name": "opt_alie", "low": 2.0, "high": 1.0}}, "attack.high", "must be > attack.low"),
    ({"compressor": {"name": "topk", "k": 10}}, "compressor.k", "must be <= d = 9"),
])
def test_preconditions_are_refused_naming_the_field(change, field, fragment):
    table = config_with("aggregator", {"name": "cwtm"})
    table.update({k: v for k, v in change.items() if k != "aggregator"})
    if "aggregator" in change:
        table["aggregator"] = change["aggregator"]
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(table)
    msg = str(info.value)
    assert msg.startswith(field) and fragment in msg, msg


def test_krum_variant_changes_the_precondition():
    table = config_with("aggregator", {"name": "krum", "variant": "byzfl"})
    table["workers"] = {"n": 6, "f": 2}  # 2f < n suffices for the n-f-1 variant, not for the paper's
    assert ExperimentConfig.from_dict(table).aggregator.agg.variant == "byzfl"
