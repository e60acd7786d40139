"""Convergence of the issue-5 algorithms: exact optimum without noise and Byzantines; a bounded
floor under ALIE with CWTM that grows with the heterogeneity G^2 (sigma_H^2 for LAD)."""
from __future__ import annotations

import numpy as np
import pytest

from sims import run
from sims.backend import Backend
from tests.sims.algorithms_ii.seed_ii_common import LSQ, QUAD, config, topk_table

CLEAN = {**QUAD, "sigma": 0.0, "mu": 0.5}
LSQ6 = {**LSQ, "subsets": 6}
MOMENTUM = {"lr": 0.5, "eta": 0.5}
COMPRESSORS = {"identity": {"name": "identity"}, "topk": topk_table(2), "randk": {"name": "randk", "k": 2}}

CONVERGING = [
    ({"name": "byz_ef21_sgdm", **MOMENTUM}, "mean", CLEAN, "topk"),
    ({"name": "byz_dm21", **MOMENTUM}, "mean", CLEAN, "topk"),
    ({"name": "byz_vr_dm21", **MOMENTUM}, "mean", CLEAN, "topk"),
    ({"name": "krum_sgd", "lr": 0.5}, "krum", {**CLEAN, "G": 0.0, "B": 0.0}, "identity"),
    ({"name": "multi_krum_sgd", "lr": 0.5}, "multi_krum", CLEAN, "identity"),
    ({"name": "lad", "lr": 0.5, "s": 3}, "mean", LSQ6, "identity"),
]


def distance_to_optimum(algorithm, aggregator, problem, compressor, T=400):
    cfg = config(algorithm, problem=problem, aggregator=aggregator, attack="none", n=6, f=0, T=T, seeds=2,
                 record_every=T, compressor=COMPRESSORS[compressor])
    x_star = cfg.problem.build(6, Backend()).x_star
    return np.abs(run(cfg).final_x - x_star).max()


@pytest.mark.parametrize("algorithm,aggregator,problem,compressor", CONVERGING,
                         ids=[c[0]["name"] for c in CONVERGING])
def test_noise_free_runs_without_byzantines_reach_the_optimum(algorithm, aggregator, problem, compressor):
    assert distance_to_optimum(algorithm, aggregator, problem, compressor) < 1e-8


@pytest.mark.parametrize("algorithm,aggregator,problem,compressor", [
    ({"name": "krum_sgd", "lr": 0.5}, "krum", CLEAN, "identity"),            # Krum follows one worker
    ({"name": "com_lad", "lr": 0.5, "s": 3}, "mean", LSQ6, "randk"),        # unbiased noise, no error feedback
], ids=["krum_heterogeneous", "com_lad_randk"])
def test_the_optimum_check_fails_where_theory_predicts_a_floor(algorithm, aggregator, problem, compressor):
    assert distance_to_optimum(algorithm, aggregator, problem, compressor) > 1e-4


FLOORS = [
    ({"name": "byz_ef21_sgdm", **MOMENTUM}, "cwtm"),
    ({"name": "byz_dm21", **MOMENTUM}, "cwtm"),
    ({"name": "byz_vr_dm21", **MOMENTUM}, "cwtm"),
    ({"name": "krum_sgd", "lr": 0.5}, "krum"),
    ({"name": "multi_krum_sgd", "lr": 0.5}, "multi_krum"),
]


def alie_floor(algorithm, aggregator, problem, attack="alie", T=300):
    """max over 3 seeds of ||grad f(x_T)||^2 under ALIE (n = 20, f = 4), and whether any replica diverged."""
    res = run(config(algorithm, problem=problem, aggregator=aggregator, attack=attack, n=20, f=4, T=T, seeds=3,
                     record_every=T))
    return res.summary.grad_sq.max(), bool(res.summary.diverged.any())


@pytest.mark.parametrize("algorithm,aggregator", FLOORS, ids=[c[0]["name"] for c in FLOORS])
def test_alie_floor_is_bounded_and_grows_with_G2(algorithm, aggregator):
    floors = {}
    for G in (0.5, 2.0):
        floors[G], diverged = alie_floor(algorithm, aggregator, {**CLEAN, "d": 10, "G": G, "B": 1.0})
        assert not diverged and floors[G] < G**2, (G, floors[G])
    assert floors[2.0] > 4 * floors[0.5]  # 16x apart in G^2


def test_lad_alie_floor_is_bounded_and_grows_with_sigma_H2():
    floors = {}
    for sigma_H in (0.5, 2.0):
        problem = {**LSQ, "d": 5, "subsets": 20, "m": 4, "sigma_H": sigma_H, "noise": 0.0}
        floors[sigma_H], diverged = alie_floor({"name": "lad", "lr": 0.5, "s": 2}, "cwtm", problem)
        assert not diverged and floors[sigma_H] < sigma_H**2
    assert floors[2.0] > 4 * floors[0.5]


def test_the_mean_breaks_under_the_same_attack():
    """Must-fail twin of the floor check: without a robust rule a strong ALIE drives the state off."""
    floor, diverged = alie_floor({"name": "byz_ef21_sgdm", **MOMENTUM}, "mean", {**CLEAN, "d": 10, "B": 1.0},
                                 attack={"name": "alie", "z_rule": "fixed", "z": 10.0})
    assert diverged or floor > 1e3
