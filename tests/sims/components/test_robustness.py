"""Robustness one can trust: the GM's scale is robust (ratio below the declared kappa at any Byzantine
norm), no rule returns NaN or raises LinAlgError, huge or non-finite inputs get a clear error, the
kappa search is scale-free and finds the known worst cases, Krum's constant is per variant, the
server can hold Byzantine messages to the compressor's density, and the PP theorem clipping levels
leave honest differences alone.  Each check has a twin where the old behaviour fails it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from sims import ConfigError, ExperimentConfig, Job, registry, run
from sims.aggregators.base import NonFiniteOutput
from sims.aggregators.krum import krum_kappa
from sims.algorithms import stages
from sims.algorithms.estimators import function_smoothness
from sims.backend import Backend
from sims.cli import main
from sims.engine import build_setup
from sims.kappa import as_chain, ratios, search, worst_subset_ratio

from component_cases import attack_context, tables

N, F, D = 11, 2, 5
NORMS = [10.0**e for e in (0, 3, 12, 14, 50, 100, 150)]


def far_inputs(norm, seed=0, R=3):
    """9 Gaussian honest inputs and 2 Byzantine ones at ``norm`` in random directions: [R,N,D]."""
    rng = np.random.default_rng(seed)
    honest = rng.standard_normal((R, N - F, D))
    u = rng.standard_normal((R, F, D))
    return np.concatenate([honest, norm * u / np.linalg.norm(u, axis=2, keepdims=True)], axis=1)


@pytest.mark.parametrize("rule", ["gm", "nnm+gm"])
def test_gm_stays_below_its_declared_kappa_at_any_byzantine_norm(rule):
    kappa = as_chain(rule).kappa(N, F)
    for norm in NORMS + [1e300]:
        value = worst_subset_ratio(rule, far_inputs(norm), F)
        assert np.all(np.isfinite(value)) and np.all(value <= kappa), (rule, norm, value, kappa)


def test_a_gm_smoothed_by_the_mean_distance_fails_the_same_check():
    """The old scale (nu = 1e-10 x the mean distance to the start, which Byzantines control)."""
    x = far_inputs(1e14, R=1)
    mean_distance = np.mean(np.linalg.norm(x[0] - np.median(x[0], axis=0), axis=1))
    twin = registry.build("aggregator", {"name": "gm", "smoothing": "absolute", "nu": 1e-10 * mean_distance,
                                         "tol": 0.0, "max_iter": 500})
    assert worst_subset_ratio(twin, x, F)[0] > as_chain("gm").kappa(N, F)


def every_rule():
    return ([as_chain(registry.build("aggregator", t)) for t in tables("aggregator")]
            + [as_chain(f"{t['name']}+cwtm") for t in tables("preaggregator") if len(t) == 1]
            + [as_chain("nnm+gm"), as_chain("arc+nnm+cwmed")])


@pytest.mark.parametrize("norm", [1.0, 1e150, 1e200, 1e300])
def test_no_rule_returns_nan_on_finite_inputs(norm):
    from component_cases import streams

    x = far_inputs(norm)
    for rule in every_rule():
        out = np.asarray(rule.aggregate(x, f=F, streams=streams(3))[0])
        assert np.all(np.isfinite(out)), (rule.name, norm)


def test_non_finite_inputs_give_a_clear_error_or_a_finite_output():
    from component_cases import streams

    x = far_inputs(1.0)
    x[:, -1, 1] = np.inf
    for rule in every_rule():
        try:
            out = np.asarray(rule.aggregate(x, f=F, streams=streams(3))[0])
        except NonFiniteOutput as exc:  # never LinAlgError, never a silent NaN
            assert "not finite" in str(exc) and "row 10" in str(exc), (rule.name, exc)
        else:
            assert np.all(np.isfinite(out)), rule.name


def test_a_byzfl_style_two_dimensional_call_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"expected messages of shape \[R, n, d\]"):
        registry.build("aggregator", {"name": "gm"})(np.zeros((N, D)), F)
    with pytest.raises(ValueError, match=r"\[R, n, d\]"):
        as_chain("nnm+cwtm")(np.zeros((N, D)), F)


def test_large_norm_refuses_scales_that_overflow():
    with pytest.raises(ConfigError, match="attack.scale"):
        registry.build("attack", {"name": "large_norm", "scale": 1e200})
    spec = registry.build("attack", {"name": "large_norm", "scale": 1e39})
    backend = Backend("numpy", "float32")
    honest = backend.asarray(np.ones((2, N - F, D)))
    with pytest.raises(ConfigError, match="attack.scale.*overflows float32"):
        spec.craft(honest, attack_context(spec, honest, backend, np.zeros((2, D))))
    finite = registry.build("attack", {"name": "large_norm", "scale": 1e30})  # fits float32: crafted
    assert np.all(np.isfinite(np.asarray(finite.craft(honest, attack_context(finite, honest, backend,
                                                                                  np.zeros((2, D)))))))


# --- the kappa search -------------------------------------------------------------------------------
def test_ratios_are_scale_free():
    """No cut-off on Byzantine distance: the GM twin's huge ratio at norm 1e14 is scored, and the
    subset ratio of a 1e100-far input equals the exact one (CWMed 9/7, see the next test)."""
    x = far_inputs(1e14, R=1)
    twin = registry.build("aggregator", {"name": "gm", "smoothing": "absolute", "nu": 1e4, "tol": 0.0})
    assert ratios(twin, x, F)[0] > 1e3


def nine_seven_four(far):
    x = np.zeros((1, 20, 2))
    x[0, 9:16, 0] = 1.0
    x[0, 16:, 0] = far
    return x


@pytest.mark.parametrize("far", [1e3, 1e100, 1e300])
def test_the_cwmed_nine_sevenths_input_is_exact_at_any_scale(far):
    x = nine_seven_four(far)
    assert ratios("cwmed", x, 4)[0] == pytest.approx(9 / 7, rel=1e-12)
    # every subset: the same value at every scale (the old code saw the honest set as coincident)
    assert worst_subset_ratio("cwmed", x, 4)[0] == pytest.approx(worst_subset_ratio("cwmed", nine_seven_four(10.0), 4)[0])


def test_the_search_finds_the_cwmed_nine_sevenths_and_returns_its_input():
    result = search("cwmed", 20, 4, restarts=4, iters=5, lbfgs_steps=1)
    assert result.empirical >= 9 / 7 * (1 - 1e-9) and result.within_upper
    assert ratios("cwmed", result.attaining[None], 4)[0] == pytest.approx(result.empirical, rel=1e-9)


@pytest.mark.parametrize("n,f", [(7, 2), (11, 2), (20, 4)])
@pytest.mark.parametrize("rule", ["cwmed", "krum", "krum[variant=byzfl]", "multi_krum", "nnm+cwmed"])
def test_no_value_found_exceeds_a_declared_constant(rule, n, f):
    result = search(rule, n, f, restarts=6, iters=20, lbfgs_steps=1)
    assert result.upper is not None and result.within_upper, (rule, n, f, result.empirical, result.upper)
    assert result.attains_lower


def test_a_declared_constant_below_a_known_input_is_caught():
    """Must-fail twin: the old search stopped near 1.14 on CWMed at (20, 4); 1.2 is refuted."""
    assert search("cwmed", 20, 4, restarts=4, iters=5, lbfgs_steps=1).empirical > 1.2


def test_kappa_command_prints_the_attaining_input_and_saves_it(tmp_path, capsys):
    path = tmp_path / "kappa.json"
    assert main(["kappa", "cwmed", "--n", "20", "--f", "4", "--restarts", "4", "--iters", "5", "--lbfgs", "1",
                 "--save", str(path)]) == 0
    captured = capsys.readouterr()
    assert "best lower estimate found" in captured.out and "declared upper bound" in captured.out
    assert "attained by" in captured.out and " B  19" in captured.out
    assert "constructions scored" in captured.err  # progress
    saved = json.loads(path.read_text())[0]
    assert saved["best_lower_estimate"] >= 9 / 7 * (1 - 1e-9) and len(saved["attaining_input"]) == 20


# --- Krum's constant per variant ------------------------------------------------------------------
def test_krum_kappa_is_six_one_plus_q_only_for_n_minus_f_neighbours():
    for n, f in [(7, 2), (10, 3), (20, 4)]:
        q = f / (n - 2 * f)
        assert registry.build("aggregator", {"name": "krum", "variant": "byzfl"}).kappa(n, f) == pytest.approx(6 * (1 + q))
    paper = registry.build("aggregator", {"name": "krum"})
    assert [round(paper.kappa(n, f), 2) for n, f in [(7, 2), (10, 3), (20, 4)]] == [12.5, 12.44, 8.34]
    assert krum_kappa(20, 4, 14) > 6 * (1 + 4 / 12)  # the n-f-2 variant's bound is larger than 6(1+q)
    assert "n-f-2" in paper.kappa_provenance and "n - f neighbours" in registry.build(
        "aggregator", {"name": "krum", "variant": "byzfl"}).kappa_provenance


def test_byzfl_krum_accepts_n_equal_2f_plus_1_and_the_paper_variant_does_not():
    registry.build("aggregator", {"name": "krum", "variant": "byzfl"}).check_counts(5, 2)
    with pytest.raises(ConfigError, match="workers.f"):
        registry.build("aggregator", {"name": "krum"}).check_counts(6, 2)


# --- Byzantine density ------------------------------------------------------------------------------
def density_setup(enforce, compressor="randk"):
    cfg = ExperimentConfig.from_dict({
        "problem": {"name": "quadratic", "d": 12}, "algorithm": {"name": "byz_ef21", "lr": 0.1},
        "aggregator": {"name": "cwtm"}, "attack": {"name": "ipm"}, "compressor": {"name": compressor, "k": 3},
        "workers": {"n": 8, "f": 2}, "run": {"T": 1, "seeds": 2, "enforce_density": enforce, "progress": False}})
    return build_setup([Job(cfg, r) for r in range(2)])


@pytest.mark.parametrize("compressor", ["randk", "topk"])
def test_with_enforce_density_a_byzantine_increment_has_at_most_k_non_zeros(compressor):
    rng = np.random.default_rng(1)
    copies = rng.standard_normal((2, 8, 12))
    for enforce, most in ((True, 3), (False, 12)):
        setup = density_setup(enforce, compressor)
        honest_increments, _ = stages.compress(setup, rng.standard_normal((2, 6, 12)))
        new = stages.update_copies(setup, copies, honest_increments, 0, np.zeros((2, 12)))
        nonzeros = np.count_nonzero(new[:, 6:] - copies[:, 6:], axis=2)
        assert nonzeros.max() == most, (enforce, nonzeros)  # off: IPM's dense increment passes


def test_enforce_density_defaults_to_the_papers_server():
    assert density_setup(None).enforce_density is False  # Byz-EF21's server accepts any vector
    assert density_setup(True).enforce_density is True


# --- PP theorem clipping levels ---------------------------------------------------------------------
def test_pp_theorem_level_never_clips_honest_differences():
    """f = 0, quadratic with B = 0.5, no compression (D_Q = 1): Theorem 4.2's level D_Q L ||dx|| with
    L = max_i L_i (every f_ij L-smooth) is inert, as is Theorem 4.1's; the old D_Q L with the honest
    average's L = 1 clips the workers with L_i > 1 and moves the trajectory."""
    base = {"problem": {"name": "quadratic", "d": 8, "B": 0.5, "G": 1.0}, "workers": {"n": 6, "f": 0},
            "run": {"T": 40, "seeds": 1, "progress": False}}
    pp = {"name": "byz_vr_marina_pp", "lr": 0.2, "p": 0.2}

    def final(**algo):
        return run(ExperimentConfig.from_dict({**base, "algorithm": {**pp, **algo}})).final_x

    cfg = ExperimentConfig.from_dict({**base, "algorithm": pp})
    problem = cfg.problem.build(6, Backend("numpy"))
    assert function_smoothness(problem) > problem.constants.L
    free = final(clip_rule="none")
    np.testing.assert_array_equal(final(clip_rule="theorem_4_1"), free)
    np.testing.assert_array_equal(final(clip_rule="theorem_4_2"), free)
    assert not np.allclose(final(clip_rule="coef", clip_coef=problem.constants.L), free, rtol=0, atol=1e-8)
