"""Reductions to the non-Byzantine parents, the equivalences between methods, and the pitfalls of
the public codes (#8 Byzantine EF21 state, #10 no-sync MARINA, #11 PP clip_mult = lambda*gamma)."""
from __future__ import annotations

import numpy as np
import pytest

from sims import ConfigError, ExperimentConfig, Job, registry, run, run_batch
from sims.algorithms.estimators import function_smoothness
from sims.backend import Backend
from sims.engine import build_setup, initial_point
from tests.conftest import requires_torch
from tests.sims.algorithms_i.seed_i_common import LOGISTIC, topk_table

QUAD = {"name": "quadratic", "d": 6, "L": 1.0, "mu": 0.2, "G": 1.0, "B": 0.5}
NOISY = {**QUAD, "sigma": 0.4}
PLAIN = dict(aggregator={"name": "mean"}, attack={"name": "none"}, compressor={"name": "identity"})
ROBUST = dict(aggregator={"name": "cwtm"}, attack={"name": "alie", "z_rule": "fixed", "z": 1.5})


def config(algorithm, problem=QUAD, n=6, f=0, T=40, seeds=2, **sections):
    table = {"problem": problem, "algorithm": algorithm, **(PLAIN if f == 0 else ROBUST),
             "workers": {"n": n, "f": f}, "run": {"T": T, "seeds": seeds, "record_every": T, "progress": False}}
    table.update(sections)
    return ExperimentConfig.from_dict(table)


def final(algorithm, **kw):
    return run(config(algorithm, **kw)).final_x


def steps(cfg, T):
    """(states, infos) of T rounds stepped by hand."""
    setup = build_setup([Job(cfg, r) for r in range(cfg.run.seeds)])
    state = cfg.algorithm.init(initial_point(setup, cfg), setup)
    out = []
    for _ in range(T):
        state, info = cfg.algorithm.step(state, setup)
        out.append((state, info))
    return setup, out


def problem_of(cfg):
    return cfg.problem.build(cfg.workers.n - cfg.workers.f, Backend("numpy"))


def gd(problem, lr, T, beta=0.0):
    """Heavy-ball GD m = beta m + (1-beta) grad f(x), x -= lr m (beta = 0: GD)."""
    x, m = problem.x0.copy(), np.zeros(problem.d)
    for _ in range(T):
        m = beta * m + (1 - beta) * problem.grad(x[None])[0]
        x = x - lr * m
    return x


# --- reductions to the parents ---------------------------------------------------------------
@pytest.mark.parametrize("algorithm", [
    {"name": "byz_vr_marina", "lr": 0.7, "p": 1.0},
    {"name": "byz_dasha_page", "lr": 0.7, "p": 1.0},
    {"name": "byz_ef21", "lr": 0.7},
    {"name": "byz_ef21_bc", "lr": 0.7},
    {"name": "byz_vr_marina_pp", "lr": 0.7, "p": 1.0, "clip_rule": "none"},
    {"name": "br_csgd", "lr": 0.7},
    {"name": "br_diana", "lr": 0.7},
    {"name": "clipping_heuristic", "clip_rule": "none", "inner": {"name": "robust_dgd", "lr": 0.7}},
])
def test_identity_compressor_f0_mean_and_p1_is_gradient_descent(algorithm):
    cfg = config(algorithm)
    np.testing.assert_allclose(run(cfg).final_x, np.broadcast_to(gd(problem_of(cfg), 0.7, 40), (2, 6)),
                               rtol=0, atol=1e-12)


def test_rosdhb_without_byzantines_and_full_mask_is_heavy_ball_gd():
    cfg = config({"name": "rosdhb", "lr": 0.4, "beta": 0.7}, compressor={"name": "coordinated_randk", "k": 6})
    np.testing.assert_allclose(run(cfg).final_x[0], gd(problem_of(cfg), 0.4, 40, beta=0.7), rtol=0, atol=1e-12)


def test_rosdhb_is_robust_dshb_with_a_coordinated_mask_and_with_k_equal_d_the_identity():
    kw = dict(problem=NOISY, n=8, f=2)
    dshb = {"name": "robust_dshb", "lr": 0.3, "beta": 0.8}
    ros = {**dshb, "name": "rosdhb"}
    np.testing.assert_array_equal(final(ros, compressor={"name": "coordinated_randk", "k": 2}, **kw),
                                  final(dshb, compressor={"name": "coordinated_randk", "k": 2}, **kw))
    np.testing.assert_allclose(final(ros, compressor={"name": "coordinated_randk", "k": 6}, **kw),
                               final(dshb, compressor={"name": "identity"}, **kw), rtol=0, atol=1e-12)
    assert not np.allclose(final(ros, compressor={"name": "coordinated_randk", "k": 2}, **kw),
                           final(dshb, compressor={"name": "identity"}, **kw))


def ef21_reference(problem, lr, T, k):
    """EF21 (Richtarik et al. 2021) in its own form: the server keeps g = mean g_i and adds the mean
    of the Top-K increments."""
    x, gi = problem.x0.copy(), problem.full_grad(problem.x0[None])[0]
    g = gi.mean(axis=0)
    for _ in range(T):
        x = x - lr * g
        delta = problem.full_grad(x[None])[0] - gi
        c = np.zeros_like(delta)
        for i, row in enumerate(delta):
            keep = np.argsort(-np.abs(row), kind="stable")[:k]
            c[i, keep] = row[keep]
        gi = gi + c
        g = g + c.mean(axis=0)
    return x


@pytest.mark.parametrize("name", ["byz_ef21", "byz_ef21_bc"])
def test_byz_ef21_without_byzantines_is_ef21(name):
    cfg = config({"name": name, "lr": 0.5}, compressor=topk_table(2), T=60)
    np.testing.assert_allclose(run(cfg).final_x[0], ef21_reference(problem_of(cfg), 0.5, 60, 2), rtol=0, atol=1e-12)


def test_byz_ef21_bc_with_an_identity_broadcast_is_byz_ef21_and_differs_with_top_k():
    kw = dict(problem=NOISY, n=8, f=2, compressor=topk_table(2))
    ef21 = final({"name": "byz_ef21", "lr": 0.5}, **kw)
    np.testing.assert_allclose(final({"name": "byz_ef21_bc", "lr": 0.5}, **kw), ef21, rtol=0, atol=1e-12)
    assert not np.allclose(final({"name": "byz_ef21_bc", "lr": 0.5, "server_compressor": topk_table(3)}, **kw), ef21)


def test_br_diana_with_unit_shift_step_is_br_csgd_and_br_csgd_without_noise_is_robust_dgd():
    kw = dict(problem=NOISY, n=8, f=2, compressor={"name": "identity"})
    np.testing.assert_allclose(final({"name": "br_diana", "lr": 0.4}, **kw), final({"name": "br_csgd", "lr": 0.4}, **kw),
                               rtol=0, atol=1e-12)
    kw["problem"] = QUAD
    np.testing.assert_allclose(final({"name": "br_csgd", "lr": 0.4}, **kw), final({"name": "robust_dgd", "lr": 0.4}, **kw),
                               rtol=0, atol=1e-12)


MARINA = {"name": "byz_vr_marina", "lr": 0.5, "p": 0.4}


def test_pp_with_all_clients_and_no_clipping_is_byz_vr_marina():
    kw = dict(problem=LOGISTIC, n=8, f=2, compressor={"name": "randk", "k": 2}, T=30)
    pp = final({**MARINA, "name": "byz_vr_marina_pp", "clip_rule": "none"}, **kw)
    np.testing.assert_allclose(pp, final(MARINA, **kw), rtol=0, atol=1e-12)
    clipped = final({**MARINA, "name": "byz_vr_marina_pp", "clip_rule": "coef", "clip_coef": 0.5}, **kw)
    assert not np.allclose(clipped, pp)  # the clipping is active in this set-up


WRAPPABLE = [name for name in registry.names("algorithm")
             if not getattr(registry.lookup("algorithm", name), "samples_clients", False)]
COMPRESSORS = ({"name": "randk", "k": 2}, {"name": "coordinated_randk", "k": 2}, topk_table(2), {"name": "identity"})


@pytest.mark.parametrize("name", WRAPPABLE)
def test_clipping_wrapper_with_all_clients_and_no_clipping_is_the_wrapped_method(name):
    """Eq. (10) around ANY registered full-participation method, with the first compressor the
    method accepts (and its own aggregation rule where it insists on one, e.g. Krum-SGD): C = n and
    lambda = inf give back the method itself."""
    rule = getattr(registry.lookup("algorithm", name), "rule", "cwtm")
    for comp in COMPRESSORS:
        kw = dict(problem=LOGISTIC, n=8, f=2, compressor=comp, T=15, aggregator={"name": rule})
        try:
            plain = final({"name": name}, **kw)
        except ConfigError:
            continue
        wrapped = final({"name": "clipping_heuristic", "clip_rule": "none", "inner": {"name": name}}, **kw)
        np.testing.assert_allclose(wrapped, plain, rtol=0, atol=1e-12)
        sampled = final({"name": "clipping_heuristic", "clip_rule": "none", "C": 5, "inner": {"name": name}}, **kw)
        assert not np.allclose(sampled, plain)  # must-fail twin: sampling changes the method
        return
    pytest.fail(f"{name} accepts none of the test compressors")


# --- pitfalls ----------------------------------------------------------------------------------
def test_pitfall_10_no_sync_marina_is_not_the_paper_form():
    kw = dict(problem=LOGISTIC, n=8, f=2, compressor={"name": "randk", "k": 2}, T=30)
    sync, no_sync = final(MARINA, **kw), final({**MARINA, "variant": "no_sync"}, **kw)
    assert np.abs(sync - no_sync).max() > 1e-3
    full = {**MARINA, "p": 1.0}  # every round resets: both forms coincide
    np.testing.assert_allclose(final(full, **kw), final({**full, "variant": "no_sync"}, **kw), rtol=0, atol=1e-12)


def test_pitfall_11_code_clip_mult_is_lambda_times_gamma():
    lrs, lam = [0.2, 0.5], 0.7
    kw = dict(problem=LOGISTIC, n=8, f=2, compressor={"name": "randk", "k": 2}, T=30)

    def batch(rule, coefs):
        cfgs = [config({"name": "byz_vr_marina_pp", "lr": lr, "p": 0.3, "C": 5, "C_hat": 7, "clip_rule": rule,
                        "clip_coef": c}, seeds=1, **kw) for lr, c in zip(lrs, coefs)]
        return run_batch([Job(c, 0) for c in cfgs]).final_x

    paper = batch("coef", [lam, lam])
    np.testing.assert_allclose(batch("code", [lam * lr for lr in lrs]), paper, rtol=0, atol=1e-12)
    assert not np.allclose(batch("code", [lam, lam]), paper)  # reading clip_mult as lambda is wrong


def test_pitfall_8_a_byzantine_worker_controls_its_own_ef21_copy():
    cfg = config({"name": "byz_dasha_page", "lr": 0.3, "p": 0.5}, problem=NOISY, n=8, f=2, T=5,
                 compressor={"name": "coordinated_randk", "k": 2})
    setup, out = steps(cfg, 5)
    h, prev = 6, None
    for state, _ in out:
        byz = np.asarray(state.copies[:, h:, :])
        honest = np.asarray(state.copies[:, :h, :])
        assert not np.allclose(byz, honest[:, -1:, :])  # not rebuilt from the last honest state
        if prev is not None:  # the server enforces the increment: it stays on the round's shared mask
            moved = np.abs(byz - prev) > 0
            assert moved.any() and np.all(moved.sum(axis=2) <= 2)
        prev = byz


def test_the_coin_is_shared_by_all_workers_and_drawn_per_replica():
    cfg = config({"name": "byz_vr_marina", "lr": 0.3, "p": 0.5}, problem=LOGISTIC, n=8, f=2, seeds=4,
                 compressor={"name": "randk", "k": 2})
    _, out = steps(cfg, 20)
    dense = np.array([info.bits_up == 6 * 32 for _, info in out])  # [T,R,h]
    assert np.all(dense.all(axis=2) | ~dense.any(axis=2))  # one coin for all workers of a replica
    assert dense.any() and not dense.all() and (dense[:, :, 0] != dense[:, :1, 0]).any()  # varies across replicas
    evals = np.array([info.grad_evals for _, info in out])
    np.testing.assert_array_equal(evals, np.where(dense[:, :, 0], 1.0, 2.0))


def test_pp_records_who_took_part_and_counts_only_their_bits_and_calls():
    cfg = config({"name": "byz_vr_marina_pp", "lr": 0.3, "p": 0.5, "C": 3, "C_hat": 6}, problem=LOGISTIC, n=8, f=2,
                 seeds=3, compressor={"name": "randk", "k": 2})
    _, out = steps(cfg, 15)
    for _, info in out:
        taking = info.participated
        assert taking.shape == (3, 8) and taking.dtype == bool
        assert set(taking.sum(axis=1)) <= {3, 6}
        np.testing.assert_array_equal(info.bits_up > 0, taking[:, :6])
        calls = np.where(taking.sum(axis=1) == 6, 1.0, 2.0) * taking[:, :6].mean(axis=1)
        np.testing.assert_allclose(info.grad_evals, calls)


def test_full_participation_methods_record_everybody_and_silent_byzantines_nobody():
    cfg = config({"name": "byz_ef21", "lr": 0.3}, n=8, f=2, compressor=topk_table(2))
    _, out = steps(cfg, 1)
    assert out[0][1].participated.all()
    cfg = config({"name": "byz_ef21", "lr": 0.3}, n=8, f=2, compressor=topk_table(2), attack={"name": "none"})
    _, out = steps(cfg, 1)
    np.testing.assert_array_equal(out[0][1].participated, np.repeat([[True] * 6 + [False] * 2], 2, axis=0))


# --- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm,compressor,needs", [
    ({"name": "rosdhb"}, {"name": "randk", "k": 2}, "coordinated_randk"),
    ({"name": "byz_ef21"}, {"name": "randk", "k": 2}, "contractive"),
    ({"name": "byz_vr_marina"}, "topk", "unbiased"),
    ({"name": "byz_dasha_page"}, "topk", "unbiased"),
    ({"name": "br_diana"}, "topk", "unbiased"),
])
def test_methods_refuse_compressors_their_theory_does_not_cover(algorithm, compressor, needs):
    comp = topk_table(2) if compressor == "topk" else compressor
    with pytest.raises(ConfigError, match=needs) as err:
        run(config(algorithm, compressor=comp))
    assert err.value.field == "compressor.name"


@pytest.mark.parametrize("algorithm,field", [
    ({"name": "byz_vr_marina_pp", "C": 5, "C_hat": 3}, "algorithm.C"),
    ({"name": "byz_vr_marina_pp", "C_hat": 9}, "algorithm.C_hat"),
    ({"name": "byz_ef21_bc", "server_compressor": {"name": "randk", "k": 2}}, "algorithm.server_compressor"),
    ({"name": "clipping_heuristic", "inner": {"name": "byz_vr_marina_pp"}}, "algorithm.inner"),
    ({"name": "clipping_heuristic", "inner": {"name": "nope"}}, "algorithm.inner.name"),
    ({"name": "byz_vr_marina", "p": 0.0}, "algorithm.p"),
])
def test_invalid_settings_name_the_field(algorithm, field):
    with pytest.raises(ConfigError) as err:
        config(algorithm)
    assert err.value.field == field


def test_nested_tables_round_trip_through_toml():
    cfg = config({"name": "clipping_heuristic", "C": 4, "clip_coef": 2.0,
                  "inner": {"name": "byz_ef21_bc", "lr": 0.2, "server_compressor": {"name": "identity"}}})
    again = ExperimentConfig.from_toml_string(cfg.to_toml())
    assert again.algorithm == cfg.algorithm and again.digest() == cfg.digest()
    assert again.algorithm.inner.server_compressor.name == "identity"


ALL = [
    ({"name": "rosdhb", "lr": 0.3, "beta": 0.8}, {"name": "coordinated_randk", "k": 2}),
    ({"name": "byz_vr_marina", "lr": 0.3, "p": 0.4}, {"name": "randk", "k": 2}),
    ({"name": "byz_dasha_page", "lr": 0.3, "p": 0.4}, {"name": "randk", "k": 2}),
    ({"name": "byz_ef21", "lr": 0.3}, "topk"),
    ({"name": "byz_ef21_bc", "lr": 0.3, "server_compressor": "topk"}, "topk"),
    ({"name": "byz_vr_marina_pp", "lr": 0.3, "p": 0.4, "C": 4, "C_hat": 6}, {"name": "randk", "k": 2}),
    ({"name": "byz_vr_marina_pp_plus", "lr": 0.3, "p": 0.4, "C": 4}, {"name": "randk", "k": 2}),
    ({"name": "clipping_heuristic", "C": 5, "inner": {"name": "robust_dshb", "lr": 0.3}}, {"name": "randk", "k": 2}),
    ({"name": "br_csgd", "lr": 0.3}, {"name": "randk", "k": 2}),
    ({"name": "br_diana", "lr": 0.3}, {"name": "randk", "k": 2}),
]


def resolve(algorithm, compressor):
    algorithm = {k: (topk_table(3) if v == "topk" else v) for k, v in algorithm.items()}
    return algorithm, topk_table(2) if compressor == "topk" else compressor


@requires_torch
@pytest.mark.parametrize("algorithm,compressor", ALL, ids=[a["name"] for a, _ in ALL])
def test_numpy_and_torch_give_the_same_trajectory_in_float64(algorithm, compressor):
    algorithm, compressor = resolve(algorithm, compressor)
    cfg = config(algorithm, problem=LOGISTIC, n=8, f=2, T=20, compressor=compressor)
    res_np = run(cfg)
    res_t = run(cfg.replace(run=cfg.run.replace(backend="torch")))
    np.testing.assert_allclose(res_t.final_x, res_np.final_x, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(res_t.summary.bits_up, res_np.summary.bits_up)


def test_periodic_resets_take_full_gradients_every_period_rounds():
    cfg = config({"name": "byz_vr_marina", "lr": 0.3, "reset": "periodic", "period": 3, "variant": "no_sync"},
                 problem=LOGISTIC, n=8, f=2, compressor={"name": "randk", "k": 2})
    _, out = steps(cfg, 9)
    dense = np.array([np.all(info.bits_up == 6 * 32) for _, info in out])
    np.testing.assert_array_equal(dense, [t % 3 == 0 for t in range(9)])
    np.testing.assert_array_equal([np.all(info.grad_evals == (1.0 if t % 3 == 0 else 2.0)) for t, (_, info)
                                   in enumerate(out)], True)


@pytest.mark.parametrize("rule,coef", [("theorem_4_1", lambda L, DQ: 2 * L), ("theorem_4_2", lambda L, DQ: DQ * L)])
def test_theorem_clipping_levels_are_the_coef_rule_with_their_constants(rule, coef):
    kw = dict(problem=LOGISTIC, n=8, f=2, compressor={"name": "randk", "k": 2}, T=30,
              attack={"name": "large_norm"})  # the level clips what exceeds any honest difference
    pp = {"name": "byz_vr_marina_pp", "lr": 0.5, "p": 0.3, "C": 5, "C_hat": 7}
    L, DQ = function_smoothness(problem_of(config(pp, **kw))), 6 / 2  # every f_ij L-smooth (Thms 4.1/4.2)
    level = final({**pp, "clip_rule": rule}, **kw)
    np.testing.assert_allclose(level, final({**pp, "clip_rule": "coef", "clip_coef": coef(L, DQ)}, **kw),
                               rtol=0, atol=1e-12)
    assert not np.allclose(level, final({**pp, "clip_rule": "none"}, **kw))  # the level is active here
