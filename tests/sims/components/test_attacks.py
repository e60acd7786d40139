"""Attack reference values (specs/components.md section 6) and their must-fail twins: ALIE's z table
and an ALIE that uses the variance (pitfall #3), the optimised attacks against an increments-only
scan (pitfall #16), label flipping through the problem, shift-back, mimic."""
from __future__ import annotations

import numpy as np
import pytest

from sims import registry
from sims.aggregators import Chain
from sims.attacks.basic import alie_z
from sims.attacks.optimized import attack_objective
from sims.backend import Backend

from component_cases import attack_context, messages

B = Backend()


def attack(name, **fields):
    return registry.build("attack", {"name": name, **fields})


def crafted(spec, honest, f=2, **ctx_args):
    x = ctx_args.pop("x", np.random.default_rng(1).standard_normal((honest.shape[0], honest.shape[2])))
    ctx = attack_context(spec, honest, B, x, f=f, **ctx_args)
    return spec.craft(honest, ctx), ctx


@pytest.mark.parametrize("n,f,baruch,karimireddy", [
    (5, 1, 0.2533, 0.0), (10, 1, 0.0, -0.1397), (10, 2, 0.2533, 0.0), (10, 3, 0.5244, 0.1800),
    (17, 4, 0.5414, 0.2934), (20, 4, 0.3853, 0.1573), (20, 5, 0.5244, 0.2533), (20, 8, 1.0364, 0.6745),
    (20, 9, 1.2816, 0.9085), (25, 5, 0.4677, 0.2533), (25, 11, 1.4051, 1.0676), (50, 12, 0.5828, 0.3360),
])
def test_alie_z_reference_values(n, f, baruch, karimireddy):
    assert alie_z(n, f, "baruch") == pytest.approx(baruch, abs=1e-4)
    assert alie_z(n, f, "karimireddy") == pytest.approx(karimireddy, abs=1e-4)


def alie_reference(honest, z):
    return honest.mean(axis=1) - z * honest.std(axis=1, ddof=1)


def matches_alie_reference(implementation) -> bool:
    """The reference check: mu_H - z * std_H (ddof 1) with the Baruch z, on a fixed input."""
    honest = messages(3, n=16, f=0, d=5)
    z = alie_z(20, 4)
    return np.allclose(implementation(honest), np.broadcast_to(alie_reference(honest, z)[:, None], (3, 4, 5)))


def test_alie_matches_the_reference():
    assert matches_alie_reference(lambda h: crafted(attack("alie"), h, f=4)[0])


@pytest.mark.parametrize("twin", ["variance", "ddof0", "plus_sign"])
def test_alie_twins_differ_from_alie(twin):
    """Must-fail: the Rammal notebook's variance, a ddof-0 std, the + sign of Blades."""
    def implementation(h):
        mu, z = h.mean(axis=1), alie_z(20, 4)
        v = {"variance": mu - z * h.var(axis=1, ddof=1), "ddof0": mu - z * h.std(axis=1),
             "plus_sign": mu + z * h.std(axis=1, ddof=1)}[twin]
        return np.broadcast_to(v[:, None], (h.shape[0], 4, h.shape[2]))
    assert not matches_alie_reference(implementation)


def test_ipm_large_norm_and_sign_flip_reference_values():
    honest = messages(2, n=8, f=0, d=3)
    mu = honest.mean(axis=1)
    np.testing.assert_allclose(crafted(attack("ipm", eps=0.5), honest)[0], np.repeat(-0.5 * mu[:, None], 2, 1))
    np.testing.assert_allclose(crafted(attack("sign_flip"), honest)[0], np.repeat(-mu[:, None], 2, 1))
    np.testing.assert_allclose(crafted(attack("large_norm", scale=7.0), honest)[0], np.repeat(-7 * mu[:, None], 2, 1))
    random = crafted(attack("large_norm", scale=7.0, direction="random"), honest)[0]
    np.testing.assert_allclose(np.linalg.norm(random, axis=2), 7 * np.linalg.norm(mu, axis=1)[:, None].repeat(2, 1))
    assert not np.allclose(random[:, 0], random[:, 1])  # one direction per Byzantine worker


def test_gaussian_attack_moments():
    honest = messages(400, n=4, f=0, d=5)
    byz = crafted(attack("gaussian", loc=1.0, std=3.0), honest)[0]
    assert abs(byz.mean() - 1.0) < 0.1 and abs(byz.std() - 3.0) < 0.1


def test_mimic_copies_an_honest_worker():
    honest = messages(2, n=8, f=0, d=3)
    np.testing.assert_array_equal(crafted(attack("mimic", index=3), honest)[0][:, 0], honest[:, 3])
    honest[:, 5] += np.array([10.0, 0, 0])  # the principal-axis outlier
    np.testing.assert_array_equal(crafted(attack("mimic", target="direction"), honest)[0][:, 1], honest[:, 5])


def test_label_flip_sends_the_mean_flipped_gradient_without_touching_the_oracle_stream():
    honest = messages(2, n=8, f=0, d=6)
    spec = attack("label_flip")
    x = np.random.default_rng(1).standard_normal((2, 6))
    ctx = attack_context(spec, honest, B, x)
    oracle_before = ctx.streams.generators("oracle")[0].bit_generator.state
    byz = spec.craft(honest, ctx)
    assert ctx.streams.generators("oracle")[0].bit_generator.state == oracle_before
    # the same minibatches, drawn from a fresh "attack" stream, with y -> -y in the logistic gradient
    p = ctx.problem
    idx = attack_context(spec, honest, B, x).streams.integers("attack", p.m, (p.n_honest, p.spec.batch))
    A = p.A_host[np.arange(p.n_honest)[None, :, None], idx]  # [R,h,b,d]
    y = -p.y_host[np.arange(p.n_honest)[None, :, None], idx]
    z = np.einsum("rhbd,rd->rhb", A, x)
    grads = np.mean((-y / (1 + np.exp(y * z)))[..., None] * A, axis=2) + p.spec.lam * x[:, None, :]
    np.testing.assert_allclose(byz, np.repeat(grads.mean(axis=1)[:, None], 2, axis=1), rtol=1e-10)


def test_label_flip_refuses_a_problem_without_labels():
    from sims import ConfigError
    from sims.problems.quadratic import QuadraticSpec

    honest = messages(1, n=8, f=0, d=4)
    spec = attack("label_flip")
    ctx = attack_context(spec, honest, B, np.zeros((1, 4)))
    ctx = type(ctx)(**{**ctx.__dict__, "problem": QuadraticSpec(d=4).build(8, B)})
    with pytest.raises(ConfigError, match="attack.name"):
        spec.craft(honest, ctx)


def test_shift_back_pulls_to_x0_only_with_a_byzantine_majority_of_the_sample():
    honest = messages(2, n=8, f=0, d=3)
    x = np.ones((2, 3))
    sampled = np.zeros((2, 10), dtype=bool)
    sampled[0, [0, 8, 9]] = True  # 2 Byzantine of 3 sampled: majority
    sampled[1, [0, 1, 9]] = True  # 1 of 3: honest behaviour
    byz, _ = crafted(attack("shift_back", scale=4.0), honest, x=x, sampled=sampled)
    np.testing.assert_allclose(byz[0], np.full((2, 3), 4.0))  # 4 (x - x0), x0 = 0
    np.testing.assert_allclose(byz[1], np.repeat(honest[1].mean(axis=0)[None], 2, 0))


# --- optimised attacks: every grid point, not only increments (pitfall #16) -----------------------------
def phi(spec, honest, ctx, taus):
    mu, sd = honest.mean(axis=1), honest.std(axis=1, ddof=1)
    byz = mu[:, None] - taus[None, :, None] * sd[:, None]
    return attack_objective(honest, ctx, byz)


def test_optimized_alie_finds_the_grid_maximum_of_the_objective():
    honest = messages(2, n=12, f=0, d=4)
    spec = attack("opt_alie", low=0.0, high=6.0, candidates=13, rounds=3)
    byz, ctx = crafted(spec, honest, f=3)
    tau = ((honest.mean(axis=1) - byz[:, 0]) / honest.std(axis=1, ddof=1))[:, 0]
    dense = np.linspace(0.0, 6.0, 61)
    best = phi(spec, honest, ctx, tau)  # [R, R]: replica r at its own tau on the diagonal
    assert np.all(np.diag(best) >= phi(spec, honest, ctx, dense).max(axis=1) - 1e-9)


def increments_only_scan(objective, start=0.0, delta=1.0, ratio=0.8, evals=20):
    """ByzFL's scan (specs 6.6): only +delta steps from ``start`` are ever tried (the twin)."""
    best, value, expanding = start, objective(start), True
    for _ in range(evals - 1):
        trial = objective(best + delta)
        if trial > value:
            best, value = best + delta, trial
            delta = delta * 2 if expanding else delta
        else:
            expanding = False
        if not expanding:
            delta *= ratio
    return best


def test_increments_only_scan_misses_a_maximum_our_grid_finds():
    """Must-fail twin: on an objective with a dip after its start the increments-only scan stays put,
    the grid search reaches the global maximum."""
    objective = lambda t: np.exp(-(t - 5.0) ** 2) - 0.3 * np.exp(-((t - 0.8) ** 2) / 0.1)  # noqa: E731
    assert abs(increments_only_scan(objective) - 5.0) > 1.0
    grid = np.linspace(0.0, 10.0, 41)
    assert abs(grid[np.argmax([objective(t) for t in grid])] - 5.0) < 0.25


def test_optimized_attacks_draw_bucketing_from_the_attack_stream():
    honest = messages(2, n=9, f=0, d=3)
    chain = Chain(registry.build("aggregator", {"name": "cwmed"}),
                  (registry.build("preaggregator", {"name": "bucketing"}),))
    _, ctx = crafted(attack("opt_ipm", candidates=4, rounds=1), honest, aggregator=chain)
    before = ctx.streams.generators("aggregate")[0].bit_generator.state
    attack("opt_ipm", candidates=4, rounds=1).craft(honest, ctx)
    assert ctx.streams.generators("aggregate")[0].bit_generator.state == before
