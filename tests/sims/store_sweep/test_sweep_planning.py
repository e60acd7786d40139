"""Sweeps: grid expansion, TOML form, validation, the planner, skipping what is stored, reductions."""
from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sims import ConfigError
from sims.sweep import Sweep, plan
from sims.reductions import best_step_size, restrict, rounds_to_target, seed_stats, worst_case

from store_sweep_helpers import BASE, computation_counts, tiny_sweep

EXAMPLES = Path(__file__).parents[3] / "examples" / "sweeps"


def test_the_grid_is_a_cartesian_product_applied_over_the_base():
    sweep = tiny_sweep()
    points = sweep.points()
    assert len(points) == 12 and sweep.keys == ["algorithm.lr", "attack", "workers.f"]
    coords = {tuple(p.coords.values()) for p in points}
    assert (0.03, "sign_flip", 2) in coords
    p = next(p for p in points if p.coords == {"algorithm.lr": 0.03, "attack": "sign_flip", "workers.f": 2})
    assert p.config.algorithm.lr == 0.03 and p.config.attack.name == "sign_flip" and p.config.workers.f == 2
    assert p.config.algorithm.beta == 0.5 and p.config.workers.n == 8  # the rest comes from the base
    assert len(sweep.jobs()) == 24


def test_lists_in_the_base_config_are_refused_with_the_key_named():
    with pytest.raises(ConfigError, match=r"base\.algorithm\.lr .*lists belong in \[grid\]"):
        Sweep({**BASE, "algorithm": {"name": "robust_dshb", "lr": [0.1, 0.2]}}, {})
    Sweep({**BASE, "algorithm": {"name": "robust_dshb"}, "aggregator": {"name": "cwtm", "pre": []}}, {})  # allowed


def test_a_bad_grid_value_names_the_point_field_and_allowed_values():
    with pytest.raises(ConfigError, match=r"sweep point \[workers\.f=9\]: workers\.f = 9: must be < workers\.n = 8"):
        Sweep({**BASE, "algorithm": {"name": "robust_dshb"}}, {"workers.f": [1, 9]}).points()
    with pytest.raises(ConfigError, match="grid.algorithm.lr"):
        Sweep(BASE, {"algorithm.lr": []})
    with pytest.raises(ConfigError, match="must start with one of"):
        Sweep(BASE, {"algo.lr": [0.1]})


def test_an_axis_named_like_a_result_column_is_refused():
    # the results table would hold two "participation" columns (the metric and the axis)
    bundle = [{"label": "C=4", "algorithm.lr": 0.1}]
    with pytest.raises(ConfigError, match=r"grid\.participation .*named like a result column"):
        Sweep(BASE, {"participation": bundle})
    assert Sweep(BASE, {"clients": bundle}).keys == ["clients"]


def test_toml_dotted_keys_nest_and_are_flattened_back(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[base]\nproblem = {name = "quadratic", d = 4}\nalgorithm = {name = "robust_dgd"}\n'
                    'workers = {n = 5}\n[grid]\nworkers.f = [0, 1]\n"algorithm.lr" = [0.1]\n')
    sweep = Sweep.from_toml(path)
    assert sweep.name == "s" and set(sweep.grid) == {"workers.f", "algorithm.lr"}
    again = Sweep.from_dict(tomllib.loads(sweep.to_toml()))
    assert [p.digest for p in again.points()] == [p.digest for p in sweep.points()]


def test_variants_move_several_keys_together():
    sweep = Sweep.from_toml(EXAMPLES / "compressors_bits.toml")
    points = sweep.points()
    assert sweep.keys == ["variant", "algorithm.lr"] and len(points) == 6
    by_label = {p.coords["variant"]: p.config.compressor for p in points}
    assert by_label["Rand-K, shared mask (k/d = 0.1)"].name == "coordinated_randk"
    assert by_label["no compression"].name == "identity"


@pytest.mark.parametrize("name", ["dshb_lr_attacks.toml", "compressors_bits.toml"])
def test_example_sweeps_are_valid(name):
    assert len(Sweep.from_toml(EXAMPLES / name).points()) > 1


def test_the_planner_batches_by_shape_and_respects_the_batch_size():
    jobs = tiny_sweep().jobs()
    tasks = plan(jobs)
    assert len(tasks) == 4  # (attack, f) are shapes; lr and seed vary inside a batch
    assert sorted(len(t) for t in tasks) == [6, 6, 6, 6]
    for t in tasks:
        assert len({j.config.batch_key() for j in t.jobs}) == 1
    small = plan(jobs, batch_size=4)
    assert max(len(t) for t in small) == 4 and sum(len(t) for t in small) == 24
    with pytest.raises(ConfigError):
        plan(jobs, batch_size=0)


def test_a_rerun_skips_every_stored_point(store):
    sweep = tiny_sweep()
    first = sweep.run(store, executor="serial", progress=False)
    assert (first.computed, first.already_stored) == (24, 0)
    second = sweep.run(store, executor="serial", progress=False)
    assert (second.computed, second.already_stored) == (24 - 24, 24)
    assert set(computation_counts(store).values()) == {1} and store.count() == 24
    bigger = tiny_sweep(seeds=3)  # one more seed per point: only those are computed
    assert bigger.run(store, executor="serial", progress=False).computed == 12


def test_loaded_frames_carry_the_coordinates_and_full_precision(store):
    sweep = tiny_sweep()
    sweep.run(store, executor="serial", progress=False)
    summary = sweep.load(store)
    assert len(summary) == 24 and summary.attrs["keys"] == sweep.keys
    assert {"algorithm.lr", "attack", "attack.name", "workers.f", "grad_sq", "diverged"} <= set(summary.columns)
    records = sweep.load(store, records=True, query="algorithm.lr == 0.3 and attack.name == 'alie'")
    assert set(records["round"]) == {0, 5, 10, 15, 20} and len(records) == 2 * 2 * 5
    last = records[records["round"] == 20].sort_values(["workers.f", "replica"]).grad_sq.to_numpy()
    same = summary.query("`algorithm.lr` == 0.3 and attack == 'alie'").sort_values(["workers.f", "replica"])
    assert np.array_equal(last, same.grad_sq.to_numpy())


def frame(values: dict) -> pd.DataFrame:
    """A tidy summary frame: (lr, attack) -> metric per seed."""
    rows = [{"algorithm.lr": lr, "attack": a, "replica": r, "m": v}
            for (lr, a), vs in values.items() for r, v in enumerate(vs)]
    out = pd.DataFrame(rows)
    out.attrs["keys"] = ["algorithm.lr", "attack"]
    return out


def test_worst_case_and_best_step_size_follow_byzfl_tuning():
    # lr 0.1 is best on average but terrible under ipm; lr 0.01 has the best worst case
    f = frame({(0.1, "alie"): [0.1, 0.1], (0.1, "ipm"): [5.0, 5.0],
               (0.01, "alie"): [1.0, 1.0], (0.01, "ipm"): [1.2, 1.4],
               (1.0, "alie"): [np.nan, 0.1], (1.0, "ipm"): [0.01, 0.01]})  # lr 1 diverged once: worst
    worst = worst_case(f, "m", over="attack").set_index("algorithm.lr")
    assert worst.loc[0.1, "worst_attack"] == "ipm" and worst.loc[0.01, "m"] == pytest.approx(1.3)
    assert np.isinf(worst.loc[1.0, "m"])
    best = best_step_size(f, "m", param="algorithm.lr", against="attack")
    assert best["algorithm.lr"].tolist() == [0.01]
    mean_best = f.groupby("algorithm.lr").m.mean().idxmin()
    assert mean_best != 0.01  # the must-fail twin: tuning on the average picks another step size
    chosen = restrict(f, best)
    assert set(chosen["algorithm.lr"]) == {0.01} and set(chosen.attack) == {"alie", "ipm"}


def test_seed_stats_give_a_t_interval_that_contains_the_mean():
    f = frame({(0.1, "alie"): [1.0, 2.0, 3.0]})
    s = seed_stats(f, "m").iloc[0]
    assert s["mean"] == 2.0 and s["lo"] < 2.0 < s["hi"] and s["n"] == 3
    assert s["hi"] - s["mean"] == pytest.approx(4.302653 * 1.0 / np.sqrt(3), rel=1e-6)  # t_{0.975, 2}
    g = seed_stats(f, "m", log=True).iloc[0]
    assert g["mean"] == pytest.approx(6 ** (1 / 3))  # geometric mean


def test_rounds_to_target_counts_no_hit_as_cap_plus_one():
    rec = pd.DataFrame({"p": ["a"] * 4 + ["b"] * 4, "replica": 0, "round": [0, 10, 20, 30] * 2,
                        "m": [1.0, 0.5, 0.05, 0.01, 1.0, 0.9, 0.8, 0.7]})
    rec.attrs["keys"] = ["p"]
    out = rounds_to_target(rec, "m", 0.1, cap=30).set_index("p")
    assert out.loc["a", "rounds"] == 20 and out.loc["a", "hit"]
    assert out.loc["b", "rounds"] == 31 and not out.loc["b", "hit"]


def test_a_bundle_axis_moves_keys_together_and_labels_the_points(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text('[base]\nproblem = {name = "quadratic", d = 4}\nalgorithm = {name = "robust_dgd"}\n'
                    'attack = {name = "alie"}\nworkers = {n = 6, f = 1}\n[grid]\n"algorithm.lr" = [0.1, 0.2]\n'
                    '[[grid.method]]\nlabel = "mean, f = 0"\n"aggregator.name" = "mean"\n"workers.f" = 0\n'
                    '[[grid.method]]\nlabel = "CWTM, f = 1"\naggregator = {name = "cwtm"}\n')
    sweep = Sweep.from_toml(path)
    assert sweep.keys == ["algorithm.lr", "method"]
    got = {(p.coords["method"], p.config.aggregator.name, p.config.workers.f) for p in sweep.points()}
    assert got == {("mean, f = 0", "mean", 0), ("CWTM, f = 1", "cwtm", 1)}
    with pytest.raises(ConfigError, match="distinct"):
        Sweep(BASE, {"method": [{"label": "a", "workers.f": 1}, {"label": "a", "workers.f": 2}]})
