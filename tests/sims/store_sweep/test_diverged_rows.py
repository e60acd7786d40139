"""A diverged replica stores the same rows, and reduces to the same mean / n_diverged, whether it ran
alone, in a batch that diverged as a whole, or in a batch with healthy replicas."""
from __future__ import annotations

import numpy as np

from sims.reductions import seed_stats
from sims.store import Store

from store_sweep_helpers import tiny_sweep

DIVERGING = 60.0  # step size on the tiny quadratic: explodes within a few rounds


def stored(tmp_path, name, grid, batch_size):
    sweep = tiny_sweep(T=20, seeds=2, grid=grid)
    with Store(tmp_path / f"{name}.sqlite") as store:
        sweep.run(store, executor="serial", batch_size=batch_size, progress=False)
        runs = {(r.digest, r.replica): r for r in store.runs()}
        frame = tiny_sweep(T=20, seeds=2, grid={"algorithm.lr": [DIVERGING]}).load(store)
    return runs, frame


def test_a_diverging_point_stores_identical_rows_alone_and_inside_a_batch(tmp_path):
    mixed = {"algorithm.lr": [0.1, DIVERGING, 0.03]}
    alone, alone_frame = stored(tmp_path, "alone", mixed, batch_size=1)  # every replica in a batch of its own
    batched, batched_frame = stored(tmp_path, "batched", mixed, batch_size=64)  # one batch: 2 diverge, 4 do not
    whole, whole_frame = stored(tmp_path, "whole", {"algorithm.lr": [DIVERGING]}, batch_size=64)  # all diverge
    assert set(whole) < set(alone) == set(batched)
    diverged = [k for k, r in batched.items() if r.diverged_round >= 0]
    assert set(diverged) == set(whole) and len(diverged) == 2  # the case under test, healthy ones beside it
    for key in alone:
        assert alone[key].columns == batched[key].columns
        assert alone[key].records.tobytes() == batched[key].records.tobytes(), key  # bit for bit, NaN included
        assert alone[key].diverged_round == batched[key].diverged_round
    for key in whole:
        assert whole[key].records.tobytes() == batched[key].records.tobytes(), key
    # the convention: a row at every recorded round; NaN metrics and frozen totals after the divergence
    run = batched[diverged[0]]
    rec = dict(zip(run.columns, run.records.T))
    assert list(rec["round"]) == [0, 5, 10, 15, 20]
    after = rec["round"] >= run.diverged_round
    assert np.isnan(rec["grad_sq"][after]).all() and np.isfinite(rec["grad_sq"][~after]).all()
    assert (rec["diverged"] == after).all() and len(set(rec["bits_up"][after])) == 1

    stats = [seed_stats(f, "grad_sq", by=["algorithm.lr"]) for f in (alone_frame, batched_frame, whole_frame)]
    for s in stats:
        assert s["n_diverged"].tolist() == [2] and np.isnan(s["mean"]).all()
        assert s.equals(stats[0])
