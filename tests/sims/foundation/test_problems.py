"""Every declared problem constant against brute force."""
from __future__ import annotations

import numpy as np
import pytest

from sims.backend import Backend
from sims.problems.quadratic import QuadraticSpec, heterogeneity_lhs
from sims.problems.logistic import LogisticRealSpec, LogisticSpec
from sims.rng import ReplicaStreams

NP = Backend("numpy")


def hessian_by_differences(problem, x, eps=1e-5):
    """Symmetric finite-difference Hessian of f_H at x [d]."""
    d = x.size
    E = np.eye(d) * eps
    H = (problem.grad(x + E) - problem.grad(x - E)) / (2 * eps)
    return 0.5 * (H + H.T)


@pytest.mark.parametrize("form", ["diagonal", "dense"])
@pytest.mark.parametrize("mu", [0.0, 0.2])
def test_quadratic_constants_hold_exactly(form, mu):
    spec = QuadraticSpec(d=7, L=3.0, mu=mu, G=1.5, B=0.7, form=form, seed=3)
    p = spec.build(6, NP)
    H = hessian_by_differences(p, np.zeros(7))
    eig = np.linalg.eigvalsh(H)
    assert eig[-1] == pytest.approx(3.0, abs=1e-6) and eig[0] == pytest.approx(mu, abs=1e-6)
    X = np.random.default_rng(0).standard_normal((50, 7)) * 5
    lhs = heterogeneity_lhs(p, X)
    rhs = 1.5**2 + 0.7**2 * np.sum(p.grad(X) ** 2, axis=1)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)  # equality: (G, B) is on the frontier
    assert p.loss(p.x_star[None])[0] == pytest.approx(p.constants.f_star, abs=1e-14)
    np.testing.assert_allclose(p.grad(p.x_star[None]), 0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(p.x0 - p.x_star), spec.x0_dist)
    np.testing.assert_allclose(p.loss(X), np.mean(p.local_loss(X), axis=1), rtol=1e-12)


def test_a_wrong_declared_G_fails_the_brute_force_check():
    p = QuadraticSpec(d=5, G=1.0, B=0.0, seed=1).build(6, NP)
    X = np.random.default_rng(1).standard_normal((20, 5))
    assert not np.allclose(heterogeneity_lhs(p, X), 0.9**2)


@pytest.mark.parametrize("oracle,batch", [("gaussian", 1), ("finite_sum", 1), ("finite_sum", 4)])
def test_oracle_variance_is_sigma_squared(oracle, batch):
    spec = QuadraticSpec(d=6, sigma=0.8, oracle=oracle, batch=batch, m=10, seed=2)
    p = spec.build(4, NP)
    x = np.broadcast_to(p.x0, (4000, 6))
    streams = ReplicaStreams(np.zeros(4000, int), np.arange(4000))
    g = p.sample_grad(x, streams)
    err = np.sum((g - p.full_grad(x)) ** 2, axis=2)  # [R, h]
    np.testing.assert_allclose(err.mean(axis=0), 0.64, rtol=0.08)
    np.testing.assert_allclose(np.mean(g, axis=0), p.full_grad(x[:1])[0], atol=0.05)  # unbiased


def test_diagonal_quadratic_scales_to_d_1e5():
    p = QuadraticSpec(d=100_000, G=1.0, B=0.2, sigma=1.0).build(8, NP)
    g = p.full_grad(p.x0[None])
    assert g.shape == (1, 8, 100_000) and np.isfinite(g).all()


def test_logistic_constants_bound_brute_force():
    spec = LogisticSpec(d=5, m=30, het=1.0, lam=0.01, batch=4, seed=4, n_probe=32)
    p = spec.build(5, NP)
    c = p.constants
    rng = np.random.default_rng(5)
    for x in rng.standard_normal((5, 5)):
        assert np.linalg.eigvalsh(hessian_by_differences(p, x))[-1] <= c.L + 1e-6
        assert np.linalg.eigvalsh(hessian_by_differences(p, x))[0] >= c.mu - 1e-6
    X = p.x_star[None] + rng.standard_normal((200, 5))
    assert np.all(p.loss(X) >= c.f_star - 1e-12)
    np.testing.assert_allclose(p.grad(p.x_star[None]), 0, atol=1e-7)
    assert not c.exact["G"] and c.G > 0 and c.B == 0.0
    # sigma^2 is the minibatch variance at the worst probe: at x* it is an upper bound of the Monte Carlo value
    xs = np.broadcast_to(p.x_star, (3000, 5))
    g = p.sample_grad(xs, ReplicaStreams(np.zeros(3000, int), np.arange(3000)))
    mc = np.sum((g - p.full_grad(xs[:1])) ** 2, axis=2).mean(axis=0).max()
    assert mc <= c.sigma**2 * 1.1


def test_nonconvex_regulariser_curvature_bound():
    spec = LogisticSpec(d=4, m=20, lam=1.0, reg="nonconvex", seed=6, n_probe=8)
    p = spec.build(3, NP)
    eigs = [np.linalg.eigvalsh(hessian_by_differences(p, x)) for x in np.random.default_rng(7).standard_normal((10, 4))]
    assert max(e[-1] for e in eigs) <= p.constants.L + 1e-6
    assert min(e[0] for e in eigs) < 0  # genuinely non-convex somewhere
    assert p.constants.mu == 0.0


@pytest.mark.parametrize("dataset", ["breast_cancer", "digits"])
def test_real_data_splits(dataset):
    iid = LogisticRealSpec(dataset=dataset, split="iid", n_probe=4).build(8, NP)
    skew = LogisticRealSpec(dataset=dataset, split="dirichlet", dir_alpha=0.1, n_probe=4).build(8, NP)
    share = lambda p: np.mean(p.y_host > 0, axis=1)  # noqa: E731  fraction of positives per worker
    assert iid.A_host.shape[:2] == skew.A_host.shape[:2]
    assert np.std(share(skew)) > 2 * np.std(share(iid))
    assert skew.constants.G > iid.constants.G  # label skew raises the heterogeneity estimate
