"""Contract battery over every registered aggregator, pre-aggregator, attack and compressor, on numpy
and torch (specs/components.md 11.1): shapes, dtype kept, inputs never mutated, determinism under a
fixed stream, a replica's result independent of its batch, float64 numpy/torch equality."""
from __future__ import annotations

import numpy as np
import pytest

from sims.backend import Backend, to_numpy

from component_cases import BACKENDS, D, F, N, attack_context, build, cases, chain_of, kind_cases, messages, on, streams

R = 4
KINDS_AGG = kind_cases("aggregator", "preaggregator")


def run_chain(kind, table, x, replicas=None):
    chain = chain_of(kind, table)
    s = streams(x.shape[0], replicas=replicas)
    state = chain.init_state(x.shape[0], x.shape[2], None)
    out, state = chain.aggregate(x, f=F, state=state, streams=s)
    out2, _ = chain.aggregate(x, f=F, state=state, streams=s)  # a second round threads the state
    return out, out2


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind,table", KINDS_AGG)
def test_aggregator_shape_dtype_no_mutation_determinism(kind, table, backend, dtype):
    x = on(backend, messages(R), dtype)
    before = to_numpy(x).copy()
    out, out2 = run_chain(kind, table, x)
    assert tuple(out.shape) == (R, D) and tuple(out2.shape) == (R, D)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(to_numpy(x), before)
    again, _ = run_chain(kind, table, on(backend, messages(R), dtype))
    np.testing.assert_array_equal(to_numpy(again), to_numpy(out))
    assert np.all(np.isfinite(to_numpy(out)))


@pytest.mark.parametrize("kind,table", KINDS_AGG)
def test_aggregator_numpy_torch_equal_and_replica_independent(kind, table):
    pytest.importorskip("torch")
    host = messages(R)
    ref = run_chain(kind, table, on("numpy", host))
    got = run_chain(kind, table, on("torch", host))
    for a, b in zip(ref, got):
        np.testing.assert_allclose(to_numpy(b), a, rtol=1e-10, atol=1e-10)
    for r in (0, R - 1):  # replica r alone (its own streams) gives its batched result
        alone = run_chain(kind, table, on("numpy", host[r : r + 1]), replicas=[r])
        np.testing.assert_allclose(alone[0][0], ref[0][r], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(alone[1][0], ref[1][r], rtol=1e-12, atol=1e-12)


def craft(table, backend, honest_host, x_host, replicas=None, dtype="float64"):
    b = Backend(backend, dtype)
    spec = build("attack", table)
    honest = b.asarray(honest_host)
    ctx = attack_context(spec, honest, b, x_host, replicas=replicas)
    return spec, honest, spec.craft(honest, ctx)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("table", cases("attack"))
def test_attack_shape_dtype_no_mutation_determinism(table, backend, dtype):
    honest_host = messages(R, n=N - F, f=0)
    x_host = np.random.default_rng(1).standard_normal((R, D))
    spec, honest, byz = craft(table, backend, honest_host, x_host, dtype=dtype)
    assert tuple(byz.shape) == (R, 0 if spec.drops else F, D)
    assert byz.dtype == honest.dtype
    np.testing.assert_array_equal(to_numpy(honest), honest_host.astype(dtype))
    _, _, again = craft(table, backend, honest_host, x_host, dtype=dtype)
    np.testing.assert_array_equal(to_numpy(again), to_numpy(byz))


@pytest.mark.parametrize("table", cases("attack"))
def test_attack_numpy_torch_equal_and_replica_independent(table):
    pytest.importorskip("torch")
    honest_host = messages(R, n=N - F, f=0)
    x_host = np.random.default_rng(1).standard_normal((R, D))
    ref = to_numpy(craft(table, "numpy", honest_host, x_host)[2])
    np.testing.assert_allclose(to_numpy(craft(table, "torch", honest_host, x_host)[2]), ref, rtol=1e-10, atol=1e-10)
    r = R - 1
    alone = to_numpy(craft(table, "numpy", honest_host[r:], x_host[r:], replicas=[r])[2])
    np.testing.assert_allclose(alone[0], ref[r], rtol=1e-12, atol=1e-12)


def compress(table, backend, v_host, replicas=None, dtype="float64"):
    b = Backend(backend, dtype)
    spec = build("compressor", table)
    v = b.asarray(v_host)
    s = streams(v_host.shape[0], replicas=replicas)
    shared = spec.draw_shared(s, v_host.shape[2], b)
    out, bits = spec.compress(v, s, shared)
    byz = spec.enforce(b.asarray(v_host[:, :F] * 3.0), shared)
    return spec, v, out, bits, byz


M = 6  # messages compressed together (Perm-K: D divisible by M)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("table", cases("compressor"))
def test_compressor_shape_dtype_bits_no_mutation_determinism(table, backend, dtype):
    v_host = messages(R, n=M, f=0)
    spec, v, out, bits, byz = compress(table, backend, v_host, dtype=dtype)
    assert tuple(out.shape) == (R, M, D) and out.dtype == v.dtype
    assert tuple(byz.shape) == (R, F, D) and byz.dtype == v.dtype
    assert isinstance(bits, np.ndarray) and bits.shape == (R, M)
    declared = spec.bits(D, 32)
    assert np.all(bits == declared) if spec.bits_exact else np.all(bits <= declared)
    np.testing.assert_array_equal(to_numpy(v), v_host.astype(dtype))
    _, _, again, bits2, _ = compress(table, backend, v_host, dtype=dtype)
    np.testing.assert_array_equal(to_numpy(again), to_numpy(out))
    np.testing.assert_array_equal(bits2, bits)


@pytest.mark.parametrize("table", cases("compressor"))
def test_compressor_numpy_torch_equal_and_replica_independent(table):
    pytest.importorskip("torch")
    v_host = messages(R, n=M, f=0)
    _, _, ref, bits, ref_byz = compress(table, "numpy", v_host)
    _, _, got, bits_t, got_byz = compress(table, "torch", v_host)
    np.testing.assert_allclose(to_numpy(got), ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(to_numpy(got_byz), ref_byz, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(bits_t, bits)
    r = R - 1
    _, _, alone, _, _ = compress(table, "numpy", v_host[r:], replicas=[r])
    np.testing.assert_allclose(alone[0], ref[r], rtol=1e-12, atol=1e-12)
