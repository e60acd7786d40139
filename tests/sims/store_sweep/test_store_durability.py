"""The SQLite store: full float64, idempotent inserts, a computation log, parallel writers, versions."""
from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from sims import Job, run_batch
from sims.store import Store, normalized, pack, point_digest

from store_sweep_helpers import one_config as config


def test_results_come_back_bit_for_bit_in_float64(store):
    result = run_batch([Job(config(), 0), Job(config(), 1)])
    assert store.put(pack(result)) == 2
    back = {r.replica: r for r in store.runs()}
    for replica in (0, 1):
        mine = result.records[result.records.replica == replica]
        stored = back[replica]
        col = stored.columns.index("grad_sq")
        assert stored.records.dtype == np.float64
        assert np.array_equal(stored.records[:, col], mine["grad_sq"].to_numpy())  # not rounded, not cast
        assert np.array_equal(stored.final_x, result.final_x[replica])


def test_the_key_ignores_seed_count_progress_and_title_but_not_the_run():
    a = config(seeds=4, progress=True)
    assert point_digest(a) == point_digest(config(seeds=1)) == point_digest(a.replace(title="x"))
    assert point_digest(a) != point_digest(config(T=21))
    assert point_digest(a) != point_digest(config(seed=1))
    assert normalized(a).run.seeds == 1


def test_a_second_delivery_is_logged_but_not_stored_twice(store):
    runs = pack(run_batch([Job(config(), 0)]))
    assert store.put(runs) == 1
    assert store.put(runs) == 0
    assert store.count("results") == 1
    log = store.computations()
    assert list(log.inserted) == [1, 0] and len(log) == 2


def test_missing_keeps_order_drops_duplicates_and_stored_keys(store):
    cfg = config()
    store.put(pack(run_batch([Job(cfg, 1)])))
    d = point_digest(cfg)
    assert store.missing([(d, 0), (d, 1), (d, 2), (d, 0)]) == [(d, 0), (d, 2)]


def test_another_package_version_does_not_reuse_results(tmp_path):
    runs = pack(run_batch([Job(config(), 0)]))
    with Store(tmp_path / "s.sqlite", version="1.0") as old:
        old.put(runs)
    with Store(tmp_path / "s.sqlite", version="2.0") as new:
        assert new.missing([runs[0].key]) == [runs[0].key]
        assert len(list(new.runs())) == 0 and len(list(new.runs(version="all"))) == 1


def _writer(path, seeds, barrier):
    runs = pack(run_batch([Job(config(), r) for r in seeds]))
    barrier.wait()
    with Store(path) as s:
        for run in runs:  # one transaction per run: many interleaved writes
            s.put([run])


def test_parallel_writers_neither_fail_nor_duplicate(tmp_path):
    path = tmp_path / "shared.sqlite"
    Store(path).close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    overlapping = [range(0, 6), range(3, 9), range(0, 9), range(6, 9)]
    procs = [ctx.Process(target=_writer, args=(path, list(s), barrier)) for s in overlapping]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with Store(path) as s:
        assert s.count("results") == 9  # replicas 0..8, each once
        log = s.computations()
        assert len(log) == sum(len(x) for x in overlapping)
        assert (log.groupby(["digest", "replica"]).inserted.sum() == 1).all()


def test_the_store_runs_in_wal_mode_with_a_busy_timeout(store):
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000


def test_only_known_tables_can_be_counted(store):
    with pytest.raises(ValueError):
        store.count("sqlite_master; DROP TABLE results")
