"""The quick suite's expected verdicts are tests: every check (and every must-fail twin) comes out
as the suite says.  The rate items are the slow part (~100 s)."""
import pytest

from sims.verify import suite
from sims.verify.checks import Verdict


def _run(name):
    (item,) = [it for it in suite.items(quick=True) if it.name.startswith(name)]
    return item.run()


def _assert_expected(checks):
    assert checks
    for c in checks:
        assert c.expected is not None
        assert c.verdict == c.expected, (c.theorem, c.check, c.claim, c.measured, c.theory)


def test_marina_thm2_1_passes_on_quadratic_and_logistic_with_slack():
    checks = _run("Byz-VR-MARINA")
    _assert_expected(checks)
    assert {c.setting.split(",")[0] for c in checks} >= {"quadratic", "logistic"}
    assert all(c.slack > 1 for c in checks)


def test_sgd_bound_passes_and_its_power_matrix_catches_half_the_bound():
    (check,) = _run("SGD descent-lemma")
    _assert_expected([check])
    caught = {p["perturbation"]: p["caught"] for p in check.extra["power"]}
    assert caught["bound x 0.5"] and check.extra["detects_bound_below"] > 0.5


def test_dgd_floor_is_consistent_its_slope_is_information_and_kappa_too_small_is_refuted():
    checks = _run("Robust D-GD floor")
    _assert_expected(checks)
    assert [c.verdict for c in checks] == [Verdict.INFO, Verdict.PASS, Verdict.FAIL]
    assert {"perturbation": "floor dropped", "caught": True} in checks[1].extra["power"]


@pytest.mark.slow
def test_rosdhb_floor_at_the_records_coupling_is_consistent_and_c3_too_small_is_refuted():
    import math

    import theory
    from sims.verify.claims import BoundClaim
    from sims.verify.floor import floor_level_check
    from sims.verify.suite_floor import QUICK_STEP_SCALE, OUTSIDE, coupled_setting, rosdhb_floor

    checks = rosdhb_floor(quick=True, independent=True).run()  # the quick suite runs the coordinated half
    _assert_expected(checks)
    coordinated = [c for c in checks if "coordinated masks" in c.setting]
    independent = [c for c in checks if "independent masks" in c.setting]
    assert len(coordinated) == len(independent) == 6 and len(checks) == 12
    assert all(c.verdict == Verdict.INFO for c in independent + [c for c in checks if c.check == "floor"])
    levels = [c for c in coordinated if c.check == "floor_level"]
    assert {c.verdict for c in levels} == {Verdict.PASS} and all(c.details["finding"] == "consistent" for c in levels)
    assert all(c.details["outside"] == OUTSIDE for c in independent if c.check == "floor_level")
    c_gamma = 23200.0 / QUICK_STEP_SCALE
    for row in levels[0].details["rows"]:  # the record's step and momentum at every d/k
        gamma = 1.0 / (c_gamma * row["knob"])
        assert row["hyper"]["lr"] == gamma and row["T"] == round(5 * c_gamma * row["knob"])
        assert math.isclose(row["hyper"]["beta"], math.sqrt(1 - 24 * gamma), rel_tol=1e-12)
    implied = [c for c in coordinated if c.check == "implied"]
    assert all(0 < c.measured < 1.0 and "d/k=" in c.details["binding_run"] for c in implied)
    # the same runs refute the floor with c3 below the implied value
    fs = coupled_setting("coordinated", (1, 2, 4), c_gamma)
    c3 = 0.5 * implied[0].measured
    wrong = floor_level_check(BoundClaim(theory.get("rosdhb.nc"), named={"c_gamma": c_gamma, "c3": c3}), fs,
                              measured=levels[0].details, power=False)
    assert wrong.verdict == Verdict.FAIL and wrong.details["finding"] == "refuted"


@pytest.mark.slow
def test_plateau_separates_dm21_from_vr_dm21_and_refutes_dm21_at_eps_minus_3():
    dm = _run("byz_dm21.nc rate on the plateau (f = 0)")
    vr = _run("byz_vr_dm21.nc rate on the plateau (f = 0)")
    _assert_expected(dm + vr)
    assert abs(dm[0].measured + 4) <= 0.3
    assert dm[0].interval[1] < vr[0].interval[0]  # disjoint 90 % intervals, DM21 steeper
    assert vr[0].measured >= -3.3
    assert dm[0].measured == dm[1].measured  # one measurement for both claims


@pytest.mark.slow
def test_the_separation_holds_with_a_byzantine_worker_a_robust_rule_and_a_compressor():
    dm = _run("byz_dm21.nc rate on the plateau (f = 1)")
    vr = _run("byz_vr_dm21.nc rate on the plateau (f = 1)")
    _assert_expected(dm + vr)
    assert "f = 1" in dm[0].setting and "f = 1" in vr[0].setting
    assert abs(dm[0].measured + 4) <= 0.3 and vr[0].measured >= -3.3
    assert dm[0].interval[1] < vr[0].interval[0]


def test_crippled_vr_and_sgd_do_not_pass_as_eps_minus_3():
    (crippled,) = _run("crippled Byz-VR-DM21")
    sgd = _run("SGD (the other class)")
    _assert_expected([crippled, *sgd])
    assert crippled.verdict == Verdict.FAIL and crippled.interval[1] < -3.3
    assert [c.verdict for c in sgd] == [Verdict.FAIL, Verdict.PASS]


def test_the_full_suite_builds_more_items_than_the_quick_one():
    items = suite.items(quick=False)
    assert len(items) > len(suite.items(quick=True))
    assert all(it.name for it in items)


def test_an_unreached_eps_fails_the_rate_check_and_the_report_says_why(tmp_path):
    import math

    import theory
    from sims.verify.claims import ExponentClaim
    from sims.verify.rate import rate_check
    from sims.verify.report import write_report

    rs = suite.rate_settings(quick=True)["byz_dm21.nc"]
    rows = [{"eps": e, "rounds": [r, 1.02 * r], "hyper": {"eta": 0.1}, "horizon": 2 * r}
            for e, r in ((0.1, 3200.0), (0.07, 13000.0), (0.05, 51000.0))]
    measured = {"theorem": "byz_dm21.nc", "rows": rows, "attack": "none", "max_rounds": 60000}
    claim = ExponentClaim(-4.0, "theorem: eps^-4", theory.get("byz_dm21.nc"))
    assert rate_check(claim, rs, measured=measured, n_boot=200).verdict == Verdict.PASS
    rows[-1]["rounds"] = [51000.0, math.inf]
    check = rate_check(claim, rs, measured=measured, n_boot=200)
    assert check.verdict == Verdict.FAIL
    write_report([check], tmp_path)
    assert "Not reached within 60000 rounds (or diverged): eps = 0.05 (1 of 2 seeds)" in (tmp_path / "report.md").read_text()


def test_a_cost_below_the_zero_chains_lower_bound_is_flagged(tmp_path):
    import theory
    from sims.verify.rate import lower_bound_check

    rs = suite.rate_settings(quick=True)["byz_dm21.nc"]
    rows = [{"eps": 0.1, "rounds": [3000.0, 3500.0], "lower_bound_q": 2000.0},
            {"eps": 0.05, "rounds": [50000.0, 52000.0], "lower_bound_q": 30000.0}]
    th = theory.get("byz_dm21.nc")
    ok = lower_bound_check(th, rs, {"rows": rows})
    assert ok.verdict == Verdict.PASS and ok.measured == 1.5 and ok.details["binding"] == {"eps": 0.1, "seed": 0}
    rows[1]["rounds"][1] = 20000.0  # a seed faster than any zero-respecting method can be
    bad = lower_bound_check(th, rs, {"rows": rows})
    assert bad.verdict == Verdict.FAIL and bad.details["below"] == [(0.05, 1)]
    from sims.verify.report import write_report

    text = write_report([ok, bad], tmp_path).read_text()
    assert "| lower_bound | smallest ratio" in text and "FAIL" in text


def test_the_zero_chain_rows_carry_the_quantile_lower_bound():
    from sims.verify.rate import LOWER_BOUND_DRAWS, LOWER_BOUND_QUANTILE
    from sims.problems.zero_chain import min_rounds

    rs = suite.rate_settings(quick=True)["byz_dm21.nc"]
    spec = rs.at(0.1).config().problem
    q = min_rounds(spec, 3, LOWER_BOUND_DRAWS, LOWER_BOUND_QUANTILE)
    assert 0 < q < min_rounds(spec, 3)
