"""First algorithms against closed forms and independent references."""
from __future__ import annotations

import numpy as np
import pytest

from sims import ExperimentConfig, Job, run, run_batch
from sims.backend import Backend
from tests.conftest import small_config


def heavy_ball_reference(problem, x0, lr, beta, T):
    """Heavy-ball GD: m_t = beta m_{t-1} + (1-beta) grad f(x_t), x_{t+1} = x_t - lr m_t."""
    x, m = x0.copy(), np.zeros_like(x0)
    for _ in range(T):
        m = beta * m + (1 - beta) * problem.grad(x[None])[0]
        x = x - lr * m
    return x


@pytest.mark.parametrize("form", ["diagonal", "dense"])
def test_robust_dshb_without_byzantines_is_heavy_ball_gd(form):
    hps = [(0.3, 0.5), (0.1, 0.9), (0.5, 0.0)]
    cfgs = [ExperimentConfig.from_dict(small_config(
        problem={"name": "quadratic", "d": 6, "G": 1.0, "B": 0.5, "form": form},
        algorithm={"name": "robust_dshb", "lr": lr, "beta": beta}, aggregator={"name": "mean"},
        attack={"name": "none"}, workers={"n": 5, "f": 0}, run={"T": 40})) for lr, beta in hps]
    res = run_batch([Job(c, 0) for c in cfgs])
    problem = cfgs[0].problem.build(5, Backend("numpy"))
    for i, (lr, beta) in enumerate(hps):
        np.testing.assert_allclose(res.final_x[i], heavy_ball_reference(problem, problem.x0, lr, beta, 40),
                                   rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["robust_dgd", "robust_dsgd_momentum", "robust_dshb"])
def test_noise_free_quadratic_converges_to_the_exact_optimum(name):
    cfg = ExperimentConfig.from_dict(small_config(
        algorithm={"name": name, "lr": 0.5} if name == "robust_dgd" else {"name": name, "lr": 0.5, "beta": 0.5},
        attack={"name": "none"}, workers={"n": 6, "f": 0}, aggregator={"name": "mean"}, run={"T": 600}))
    res = run(cfg)
    problem = cfg.problem.build(6, Backend("numpy"))
    np.testing.assert_allclose(res.final_x, np.broadcast_to(problem.x_star, res.final_x.shape), atol=1e-8)


def _alie_run(aggregator: str, G: float, seeds: int = 3):
    return run(ExperimentConfig.from_dict(small_config(
        problem={"name": "quadratic", "d": 10, "L": 1.0, "mu": 0.5, "G": G, "B": 1.0},
        algorithm={"name": "robust_dshb", "lr": 0.5, "beta": 0.5}, aggregator={"name": aggregator},
        attack={"name": "alie", "z_rule": "fixed", "z": 10.0}, workers={"n": 20, "f": 4},
        run={"T": 300, "seeds": seeds})))


def test_alie_breaks_the_mean_but_cwtm_stays_below_a_floor_growing_with_G2():
    mean = _alie_run("mean", G=1.0)
    assert (mean.summary.diverged | (mean.summary.grad_sq > 1e3)).all()
    floors = {G: _alie_run("cwtm", G).summary.grad_sq.max() for G in (0.5, 2.0)}
    for G, floor in floors.items():
        assert floor < 2.0 * G**2, (G, floor)
    assert floors[2.0] > 4 * floors[0.5]  # floor ~ G^2: 16x apart in G^2, at least 4x in the floor
