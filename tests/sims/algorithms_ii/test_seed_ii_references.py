"""Each issue-5 algorithm against its slow per-worker reference: identical trajectories (1e-12),
bits and oracle calls per round; the must-fail twins of pitfalls #8 and #9 differ."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sims import Job, run
from sims.engine import build_setup, initial_point
from tests.sims.algorithms_ii import seed_ii_reference as ref_impl
from tests.sims.algorithms_ii.seed_ii_common import LSQ, QUAD, config, drive, hp, topk_table

T = 20
HPS = [(0.3, 0.5), (0.15, 0.9)]  # (lr, eta) per replica


def compressor_table(kind, k=2):
    return {"identity": {"name": "identity"}, "randk": {"name": "randk", "k": k}, "topk": topk_table(k)}[kind]


def ef21_family(name, start, style, compressor, attack="alie", **extra):
    table = {"name": name, "start": start, "style": style, **extra}
    if compressor == "randk":
        table["strict_compressor"] = False
    return [config({**table, "lr": lr, "eta": eta}, attack=attack, compressor=compressor_table(compressor))
            for lr, eta in HPS]


def reference_world(setup, twin, cfg, compressor, k=2, aggregator="cwtm"):
    return ref_impl.Ref(setup.problem, twin, n=cfg.workers.n, f=cfg.workers.f, attack=cfg.attack.name,
                        aggregator=aggregator, compressor=compressor, k=k, sigma=getattr(cfg.problem, "sigma", 0.0))


EF21_CASES = [
    ("byz_ef21_sgdm", "zero", "ema", "topk", "alie"),
    ("byz_ef21_sgdm", "gradient", "torch", "identity", "alie"),
    ("byz_ef21_sgdm", "zero", "ema", "randk", "sign_flip"),
    ("byz_dm21", "gradient", "ema", "topk", "alie"),
    ("byz_dm21", "zero", "torch", "identity", "none"),
    ("byz_vr_dm21", "zero", "ema", "topk", "alie"),
    ("byz_vr_dm21", "gradient", "ema", "identity", "sign_flip"),
]


def run_ef21_case(name, start, style, compressor, attack, **variant):
    cfgs = ef21_family(name, start, style, compressor, attack)
    xs, infos, setup, twin = drive(cfgs, T)
    world = reference_world(setup, twin, cfgs[0], compressor)
    ref = ref_impl.ef21_momentum(world, setup.problem.x0, hp(cfgs, "lr"), hp(cfgs, "eta"), T,
                                 double=name != "byz_ef21_sgdm", storm=name == "byz_vr_dm21", start=start,
                                 style=style, **variant)
    return xs, infos, ref


@pytest.mark.parametrize("name,start,style,compressor,attack", EF21_CASES)
def test_ef21_momentum_family_matches_the_per_worker_reference(name, start, style, compressor, attack):
    xs, infos, (ref_x, ref_bits, ref_calls) = run_ef21_case(name, start, style, compressor, attack)
    np.testing.assert_allclose(xs, ref_x, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.stack([i.bits_up for i in infos], axis=1), ref_bits)
    np.testing.assert_array_equal([i.grad_evals for i in infos], ref_calls[0])


def test_the_spec_accounting_of_one_round():
    """Bits and oracle calls per honest worker per round as specs 9/10 state them, d = 6, b_f = 32."""
    d, b_f, K = 6, 32, 2
    _, infos, _ = run_ef21_case("byz_vr_dm21", "gradient", "ema", "topk", "alie")
    assert infos[0].grad_evals == 1.0 and all(i.grad_evals == 2.0 for i in infos[1:])  # STORM: 2 calls
    assert np.all(infos[0].bits_up == d * b_f)                                         # dense start
    assert np.all(infos[1].bits_up == K * (b_f + math.ceil(math.log2(d))))           # Top-K values + indices
    assert np.all(infos[1].bits_down == d * b_f)
    _, infos, _ = run_ef21_case("byz_dm21", "zero", "ema", "topk", "alie")
    assert all(i.grad_evals == 1.0 for i in infos) and np.all(infos[0].bits_up == K * (b_f + 3))
    # the engine's cumulative columns: per honest worker, T rounds
    res = run(ef21_family("byz_vr_dm21", "gradient", "ema", "topk")[0])
    rounds = res.config.run.T
    last = res.records.query(f"round == {rounds}")
    assert (last.grad_evals == 2 * rounds - 1).all()
    assert (last.bits_up == d * b_f + (rounds - 1) * K * (b_f + 3)).all()
    assert (last.bits_down == rounds * d * b_f).all()


@pytest.mark.parametrize("variant", [{"byzantine_state": "last_honest"}, {"worker_update": False}])
def test_reference_with_a_published_bug_does_not_match(variant):
    """Pitfall #8 (Byzantine state rebuilt from the last honest one) and #9 (the worker's EF21 state
    never updated) are caught by the comparison."""
    xs, _, (ref_x, _, _) = run_ef21_case("byz_dm21", "zero", "ema", "topk", "alie", **variant)
    assert np.abs(xs - ref_x).max() > 1e-6


def test_storm_on_the_previous_sample_does_not_match():
    """Pitfall #9: a 'STORM' evaluating x^{t-1} on the previous round's sample is another method."""
    xs, _, (ref_x, _, _) = run_ef21_case("byz_vr_dm21", "zero", "ema", "identity", "alie",
                                         storm_sample="previous")
    assert np.abs(xs - ref_x).max() > 1e-6


def test_byzantine_workers_control_their_own_ef21_state():
    """Specs 14.1: after every round the server's copy of a Byzantine worker is what the attack chose
    from the honest states (sign flip: -mean of the honest states), not an honest state."""
    cfg = ef21_family("byz_ef21_sgdm", "zero", "ema", "identity", "sign_flip")[0]
    setup = build_setup([Job(cfg, 0)])
    state = cfg.algorithm.init(initial_point(setup, cfg), setup)
    for _ in range(3):
        state, _ = cfg.algorithm.step(state, setup)
        honest, byz = state.copies[0, :5], state.copies[0, 5:]
        np.testing.assert_allclose(byz, np.broadcast_to(-honest.mean(0), byz.shape), atol=1e-14)
        assert np.abs(byz - honest[-1]).max() > 1e-3


LAD_CASES = [("lad", 3, "random", "mean", "identity"), ("lad", 2, "cyclic", "sum", "identity"),
             ("com_lad", 2, "random", "mean", "randk")]


@pytest.mark.parametrize("name,s,assignment,coding,compressor", LAD_CASES)
def test_lad_matches_the_per_device_reference(name, s, assignment, coding, compressor):
    n, f = LSQ["subsets"], 2
    cfgs = [config({"name": name, "lr": lr, "s": s, "assignment": assignment, "coding": coding}, problem=LSQ,
                   compressor=compressor_table(compressor), n=n, f=f) for lr, _ in HPS]
    xs, infos, setup, twin = drive(cfgs, T)
    world = reference_world(setup, twin, cfgs[0], compressor)
    ref_x, ref_bits = ref_impl.lad(world, setup.problem.x0, hp(cfgs, "lr"), T, s, assignment=assignment,
                                   coding=coding)
    np.testing.assert_allclose(xs, ref_x, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.stack([i.bits_up for i in infos], axis=1), ref_bits)
    assert all(i.grad_evals == float(s) for i in infos)  # s subset gradients per device


@pytest.mark.parametrize("name,attack", [("krum_sgd", "alie"), ("multi_krum_sgd", "sign_flip")])
def test_krum_sgd_matches_the_per_worker_reference(name, attack):
    n, f = 9, 2
    cfgs = [config({"name": name, "lr": lr, "lr_decay": decay}, aggregator=name.removesuffix("_sgd"),
                   attack=attack, n=n, f=f) for lr, decay in [(0.3, 0.0), (0.5, 0.2)]]
    xs, infos, setup, twin = drive(cfgs, T)
    world = reference_world(setup, twin, cfgs[0], "identity", aggregator=name.removesuffix("_sgd"))
    ref_x = ref_impl.krum_sgd(world, setup.problem.x0, hp(cfgs, "lr"), hp(cfgs, "lr_decay"), T)
    np.testing.assert_allclose(xs, ref_x, rtol=0, atol=1e-12)
    assert all(np.all(i.bits_up == QUAD["d"] * 32) and i.grad_evals == 1.0 for i in infos)
