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
