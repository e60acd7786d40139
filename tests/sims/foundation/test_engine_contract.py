"""The engine's contract: replica batch-invariance, numpy/torch equality, per-replica
hyper-parameters, divergence handling, reproducibility."""
from __future__ import annotations

import numpy as np
import pytest

from sims import ExperimentConfig, Job, run, run_batch
from sims.backend import Backend
from tests.conftest import assert_replicas_as_alone, requires_torch, small_config

NOISY = dict(
    problem={"name": "quadratic", "d": 8, "G": 1.0, "B": 0.5, "sigma": 0.3, "oracle": "finite_sum", "batch": 2},
    compressor={"name": "randk", "k": 3},
)


def test_replica_alone_equals_replica_in_batch_of_64():
    cfg = ExperimentConfig.from_dict(small_config(**NOISY, run={"seeds": 64, "T": 25}))
    assert_replicas_as_alone(cfg, (0, 17, 63))


def test_replicas_differ_and_reruns_repeat():
    cfg = ExperimentConfig.from_dict(small_config(**NOISY, run={"seeds": 3}))
    a, b = run(cfg), run(cfg)
    np.testing.assert_array_equal(a.final_x, b.final_x)
    assert not np.allclose(a.final_x[0], a.final_x[1])


@requires_torch
@pytest.mark.parametrize("compressor", [{"name": "randk", "k": 3}, {"name": "coordinated_randk", "k": 3}])
def test_numpy_and_torch_give_the_same_trajectory_in_float64(compressor):
    table = small_config(problem=NOISY["problem"], compressor=compressor, run={"seeds": 4})
    res_np = run(ExperimentConfig.from_dict(table))
    table["run"]["backend"] = "torch"
    res_t = run(ExperimentConfig.from_dict(table))
    np.testing.assert_allclose(res_t.final_x, res_np.final_x, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res_t.records.grad_sq, res_np.records.grad_sq, rtol=1e-10, atol=1e-14)


@requires_torch
def test_torch_float32_keeps_its_dtype():
    table = small_config(run={"backend": "torch", "dtype": "float32"})
    from sims.engine import build_setup, initial_point

    cfg = ExperimentConfig.from_dict(table)
    setup = build_setup([Job(cfg, 0)])
    state = cfg.algorithm.init(initial_point(setup, cfg), setup)
    state, _ = cfg.algorithm.step(state, setup)
    import torch

    assert state.x.dtype == torch.float32 and state.m.dtype == torch.float32


def test_per_replica_step_sizes_run_as_one_batch_and_match_single_runs():
    lrs = [0.05, 0.2, 0.4]
    cfgs = [ExperimentConfig.from_dict(small_config(algorithm={"lr": lr})) for lr in lrs]
    batch = run_batch([Job(c, 0) for c in cfgs])
    for i, c in enumerate(cfgs):
        np.testing.assert_array_equal(batch.final_x[i], run_batch([Job(c, 0)]).final_x[0])
    assert list(batch.summary["algorithm.lr"]) == lrs


def test_configs_that_differ_in_shape_cannot_share_a_batch():
    a = ExperimentConfig.from_dict(small_config())
    b = ExperimentConfig.from_dict(small_config(workers={"n": 12}))
    with pytest.raises(ValueError, match="share every non-batched field"):
        run_batch([Job(a, 0), Job(b, 0)])


def test_a_diverging_replica_is_recorded_and_the_rest_goes_on():
    cfgs = [ExperimentConfig.from_dict(small_config(attack={"name": "none"}, workers={"f": 0},
                                                    algorithm={"lr": lr, "beta": 0.0}, run={"T": 200}))
            for lr in (0.5, 50.0)]
    res = run_batch([Job(c, 0) for c in cfgs])
    ok, bad = res.summary.iloc[0], res.summary.iloc[1]
    assert not ok.diverged and ok.grad_sq < 1e-6
    assert bad.diverged and 0 < bad.diverged_round < 200
    assert np.isnan(res.records[(res.records.replica == 0) & (res.records["algorithm.lr"] == 50.0)].grad_sq.iloc[-1])
    assert np.all(np.isfinite(res.final_x))


def test_bits_are_counted_per_worker_per_round():
    table = small_config(compressor={"name": "randk", "k": 3}, run={"T": 10, "record_every": 10})
    res = run(ExperimentConfig.from_dict(table))
    d, k, b_f = 8, 3, 32
    assert np.all(res.summary.bits_up == 10 * k * (b_f + 3))  # ceil(log2 8) = 3 index bits
    assert np.all(res.summary.bits_down == 10 * d * b_f)


@pytest.mark.parametrize("chunk_size, threads", [(1, 1), (2, 1), (2, 2)])
def test_chunked_and_threaded_batches_equal_one_batch_bit_for_bit(chunk_size, threads):
    """Replica chunks (cache-sized working sets) and threads are invisible in the results, including
    replicas that diverge at different rounds and a chunk whose replicas all diverged early."""
    lrs = [0.3, 40.0, 0.1, 60.0, 5.0]
    cfgs = [ExperimentConfig.from_dict(small_config(algorithm={"lr": lr}, run={"T": 60, "record_every": 3}))
            for lr in lrs]
    jobs = [Job(c, r) for r, c in enumerate(cfgs)]
    whole = run_batch(jobs, chunk_size=len(jobs))
    parts = run_batch(jobs, chunk_size=chunk_size, threads=threads)
    assert whole.summary.diverged.sum() >= 2  # the case under test: divergence inside chunks
    np.testing.assert_array_equal(parts.final_x, whole.final_x)
    cols = [c for c in whole.records.columns if c != "wall_seconds"]
    assert parts.records[cols].equals(whole.records[cols])
    summary_cols = [c for c in whole.summary.columns if c != "wall_seconds"]
    assert parts.summary[summary_cols].equals(whole.summary[summary_cols])


def test_auto_chunks_keep_a_minibatch_gather_in_cache():
    """A minibatch oracle's gathered rows [chunk, h, b, d] bound the chunk (GATHER_BYTES); a
    noise oracle gathers nothing and keeps the [chunk, n, d] bound."""
    from sims.engine import CHUNK_BYTES, GATHER_BYTES, auto_chunk_size

    def chunk(problem, dtype="float64"):
        cfg = ExperimentConfig.from_dict(small_config(problem=problem, workers={"n": 20, "f": 4},
                                                      run={"seeds": 64, "dtype": dtype}))
        return auto_chunk_size([Job(cfg, r) for r in range(64)])

    logistic = {"name": "logistic", "d": 100, "m": 50, "batch": 32}
    assert chunk(logistic) == GATHER_BYTES // (16 * 32 * 100 * 8) == 10
    assert chunk(logistic, "float32") == 20
    assert chunk({**logistic, "batch": 1}) == 64  # a one-row gather: the [chunk, n, d] bound (64 of 64)
    assert chunk({"name": "quadratic", "d": 1000}) == CHUNK_BYTES // (20 * 1000 * 8) == 13


def test_participation_is_recorded_per_honest_worker():
    """Full participation counts every round; Byz-VR-MARINA-PP with C of n sampled counts fewer."""
    full = run(ExperimentConfig.from_dict(small_config(run={"T": 20, "record_every": 20})))
    assert np.all(full.summary.participation == 20)
    pp = run(ExperimentConfig.from_dict(small_config(
        algorithm={"name": "byz_vr_marina_pp", "lr": 0.1, "p": 0.5, "C": 4, "C_hat": 10},
        run={"T": 200, "record_every": 200, "seeds": 1})))
    share = pp.summary.participation.iloc[0] / 200
    assert abs(share - (0.5 * 1 + 0.5 * 4 / 10)) < 0.08  # c_k = 1 (p = 0.5): all 10; else C = 4 of 10


@requires_torch
def test_torch_backend_copies_read_only_host_arrays(recwarn):
    """Cached host data are read-only; the torch tensor must own its memory (no aliasing warning)."""
    a = np.arange(6.0).reshape(2, 3)
    a.setflags(write=False)
    t = Backend("torch").asarray(a)
    t[0, 0] = 5.0
    assert a[0, 0] == 0.0 and not [w for w in recwarn if "not writable" in str(w.message)]


def test_per_round_totals_follow_writeable_fields_and_reuse_read_only_ones():
    """The increments are reused only for fields that cannot change (read-only arrays, the same
    objects); a writeable bits array changed in place is read again."""
    from sims.algorithms.base import StepInfo
    from sims.engine import _PerRoundTotals

    totals = _PerRoundTotals(2, 3)
    bits = np.ones((3, 2))
    info = StepInfo(bits, 5.0, 1.0, None)
    np.testing.assert_array_equal(totals(info)[0], [1.0, 1.0, 1.0])
    bits *= 4.0  # in place: the same objects, a new round's numbers
    np.testing.assert_array_equal(totals(info)[:2], [[4.0] * 3, [5.0] * 3])
    frozen = np.full((3, 2), 2.0)
    frozen.flags.writeable = False
    first = totals(StepInfo(frozen, 1.0, 1.0, None))
    again = StepInfo(frozen, 1.0, 1.0, None)  # a new tuple of the same read-only fields
    assert totals(again) is first and totals(again) is first
    np.testing.assert_array_equal(first[0], [2.0] * 3)
