"""(G,B) frontier: exact on structured quadratics (the declared pair is on the frontier), SDP vs
closed form vs sampling on random quadratics, and must-fail twins (pairs below the frontier have a
violating x, found by random sampling and by the constructed witness)."""
from __future__ import annotations

import numpy as np
import pytest

from theory.heterogeneity import (
    QuadraticHeterogeneity, dispersion_and_norm, gb_B2_min, gb_frontier_quadratic, gb_frontier_sampled, gb_witness,
)


def structured(rng, h=6, d=4, G2=2.0, B2=0.3):
    """f_i(x) = 1/2 (x-c)^T A_i (x-c) - b_i^T (x-c), A_i = (1+s_i) A_bar, mean s = 0, mean s^2 = B2,
    sum b_i = 0, sum s_i b_i = 0, mean ||b_i||^2 = G2: the (G,B) inequality holds with equality."""
    Q = rng.normal(size=(d, d))
    Abar = Q @ Q.T + d * np.eye(d)
    s = rng.normal(size=h)
    s -= s.mean()
    s *= np.sqrt(B2 / np.mean(s**2))
    bb = rng.normal(size=(h, d))
    X = np.stack([np.ones(h), s], axis=1)
    bb -= X @ np.linalg.lstsq(X, bb, rcond=None)[0]
    bb *= np.sqrt(G2 / np.mean(np.sum(bb**2, axis=1)))
    A = (1 + s)[:, None, None] * Abar
    c = rng.normal(size=d)
    b_lin = bb + np.einsum("hij,j->hi", A, c)  # grad f_i = A_i x - (b_i + A_i c)
    return A, b_lin, G2, B2


def grads_fn(A, b):
    return lambda X: np.einsum("hij,pj->phi", A, X) - b[None]


def random_points(rng, d, P=4000):
    scales = 10.0 ** rng.uniform(-2, 4, size=(P, 1))
    return rng.normal(size=(P, d)) * scales


@pytest.mark.parametrize("seed", [0, 1])
def test_structured_quadratic_frontier_passes_through_the_declared_pair(seed):
    rng = np.random.default_rng(seed)
    A, b, G2, B2 = structured(rng)
    H = QuadraticHeterogeneity.from_workers(A, b)
    X = random_points(rng, A.shape[1], 200)
    D, N = H.sides(X)
    np.testing.assert_allclose(D, G2 + B2 * N, rtol=1e-8)  # equality everywhere
    grid = [0.5 * B2, 0.99 * B2, B2, 1.5 * B2]
    for method in ("closed", "sdp"):
        F = gb_frontier_quadratic(A, b, grid, method=method)
        assert F.G2_at(B2) == pytest.approx(G2, rel=1e-5)
        assert np.isinf(F.G2_at(0.5 * B2)) and np.isinf(F.G2_at(0.99 * B2))
        assert F.G2_at(1.5 * B2) == pytest.approx(G2, rel=1e-5)
        assert F.contains(G2, B2)
    assert gb_B2_min(A, b) == pytest.approx(B2, rel=1e-8)


@pytest.mark.parametrize("seed", [0, 1])
def test_twin_no_valid_pair_below_the_frontier(seed):
    """Pairs just below the declared one are violated at some random x (and at the witness)."""
    rng = np.random.default_rng(seed)
    A, b, G2, B2 = structured(rng)
    H = QuadraticHeterogeneity.from_workers(A, b)
    F = gb_frontier_quadratic(A, b, [B2, 0.97 * B2])
    X = random_points(rng, A.shape[1])
    for g2, b2 in [(0.97 * G2, B2), (G2, 0.97 * B2), (0.5 * G2, 0.97 * B2)]:
        assert not F.contains(g2, b2)
        assert np.any(H.violation(g2, b2, X) > 0), (g2, b2)
        w = gb_witness(A, b, g2, b2)
        assert w is not None and H.violation(g2, b2, w) > 0
    assert not np.any(H.violation(G2, B2, X) > 0)  # the declared pair itself is valid
    assert gb_witness(A, b, G2, B2) is None


def test_twin_a_wrongly_declared_generator_is_caught():
    """Declaring B as mean |s_i| (not squared) or G^2 as mean ||b_i|| misses the frontier."""
    rng = np.random.default_rng(3)
    A, b, G2, B2 = structured(rng, B2=0.3)
    F = gb_frontier_quadratic(A, b, [B2, 0.3**2])
    assert not F.contains(G2, 0.3**2)  # B^2 mistaken for B
    assert not F.contains(np.sqrt(G2) * 0.9, B2)


def random_quadratic(rng, h=5, d=3, diag=False):
    if diag:
        A = rng.uniform(0.5, 3.0, size=(h, d))
    else:
        Qs = rng.normal(size=(h, d, d))
        A = np.einsum("hij,hkj->hik", Qs, Qs) + np.eye(d)
    return A, rng.normal(size=(h, d))


@pytest.mark.parametrize("seed, diag", [(0, False), (1, False), (2, True)])
def test_random_quadratics_sdp_closed_form_and_sampling_agree(seed, diag):
    rng = np.random.default_rng(seed)
    A, b = random_quadratic(rng, diag=diag)
    B2min = gb_B2_min(A, b)
    grid = np.array([0.5, 1.01, 1.2, 2.0, 5.0]) * B2min
    F_closed = gb_frontier_quadratic(A, b, grid, method="closed")
    F_sdp = gb_frontier_quadratic(A, b, grid, method="sdp")
    assert np.isinf(F_closed.G2[0]) and np.isinf(F_sdp.G2[0])
    np.testing.assert_allclose(F_sdp.G2[1:], F_closed.G2[1:], rtol=2e-4)
    # sampling: a lower estimate, tight when the sample contains the maximiser's neighbourhood
    H = QuadraticHeterogeneity.from_workers(A, b)
    Aful = A if A.ndim == 3 else np.einsum("hd,de->hde", A, np.eye(A.shape[1]))
    X = random_points(rng, A.shape[1], 3000)
    F_s = gb_frontier_sampled(X, grads_fn(Aful, b), grid)
    assert np.all(F_s.G2[1:] <= F_closed.G2[1:] * (1 + 1e-9)) and not F_s.exact
    P, s, _ = H.P_s_t(grid[3])
    x_star = -np.linalg.solve(P, s)
    near = x_star + 1e-3 * rng.normal(size=(200, A.shape[1]))
    F_near = gb_frontier_sampled(near, grads_fn(Aful, b), grid[3:4])
    assert F_near.G2[0] == pytest.approx(F_closed.G2[3], rel=1e-4)
    # every frontier pair is valid on random points; 1% below it is not
    for j in range(1, len(grid)):
        g2 = F_closed.G2[j]
        assert not np.any(H.violation(g2, grid[j], X) > 0)
        w = gb_witness(A, b, 0.99 * g2, grid[j])
        assert w is not None and H.violation(0.99 * g2, grid[j], w) > 0


def test_sampled_frontier_accepts_arrays_and_checks_shapes():
    rng = np.random.default_rng(4)
    g = rng.normal(size=(10, 3, 2))
    D, N = dispersion_and_norm(g)
    F = gb_frontier_sampled(np.zeros((10, 2)), g, [0.0, 1.0])
    assert F.G2[0] == pytest.approx(D.max()) and F.G2[1] == pytest.approx(max(0.0, (D - N).max()))
    with pytest.raises(ValueError, match="A must be"):
        QuadraticHeterogeneity.from_workers(np.ones((3, 2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="not on the grid"):
        F.G2_at(0.5)
