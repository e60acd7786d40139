"""The sorting-network trimmed mean (numba), buffered and unrolled, gives numpy's sort-based numbers
bit for bit."""
from __future__ import annotations

import collections
import threading

import numpy as np
import pytest

from sims.aggregators import network
from sims.aggregators.coordinatewise import trimmed_mean

pytestmark = pytest.mark.skipif(not network.applies(np.zeros((1, 3, 2))), reason="numba not installed")


def sort_based(x, trim):
    return np.mean(np.sort(x, axis=1)[:, trim : x.shape[1] - trim, :], axis=1)


def hard_inputs(rng, n, d, dtype):
    """Normals with ties, signed zeros, infinities and NaN in some replicas (NaN sorts last, as in
    np.sort); replica 3 is clean, so the unrolled kernel's numbers are used there unredone."""
    x = rng.standard_normal((4, n, d)).astype(dtype)
    x[1, :, 0] = np.round(x[1, :, 0])  # ties
    x[1, : n // 2, 1], x[1, n // 2 :, 1] = -0.0, 0.0
    x[0, n - 1, 0], x[2, 0, 0] = np.nan, np.inf
    x[2, n // 2, d - 1] = -np.inf
    return x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [3, 4, 7, 16, 20, 33])
def test_network_trimmed_mean_equals_the_sorted_one_bit_for_bit(n, dtype):
    rng = np.random.default_rng(n)
    for d in (2, 3, 37, 2 * network.BLOCK + 5):  # whole and partial coordinate blocks
        x = hard_inputs(rng, n, d, dtype)
        for trim in range(1, (n - 1) // 2 + 1):
            got = network.trimmed_mean(x, trim)
            assert got.dtype == x.dtype
            np.testing.assert_array_equal(got, sort_based(x, trim))
            np.testing.assert_array_equal(trimmed_mean(x, trim), got)
    assert not network.applies(x[:, :, :1])  # d = 1: numpy sums pairwise along the worker axis


@pytest.fixture
def fresh_unrolling(monkeypatch):
    """A process state with no unrolled kernel built and no column counted."""
    monkeypatch.setattr(network, "_unrolled", {})
    monkeypatch.setattr(network, "_sorted_columns", collections.Counter())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("n", "trim"), [(3, 1), (7, 2), (16, 3), (20, 4), (5, 0)])
def test_unrolled_kernel_equals_the_sorted_one_bit_for_bit(n, trim, dtype, fresh_unrolling, monkeypatch):
    monkeypatch.setattr(network, "UNROLL_AFTER", 0)  # every call takes the unrolled kernel
    rng = np.random.default_rng(10 * n + trim)
    for d in (2, 37, 300):
        x = hard_inputs(rng, n, d, dtype)
        got = network.trimmed_mean(x, trim)
        assert (n, trim) in network._unrolled and got.dtype == x.dtype
        np.testing.assert_array_equal(got, sort_based(x, trim))


def test_unrolled_kernel_flags_and_voids_each_column_with_a_nan_input():
    x = np.random.default_rng(0).standard_normal((3, 7, 5))
    x[1, 6, 2] = np.nan  # the largest rank: trimmed away by the sort, but the kernel cannot know
    out = np.empty((3, 5))
    assert network.unrolled_kernel(7, 2)(x, out) == 1
    assert np.isnan(out[1, 2]) and np.isfinite(np.delete(out.ravel(), 1 * 5 + 2)).all()
    np.testing.assert_array_equal(network.trimmed_mean(x, 2), sort_based(x, 2))  # redone, finite there


def test_a_key_is_unrolled_once_it_has_sorted_enough_columns(fresh_unrolling, monkeypatch):
    monkeypatch.setattr(network, "UNROLL_AFTER", 1000)
    x = np.random.default_rng(1).standard_normal((4, 5, 100))  # 400 columns a call
    network.trimmed_mean(x, 1)
    network.trimmed_mean(x, 2)  # another key: counted apart
    assert network._unrolled == {} and network._sorted_columns == {(5, 1): 400, (5, 2): 400}
    network.trimmed_mean(x, 1)
    network.trimmed_mean(x, 1)
    assert list(network._unrolled) == [(5, 1)]
    wide = np.random.default_rng(1).standard_normal((4, network.MAX_UNROLLED + 1, 400))
    network.trimmed_mean(wide, 3)
    assert (network.MAX_UNROLLED + 1, 3) not in network._unrolled  # beyond the registers: buffered only


def test_concurrent_threads_build_one_kernel(fresh_unrolling):
    got, start = [], threading.Barrier(4)

    def build():
        start.wait()
        got.append(network.unrolled_kernel(4, 1))

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(k is got[0] for k in got)


def test_kernel_source_is_cached_on_disk_under_its_hash(tmp_path, monkeypatch, fresh_unrolling):
    monkeypatch.setenv(network.ENV_CACHE, str(tmp_path))
    network.unrolled_kernel(4, 1)
    (path,) = (tmp_path / "kernels").glob("byzcomp_trimmed_mean_n4_trim1_*.py")
    assert path.read_text() == network.unrolled_source(4, 1)
    assert network.cache_dir() == tmp_path


def test_an_unwritable_cache_compiles_in_memory(tmp_path, monkeypatch, fresh_unrolling):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv(network.ENV_CACHE, str(blocker))  # cache_dir()/kernels cannot be created
    x = np.random.default_rng(2).standard_normal((2, 4, 9))
    out = np.empty((2, 9))
    assert network.unrolled_kernel(4, 1)(x, out) == 0
    np.testing.assert_array_equal(out, sort_based(x, 1))


@pytest.mark.parametrize(("n", "trim"), [(1, 0), (network.MAX_UNROLLED + 1, 1), (6, 3), (6, -1)])
def test_unrolled_kernel_rejects_a_bad_key(n, trim):
    with pytest.raises(ValueError, match=f"n = {n}, trim = {trim}"):
        network.unrolled_kernel(n, trim)


def zero_one_sorted(pairs, n: int, samples: int = 0) -> bool:
    """Whether the network sorts every 0-1 input of n wires (hence every input: the 0-1 principle).
    Bit-sliced: wire w holds bit w of every input number 0 .. 2^n - 1 (one bit per input), a
    comparator is (AND, OR); with ``samples`` > 0, that many random 0-1 inputs instead."""
    if samples:
        bits = list(np.random.default_rng(0).integers(0, 2, size=(n, samples)).astype(bool))
    else:
        inputs = np.arange(2**n, dtype=np.int64)
        bits = [((inputs >> w) & 1).astype(bool) for w in range(n)]
    wires = [np.packbits(b) for b in bits]
    for i, j in pairs:
        wires[i], wires[j] = wires[i] & wires[j], wires[i] | wires[j]
    return all(not (wires[w] & ~wires[w + 1]).any() for w in range(n - 1))


@pytest.mark.parametrize("n", [2, 5, 8, 16, 20, 50])
def test_the_kernels_networks_sort_every_zero_one_input(n):
    """Exhaustive for n <= 20 (2^20 inputs), Batcher's and the published n = 20 network alike;
    random 0-1 inputs at n = 50."""
    samples = 0 if n <= 20 else 50_000
    assert zero_one_sorted(network.sorting_pairs(n), n, samples)
    assert zero_one_sorted(network.batcher_pairs(n), n, samples)


def test_the_zero_one_check_refuses_a_network_one_comparator_short():
    """The check can fail: the n = 20 network without any one of its comparators does not sort."""
    pairs = [tuple(p) for p in network.sorting_pairs(20)]
    assert len(pairs) == 91 < len(network.batcher_pairs(20))
    for drop in (0, 45, 90):
        assert not zero_one_sorted(pairs[:drop] + pairs[drop + 1:], 20)
