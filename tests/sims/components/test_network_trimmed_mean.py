"""The sorting-network trimmed mean (numba) gives numpy's sort-based numbers bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from sims.aggregators import network
from sims.aggregators.coordinatewise import trimmed_mean

pytestmark = pytest.mark.skipif(not network.applies(np.zeros((1, 3, 2))), reason="numba not installed")


def sort_based(x, trim):
    return np.mean(np.sort(x, axis=1)[:, trim : x.shape[1] - trim, :], axis=1)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [3, 4, 7, 16, 20, 33])
def test_network_trimmed_mean_equals_the_sorted_one_bit_for_bit(n, dtype):
    rng = np.random.default_rng(n)
    for d in (2, 3, 37, 2 * network.BLOCK + 5):  # whole and partial coordinate blocks
        x = rng.standard_normal((3, n, d)).astype(dtype)
        x[1, :, 0] = np.round(x[1, :, 0])  # ties
        x[0, n - 1, 0], x[2, 0, 0] = np.nan, np.inf  # NaN sorts last, as in np.sort
        x[2, n // 2, d - 1] = -np.inf
        for trim in range(1, (n - 1) // 2 + 1):
            got = network.trimmed_mean(x, trim)
            assert got.dtype == x.dtype
            np.testing.assert_array_equal(got, sort_based(x, trim))
            np.testing.assert_array_equal(trimmed_mean(x, trim), got)
    assert not network.applies(x[:, :, :1])  # d = 1: numpy sums pairwise along the worker axis


@pytest.mark.parametrize("n", [2, 5, 8, 20, 50])
def test_batcher_network_sorts_every_zero_one_input(n):
    """A comparator network sorts every input iff it sorts every 0-1 input (the 0-1 principle);
    checked exhaustively for n <= 20 (random 0-1 inputs above)."""
    pairs = network.batcher_pairs(n)
    rng = np.random.default_rng(0)
    cases = (np.array([[(m >> i) & 1 for i in range(n)] for m in range(2**n)]) if n <= 16
             else rng.integers(0, 2, size=(20000, n)))
    v = cases.T.astype(float).copy()  # [n, cases]
    for i, j in pairs:
        lo, hi = np.minimum(v[i], v[j]), np.maximum(v[i], v[j])
        v[i], v[j] = lo, hi
    assert np.all(np.diff(v, axis=0) >= 0)
