"""The fused numba kernels (sims.fused) give the numpy expressions' numbers bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from sims import fused

pytestmark = pytest.mark.skipif(fused.numba is None, reason="numba not installed")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_ema_equals_the_numpy_expression_bit_for_bit(dtype):
    rng = np.random.default_rng(3)
    a, b = (rng.standard_normal((5, 7, 11)).astype(dtype) * 1e3 for _ in range(2))
    column = rng.uniform(0, 1, (5, 1, 1)).astype(dtype)
    for keep in (column, column[0, 0, 0]):  # per-replica weights, or one shared by every replica
        take = 1 - keep
        assert fused.applies(a, b, keep, take)
        ref = keep * a
        ref += take * b
        np.testing.assert_array_equal(fused.ema(a, b, keep, take), ref)
    other = np.float32 if dtype == "float64" else np.float64
    assert not fused.applies(a, b, column.astype(other), 1 - column)  # numpy would promote: not fused
    assert not fused.applies(a, b[:, :3], column, 1 - column)


def _numpy_std(v, mean):
    dev = v - mean[:, None, :]
    dev *= dev
    var = np.sum(dev, axis=1)
    var /= v.shape[1] - 1
    return np.sqrt(var)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(5, 16, 100), (3, 2, 7), (2, 41, 33)])
@pytest.mark.filterwarnings("ignore:invalid value")
def test_fused_std_equals_numpy_bit_for_bit(dtype, shape):
    """ALIE's moments (attacks.basic.honest_std): the one-pass kernel against numpy's passes and np.std."""
    rng = np.random.default_rng(5)
    v = (rng.standard_normal(shape) * rng.uniform(1e-3, 1e3, shape[2])).astype(dtype)
    v[0, :, 0] = 1.5  # a constant column: exactly zero spread
    v[-1, 0, 1] = np.inf  # inf and NaN propagate as in numpy
    v[-1, 1, 2] = np.nan
    mean = np.mean(v, axis=1)
    assert fused.std_applies(v, mean)
    out = fused.std(v, mean)
    assert out.dtype == v.dtype
    np.testing.assert_array_equal(out, _numpy_std(v, mean))
    np.testing.assert_array_equal(out, np.std(v, axis=1, ddof=1))
    assert not fused.std_applies(v, mean.astype(np.float32 if dtype == "float64" else np.float64))
    assert not fused.std_applies(v[:, :1], mean)


def test_honest_std_paths_agree_bit_for_bit(monkeypatch):
    from sims.attacks.basic import honest_std
    rng = np.random.default_rng(6)
    for dtype in ("float64", "float32"):
        v = rng.standard_normal((4, 16, 50)).astype(dtype)
        fast = honest_std(v)
        monkeypatch.setattr(fused, "_std", None)
        slow = honest_std(v)
        monkeypatch.undo()
        np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form", ["diagonal", "dense"])
def test_fused_quadratic_oracle_equals_draw_then_stochastic_grad(monkeypatch, dtype, form):
    """The one-pass Gaussian oracle (normals drawn into the result) gives the numbers and leaves the
    streams where draw + stochastic_grad do, bit for bit."""
    from sims.backend import Backend
    from sims.problems.quadratic import QuadraticSpec
    from sims.rng import ReplicaStreams

    p = QuadraticSpec(d=37, G=1.0, B=0.3, sigma=0.7, form=form).build(6, Backend("numpy", dtype))
    x = np.random.default_rng(1).standard_normal((4, 37)).astype(dtype)
    fast_streams, slow_streams = (ReplicaStreams([0, 0, 1, 1], [0, 1, 0, 1], dtype) for _ in range(2))
    assert fused.quadratic_oracle_applies(x, np.dtype(dtype), 37) and not fused.quadratic_oracle_applies(x, np.dtype(dtype), 36)
    fast = [p.sample_grad(x, fast_streams) for _ in range(2)]  # two rounds: the streams advance alike
    monkeypatch.setattr(fused, "_oracle", None)
    slow = [p.sample_grad(x, slow_streams) for _ in range(2)]
    for a, b in zip(fast, slow):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fast[0], fast[1])  # fresh noise each call


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form", ["diagonal", "dense"])
def test_quadratic_oracle_on_coordinates_reads_the_full_oracle(monkeypatch, dtype, form):
    """sample_grad_on (the fused oracle formed on the mask's coordinates only) gives the full
    oracle's numbers there and advances the streams alike; the Problem default, too."""
    from sims.backend import Backend
    from sims.problems.base import Problem
    from sims.problems.quadratic import QuadraticSpec
    from sims.rng import ReplicaStreams

    p = QuadraticSpec(d=37, G=1.0, B=0.3, sigma=0.7, form=form).build(6, Backend("numpy", dtype))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 37)).astype(dtype)
    coords = np.sort(np.stack([rng.choice(37, 5, replace=False) for _ in range(4)]), axis=1)
    on, full, default = (ReplicaStreams([0, 0, 1, 1], [0, 1, 0, 1], dtype) for _ in range(3))
    for _ in range(2):  # two rounds: the streams advance alike
        got = p.sample_grad_on(x, on, coords)
        want = np.take_along_axis(p.sample_grad(x, full), coords[:, None, :], axis=2)
        assert got.shape == (4, 6, 5) and got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(Problem.sample_grad_on(p, x, default, coords), want)
    monkeypatch.setattr(fused, "_oracle", None)  # without the fused oracle: the Problem default
    np.testing.assert_array_equal(p.sample_grad_on(x, on, coords),
                                  np.take_along_axis(p.sample_grad(x, full), coords[:, None, :], axis=2))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_distance_sums_the_squares_in_numpys_pairwise_order(dtype):
    """Bit for bit numpy's ||x - x0|| at every length of one pairwise block (d = 1 .. 128: the
    rows in a row, the 8 running sums and their rest), with NaN and inf; a plain running sum would
    differ; longer rows keep numpy's expression."""
    rng = np.random.default_rng(5)

    def numpys(x, x0):
        return np.sqrt(np.add.reduce((x - x0) ** 2, axis=1))

    differs = 0
    for d in range(1, fused.PAIRWISE_BLOCK + 1):
        x = (rng.standard_normal((3, d)) * 10.0 ** rng.integers(-3, 4, size=(3, 1))).astype(dtype)
        x0 = rng.standard_normal((3, d)).astype(dtype)
        assert fused.distance_applies(x, x0)
        got = fused.distance(x, x0)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, numpys(x, x0))
        running = np.sqrt(np.cumsum((x - x0) ** 2, axis=1, dtype=dtype)[:, -1])
        differs += int((running != got).any())
    assert differs > 10  # the order matters: a running sum is refuted at many lengths
    x[1, 5], x[2, 7] = np.nan, np.inf
    np.testing.assert_array_equal(fused.distance(x, x0), numpys(x, x0))
    assert not fused.distance_applies(x, x0.astype(np.float64 if dtype == "float32" else np.float32))
    assert not fused.distance_applies(x[:, ::2], x0[:, ::2])
    long = np.zeros((2, fused.PAIRWISE_BLOCK + 1), dtype)
    assert not fused.distance_applies(long, long)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_within_is_every_distance_at_most_the_bound_as_numpy_compares(dtype):
    """The engine's divergence test: numpy's ``(distance <= bound).all()``, the Python float bound
    cast to the dtype as numpy casts it (a float32 distance at float32(bound) > bound is within),
    False on a NaN or an infinite row, and on one replica beyond among many."""
    rng = np.random.default_rng(8)
    x, x0 = rng.standard_normal((2, 64, 100)).astype(dtype)
    dist = fused.distance(x, x0)
    for bound in (float(dist.max()), float(dist.max()) * (1 - 1e-12), float(np.nextafter(dist.max(), 0)), 1e9, 0.0):
        assert fused.within(x, x0, bound) == bool((dist <= bound).all()), bound
    if dtype == "float32":
        edge = float(dist.max()) - 1e-9  # below the float32 distance as a float64, equal to it as a float32
        assert fused.within(x, x0, edge) and not (dist.astype(float) <= edge).all()
    for bad in (np.nan, np.inf):
        y = x.copy()
        y[37, 3] = bad
        assert not fused.within(y, x0, 1e9)
    assert fused.within(x[:1], x0[:1], float(dist[0])) and not fused.within(x, x0, float(dist[0]) / 2)


def test_compiled_kernels_reload_from_numbas_disk_cache(tmp_path):
    """A second process loads the kernels numba cached in the first and gets the same numbers (a
    recursive kernel once crashed there)."""
    import os
    import subprocess
    import sys

    code = ("import numpy as np; from sims import fused; x = np.arange(12, dtype=np.float32).reshape(2, 6); "
            "print(fused.distance(x, x * 0).tolist(), fused.distance(x.astype(float), x.astype(float) * 0).tolist())")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
            for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr[-500:]
    assert runs[0].stdout == runs[1].stdout != ""


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_all_finite_is_numpys_isfinite_all(dtype):
    """One non-finite entry anywhere (NaN, +inf, -inf) makes it False; strided and integer arrays
    take numpy's expression; an empty array is finite."""
    a = np.random.default_rng(9).standard_normal((64, 100)).astype(dtype)
    assert fused.all_finite(a) and fused.all_finite(a[:, ::3]) and fused.all_finite(a[:0])
    for bad in (np.nan, np.inf, -np.inf):
        for at in ((0, 0), (31, 57), (63, 99)):
            b = a.copy()
            b[at] = bad
            assert not fused.all_finite(b) and not fused.all_finite(b[:, ::1]) and not np.isfinite(b).all()
    assert fused.all_finite(np.arange(6).reshape(2, 3))
