"""Unit tests of the statistics, claims and verdict logic (fast, no long runs)."""
import math

import numpy as np
import pytest

import theory
from sims.verify import (BoundClaim, FloorClaim, Setting, bootstrap_slope, bound_check, implied_constant,
                         lhs_rounds, measure, typed_exponent, upper_confidence)
from sims.verify.checks import Verdict


def test_t_upper_confidence_matches_formula_and_grows_with_level():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    from scipy import stats

    want = x.mean() + stats.t.ppf(0.95, 3) * x.std(ddof=1) / 2
    assert upper_confidence(x, 0.95) == pytest.approx(want)
    assert upper_confidence(x, 0.99) > upper_confidence(x, 0.9)
    assert upper_confidence([1.0, np.inf]) == math.inf


def test_bootstrap_slope_recovers_a_power_law_and_flags_unfinished_runs():
    rng = np.random.default_rng(1)
    eps = np.array([0.05, 0.07, 0.1, 0.14])
    groups = [eps_i**-4 * rng.lognormal(0, 0.05, 8) for eps_i in eps]
    s, lo, hi = bootstrap_slope(eps, groups, seed=0)
    assert abs(s + 4) < 0.1 and lo <= s <= hi
    groups[0][0] = np.inf
    s, lo, hi = bootstrap_slope(eps, groups)
    assert math.isnan(s) and lo == -math.inf


def test_lhs_rounds_follow_the_theorem_averaging():
    assert lhs_rounds(theory.get("byz_vr_marina.thm2_1"), 10) == ("grad_sq", (0, 10), "mean")
    assert lhs_rounds(theory.get("sgd.nc"), 10) == ("grad_sq", (0, 9), "mean")
    assert lhs_rounds(theory.get("byz_vr_marina.thm2_2"), 10)[0] == "f_gap"


def test_kappa_factor_scales_the_floor_and_c_delta():
    th = theory.get("robust_dgd.nc")
    consts = {"L": 1.0, "G_het": 1.0, "B_het": 0.0, "kappa": 2.0, "c_delta": 1.0, "Delta0": 1.0, "n": 10.0, "f": 2.0}
    full = BoundClaim(th).evaluate(consts, 10, {"gamma": 1.0})["floor"]
    small = BoundClaim(th).with_factors(kappa=0.1).evaluate(consts, 10, {"gamma": 1.0})["floor"]
    assert small == pytest.approx(0.1 * full)


def test_floor_claims_slopes():
    th = theory.get("rosdhb.nc_dk_floor")
    grid = [{"kappa": 1.0, "G_het": 1.0, "B_het": 0.0, "d": 32.0, "k_sp": k, "L": 1.0, "Delta0": 1.0, "sigma": 0.0,
             "n": 10.0, "f": 2.0} for k in (32.0, 16.0, 8.0)]
    assert FloorClaim.of(th).exponent(grid, [1, 2, 4]) == pytest.approx(1.0)
    assert FloorClaim.constant("G").exponent(grid, [1, 2, 4]) == pytest.approx(0.0)
    assert typed_exponent(-3).exponent == -3.0


@pytest.fixture(scope="module")
def marina_runs():
    th = theory.get("byz_vr_marina.thm2_1")
    s = Setting("quadratic", {"name": "quadratic", "d": 10, "G": 0.0, "oracle": "finite_sum", "m": 8, "batch": 2,
                              "sigma": 0.5}, {"name": "byz_vr_marina", "p": 0.3}, compressor={"name": "randk", "k": 3},
                n=8, f=1, T=60, seeds=4, attacks=("alie", "sign_flip"))
    return th, s, measure(BoundClaim(th), s)


def test_bound_check_passes_and_a_shrunken_bound_fails(marina_runs):
    th, s, m = marina_runs
    ok = bound_check(BoundClaim(th), s, measured=m)
    assert ok.verdict is Verdict.PASS and ok.slack > 1
    assert set(ok.details["per_attack"]) == {"alie", "sign_flip"}
    tiny = bound_check(BoundClaim(th).scaled(1e-3), s, measured=m)
    assert tiny.verdict is Verdict.FAIL


def test_a_diverged_run_fails_the_bound_check(marina_runs):
    th, s, m = marina_runs
    declared, hyper, per_attack = m
    broken = {a: {**v, "ucb": math.inf} for a, v in per_attack.items()}
    assert bound_check(BoundClaim(th), s, measured=(declared, hyper, broken)).verdict is Verdict.FAIL


def test_implied_constant_is_the_binding_run():
    th = theory.get("rosdhb.nc")
    consts = {"L": 1.0, "G_het": 1.0, "B_het": 0.0, "kappa": 2.0, "d": 8.0, "k_sp": 8.0, "Delta0": 1.0, "sigma": 0.0,
              "n": 10.0, "f": 2.0}
    runs = [{"constants": consts, "measured": 0.5, "label": "a"}, {"constants": consts, "measured": 1.0, "label": "b"}]
    c = implied_constant(BoundClaim(th), "c3", runs, target="floor")
    assert c.measured == pytest.approx(0.5, rel=1e-4) and c.details["binding_run"] == "b"
    assert c.verdict is Verdict.PASS  # default 1 >= 0.5
    runs.append({"constants": consts, "measured": 4.0, "label": "c"})
    assert implied_constant(BoundClaim(th), "c3", runs, target="floor").verdict is Verdict.FAIL
