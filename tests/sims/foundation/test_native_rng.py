"""numba's compiled Generator draws (sims.native_rng) give numpy's numbers and states bit for bit, so
the streams draw the same numbers with and without numba."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest

from sims import native_rng, pcg64, rng, ziggurat
from sims.rng import ReplicaStreams

pytestmark = pytest.mark.skipif(not native_rng.AVAILABLE, reason="numba not installed")


def generators(seeds):
    return [np.random.Generator(np.random.PCG64(np.random.SeedSequence([s, 7]))) for s in seeds]


@pytest.mark.parametrize(("kernel", "method"), [(native_rng.standard_normal_rows, "standard_normal"),
                                                (native_rng.uniform_rows, "random")])
def test_compiled_rows_are_numpys_numbers_and_leave_numpys_state(kernel, method):
    """4e5 normals per row reach the ziggurat's slow path (~1 %) and its tail beyond 3.65 (~100 times)."""
    ours, ref = generators(range(3)), generators(range(3))
    out = kernel(native_rng.generator_list(ours), np.empty((3, 400_000)))
    np.testing.assert_array_equal(out, np.stack([getattr(g, method)(400_000) for g in ref]))
    assert np.abs(out).max() > 3.66 if method == "standard_normal" else out.min() >= 0
    for a, b in zip(ours, ref):  # the Python generators moved on as numpy's would
        assert a.bit_generator.state == b.bit_generator.state
        np.testing.assert_array_equal(getattr(a, method)(5), getattr(b, method)(5))


@pytest.mark.parametrize("m", [1, 7, 1600, 300_001])
def test_compiled_float32_rows_follow_the_ziggurats_word_order(m):
    """The rows of sims.ziggurat.standard_normal_float32 (odd lengths: the last half-word unused)."""
    ours, ref = generators(range(4)), generators(range(4))
    out = native_rng.standard_normal_float32_rows(pcg64.state_views(ours), np.empty((4, m), np.float32))
    expected = np.stack([ziggurat.standard_normal_float32(g.bit_generator, np.empty(m, np.float32)) for g in ref])
    np.testing.assert_array_equal(out, expected)
    assert all(a.bit_generator.state == b.bit_generator.state for a, b in zip(ours, ref))


def test_compiled_float32_rows_refill_as_the_ziggurat_does(monkeypatch):
    monkeypatch.setattr(native_rng, "overflow_words", lambda m: 2)
    monkeypatch.setattr(ziggurat, "overflow_words", lambda m: 2)
    ours, ref = generators(range(6)), generators(range(6))
    out = native_rng.standard_normal_float32_rows(pcg64.state_views(ours), np.empty((6, 5000), np.float32))
    expected = np.stack([ziggurat.standard_normal_float32(g.bit_generator, np.empty(5000, np.float32)) for g in ref])
    np.testing.assert_array_equal(out, expected)
    assert all(a.bit_generator.state == b.bit_generator.state for a, b in zip(ours, ref))


@pytest.mark.parametrize(("draw", "dtype"), [("normal", "float64"), ("normal", "float32"), ("uniform", "float64")])
def test_streams_draw_the_same_numbers_with_and_without_numba(draw, dtype):
    def numbers():
        streams = ReplicaStreams([4, 4, 9], [0, 1, 2], dtype)
        first = getattr(streams, draw)("oracle", (3, 5))
        between = streams.generators("oracle")[1].random(2)  # a numpy call between two compiled ones
        return first, between, getattr(streams, draw)("oracle", (7,))

    native = numbers()
    with native_rng.numpy_calls():
        assert not rng.native_rng.AVAILABLE and not rng.native_rng.FLOAT32
        calls = numbers()
    assert native_rng.AVAILABLE
    for a, b in zip(native, calls):
        np.testing.assert_array_equal(a, b)


def argpartition_masks(keys, k):
    mask = np.zeros(keys.shape, dtype=bool)
    np.put_along_axis(mask, np.argpartition(keys, k - 1, axis=-1)[:, :k], True, axis=-1)
    return mask


@pytest.mark.parametrize(("d", "k"), [(2, 1), (100, 1), (100, 10), (100, 60), (100, 99), (1000, 100), (10_000, 1000)])
def test_k_smallest_masks_are_the_argpartition_sets(d, k):
    """Every path of the kernel: ranked candidates (small k), too few or too many candidates below
    the cut (np.partition: keys squeezed towards 1 and towards 0 in some rows), large k."""
    keys = np.random.default_rng(d + k).random((300, d))
    keys[::7] = 1 - keys[::7] / 50   # few keys below the cut
    keys[3::7] = keys[3::7] / 50     # many keys below the cut
    mask = native_rng.smallest_k_masks(keys, k)
    np.testing.assert_array_equal(mask, argpartition_masks(keys, k))
    assert (mask.sum(axis=1) == k).all()
    np.testing.assert_array_equal(native_rng.smallest_k_coordinates(keys, k), listed(mask))


def listed(mask: np.ndarray) -> np.ndarray:
    """The coordinates each row of a mask marks, ascending: [rows, k]."""
    return np.stack([np.flatnonzero(row) for row in mask])


def test_k_smallest_masks_with_a_tie_at_the_kth_key_are_numpys():
    """A row whose k-th and (k+1)-th keys are equal is numpy's choice, not a mask of k + 1 ones."""
    keys = np.random.default_rng(1).random((4, 50))
    order = np.argsort(keys[2])
    keys[2, order[5]] = keys[2, order[4]]  # k = 5: the 5th and 6th smallest tie
    mask = native_rng.smallest_k_masks(keys, 5)
    np.testing.assert_array_equal(mask, argpartition_masks(keys, 5))
    assert (mask.sum(axis=1) == 5).all()
    np.testing.assert_array_equal(native_rng.smallest_k_coordinates(keys, 5), listed(mask))


def test_subset_masks_are_the_same_with_and_without_numba():
    def masks():
        streams = ReplicaStreams([3, 3, 8], [0, 1, 2])
        return streams.subset_masks("shared", 100, 10), streams.subset_masks("compress", 40, 7, (5,))

    native = masks()
    with native_rng.numpy_calls():
        calls = masks()
    for a, b in zip(native, calls):
        np.testing.assert_array_equal(a, b)



def test_subset_coordinates_list_the_subset_masks_sets_with_and_without_numba():
    def coordinates():
        return ReplicaStreams([3, 3, 8], [0, 1, 2]).subset_coordinates("shared", 100, 10)

    mask = ReplicaStreams([3, 3, 8], [0, 1, 2]).subset_masks("shared", 100, 10)
    native = coordinates()
    with native_rng.numpy_calls():
        calls = coordinates()
    np.testing.assert_array_equal(native, listed(mask))
    np.testing.assert_array_equal(calls, listed(mask))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(16, 100), (3, 7)])
def test_normals_on_coordinates_are_the_full_draws_columns_with_and_without_numba(dtype, shape):
    """normal_on draws every normal (the generators end where normal leaves them) and returns the
    full draw's columns at each replica's coordinates: equal to normal + take_along_axis."""
    h, d = shape
    coords = np.sort(np.random.default_rng(d).random((3, d)).argsort(axis=1)[:, : d // 3 + 1], axis=1)
    coords[2] = coords[2][::-1]  # any order, repeats allowed
    coords[2, 0] = coords[2, 1]

    def draws():
        streams = ReplicaStreams([4, 4, 9], [0, 1, 2], dtype)
        first = streams.normal_on("oracle", (h, d), coords)
        return first, streams.normal_on("oracle", (h, d), coords), streams.normal("oracle", (5,))

    full = ReplicaStreams([4, 4, 9], [0, 1, 2], dtype)
    want = [np.take_along_axis(full.normal("oracle", (h, d)), coords[:, None, :], axis=-1) for _ in range(2)]
    want.append(full.normal("oracle", (5,)))
    native = draws()
    with native_rng.numpy_calls():
        calls = draws()
    for got in (native, calls):
        assert got[0].shape == (3, h, coords.shape[1]) and got[0].dtype == np.dtype(dtype)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [-1, 100])
def test_normals_on_a_coordinate_outside_the_dimension_are_refused(bad):
    coords = np.zeros((2, 3), dtype=np.int64)
    coords[1, 2] = bad
    for numpy_calls in (False, True):
        with native_rng.numpy_calls() if numpy_calls else contextlib.nullcontext():
            with pytest.raises(IndexError, match=r"outside \[0, d\)|must lie in \[0, 100\)"):
                ReplicaStreams([1, 2], [0, 1]).normal_on("oracle", (4, 100), coords)
    with pytest.raises(ValueError, match=r"coords must be \[R = 2, k\]"):
        ReplicaStreams([1, 2], [0, 1]).normal_on("oracle", (4, 100), coords[0])


@pytest.mark.parametrize("k", [0, 10, 11])
def test_k_smallest_masks_name_a_k_out_of_range(k):
    with pytest.raises(ValueError, match=f"k = {k} .* need .* 0 < k < d"):
        native_rng.smallest_k_masks(np.random.default_rng(0).random((2, 10)), k)
    with pytest.raises(ValueError, match=f"smallest_k_coordinates: k = {k}"):
        native_rng.smallest_k_coordinates(np.random.default_rng(0).random((2, 10)), k)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("duplicate", ["pickle", "deepcopy"])
def test_a_copy_of_streams_after_compiled_draws_continues_their_numbers(dtype, duplicate):
    """The copy gets its own generators in the same states, not views into the original's memory:
    both draw the same next numbers, and drawing from one does not move the other."""
    import copy
    import pickle

    streams = ReplicaStreams([1, 1, 5], [0, 1, 2], dtype)
    streams.normal("oracle", (7,)), streams.uniform("shared", (4,)), streams.subset_masks("shared", 20, 3)
    twin = pickle.loads(pickle.dumps(streams)) if duplicate == "pickle" else copy.deepcopy(streams)
    first = twin.normal("oracle", (7,)), twin.uniform("shared", (4,))
    for a, b in zip(first, (streams.normal("oracle", (7,)), streams.uniform("shared", (4,)))):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(twin.normal("oracle", (3,)), streams.normal("oracle", (3,)))
