"""LAD's claim in small, and the least-squares problem it runs on.

Claim (Li, Allouah, Guerraoui, Skoglund, Xiao 2026, abstract; specs/theorems.md 14): with
heterogeneous data subsets and f Byzantine devices, more redundancy s gives a lower error.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sims import ConfigError, run
from sims.backend import Backend
from sims.problems.least_squares import LeastSquaresSpec, tightest_G2
from tests.sims.algorithms_ii.seed_ii_common import config

REDUNDANCY = (1, 2, 4)
NP = Backend("numpy")


def tail_errors(s, *, n=12, f=3, aggregator="cwtm", attack="alie", problem_seed=0, seeds=6, T=200):
    """Per replica, the mean of f(x_t) - f* over the last quarter of the run: [seeds]."""
    problem = {"name": "least_squares", "d": 5, "subsets": n, "m": 4, "sigma_H": 1.0, "seed": problem_seed}
    res = run(config({"name": "lad", "lr": 0.5, "s": s}, problem=problem, aggregator=aggregator, attack=attack,
                     n=n, f=f, T=T, seeds=seeds, record_every=10))
    tail = res.records[res.records["round"] >= 3 * T // 4]
    return tail.groupby("replica").f_gap.mean().to_numpy()


def clearly_decreasing(errors: dict[int, np.ndarray], factor=1.5, alpha=1e-3) -> bool:
    """Each step up in s lowers the error: mean ratio >= factor and a one-sided Welch t-test on the
    log errors (replicas independent) at level alpha."""
    for lo, hi in zip(REDUNDANCY, REDUNDANCY[1:]):
        a, b = np.log(errors[lo]), np.log(errors[hi])
        if not np.mean(errors[lo]) >= factor * np.mean(errors[hi]):
            return False
        p = stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
        if not p < alpha:
            return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("problem_seed", [0, 1, 2])
def test_lad_error_decreases_with_redundancy(problem_seed):
    """Three problem instances, 6 replicas each (n = 12, f = 3, ALIE, CWTM); each step s -> 2s must
    lower the error clearly (observed: 2.5-4x, p < 1e-5 on five instances)."""
    errors = {s: tail_errors(s, problem_seed=problem_seed) for s in REDUNDANCY}
    assert clearly_decreasing(errors), {s: e.mean() for s, e in errors.items()}


def test_without_byzantines_and_with_the_mean_redundancy_changes_nothing():
    """Must-fail twin: with f = 0 every subset is covered s times, so the mean of the coded vectors
    is grad F whatever s; the decrease check must fail."""
    errors = {s: tail_errors(s, n=12, f=0, aggregator="mean", attack="none") for s in REDUNDANCY}
    np.testing.assert_allclose(errors[1], errors[4], rtol=1e-6)
    assert not clearly_decreasing(errors)


# --- the least-squares problem ---------------------------------------------------------------
SPEC = LeastSquaresSpec(d=5, subsets=9, m=3, sigma_H=1.0, noise=0.1, lam=0.01, batch=2, seed=1)


def test_least_squares_constants_hold_exactly():
    p = SPEC.build(6, NP)
    c = p.constants
    X = np.random.default_rng(0).standard_normal((100, 5)) * 3
    H = np.array([(p.grad((X[0] + e)[None]) - p.grad((X[0] - e)[None]))[0] / 2e-4 for e in np.eye(5) * 1e-4])
    eig = np.linalg.eigvalsh(0.5 * (H + H.T))
    assert eig[-1] == pytest.approx(c.L, rel=1e-6) and eig[0] == pytest.approx(c.mu, rel=1e-6)
    np.testing.assert_allclose(p.grad(p.x_star[None]), 0, atol=1e-12)
    assert p.loss(p.x_star[None])[0] == pytest.approx(c.f_star, abs=1e-14)
    assert np.all(p.loss(X) >= c.f_star)
    # (G, B) holds everywhere, with equality at the maximiser (it is the least G for that B)
    g = p.full_grad(X)
    lhs = np.mean(np.sum((g - g.mean(1, keepdims=True)) ** 2, 2), 1)
    assert np.all(lhs <= c.G**2 + c.B**2 * np.sum(g.mean(1) ** 2, 1) + 1e-12)
    # beta2 at x*: the subsets' dispersion; subset gradients average to grad F
    sub = p.subset_grads(p.x_star[None], 9)[0]
    assert c.extras["beta2_star"] == pytest.approx(np.mean(np.sum(sub**2, 1)), rel=1e-10)
    np.testing.assert_allclose(p.subset_grads(X, 3).mean(1), p.grad(X), atol=1e-13)


def test_tightest_G2_is_attained_and_a_smaller_value_fails():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((4, 3, 3))
    Qs = np.einsum("hmi,hmj->hij", A, A) + 0.1 * np.eye(3)
    bs = rng.standard_normal((4, 3))
    B2 = 50.0
    G2 = tightest_G2(Qs, bs, B2)
    X = rng.standard_normal((4000, 3)) * 5
    g = np.einsum("hij,rj->rhi", Qs, X) - bs
    slack = G2 + B2 * np.sum(g.mean(1) ** 2, 1) - np.mean(np.sum((g - g.mean(1, keepdims=True)) ** 2, 2), 1)
    assert slack.min() >= -1e-9
    # the maximiser x = P^{-1} q attains it: 0.99 G2 is violated there
    Qbar, bbar = Qs.mean(0), bs.mean(0)
    dQ, db = Qs - Qbar, bs - bbar
    P = B2 * Qbar @ Qbar - np.einsum("hij,hjk->ik", dQ, dQ) / 4
    x = np.linalg.solve(P, B2 * Qbar @ bbar - np.einsum("hij,hj->i", dQ, db) / 4)
    g = np.einsum("hij,j->hi", Qs, x) - bs
    lhs = np.mean(np.sum((g - g.mean(0)) ** 2, 1))
    assert lhs == pytest.approx(G2 + B2 * np.sum(g.mean(0) ** 2), rel=1e-8)
    assert lhs > 0.99 * G2 + B2 * np.sum(g.mean(0) ** 2)


def test_least_squares_oracle_is_unbiased_with_the_declared_variance_at_the_optimum():
    from sims.rng import ReplicaStreams

    p = SPEC.build(6, NP)
    R = 4000
    xs = np.broadcast_to(p.x_star, (R, 5))
    g = p.sample_grad(xs, ReplicaStreams(np.zeros(R, int), np.arange(R)))
    full = p.full_grad(xs[:1])[0]
    np.testing.assert_allclose(g.mean(0), full, atol=0.03)
    err = np.sum((g - full) ** 2, axis=2).mean()
    assert err == pytest.approx(p.constants.sigma**2, rel=0.08)


def test_subsets_beyond_the_honest_workers_enter_the_objective_only():
    p = SPEC.build(6, NP)  # 9 subsets, 6 honest workers
    x = np.ones((1, 5))
    assert p.full_grad(x).shape == (1, 6, 5)
    assert not np.allclose(p.grad(x), p.full_grad(x).mean(1))  # F covers subsets 6..8 too
    resid = np.einsum("nmd,d->nm", p.A_host, x[0]) - p.y_host  # all 9 subsets
    assert p.loss(x)[0] == pytest.approx(0.5 * np.mean(resid**2) + 0.5 * SPEC.lam * 5, rel=1e-12)
    np.testing.assert_allclose(p.local_loss(x)[0], 0.5 * np.mean(resid[:6] ** 2, 1) + 0.5 * SPEC.lam * 5)


def test_lad_runs_on_logistic_regression_split_into_n_subsets():
    """The logistic problems pool the honest workers' samples and split them into N = n subsets."""
    from sims.problems.logistic import LogisticSpec

    p = LogisticSpec(d=5, m=12, seed=2).build(4, NP)  # 48 samples: n = 6 subsets of 8
    X = np.random.default_rng(3).standard_normal((3, 5))
    np.testing.assert_allclose(p.subset_grads(X, 6).mean(1), p.grad(X), atol=1e-14)
    problem = {"name": "logistic", "d": 5, "m": 12, "seed": 2, "lam": 0.01}
    res = run(config({"name": "lad", "lr": 1.0, "s": 3}, problem=problem, n=6, f=2, T=100, seeds=2))
    assert (res.summary.f_gap < 0.5 * res.records.query("round == 0").f_gap.to_numpy()).all()


def test_invalid_settings_name_field_value_and_rule():
    with pytest.raises(ConfigError, match="problem.subsets"):
        config({"name": "lad", "lr": 0.5}, problem={"name": "least_squares", "subsets": 3}, n=7, f=2)
    with pytest.raises(ConfigError, match="workers.n"):  # 3 subsets x 4 samples cannot split into 5
        run(config({"name": "lad", "lr": 0.5}, problem={"name": "least_squares", "subsets": 3, "m": 4},
                   attack="none", n=5, f=2))
    with pytest.raises(ConfigError, match="algorithm.s"):
        config({"name": "lad", "lr": 0.5, "s": 8}, problem={"name": "least_squares"}, n=7, f=2)
    with pytest.raises(ConfigError, match="problem.name"):
        run(config({"name": "lad", "lr": 0.5}))  # the quadratic has no data subsets
    with pytest.raises(ConfigError, match="compressor.name"):
        run(config({"name": "lad", "lr": 0.5}, problem={"name": "least_squares", "subsets": 7},
                   compressor={"name": "randk", "k": 2}))
