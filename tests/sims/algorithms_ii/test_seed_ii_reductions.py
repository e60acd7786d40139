"""Reductions of the issue-5 algorithms to their parents (specs 14.9), each with a twin that must differ."""
from __future__ import annotations

import numpy as np
import pytest

from tests.sims.algorithms_ii.seed_ii_common import LSQ, QUAD, config, drive

T = 25
LRS = (0.3, 0.1)


def trajectories(tables, T=T, **kwargs):
    return drive([config(table, **kwargs) for table in tables], T)[0]


@pytest.mark.parametrize("start", ["zero", "gradient"])
def test_byz_ef21_sgdm_with_identity_and_eta_1_is_robust_dsgd(start):
    ef21 = trajectories([{"name": "byz_ef21_sgdm", "lr": lr, "eta": 1.0, "start": start} for lr in LRS])
    dsgd = trajectories([{"name": "robust_dsgd_momentum", "lr": lr, "beta": 0.0} for lr in LRS])
    np.testing.assert_allclose(ef21, dsgd, rtol=0, atol=1e-12)
    twin = trajectories([{"name": "byz_ef21_sgdm", "lr": lr, "eta": 0.9, "start": start} for lr in LRS])
    assert np.abs(twin - dsgd).max() > 1e-4


def sgd_double_momentum(problem, streams, x0, lr, eta, T, start):
    """SGD with two EMAs of the averaged stochastic gradient (EF21-SGD2M with alpha = 1, f = 0):
    v = (1-eta) v + eta mean_i(grad f_i(x) + xi_i), u = (1-eta) u + eta v, x -= lr u."""
    out = []
    for r, (gamma, w) in enumerate(zip(lr, eta)):
        x, v, u = x0.copy(), np.zeros_like(x0), np.zeros_like(x0)
        gen = streams.generators("oracle")[r]
        traj = [x.copy()]
        for t in range(T):
            noise = gen.standard_normal((problem.n_honest, problem.d)) * QUAD["sigma"] / np.sqrt(problem.d)
            curv = problem.eigenvalues * (x - problem.center)
            g = np.mean([(1 + problem.s[i]) * curv - problem.shifts[i] + noise[i] for i in range(problem.n_honest)], 0)
            step = 1.0 if (start == "gradient" and t == 0) else w
            v = (1 - step) * v + step * g
            u = (1 - step) * u + step * v
            x = x - gamma * u
            traj.append(x.copy())
        out.append(traj)
    return np.array(out)


@pytest.mark.parametrize("start", ["zero", "gradient"])
def test_byz_dm21_without_byzantines_is_sgd_with_double_momentum(start):
    etas = (0.5, 0.2)
    cfgs = [config({"name": "byz_dm21", "lr": lr, "eta": eta, "start": start}, aggregator="mean", attack="none",
                   n=5, f=0) for lr, eta in zip(LRS, etas)]
    xs, _, setup, twin = drive(cfgs, T)
    ref = sgd_double_momentum(setup.problem, twin, setup.problem.x0, LRS, etas, T, start)
    np.testing.assert_allclose(xs, ref, rtol=0, atol=1e-12)
    single = trajectories([{"name": "byz_ef21_sgdm", "lr": lr, "eta": eta, "start": start}
                           for lr, eta in zip(LRS, etas)], aggregator="mean", attack="none", n=5, f=0)
    assert np.abs(single - ref).max() > 1e-4  # one momentum is not two


def test_lad_with_s_1_and_fixed_cyclic_windows_is_robust_dgd_on_the_subsets():
    n = LSQ["subsets"]
    lad = trajectories([{"name": "lad", "lr": lr, "s": 1, "assignment": "cyclic"} for lr in LRS], problem=LSQ, n=n)
    dgd = trajectories([{"name": "robust_dgd", "lr": lr} for lr in LRS], problem=LSQ, n=n)
    np.testing.assert_allclose(lad, dgd, rtol=0, atol=1e-12)
    relabelled = trajectories([{"name": "lad", "lr": lr, "s": 1} for lr in LRS], problem=LSQ, n=n)
    assert np.abs(relabelled - dgd).max() > 1e-4  # fresh relabellings put Byzantine devices elsewhere


def gd(problem, lr, T):
    """GD on f_H of a diagonal quadratic: x -= lr A_bar (x - c); iterates [T+1, d]."""
    xs = [problem.x0.copy()]
    for _ in range(T):
        xs.append(xs[-1] - lr * problem.eigenvalues * (xs[-1] - problem.center))
    return np.array(xs)


@pytest.mark.parametrize("name", ["krum_sgd", "multi_krum_sgd"])
@pytest.mark.parametrize("G", [0.0, 1.0])
def test_krum_sgd_without_byzantines_on_identical_workers_is_gd(name, G):
    problem = {**QUAD, "G": G, "B": 0.0, "sigma": 0.0}
    xs, _, setup, _ = drive([config({"name": name, "lr": lr}, problem=problem, aggregator=name.removesuffix("_sgd"),
                                    attack="none", n=7, f=0) for lr in LRS], T)
    gap = max(np.abs(xs[r] - gd(setup.problem, lr, T)).max() for r, lr in enumerate(LRS))
    if G == 0 or name == "multi_krum_sgd":  # Multi-Krum with f = 0 averages m = n inputs: GD for any G
        assert gap <= 1e-12
    else:  # heterogeneous workers: Krum follows one worker's gradient, not the average
        assert gap > 1e-3
