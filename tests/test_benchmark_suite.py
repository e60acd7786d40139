"""The benchmark suite measures what it says: each per-run baseline (plain, lean lib, lean) is the same
algorithm as the engine (same streams, same final iterate), and the command writes its table and JSON.  No timing is
asserted (speed lives in benchmarks/, not in tests)."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from benchmarks import lean, lean_lib, plain
from benchmarks.__main__ import main
from benchmarks.suite import CASES, Case, QUAD

BASELINE_CASES = [c for c in CASES if c.plain]


@pytest.mark.parametrize("baseline", [plain, lean_lib], ids=["plain", "lean_lib"])
@pytest.mark.parametrize("case", BASELINE_CASES, ids=lambda c: c.key)
def test_library_style_baselines_end_at_the_engine_iterate(case, baseline):
    small = dataclasses.replace(case, problem={**case.problem, "d": min(case.d, 200)})
    assert baseline.check_agreement(small.config(10, "numpy", "float64", "cpu"), replicas=2, T=10) < 1e-12


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_lean_loop_ends_at_the_engine_iterate(case):
    """The lean per-run loop on the project's components is the engine's algorithm, every case."""
    small = dataclasses.replace(case, problem={**case.problem, "d": min(case.d, 200)} if "d" in case.problem else case.problem)
    assert lean.check_agreement(small.config(5, "numpy", "float64", "cpu"), replicas=2, T=5) < 1e-12


@pytest.mark.parametrize("baseline", [plain, lean_lib, lean], ids=["plain", "lean_lib", "lean"])
def test_a_different_algorithm_is_caught_by_the_agreement_check(baseline):
    """The check can fail: the baseline with another momentum is not the engine's run."""
    cfg = Case("x", "", {**QUAD, "d": 50}).config(10, "numpy", "float64", "cpu")
    other = cfg.replace(algorithm=dataclasses.replace(cfg.algorithm, beta=0.5))
    from sims import Job, run_batch

    ours = run_batch([Job(cfg, 0)]).final_x
    assert np.max(np.abs(baseline.run_all(other, 1) - ours)) > 1e-6


def test_the_command_prints_the_table_and_writes_json(tmp_path, capsys):
    main(["--quick", "--cases", "f", "--no-grid", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "cnn digits d=1490" in out and "vs plain" in out
    payload = json.loads((tmp_path / "bench_numpy_float64_quick.json").read_text())
    (row,) = payload["results"]
    assert row["case"] == "f" and row["d"] == 1490 and set(row["throughput"]) == {"batched", "batched x2", "engine/replica", "lean"}
    assert row["round_vs_rng_floor"] > 0 and set(row["speedup_vs_lean"]) == set(row["throughput"])
    assert row["rng_draws_seconds"] > 0 and row["round_vs_draws"] > 0  # the calls alone, without the selection
    assert "vs lean" in out and "vs floor" in out
    assert all(v > 0 for v in row["throughput"].values()) and row["peak_MB"] > 0


@pytest.mark.parametrize(("key", "d", "small"), [("e", 1_000_000, {"d": 1000}), ("g", 23_690, {"channels": 2})])
def test_the_cuda_cases_are_wired_and_their_device_streams_run_on_cpu_torch(key, d, small):
    """Cases e and g (no GPU here): their configs ask for device streams on CUDA; the same case,
    small, runs with those streams on CPU torch, in float32 end to end."""
    pytest.importorskip("torch")
    from sims import Job, run_batch

    from benchmarks.suite import CUDA_CASES

    (case,) = [c for c in CUDA_CASES if c.key == key]
    cfg = case.config(3, "torch", "float32", "cuda")
    assert (cfg.run.rng, cfg.run.device, case.d, case.R) == ("device", "cuda", d, 16)
    tiny = dataclasses.replace(case, problem={**case.problem, **small}, R=4)
    on_cpu = tiny.config(3, "torch", "float32", "cpu")
    on_cpu = on_cpu.replace(run=dataclasses.replace(on_cpu.run, rng="device"))
    res = run_batch([Job(on_cpu, r) for r in range(tiny.R)])
    assert res.final_x.dtype == np.float32 and np.all(np.isfinite(res.final_x))
    assert not np.array_equal(res.final_x[0], res.final_x[1])  # replicas draw their own streams


def test_the_table_reports_each_baseline_ratio_of_its_own_row():
    """Each 'vs' column divides the batched throughput by its own way (lean lib is not lean)."""
    from benchmarks.__main__ import table

    tp = {"batched": 600.0, "batched x2": 900.0, "engine/replica": 500.0, "lean": 400.0, "lean lib": 300.0, "plain": 200.0}
    row = {"case": "a", "title": "t", "T": 10, "chunk": 1, "timed_R": 4, "throughput": tp,
           "round_vs_draws": 1.5, "round_vs_rng_floor": 1.2, "round_vs_numpy_floor": 0.6, "roofline": 3.0, "peak_MB": 1.0,
           **{f"speedup_vs_{k}": {w: v / tp[w2] for w, v in tp.items()}
              for k, w2 in (("lean", "lean"), ("lean_lib", "lean lib"), ("plain", "plain"), ("engine_replica", "engine/replica"))}}
    head, _, line = table([row]).splitlines()
    cells = dict(zip(["vs lean", "vs lean lib", "vs plain"], line.split()[-10:-7]))
    assert "vs lean lib" in head and cells == {"vs lean": "1.50x", "vs lean lib": "2.00x", "vs plain": "3.00x"}
    assert line.split()[-5:-2] == ["1.50x", "1.20x", "0.60x"] and "vs np floor" in head  # the three floors


def test_the_draws_floor_replays_exactly_the_generator_calls_of_a_round():
    """After one logged round and one replay of its calls, every generator stands where two rounds
    of the components' draws leave it: the log misses no call and adds none (a draw method left out
    of GENERATOR_CALLS, or one logged twice, moves a generator elsewhere)."""
    from sims.backend import Backend
    from sims.rng import ReplicaStreams

    cfg = CASES[0].config(5, "numpy", "float64", "cpu")
    backend = Backend("numpy")
    problem, compressor, _, _ = lean._components(cfg, backend)
    plain_streams, logged = ReplicaStreams([0] * 3, range(3)), lean._CallLog([0] * 3, range(3))
    logged.calls = []
    for _ in range(2):
        problem.draw(plain_streams), compressor.draw_shared(plain_streams, problem.d, backend)
    problem.draw(logged), compressor.draw_shared(logged, problem.d, backend)
    assert [(m.__name__, p) for m, p, _ in logged.calls] == [("normal_into", "oracle"), ("uniform", "shared")]
    for method, purpose, args in list(logged.calls):
        method(logged, purpose, *args)
    for purpose in ("oracle", "shared"):
        assert [g.bit_generator.state for g in logged.generators(purpose)] == \
            [g.bit_generator.state for g in plain_streams.generators(purpose)]


def test_a_float32_measurement_times_the_float64_run_beside_it():
    """The float32 / float64 ratio comes from one interleaved loop, and the float64 way stays out
    of the float32 row's throughputs; every floor is reported with its ratio."""
    from benchmarks.suite import measure

    tiny = Case("t", "tiny", {**QUAD, "d": 20}, R=4, T=(5, 5), sub=(2, 2), threads=(1,))
    row = measure(tiny, quick=True, backend="numpy", dtype="float32", device="cpu", bandwidth=1e10)
    assert set(row["throughput"]) == {"batched", "engine/replica", "lean", "lean lib", "plain"}
    assert row["float32_vs_float64"] > 0
    assert all(row[k] > 0 for k in ("round_vs_draws", "round_vs_rng_floor", "round_vs_numpy_floor"))
