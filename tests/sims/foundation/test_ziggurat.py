"""The float32 ziggurat (sims.ziggurat): standard normal in distribution, the numba and numpy paths
bit for bit, the overflow refill exact, and its tables those of the construction."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sims import ziggurat as zg


def draw(m: int, seed: int = 0, fill=None) -> np.ndarray:
    return zg.standard_normal_float32(np.random.PCG64(seed), np.empty(m, np.float32), fill=fill)


def test_tables_close_the_construction():
    x = zg.EDGES
    assert x[1] == zg.TAIL_EDGE and x[-1] == 0 and np.all(np.diff(x[1:]) < 0)
    # every layer has area v; the top one closes at f^-1(1) = 0 within the published constants' digits
    assert abs(zg.LAYER_AREA / x[255] + math.exp(-0.5 * x[255] ** 2) - 1) < 1e-9
    tail = zg.LAYER_AREA - x[1] * math.exp(-0.5 * x[1] ** 2)
    assert tail == pytest.approx(math.sqrt(2 * math.pi) * stats.norm.sf(x[1]), rel=1e-6)
    assert 0.98 < np.mean(zg.ACCEPT / zg.SPAN) < 0.99  # the fast path's share of words


def histogram_p_value(z: np.ndarray) -> float:
    """Pearson's chi-square p-value of z against N(0, 1) on 82 bins (0.1 wide over [-4, 4])."""
    edges = np.concatenate([[-np.inf], np.linspace(-4, 4, 81), [np.inf]])
    expected = z.size * np.diff(stats.norm.cdf(edges))
    chi2 = np.sum((np.histogram(z, edges)[0] - expected) ** 2 / expected)
    return float(stats.chi2.sf(chi2, len(expected) - 1))


def test_standard_normal_in_distribution():
    z = draw(2_000_000, seed=11).astype(np.float64)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert histogram_p_value(z) > 1e-3
    tail = np.mean(np.abs(z) > zg.TAIL_EDGE)  # the tail sampler: P(|Z| > r) = 2.6e-4, sd 1.1e-5 here
    assert abs(tail - 2 * stats.norm.sf(zg.TAIL_EDGE)) < 6e-5
    assert np.max(np.abs(z)) > zg.TAIL_EDGE


def test_a_broken_wedge_is_detected():
    """The histogram test has power where KS has little: accepting every wedge point (1.5 % of
    the candidates) moves mass by ~0.3 % per bin (p ~ 1e-23 at this size)."""
    saved = zg.HEIGHT.copy()
    try:
        zg.HEIGHT[1:-1] = 0.0  # y = 0 < f(x): every wedge candidate accepted
        z = draw(2_000_000, seed=11, fill=zg._fill_numpy).astype(np.float64)
    finally:
        zg.HEIGHT[:] = saved
    assert histogram_p_value(z) < 1e-8


@pytest.mark.skipif(zg.compiled_fill is None, reason="numba (the fast extra) not installed")
@pytest.mark.parametrize("m", [1, 2, 3, 7, 100, 1601, 40_000])
def test_numba_and_numpy_paths_bit_for_bit(m):
    np.testing.assert_array_equal(draw(m, seed=m), draw(m, seed=m, fill=zg._fill_numpy))


@pytest.mark.parametrize("fill", ["default", "numpy"])
def test_overflow_refill_gives_the_numbers_of_a_long_overflow(monkeypatch, fill):
    """Starving the overflow forces many refills; each restarts its sample on a longer overflow,
    so the numbers are those of one long overflow read in the same order."""
    chosen = zg._fill_numpy if fill == "numpy" else None
    m = 5000
    monkeypatch.setattr(zg, "overflow_words", lambda m: 0)
    monkeypatch.setattr(zg, "REFILL_WORDS", 1)
    starved = draw(m, seed=5, fill=chosen)
    long = np.random.PCG64(5).random_raw((m + 1) // 2 + 10_000)  # the same raw words, one long overflow
    words = zg._half_words(long)
    out = np.empty(m, np.float32)
    s, _ = (chosen or zg.compiled_fill or zg._fill_numpy)(words, 2 * ((m + 1) // 2), 0, 0, out)
    assert s == m
    np.testing.assert_array_equal(starved, out)


def test_same_seed_same_numbers_other_seed_other_numbers():
    """Reproducible from the generator's state alone (a row's numbers do depend on how a replica's
    draws are split into rows: each row discards its unused overflow)."""
    a, b = draw(300, seed=3), draw(300, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, draw(300, seed=4))


def test_refuses_an_output_it_could_not_fill_in_place():
    with pytest.raises(ValueError, match="C-ordered float32"):
        zg.standard_normal_float32(np.random.PCG64(0), np.empty((4, 6), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="float64"):
        zg.standard_normal_float32(np.random.PCG64(0), np.empty(6))
