"""RoSDHB's fused ALIE round (sims.fused.alie_momenta): bit for bit the numpy stages, replicas
independent of their batch."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sims import ExperimentConfig, Job, fused, run_batch
from sims.attacks.basic import alie_z

pytestmark = pytest.mark.skipif(fused.numba is None, reason="numba not installed")


def _numpy_round(g, shared, scale, z, m, keep, take):
    """The numpy stages' expressions: compress, mean, honest_std, ALIE, replicate, enforce, concat, ema."""
    gc = g * (shared * scale)[:, None, :]
    mean = np.mean(gc, axis=1)
    R, h, d = g.shape
    byz = np.broadcast_to((mean - z * np.std(gc, axis=1, ddof=1))[:, None, :], (R, m.shape[1] - h, d))
    new = np.concatenate([gc, byz * shared[:, None, :]], axis=1)
    return keep * m + take * new, mean


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("k", [50, 300])  # a sparse and a dense mask
def test_alie_momenta_equals_the_numpy_stages_on_the_mask(dtype, k):
    """On S the kernel's momenta are the numpy stages' bit for bit (sign of zero, NaN and inf
    included); off S they are keep * m, which is what the stages give for every finite gradient."""
    rng = np.random.default_rng(11)
    R, h, n, d = 5, 16, 20, 350
    g = (rng.standard_normal((R, h, d)) * 10).astype(dtype)
    g[0, 3, 10:14] = [np.nan, np.inf, -np.inf, np.nan]  # non-finite rows, on and off the mask
    g[1, :, 20:30] = np.inf
    shared = np.zeros((R, d), dtype=dtype)
    for r in range(R):
        forced = np.arange(10, 30, 2) if r < 2 else np.arange(0)  # some non-finite columns under the mask
        rest = rng.choice(np.setdiff1d(np.arange(d), forced), k - forced.size, replace=False)
        shared[r, np.concatenate([forced, rest])] = 1
    assert (shared.sum(axis=1) == k).all()
    m = rng.standard_normal((R, n, d)).astype(dtype)
    m[:, :, :3] = -0.0  # decaying signed zeros off the mask
    S = np.stack([np.flatnonzero(row) for row in shared])
    on = shared[:, None, :].astype(bool).repeat(n, axis=1)
    z = alie_z(n, n - h)
    for beta in (np.asarray(0.9, dtype=dtype), rng.uniform(0, 1, (R, 1, 1)).astype(dtype)):
        assert fused.alie_momenta_applies(m, h, beta, 1 - beta)
        out = fused.alie_momenta(np.take_along_axis(g, S[:, None, :], axis=2), S, d / k, z, m, beta, 1 - beta)
        with np.errstate(invalid="ignore"):
            ref, _ = _numpy_round(g, shared, d / k, z, m, beta, 1 - beta)
        assert out.dtype == m.dtype
        np.testing.assert_array_equal(out[on], ref[on])
        np.testing.assert_array_equal(np.signbit(out[on]), np.signbit(ref[on]))
        decayed = beta * m
        np.testing.assert_array_equal(out[~on], decayed[~on])
        np.testing.assert_array_equal(np.signbit(out[~on]), np.signbit(decayed[~on]))
        finite = np.isfinite(g).all(axis=1)[:, None, :].repeat(n, axis=1)  # the stages agree off S there
        np.testing.assert_array_equal(out[~on & finite], ref[~on & finite])
    other = np.float32 if dtype == "float64" else np.float64
    assert not fused.alie_momenta_applies(m, h, beta.astype(other), 1 - beta)
    assert not fused.alie_momenta_applies(m, n, beta, 1 - beta)


def _config(dtype, T=30, **attack):
    return ExperimentConfig.from_dict({
        "problem": {"name": "quadratic", "d": 40, "G": 1.0, "B": 0.3, "sigma": 0.5},
        "algorithm": {"name": "rosdhb", "lr": 0.05, "beta": 0.9}, "aggregator": {"name": "cwtm"},
        "attack": {"name": "alie", **attack}, "compressor": {"name": "coordinated_randk", "k": 4},
        "workers": {"n": 12, "f": 3}, "run": {"T": T, "record_every": 10, "progress": False, "dtype": dtype},
    })


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_rosdhb_alie_round_keeps_the_trajectory(monkeypatch, dtype):
    jobs = [Job(_config(dtype), r) for r in range(4)]
    calls = []
    kernel = fused.alie_momenta
    monkeypatch.setattr(fused, "alie_momenta", lambda *a: calls.append(1) or kernel(*a))
    fast = run_batch(jobs)
    assert len(calls) == 30  # every round ran the fused kernel
    monkeypatch.setattr(fused, "_alie", None)  # the numpy stages
    slow = run_batch(jobs)
    assert len(calls) == 30
    np.testing.assert_array_equal(fast.final_x, slow.final_x)
    pd.testing.assert_frame_equal(fast.records, slow.records)


def test_fused_round_replica_independent_of_its_batch():
    cfg = _config("float64", z_rule="karimireddy")
    alone = run_batch([Job(cfg, 5)]).final_x[0]
    batch = run_batch([Job(cfg, r) for r in range(8)]).final_x[5]
    np.testing.assert_array_equal(alone, batch)
