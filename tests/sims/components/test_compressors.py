"""Declared compressor constants, checked by Monte Carlo (specs/components.md 7, 11.2), each with a
must-fail twin: the "zeroing" sparsifier (pitfall #1), an in-place Rand-K (pitfall #2), a QSGD that
only rounds down, and constants claimed better than they are."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sims import registry
from sims.compressors.base import CompressorSpec, constant_bits
from sims.compressors.checks import draws, second_moment, unbiasedness
from sims.compressors.quantizers import sparse_level_bits
from sims.rng import ReplicaStreams

M = 4000  # Monte-Carlo draws
X = np.random.default_rng(11).standard_normal(12) * np.array([3.0] + [1.0] * 11)


def comp(name, **fields):
    return registry.build("compressor", {"name": name, **fields})


UNBIASED = [("randk", {"k": 3}), ("coordinated_randk", {"k": 3}), ("natural", {}), ("qsgd", {"s": 1}),
            ("qsgd", {"s": 4}), ("permk", {"workers": 4}), ("identity", {})]
CONTRACTIVE = [("topk", {"k": 3}), ("unscaled_randk", {"k": 3}), ("scaled_sign", {}), ("randk", {"k": 3})]


def test_every_registered_compressor_has_a_statistical_check():
    checked = {name for name, _ in UNBIASED + CONTRACTIVE}
    assert set(registry.names("compressor")) <= checked


@pytest.mark.parametrize("name,fields", UNBIASED, ids=[f"{n}-{f}" for n, f in UNBIASED])
def test_unbiased_with_declared_omega(name, fields):
    c = comp(name, **fields)
    sample = draws(c, X, M)[:, 0]
    assert unbiasedness(sample, X)[0]
    ok, ratio = second_moment(sample, X, c.omega(12))
    assert ok, (ratio, c.omega(12))


@pytest.mark.parametrize("name,fields", CONTRACTIVE, ids=[f"{n}-{f}" for n, f in CONTRACTIVE])
def test_contractive_with_declared_alpha(name, fields):
    c = comp(name, **fields)
    sample = draws(c, X, M if c.category != "contractive" or name == "unscaled_randk" else 2)[:, 0]
    if name == "randk":  # unbiased compressors are contractive after scaling by 1/(1 + omega)
        sample = sample / (1 + c.omega(12))
    ok, ratio = second_moment(sample, X, 1 - c.alpha(12))
    assert ok, (ratio, 1 - c.alpha(12))


@pytest.mark.parametrize("name,fields,claim,x", [
    ("randk", {"k": 3}, lambda c: 0.8 * c.omega(12), X),  # omega = d/K - 1 holds with equality
    ("natural", {}, lambda c: 0.1, np.full(12, 4.0 / 3.0)),  # omega = 1/8 attained at |x| = (4/3) 2^e
    ("permk", {"workers": 4}, lambda c: 0.8 * c.omega(12), X),
])
def test_omega_claimed_too_small_fails(name, fields, claim, x):
    c = comp(name, **fields)
    assert not second_moment(draws(c, x, M)[:, 0], x, claim(c))[0]


@pytest.mark.parametrize("name,fields,x", [
    ("unscaled_randk", {"k": 3}, X),  # alpha = K/d exactly in expectation
    ("topk", {"k": 3}, np.ones(12)),  # equal magnitudes attain alpha = K/d
    ("scaled_sign", {}, np.eye(12)[0] + 1e-6),  # alpha(x) -> 1/d as x -> e_1 with no zero coordinate
])
def test_alpha_claimed_too_large_fails(name, fields, x):
    c = comp(name, **fields)
    assert not second_moment(draws(c, x, M if name == "unscaled_randk" else 2)[:, 0], x, 1 - 1.5 * c.alpha(12))[0]


def test_scaled_sign_alpha_identity():
    err = np.sum((draws(comp("scaled_sign"), X, 1)[0, 0] - X) ** 2)
    alpha_x = np.sum(np.abs(X)) ** 2 / (12 * np.sum(X * X))
    assert err == pytest.approx((1 - alpha_x) * np.sum(X * X))


def test_permk_joint_variance_identity():
    """E||(1/B) sum_i C_i(a_i) - mean(a)||^2 = (1/B) sum_i ||a_i - mean(a)||^2 (specs 7.2)."""
    a = np.random.default_rng(2).standard_normal((4, 12))
    sample = draws(comp("permk", workers=4), a, M)  # [M, 4, 12]
    err = np.sum((sample.mean(axis=1) - a.mean(axis=0)) ** 2, axis=1)
    target = np.mean(np.sum((a - a.mean(axis=0)) ** 2, axis=1))
    assert abs(err.mean() - target) < 4 * err.std() / np.sqrt(M)


def test_shared_mask_keeps_identical_messages_identical():
    sample = draws(comp("coordinated_randk", k=3), X, 5, messages=3)
    np.testing.assert_array_equal(sample[:, 0], sample[:, 2])
    independent = draws(comp("randk", k=3), X, 5, messages=3)
    assert not np.array_equal(independent[:, 0], independent[:, 2])


def test_qsgd_bits_match_an_explicit_elias_encoder():
    levels = np.array([[[0, 2, 0, 0, 1, 3, 0, 1]]])

    def gamma(k):
        return 2 * int(np.floor(np.log2(k))) + 1

    expected, prev = 32, -1
    for j, lv in enumerate(levels[0, 0]):
        if lv:
            expected += 1 + gamma(lv) + gamma(j - prev)
            prev = j
    assert sparse_level_bits(levels, 32)[0, 0] == expected


def test_declared_bits():
    d = 100
    assert comp("randk", k=10).bits(d) == 10 * (32 + 7)  # values and ceil(log2 100) = 7 index bits
    assert comp("coordinated_randk", k=10).bits(d) == 10 * 32  # shared seed: no indices
    assert comp("natural").bits(d) == 9 * d  # sign + 8 exponent bits for float32
    assert comp("scaled_sign").bits(d) == d + 32
    assert comp("permk", workers=4).bits(d) == 25 * 32


# --- must-fail fixtures of known-bad implementations --------------------------------------------------
@dataclass(frozen=True)
class ZeroingSparsifier(CompressorSpec):
    """VR_Byzantine's "Rand-K": zero ceil(0.1 d) random coordinates, scale all by 10, in place."""

    name = "zeroing"

    def compress(self, v, streams, shared=None, b_f=32):
        R, m, d = v.shape
        idx = streams.subsets("compress", d, int(np.ceil(0.1 * d)), (m,))
        np.put_along_axis(v, idx, 0.0, axis=2)
        v *= 10.0
        return v, constant_bits(R, m, d * b_f)


@dataclass(frozen=True)
class InPlaceRandK(CompressorSpec):
    """A correct Rand-K that zeroes its argument in place (CC-for-BR-Learning)."""

    name = "inplace_randk"

    def compress(self, v, streams, shared=None, b_f=32):
        R, m, d = v.shape
        keep = np.zeros((R, m, d), dtype=bool)
        np.put_along_axis(keep, streams.subsets("compress", d, 3, (m,)), True, axis=2)
        v[~keep] = 0.0
        v *= d / 3
        return v, constant_bits(R, m, 3 * b_f)


@dataclass(frozen=True)
class RoundDownQSGD(CompressorSpec):
    """QSGD without the stochastic rounding (always rounds down)."""

    name = "round_down_qsgd"

    def compress(self, v, streams, shared=None, b_f=32):
        norm = np.linalg.norm(v, axis=2, keepdims=True)
        return norm * np.sign(v) * np.floor(4 * np.abs(v) / norm) / 4, constant_bits(v.shape[0], v.shape[1], 0)


@pytest.mark.parametrize("twin", [ZeroingSparsifier(), RoundDownQSGD()], ids=["zeroing", "round_down_qsgd"])
def test_biased_twins_fail_unbiasedness(twin):
    assert not unbiasedness(draws(twin, X, M)[:, 0], X)[0]


def mutates_its_input(compressor) -> bool:
    v = np.broadcast_to(X, (3, 2, 12)).copy()
    before = v.copy()
    compressor.compress(v, ReplicaStreams([0] * 3, range(3)))
    return not np.array_equal(v, before)


@pytest.mark.parametrize("twin", [ZeroingSparsifier(), InPlaceRandK()], ids=["zeroing", "inplace_randk"])
def test_in_place_twins_fail_the_no_mutation_check(twin):
    assert mutates_its_input(twin)
    assert not mutates_its_input(comp("randk", k=3))
