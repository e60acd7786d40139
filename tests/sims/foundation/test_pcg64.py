"""numpy's PCG64 stepped in compiled code (sims.pcg64) gives random_raw's words and leaves numpy's
state where numpy's own calls would, so the float32 normals are the same with and without it."""
from __future__ import annotations

import numpy as np
import pytest

from sims import native_rng, pcg64
from sims.rng import ReplicaStreams

pytestmark = pytest.mark.skipif(pcg64.numba is None, reason="numba not installed")


def twins(count, seed=11):
    return ([np.random.PCG64(np.random.SeedSequence([seed, i])) for i in range(count)] for _ in range(2))


def test_one_generators_words_are_random_raws_and_its_state_moves_on_as_numpys():
    (ours,), (theirs,) = twins(1)
    words = np.empty(100_001, dtype=np.uint64)
    pcg64.fill_words(pcg64._state_view(ours), words)
    np.testing.assert_array_equal(words, theirs.random_raw(100_001))
    assert ours.state == theirs.state
    np.testing.assert_array_equal(np.random.Generator(ours).standard_normal(9), np.random.Generator(theirs).standard_normal(9))


@pytest.mark.parametrize("m", [0, 1, 2 * pcg64.LANES - 1, 2 * pcg64.LANES, 2 * pcg64.LANES + 1,
                               3 * pcg64.LANES - 1, 777])
def test_the_lanes_give_random_raws_words_at_every_length(m):
    """Below 2 W words the steps are scalar, from 2 W on the lanes jump; whole blocks and a rest,
    the state after them numpy's, so the next call continues the stream."""
    (ours,), (theirs,) = twins(1, seed=m)
    view, words = pcg64._state_view(ours), np.empty(m, dtype=np.uint64)
    pcg64.fill_words(view, words)
    np.testing.assert_array_equal(words, theirs.random_raw(m))
    assert ours.state == theirs.state
    pcg64.fill_words(view, words)
    np.testing.assert_array_equal(words, theirs.random_raw(m))


@pytest.mark.parametrize("m", [0, 1, 2 * pcg64.LANES - 1, 2 * pcg64.LANES, 2 * pcg64.LANES + 1, 100, 777])
def test_uniform_rows_from_the_states_are_numpys_random_and_leave_its_state(m):
    """(w >> 11) 2^-53 over the lanes' words, one scratch for every row: numpy's ``random(m)`` per
    generator, and a numpy call afterwards continues each stream."""
    ours, theirs = ([np.random.Generator(b) for b in bits] for bits in twins(3, seed=m))
    out = native_rng.uniform_rows_from_states(pcg64.state_views(ours), np.empty((3, m)))
    np.testing.assert_array_equal(out, np.stack([g.random(m) for g in theirs]))
    for a, b in zip(ours, theirs):
        assert a.bit_generator.state == b.bit_generator.state
        np.testing.assert_array_equal(a.random(3), b.random(3))


def test_the_layout_check_refuses_a_state_read_in_another_order(monkeypatch):
    """Where numpy kept (hi, lo) instead of (lo, hi) the compiled words would be another stream:
    the check must see it, and the streams then fall back to numpy's words."""
    real = pcg64._state_view
    monkeypatch.setattr(pcg64, "_state_view", lambda bg: real(bg)[[1, 0, 3, 2]].copy())
    pcg64.layout_is_numpys.cache_clear()
    try:
        assert not pcg64.layout_is_numpys()
        assert pcg64.state_views([np.random.Generator(np.random.PCG64(1))]) is None
    finally:
        monkeypatch.undo()
        pcg64.layout_is_numpys.cache_clear()
    assert pcg64.layout_is_numpys()


def test_other_bit_generators_get_no_state_views():
    assert pcg64.state_views([np.random.Generator(np.random.PCG64DXSM(1))]) is None
    assert pcg64.state_views([np.random.Generator(np.random.PCG64(1))]) is not None


@pytest.mark.parametrize("R", [1, 3, 4, 9])
def test_float32_normals_are_the_same_without_the_compiled_steps(monkeypatch, R):
    """The rows equal the per-replica numpy-word path, for any number of replicas."""
    def numbers():
        streams = ReplicaStreams([5] * R, range(R), "float32")
        return streams.normal("oracle", (3, 333)), streams.normal("oracle", (10,))

    native = numbers()
    monkeypatch.setattr(pcg64, "state_views", lambda gens: None)
    words_from_numpy = numbers()
    for a, b in zip(native, words_from_numpy):
        np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))
    assert native_rng.FLOAT32


def test_the_state_views_keep_their_generators_alive():
    """The views and the kernels' addresses point into the generators' memory: dropping every other
    reference to the generators must not free it (the kernels would read freed memory)."""
    import gc

    views = pcg64.state_views([np.random.Generator(np.random.PCG64(np.random.SeedSequence([11, i]))) for i in range(4)])
    gc.collect()
    _, theirs = twins(4)
    for view, b in zip(views, theirs):
        words = np.empty(50, dtype=np.uint64)
        pcg64.fill_words(view, words)
        np.testing.assert_array_equal(words, b.random_raw(50))
    uniforms = native_rng.uniform_rows_from_states(views, np.empty((4, 40)))  # through the addresses
    np.testing.assert_array_equal(uniforms, np.stack([np.random.Generator(b).random(40) for b in theirs]))


def test_the_kernels_refuse_states_that_do_not_match_their_rows():
    """The kernels index the addresses unchecked: a count that differs from the rows is refused first."""
    views = pcg64.state_views([np.random.Generator(np.random.PCG64(i)) for i in range(3)])
    with pytest.raises(ValueError, match="3 generator states for output rows"):
        native_rng.uniform_rows_from_states(views, np.empty((4, 10)))
    with pytest.raises(ValueError, match="at coordinates"):
        native_rng.standard_normal_float32_rows_on(views, (2, 10), np.zeros((2, 3), np.int64), np.empty((3, 2, 3), np.float32))
