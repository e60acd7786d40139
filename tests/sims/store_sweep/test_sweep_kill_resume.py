"""A real ``byzcomp sweep`` subprocess killed with SIGKILL halfway, then rerun: every point is computed
(and stored) exactly once; a local worker that dies mid-task is retried."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from functools import partial

import pytest

from sims.executors import ProcessExecutor, SerialExecutor, WorkerLost, make_executor
from sims.store import Store

from store_sweep_helpers import computation_counts, die_always, die_once, fail_on_three, tiny_sweep


def sweep_cmd(path, db, *extra):
    return [sys.executable, "-m", "sims.cli", "sweep", str(path), "--store", str(db), "--no-progress", *extra]


def test_sigkill_halfway_then_rerun_computes_every_point_exactly_once(tmp_path):
    sweep = tiny_sweep(T=800, seeds=1, d=12)  # 12 runs of about 0.1 s each, one per batch
    path = tmp_path / "tiny.toml"
    path.write_text(sweep.to_toml())
    db = tmp_path / "results.sqlite"
    Store(db).close()
    proc = subprocess.Popen(sweep_cmd(path, db, "--workers", "1", "--batch-size", "1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        with Store(db) as watch:
            while watch.count() < 3 and proc.poll() is None:
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            stored_at_kill = watch.count()
    finally:
        if proc.poll() is None:  # pragma: no cover - cleanup only
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert 3 <= stored_at_kill < 12, "the kill must land halfway"
    rerun = subprocess.run(sweep_cmd(path, db, "--workers", "2", "--batch-size", "1"),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{stored_at_kill} already stored, {12 - stored_at_kill} computed" in rerun.stdout
    with Store(db) as s:
        assert s.count() == 12
        counts = computation_counts(s)
        assert len(counts) == 12 and set(counts.values()) == {1}  # computed exactly once, none twice
        keys = {(p.digest, 0) for p in sweep.points()}
        assert s.stored_keys() == keys


def test_a_local_worker_killed_mid_task_is_retried_not_lost(tmp_path):
    with ProcessExecutor(2, retries=2) as pool:
        outcomes = list(pool.map(partial(die_once, str(tmp_path)), [0, 1, 2]))
    assert sorted((o.index, o.value, o.error) for o in outcomes) == [(0, 0, None), (1, 10, None), (2, 20, None)]
    assert len((tmp_path / "ran-0").read_text().split()) == 2  # task 0 ran twice: killed, then retried


def test_a_worker_that_always_dies_is_reported_after_the_retries():
    with ProcessExecutor(1, retries=1) as pool:
        outcomes = list(pool.map(die_always, [5]))
    assert len(outcomes) == 1 and isinstance(outcomes[0].error, WorkerLost)


def test_task_errors_are_reported_not_retried():
    for ex in (SerialExecutor(), ProcessExecutor(2)):
        with ex:
            outcomes = sorted(ex.map(fail_on_three, [1, 3]), key=lambda o: o.index)
        assert outcomes[0].value == 1 and isinstance(outcomes[1].error, ValueError)


def test_make_executor_chooses_and_validates():
    assert isinstance(make_executor("local", workers=4, tasks=1), SerialExecutor)
    assert isinstance(make_executor("local", workers=2, tasks=5), ProcessExecutor)
    from sims import ConfigError

    with pytest.raises(ConfigError, match="executor"):
        make_executor("spark://x")
    with pytest.raises(ConfigError, match="workers"):
        make_executor("local", workers=0)
