"""Every config error is one line: each shipped example (experiment configs and sweeps) with one field
mutated at a time (wrong type, NaN, inf, negative, zero, huge, empty, list, table, unknown key or name)
either validates or raises a one-line ConfigError naming that field -- never another exception.

The mutations of a field that can never be valid (a string where a number goes, NaN, inf, a list, a
table, a bool, an unknown key or name) must raise, naming the field; a negative, zero, huge or empty
value may be valid (a shift can be negative, ``aggregator.pre = []`` is no pre-aggregator).  Nothing
runs: the configs are only validated (``ExperimentConfig.from_dict``, ``Sweep.from_dict(...).points()``).
"""
from __future__ import annotations

import copy
import dataclasses
import math
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sims import ExperimentConfig
from sims.config import RunSpec, WorkersSpec
from sims.errors import ConfigError
from sims.registry import lookup
from sims.sweep import Sweep

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parents[3] / "examples"
EXAMPLES = sorted(ROOT.glob("*.toml")) + sorted((ROOT / "sweeps").glob("*.toml"))
ALWAYS_INVALID = ("text", "bool", "nan", "inf", "-inf", "list", "table", "unknown key")
KIND_OF = {"problem": "problem", "algorithm": "algorithm", "aggregator": "aggregator", "attack": "attack",
           "compressor": "compressor"}
FIXED = {"workers": WorkersSpec, "run": RunSpec}


def is_sweep(path: Path) -> bool:
    return path.parent.name == "sweeps"


def validate(table: dict, sweep: bool) -> None:
    if sweep:
        Sweep.from_dict(table).points()
    else:
        ExperimentConfig.from_dict(table)


def leaves(table, path=()):
    """(path, value) of every key of a nested table, lists of tables included (index in the path)."""
    for key, value in table.items():
        yield path + (key,), value
        if isinstance(value, dict):
            yield from leaves(value, path + (key,))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                yield path + (key, i), v
                yield from leaves(v, path + (key, i))


def defaults(table, path=()):
    """(path, default) of the component fields an example leaves out (they are mutated too)."""
    for section, value in table.items():
        if section == "base" and isinstance(value, dict):
            yield from defaults(value, path + ("base",))
        spec = FIXED.get(section) if isinstance(value, dict) else None
        if section in KIND_OF and isinstance(value, dict) and "name" in value:
            spec = lookup(KIND_OF[section], value["name"])
        for f in dataclasses.fields(spec) if spec else ():
            if f.name not in value and not isinstance(f.default, dataclasses._MISSING_TYPE):
                yield path + (section, f.name), f.default


def field_name(path: tuple, sweep: bool) -> str:
    """The config field a mutation at ``path`` changes, as errors name it (``aggregator.pre[0].s``)."""
    if sweep:
        if len(path) == 1 or path[0] == "variants" and len(path) == 2:
            return ""  # a whole [base], [grid], [[variants]] entry: its errors name what is inside it
        if path[0] == "grid":
            path = tuple(p for p in path[1:] if not isinstance(p, int))
        else:
            path = path[2:] if path[0] == "variants" else path[1:]
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + p
    return out


def mutations(orig):
    """(kind, value) pairs for one field holding ``orig``."""
    yield "text", 7 if isinstance(orig, str) else "no-such-value"
    yield "bool", "yes" if isinstance(orig, bool) else True
    yield from (("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf))
    yield "list", [orig, orig]
    yield "table", {"value": orig}
    yield "negative", -1 if isinstance(orig, int) else -2.5
    yield "zero", 0
    yield "huge", 10**12 if isinstance(orig, int) else 1e300
    yield "empty", {} if isinstance(orig, dict) else [] if isinstance(orig, list) else ""


def node_at(table, path):
    for key in path:
        table = table[key]
    return table


def with_value(table, path, value):
    out = copy.deepcopy(table)
    node_at(out, path[:-1])[path[-1]] = value
    return out


def overridden(table, path) -> bool:
    """A sweep's base field that a grid axis sets in every point (its base value is never used)."""
    dotted = ".".join(map(str, path[1:]))
    return path[0] == "base" and any(dotted == k or dotted.startswith(k + ".") for k in Sweep.from_dict(table).grid)


def cases():
    """Every (example, mutated table, field, kind) of the shipped examples."""
    for example in EXAMPLES:
        table, sweep = tomllib.loads(example.read_text()), is_sweep(example)
        fields = list(leaves(table)) + list(defaults(table))
        for path, orig in fields:
            if overridden(table, path):
                continue
            for kind, value in mutations(orig):
                if path[-1] == "label" and kind == "text":
                    kind = "number label"  # a coordinate may be a number
                yield example, with_value(table, path, value), field_name(path, sweep), kind, sweep
        for path, node in [((), table)] + [(p, v) for p, v in leaves(table) if isinstance(v, dict)]:
            bogus = path + ("bogus_key",)
            yield example, with_value(table, bogus, 1), field_name(bogus, sweep), "unknown key", sweep
        for path, value in leaves(table):
            if path[-1] == "name" and isinstance(value, str) and path != ("name",):
                unknown = with_value(table, path, "no_such_component")
                yield example, unknown, field_name(path, sweep), "unknown name", sweep


def check(table, field, kind, sweep) -> bool:
    """Validate one mutated table: True if it was refused, asserting the refusal is a one-line
    ConfigError naming ``field`` (or, for a value that may be valid, one that names it in its text)."""
    try:
        validate(table, sweep)
    except ConfigError as exc:
        assert "\n" not in str(exc), str(exc)
        if kind in ALWAYS_INVALID + ("unknown name",):
            assert field in exc.field, (field, kind, str(exc))
        else:
            assert field.split(".")[-1].split("[")[0] in str(exc), (field, kind, str(exc))
        return True
    assert kind not in ALWAYS_INVALID + ("unknown name",), f"{field} = {kind} was accepted"
    return False


def test_every_single_field_mutation_of_every_example_is_one_named_line():
    refused = total = 0
    for example, table, field, kind, sweep in cases():
        total += 1
        refused += check(table, field, kind, sweep)
    assert total >= 2000 and refused >= 0.8 * total, (total, refused)
    assert len(EXAMPLES) >= 22 and any(is_sweep(e) for e in EXAMPLES)


# --- random values at random fields ------------------------------------------------------------------
FIELDS = [(example, tomllib.loads(example.read_text()), path, is_sweep(example))
          for example in EXAMPLES for path, _ in [*leaves(tomllib.loads(example.read_text())),
                                                   *defaults(tomllib.loads(example.read_text()))]]
VALUES = st.one_of(st.floats(), st.integers(), st.text(max_size=6), st.booleans(), st.none(),
                   st.lists(st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
                   st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def test_random_values_at_random_fields_are_valid_or_one_named_line():
    drawn = []

    @settings(max_examples=2500, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(FIELDS))), VALUES, st.booleans())
    def one(i, value, as_key):
        example, table, path, sweep = FIELDS[i]
        if as_key and isinstance(value, str) and value and isinstance(node_at(table, path[:-1]), dict):
            path, value = path[:-1] + (value,), 1  # a random key in the field's table
        drawn.append(path)
        try:
            validate(with_value(table, path, value), sweep)
        except ConfigError as exc:
            assert "\n" not in str(exc)

    one()
    assert len(drawn) >= 2000
