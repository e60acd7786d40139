"""Every declared constant of the zero-chain hard instance against brute force, on small chains."""
from __future__ import annotations

import numpy as np
import pytest

from sims.backend import Backend
from sims.errors import ConfigError
from sims.problems.zero_chain import ELL1, ZeroChainSpec, chain_params, min_rounds
from sims.registry import build
from sims.rng import ReplicaStreams
from tests.conftest import requires_torch

NP = Backend("numpy")
REGIMES = ("bounded_variance", "mean_squared_smooth")


def spec_for(regime, T=12, sigma=0.7, eps=0.01, L=2.0, **kw):
    """A spec whose chain has exactly T links (delta set from the scaling)."""
    probe = ZeroChainSpec(L=L, delta=1e3, sigma=sigma, eps=eps, regime=regime)
    per_link = chain_params(probe).delta0_bound / chain_params(probe).T
    return ZeroChainSpec(L=L, delta=per_link * (T + 0.5), sigma=sigma, eps=eps, regime=regime, **kw)


def chain_points(problem, n, rng, spread=3.0):
    """Points x = lambda y with a random prefix of the chain advanced and the next links near the
    oracle's thresholds (where the indicator / smooth step changes)."""
    T, lam = problem.T, problem.params.lam
    y = np.zeros((n, problem.d))
    k = rng.integers(0, T + 1, n)
    for r in range(n):
        y[r, : k[r]] = rng.uniform(-spread, spread, k[r])
        y[r, k[r]: k[r] + 2] = rng.uniform(-0.6, 0.6, min(2, T - k[r]))
    return y * lam


def coin_expectation(problem, x, y, fn):
    """E_z fn(g(x;z), g(y;z)) exactly, over one worker's Bernoulli(p) coin."""
    R = x.shape[0]
    one, zero = np.ones((R, 1)), np.zeros((R, 1))
    g1 = (problem.stochastic_grad(x, one)[:, 0], problem.stochastic_grad(y, one)[:, 0])
    g0 = (problem.stochastic_grad(x, zero)[:, 0], problem.stochastic_grad(y, zero)[:, 0])
    return problem.p * fn(*g1) + (1 - problem.p) * fn(*g0)


def test_registered_and_built_from_a_table():
    spec = build("problem", {"name": "zero_chain", "L": 1.0, "delta": 300.0, "sigma": 1.0, "eps": 0.02,
                             "regime": "mean_squared_smooth", "d": 50})
    assert isinstance(spec, ZeroChainSpec) and spec.dimension() == 50
    p = spec.build(3, NP)
    assert p.d == 50 and p.x0.shape == (50,) and np.all(p.x0 == 0)
    # coordinates past the chain never move
    x = chain_points(p, 5, np.random.default_rng(0))
    assert np.all(p.grad(x)[:, p.T:] == 0)


@pytest.mark.parametrize("table,field", [
    ({"L": -1.0}, "problem.L"),
    ({"eps": 0.0}, "problem.eps"),
    ({"regime": "heavy_tailed"}, "problem.regime"),
    ({"sigma": -0.1}, "problem.sigma"),
    ({"delta": 1e-6}, "problem.delta"),  # chain of length 0
    ({"d": 1}, "problem.d"),  # d below the chain length
])
def test_bad_input_names_field_value_and_allowed(table, field):
    base = {"name": "zero_chain", "L": 1.0, "delta": 30.0, "sigma": 1.0, "eps": 0.02}
    with pytest.raises(ConfigError) as err:
        build("problem", {**base, **table})
    assert err.value.field == field and err.value.value == next(iter(table.values())) and err.value.allowed


@pytest.mark.parametrize("regime", REGIMES)
def test_gradient_matches_finite_differences(regime):
    p = spec_for(regime, T=8).build(2, NP)
    x = chain_points(p, 6, np.random.default_rng(1))
    h = 1e-6 * p.params.lam
    E = np.eye(p.d) * h
    fd = np.stack([(p.loss(x + E[j]) - p.loss(x - E[j])) / (2 * h) for j in range(p.d)], axis=1)
    g = p.grad(x)
    np.testing.assert_allclose(fd, g, atol=1e-7 * np.abs(g).max())
    np.testing.assert_allclose(p.full_grad(x), np.repeat(g[:, None], 2, axis=1))  # G = B = 0
    np.testing.assert_allclose(p.local_loss(x).mean(axis=1), p.loss(x))


@pytest.mark.parametrize("regime", REGIMES)
def test_gradient_lipschitz_below_declared_L(regime):
    p = spec_for(regime).build(1, NP)
    rng = np.random.default_rng(2)
    x = chain_points(p, 4000, rng)
    step = p.params.lam * np.exp(rng.uniform(np.log(1e-3), np.log(1.0), (4000, 1)))
    u = rng.standard_normal(x.shape)
    y = x + step * u / np.linalg.norm(u, axis=1, keepdims=True)
    ratio = np.linalg.norm(p.grad(x) - p.grad(y), axis=1) / np.linalg.norm(x - y, axis=1)
    assert ratio.max() <= p.constants.L
    assert ratio.max() >= 0.3 * p.constants.L  # the brute force reaches the curved part (not vacuous)


@pytest.mark.parametrize("regime", REGIMES)
def test_oracle_unbiased_and_variance_below_sigma2(regime):
    p = spec_for(regime, sigma=0.7).build(1, NP)
    x = chain_points(p, 3000, np.random.default_rng(3))
    g = p.grad(x)
    mean = coin_expectation(p, x, x, lambda a, b: a)  # E_z g(x; z)
    np.testing.assert_allclose(mean, g, atol=1e-12 * np.abs(g).max())
    var = coin_expectation(p, x, x, lambda a, b: np.sum((a - g) ** 2, axis=1))
    assert var.max() <= p.constants.sigma**2
    assert var.max() >= 0.5 * p.constants.sigma**2  # sigma is the supremum: nearly reached on the chain
    # Monte Carlo through draw(): every worker's coin, fresh per replica
    h, R = 4, 3000
    q = spec_for(regime, sigma=0.7).build(h, NP)
    xs = np.broadcast_to(x[:1], (R, q.d))
    s = q.sample_grad(xs, ReplicaStreams(np.zeros(R, int), np.arange(R)))
    err = np.sum((s - q.full_grad(xs)) ** 2, axis=2)
    exact = coin_expectation(q, x[:1], x[:1], lambda a, b: np.sum((a - g[:1]) ** 2, axis=1))[0]
    np.testing.assert_allclose(err.mean(), exact, rtol=0.15)


def test_mean_squared_smoothness_holds_in_regime_b_and_fails_in_regime_a():
    rng = np.random.default_rng(4)
    ratios = {}
    for regime in REGIMES:
        p = spec_for(regime).build(1, NP)
        x = chain_points(p, 4000, rng)
        u = rng.standard_normal(x.shape)
        y = x + 1e-4 * p.params.lam * u / np.linalg.norm(u, axis=1, keepdims=True)
        ms = coin_expectation(p, x, y, lambda a, b: np.sum((a - b) ** 2, axis=1))
        ratios[regime] = np.sqrt(ms / np.sum((x - y) ** 2, axis=1)).max()
        if regime == "mean_squared_smooth":
            ell = p.constants.extras["ell"]
            assert ell == p.spec.L and p.constants.L <= ell
            assert ratios[regime] <= ell
    assert ratios["bounded_variance"] > ratios["mean_squared_smooth"]
    # the indicator oracle jumps where a link crosses 1/4: its same-sample difference quotient blows up
    jumps = []
    for regime in REGIMES:
        p = spec_for(regime).build(1, NP)
        y = np.zeros((2, p.d))
        y[:, :3] = 1.5
        y[:, 3] = [0.25 - 1e-7, 0.25 + 1e-7]
        x = y * p.params.lam
        ms = coin_expectation(p, x[:1], x[1:], lambda a, b: np.sum((a - b) ** 2, axis=1))[0]
        jumps.append(np.sqrt(ms) / np.linalg.norm(x[0] - x[1]))
    assert jumps[0] > 1e3 * spec_for("mean_squared_smooth").build(1, NP).constants.extras["ell"] > 1e3 * jumps[1]
    assert "ell" not in spec_for("bounded_variance").build(1, NP).constants.extras


@pytest.mark.parametrize("regime", REGIMES)
def test_gradient_above_two_eps_until_the_chain_is_done(regime):
    p = spec_for(regime, T=10).build(1, NP)
    x = chain_points(p, 5000, np.random.default_rng(5), spread=4.0)
    unfinished = p.progress(x, 1.0) < p.T
    assert unfinished.sum() > 1000
    norms = np.linalg.norm(p.grad(x[unfinished]), axis=1)
    assert norms.min() > p.constants.extras["grad_floor"] == pytest.approx(2 * p.spec.eps)
    # far along the chain (all links past 1) the gradient can be small: the bound is not vacuous
    done = p.params.lam * np.full((1, p.d), 6.0)
    assert np.linalg.norm(p.grad(done)) < 2 * p.spec.eps


@pytest.mark.parametrize("regime", REGIMES)
def test_delta0_and_f_star(regime):
    spec = spec_for(regime, T=9)
    p = spec.build(1, NP)
    c = p.constants
    assert p.delta0() <= c.extras["Delta0_bound"] <= spec.delta
    # F_T(0) - inf F_T = sqrt(2 pi e)(1/2 + (T - 1) e), below the papers' 12 T
    root = np.sqrt(2 * np.pi * np.e)
    assert p.loss(np.zeros((1, p.d)))[0] == pytest.approx(-p.params.value_scale * root / 2, rel=1e-12)
    assert p.delta0() == pytest.approx(p.params.value_scale * root * (0.5 + (p.T - 1) * np.e), rel=1e-12)
    x = chain_points(p, 3000, np.random.default_rng(6), spread=8.0)
    assert np.all(p.loss(x) >= c.f_star)
    far = p.loss(p.params.lam * np.full((1, p.d), 1e4))[0]  # y = t 1 with t large approaches inf f
    assert far - c.f_star < 1e-6 * abs(c.f_star)


def test_scaling_of_chain_length_and_coin():
    """T ~ L Delta/eps^2 and p ~ eps^2/sigma^2 (a); T ~ ell Delta/(sigma eps) and sqrt(p) ~ eps/sigma (b)."""
    a1, a2 = (chain_params(ZeroChainSpec(L=1, delta=100, sigma=5, eps=e)) for e in (0.02, 0.01))
    assert a2.T / a1.T == pytest.approx(4, rel=0.1) and a1.p / a2.p == pytest.approx(4, rel=0.01)
    b1, b2 = (chain_params(ZeroChainSpec(L=1, delta=1000, sigma=5, eps=e, regime="mean_squared_smooth"))
              for e in (0.02, 0.01))
    assert b2.T / b1.T == pytest.approx(2, rel=0.15) and b1.p / b2.p == pytest.approx(4, rel=0.01)
    assert b1.lam == pytest.approx(2 * ELL1 * 0.02 / b1.L_f)
    assert chain_params(ZeroChainSpec(sigma=0.0)).p == 1.0
    spec = ZeroChainSpec(L=1, delta=100, sigma=5, eps=0.02)
    q = 1 - (1 - a1.p) ** 4
    assert min_rounds(spec, 4) == pytest.approx(a1.T / q)
    assert min_rounds(spec, 4, quantile=0.05) < min_rounds(spec, 4) < min_rounds(spec, 4, quantile=0.95)


def test_draws_are_per_replica_and_per_worker():
    p = spec_for("bounded_variance", sigma=0.3).build(6, NP)
    many = ReplicaStreams(np.array([5] * 8), np.arange(8))
    alone = ReplicaStreams(np.array([5]), np.array([3]))
    z_many = np.stack([p.draw(many) for _ in range(200)])  # [t, R, h]
    z_alone = np.stack([p.draw(alone) for _ in range(200)])
    np.testing.assert_array_equal(z_many[:, 3], z_alone[:, 0])  # replica 3 does not see its batch
    assert not np.array_equal(z_many[:, 0], z_many[:, 1])  # replicas differ
    assert not np.array_equal(z_many[:, 0, 0], z_many[:, 0, 1])  # workers differ
    assert abs(z_many.mean() - p.p) < 4 * np.sqrt(p.p / z_many.size)


def test_same_sample_at_two_points_uses_one_coin():
    p = spec_for("mean_squared_smooth").build(3, NP)
    x = chain_points(p, 4, np.random.default_rng(7))
    z = np.array([[1.0, 0.0, 1.0]] * 4)
    a, b = p.stochastic_grad(x, z), p.stochastic_grad(x, z)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[:, 0], a[:, 1]) or np.allclose(p.indicator(x), 0)


@requires_torch
@pytest.mark.parametrize("regime", REGIMES)
def test_numpy_and_torch_agree(regime):
    import torch

    spec = spec_for(regime, T=10)
    pn, pt = spec.build(3, NP), spec.build(3, Backend("torch"))
    x = chain_points(pn, 50, np.random.default_rng(8))
    z = (np.random.default_rng(9).random((50, 3)) < 0.5).astype(float)
    xt, zt = torch.from_numpy(x), torch.from_numpy(z)
    for name, a, b in [("grad", pn.grad(x), pt.grad(xt)), ("loss", pn.loss(x), pt.loss(xt)),
                       ("sg", pn.stochastic_grad(x, z), pt.stochastic_grad(xt, zt)),
                       ("ind", pn.indicator(x), pt.indicator(xt))]:
        assert isinstance(b, torch.Tensor), name
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-12, atol=1e-15, err_msg=name)
    assert pt.constants == pn.constants


@pytest.mark.parametrize("name", ["zero_chain_bounded_variance", "zero_chain_mean_squared_smooth"])
def test_example_configs_round_trip_and_run_long_enough(name):
    from pathlib import Path

    from sims.config import ExperimentConfig

    cfg = ExperimentConfig.from_toml(Path(__file__).parents[3] / "examples" / f"{name}.toml")
    assert ExperimentConfig.from_toml_string(cfg.to_toml()) == cfg
    n_honest = cfg.workers.n - cfg.workers.f
    assert cfg.run.T >= 2 * min_rounds(cfg.problem, n_honest)
    assert cfg.problem.chain().T == 10 if "bounded" in name else cfg.problem.chain().T == 8
