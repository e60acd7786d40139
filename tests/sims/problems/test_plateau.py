"""Plateau constants against brute force: ||grad f|| = 2 eps on the plateau, f(x0) - f* = Delta,
L-smoothness, oracle variance sigma^2 and same-sample smoothness ell = L."""
import numpy as np
import pytest

from sims.backend import Backend
from sims.problems.plateau import PlateauSpec


@pytest.fixture()
def problem():
    return PlateauSpec(d=8, L=2.0, delta=3.0, sigma=1.5, eps=0.05).build(3, Backend("numpy"))


def test_plateau_constants_brute_force(problem):
    rng = np.random.default_rng(0)
    a, L = problem.a, 2.0
    # on the plateau (all |x_j| > a) the gradient norm is exactly 2 eps
    x = np.sign(rng.standard_normal((50, 8))) * (a + rng.exponential(1.0, (50, 8)))
    assert np.allclose(np.linalg.norm(problem.grad(x), axis=1), 0.1)
    assert np.isclose(problem.delta0(), 3.0)
    # L-smooth: finite differences of f give the gradient, gradient differences bounded by L ||dx||
    y = rng.standard_normal((200, 8)) * 3 * a
    z = y + rng.standard_normal((200, 8)) * a
    ratio = np.linalg.norm(problem.grad(y) - problem.grad(z), axis=1) / np.linalg.norm(y - z, axis=1)
    assert ratio.max() <= L + 1e-12
    inside = np.full((1, 8), 0.5 * a)
    assert np.allclose(problem.grad(inside), L * inside)  # curvature exactly L in the box: attained
    h = 1e-7
    fd = (problem.loss(y + h * np.eye(8)[0]) - problem.loss(y - h * np.eye(8)[0])) / (2 * h)
    assert np.allclose(fd, problem.grad(y)[:, 0], atol=1e-5)
    assert problem.loss(np.zeros((1, 8)))[0] == 0.0 and problem.loss(y).min() > 0


def test_plateau_oracle_variance_and_same_sample_smoothness(problem):
    rng = np.random.default_rng(1)
    noise = rng.standard_normal((20000, 3, 8)) * (1.5 / np.sqrt(8))
    x = np.full((1, 8), 0.3)
    g = problem.stochastic_grad(np.repeat(x, 20000, 0), noise)
    var = np.mean(np.sum((g - problem.full_grad(x)) ** 2, axis=2))
    assert abs(var - 1.5**2) < 0.05 * 1.5**2
    y = np.zeros((20000, 8))
    diff = problem.stochastic_grad(np.repeat(x, 20000, 0), noise) - problem.stochastic_grad(y, noise)
    assert np.allclose(diff, (problem.full_grad(x) - problem.full_grad(y[:1])))
    assert problem.constants.extras["ell"] == problem.constants.L == 2.0
