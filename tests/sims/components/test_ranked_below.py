"""``ranked_below(key, k)`` (one value sort and a running count) is the mask "stable rank < k" of
two stable argsorts (the slow reference below), for every k, with ties, signed zeros and NaNs, on numpy and torch; Top-K,
density enforcement and NNM use it."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from unittest import mock

from sims.aggregators import geometry
from sims.aggregators.geometry import ranked_below

def rank_along(a, axis: int = -1):
    """Reference: the rank of every entry along ``axis`` (0 = smallest, ties to the lower index, NaN last)."""
    return np.argsort(np.argsort(a, axis=axis, kind="stable"), axis=axis, kind="stable")


#: few distinct values so that ties are common; NaN and -0.0 included
VALUES = st.sampled_from([-2.0, -1.0, -0.0, 0.0, 1.0, 3.0, float("nan")])


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, max_side=9), elements=VALUES), st.data())
def test_equals_the_ranks_below_k(key, data):
    """Both numpy paths: the compiled one-pass kernel (with numba) and the array-API passes."""
    k = data.draw(st.integers(0, key.shape[-1] + 1))
    np.testing.assert_array_equal(ranked_below(key, k), rank_along(key, axis=2) < k)
    with mock.patch.object(geometry, "_ranked", None):
        np.testing.assert_array_equal(ranked_below(key, k), rank_along(key, axis=2) < k)


def test_float32_and_strided_keys_get_the_same_mask():
    key = np.random.default_rng(5).integers(-3, 4, size=(3, 6, 40)).astype(np.float32)
    key[1, 2, ::3] = np.nan
    for view in (key, key[:, ::2, :], np.swapaxes(key, 1, 2)):
        for k in (1, 5, 17):
            np.testing.assert_array_equal(ranked_below(view, k), rank_along(view, axis=2) < k)


def test_torch_gives_the_numpy_mask():
    torch = pytest.importorskip("torch")
    key = np.random.default_rng(3).integers(-2, 3, size=(4, 5, 17)).astype(float)
    key[0, 0, :4] = np.nan
    for k in range(18):
        np.testing.assert_array_equal(ranked_below(torch.from_numpy(key), k).numpy(), rank_along(key, axis=2) < k)


def test_a_wrong_tie_rule_would_differ():
    """Ties go to the lower index: with all entries equal, the first k are kept, not the last."""
    mask = ranked_below(np.zeros((1, 1, 5)), 2)
    assert mask.tolist() == [[[True, True, False, False, False]]]
