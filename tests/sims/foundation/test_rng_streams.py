"""Random streams (sims.rng): float32 runs draw float32 numbers, subsets come from batched keys, and
``run.rng = "device"`` keeps a replica independent of its batch on torch (CPU here)."""
from __future__ import annotations

import numpy as np
import pytest

from sims import ExperimentConfig, run
from sims.errors import ConfigError
from sims.rng import ReplicaStreams
from sims.ziggurat import standard_normal_float32
from tests.conftest import assert_replicas_as_alone, requires_torch, small_config

GAUSSIAN = dict(problem={"name": "quadratic", "d": 12, "G": 1.0, "B": 0.5, "sigma": 0.3},
                algorithm={"name": "rosdhb", "lr": 0.2, "beta": 0.8},
                compressor={"name": "coordinated_randk", "k": 4})


def test_float32_streams_draw_float32_normals_from_the_same_generators():
    streams = ReplicaStreams([3, 3], [0, 5], "float32")
    z = streams.normal("oracle", (4, 6))
    ref = standard_normal_float32(np.random.PCG64(np.random.SeedSequence([3, 5, 1])), np.empty((4, 6), np.float32))
    assert z.dtype == np.float32
    np.testing.assert_array_equal(z[1], ref)
    f64 = ReplicaStreams([3], [5]).normal("oracle", (4, 6))[0]  # float64 stays numpy's standard_normal
    np.testing.assert_array_equal(f64, np.random.Generator(np.random.PCG64(np.random.SeedSequence([3, 5, 1]))).standard_normal((4, 6)))


def test_subsets_are_distinct_uniform_and_masks_match_them():
    streams = ReplicaStreams([0] * 400, range(400))
    idx = streams.subsets("shared", 10, 3)  # [400, 3]
    assert all(len(set(row)) == 3 for row in idx)
    counts = np.bincount(idx.ravel(), minlength=10) / idx.size  # each coordinate ~ 1/10 (binomial sd ~ 0.005)
    assert np.max(np.abs(counts - 0.1)) < 0.03
    mask = ReplicaStreams([0] * 400, range(400)).subset_masks("shared", 10, 3)
    np.testing.assert_array_equal(np.sort(np.nonzero(mask)[1].reshape(400, 3), axis=1), np.sort(idx, axis=1))


@requires_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_and_torch_agree_per_dtype(dtype):
    table = small_config(**GAUSSIAN, run={"seeds": 3, "T": 20, "dtype": dtype})
    res_np = run(ExperimentConfig.from_dict(table))
    table["run"]["backend"] = "torch"
    res_t = run(ExperimentConfig.from_dict(table))
    tol = 1e-10 if dtype == "float64" else 1e-4
    assert res_np.final_x.dtype == np.dtype(dtype)
    np.testing.assert_allclose(res_t.final_x, res_np.final_x, rtol=0, atol=tol)


@requires_torch
def test_device_rng_keeps_a_replica_identical_alone_and_in_a_batch_of_16():
    cfg = ExperimentConfig.from_dict(small_config(**GAUSSIAN, run={"seeds": 16, "T": 15, "backend": "torch",
                                                                   "rng": "device"}))
    batch = assert_replicas_as_alone(cfg, (0, 9, 15))
    assert not np.allclose(batch.final_x[0], batch.final_x[1])


@requires_torch
def test_device_rng_draws_on_torch_generators_not_the_host_ones():
    table = small_config(**GAUSSIAN, run={"seeds": 2, "T": 10, "backend": "torch"})
    host = run(ExperimentConfig.from_dict(table))
    table["run"]["rng"] = "device"
    device = run(ExperimentConfig.from_dict(table))
    assert np.all(np.isfinite(device.final_x)) and not np.allclose(device.final_x, host.final_x)


def test_device_rng_needs_torch():
    """Refused when the config is read, naming the field, the value and what is allowed."""
    with pytest.raises(ConfigError, match="run.rng = 'device': needs run.backend = 'torch'"):
        ExperimentConfig.from_dict(small_config(run={"rng": "device"}))


def test_the_store_key_carries_the_stream_version(tmp_path):
    from sims.rng import STREAM_VERSION
    from sims.store import Store

    assert Store(tmp_path / "s.sqlite").version.endswith(f"+streams{STREAM_VERSION}")


@requires_torch
def test_device_masks_keep_k_coordinates_and_a_subset_keeps_its_generators():
    from sims.rng import DeviceStreams

    streams = DeviceStreams([0] * 5, range(5))
    mask = streams.subset_masks("shared", 10, 3, (2,))
    assert tuple(mask.shape) == (5, 2, 10) and bool((mask.sum(-1) == 3).all())
    part = streams.subset(np.array([2]))
    np.testing.assert_array_equal(part.normal("oracle", (4,)).numpy()[0],
                                  DeviceStreams([0], [2]).subset(np.array([0])).normal("oracle", (4,)).numpy()[0])


@requires_torch
def test_device_normals_on_coordinates_are_their_full_draws_columns():
    from sims.rng import DeviceStreams

    coords = np.array([[0, 3], [4, 1]])
    got = DeviceStreams([0, 1], [0, 1]).normal_on("oracle", (3, 5), coords)
    full = DeviceStreams([0, 1], [0, 1]).normal("oracle", (3, 5)).numpy()
    np.testing.assert_array_equal(got.numpy(), np.take_along_axis(full, coords[:, None, :], axis=-1))
