"""The same sweep on this process, on local worker processes and on a Dask LocalCluster stores
identical results; a Dask worker killed mid-task leads to a retry, not a lost or duplicated result."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sims.store import Store

from store_sweep_helpers import computation_counts, stored_records, tiny_sweep

distributed = pytest.importorskip("distributed")


def assert_identical(a: dict, b: dict):
    assert a.keys() == b.keys() and len(a) > 0
    for key in a:
        assert np.array_equal(a[key], b[key], equal_nan=True), key


def test_serial_local_and_dask_store_identical_results(tmp_path):
    sweep = tiny_sweep()
    stores = {}
    for name, executor in [("serial", "serial"), ("local", "local")]:
        with Store(tmp_path / f"{name}.sqlite") as s:
            sweep.run(s, executor=executor, workers=2, progress=False)
            stores[name] = stored_records(s)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, Store(tmp_path / "dask.sqlite") as s:
        report = sweep.run(s, executor=client, progress=False)
        assert report.computed == 24
        stores["dask"] = stored_records(s)
    assert_identical(stores["serial"], stores["local"])
    assert_identical(stores["serial"], stores["dask"])


def _executing(dask_worker):
    return os.getpid(), len(dask_worker.state.executing)


def test_a_dask_worker_killed_mid_task_is_retried_and_nothing_is_duplicated(tmp_path):
    sweep = tiny_sweep(T=1500, seeds=1, d=12, grid={"algorithm.lr": [0.3, 0.1, 0.03], "workers.f": [1, 2]})
    path = tmp_path / "s.toml"
    path.write_text(sweep.to_toml())
    db = tmp_path / "results.sqlite"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        proc = subprocess.Popen([sys.executable, "-m", "sims.cli", "sweep", str(path), "--store", str(db),
                                 "--executor", address, "--batch-size", "1", "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline and proc.poll() is None:
            busy = [pid for pid, n in client.run(_executing).values() if n > 0]
            if busy:
                victim = busy[0]
                os.kill(victim, signal.SIGKILL)  # mid-task
            time.sleep(0.05)
        out, err = proc.communicate(timeout=120)
        assert victim is not None, "no worker was caught executing a task"
        assert proc.returncode == 0, err
        assert victim not in [pid for pid, _ in client.run(_executing).values()]  # it really died
    assert "6 computed" in out
    with Store(db) as s:
        assert s.count() == 6
        counts = computation_counts(s)
        assert len(counts) == 6 and set(counts.values()) == {1}
