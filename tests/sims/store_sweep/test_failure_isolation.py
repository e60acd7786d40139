"""A batch with one failing point stores the others and records the failure; the CLI turns interrupts,
missing files and closed pipes into one line."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from sims.cli import main
from sims.store import Store
from sims.sweep import Sweep, SweepFailed

from store_sweep_helpers import BASE, stored_records, tiny_sweep

# CAF's eigendecomposition does not converge under a 1e200 large-norm attack (numpy LinAlgError, raised
# for the whole stacked batch); attack.scale is batched, so both points share one batch
CAF = {**BASE, "algorithm": {**BASE["algorithm"], "lr": 0.1}, "aggregator": {"name": "caf"},
       "attack": {"name": "large_norm"}, "run": {**BASE["run"], "T": 10}}


def caf_sweep(scales, fs=(1,)) -> Sweep:
    return Sweep(CAF, {"attack.scale": scales, "workers.f": list(fs)}, name="caf")


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_a_batch_with_one_failing_point_stores_the_others(tmp_path, executor):
    fs = (1, 2)  # two batch keys: two tasks, run by two worker processes under "local"
    with Store(tmp_path / "mixed.sqlite") as store:
        with pytest.raises(SweepFailed) as info:
            caf_sweep([1.0, 1e200], fs).run(store, executor=executor, workers=2, progress=False)
        assert info.value.report.computed == 4 and len(info.value.report.failures) == 4
        mixed = stored_records(store)
        failed = store.failures()
    with Store(tmp_path / "alone.sqlite") as store:
        caf_sweep([1.0], fs).run(store, executor="serial", progress=False)
        alone = stored_records(store)
    assert mixed.keys() == alone.keys() and len(alone) == 4  # the sane points' replicas, nothing else
    assert all(np.array_equal(mixed[k], alone[k]) for k in alone)  # the numbers they have alone
    bad = {p.digest for p in caf_sweep([1e200], fs).points()}
    assert sorted(zip(failed.digest, failed.replica)) == sorted((d, r) for d in bad for r in (0, 1))
    assert all(e.startswith("LinAlgError: ") for e in failed.error)


def test_sweep_reports_the_failed_replicas_and_results_lists_them(tmp_path, capsys):
    path, db = tmp_path / "caf.toml", str(tmp_path / "r.sqlite")
    path.write_text(caf_sweep([1.0, 1e200]).to_toml())
    assert main(["sweep", str(path), "--store", db, "--executor", "serial", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "2 computed" in err and "2 failed (LinAlgError" in err and err.count("  failed: replica") == 2
    assert main(["results", "--store", db, "--failed"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 failed replicas" and all("aggregator.name=caf" in o and "LinAlgError" in o for o in out[:2])
    with Store(db) as store:  # a replica stored later is no longer listed as failed
        store.put_failure(caf_sweep([1.0]).points()[0].config, 0, RuntimeError("stale"))
        assert len(store.failures()) == 3
        runs = list(store.runs())
        from sims.store import StoredRun

        store.put([StoredRun(r.digest, r.replica, r.seed, "{}", r.columns, r.records, r.final_x, r.diverged_round, 0.0)
                   for r in runs])
        assert len(store.failures()) == 2


def test_ctrl_c_during_a_sweep_prints_how_much_is_stored(tmp_path, capsys, monkeypatch):
    import sims.sweep as sweep_module

    real, calls = sweep_module.execute, []

    def interrupted_at_the_second_task(task):
        calls.append(task)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(sweep_module, "execute", interrupted_at_the_second_task)
    path, db = tmp_path / "tiny.toml", str(tmp_path / "r.sqlite")
    path.write_text(tiny_sweep().to_toml())  # 4 batches of 6 runs
    assert main(["sweep", str(path), "--store", db, "--executor", "serial", "--no-progress"]) == 130
    assert capsys.readouterr().err == "interrupted, 6 of 24 stored\n"
    with Store(db) as store:
        assert store.count() == 6


def test_missing_files_are_one_line(tmp_path, capsys):
    for argv in (["run", str(tmp_path / "nope.toml")], ["sweep", str(tmp_path / "nope.toml")],
                 ["results", "--store", str(tmp_path / "nope.sqlite")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "nope" in err, argv


def test_a_closed_pipe_ends_quietly(tmp_path):
    db = tmp_path / "r.sqlite"
    tiny_sweep().run(db, executor="serial", progress=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-m", "sims.cli", "results", "--store", str(db), "--records"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    child.stdout.close()  # `| head` that has already exited
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141 and err == ""
