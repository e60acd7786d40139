"""The quick suite's expected verdicts are tests: every check (and every must-fail twin) comes out
as the suite says.  The rate items are the slow part (~1 min)."""
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


def test_sgd_bound_and_its_half_bound_twin():
    checks = _run("SGD descent-lemma")
    _assert_expected(checks)
    assert [c.verdict for c in checks] == [Verdict.PASS, Verdict.FAIL]


def test_dgd_floor_vs_g_and_kappa_twins():
    _assert_expected(_run("Robust D-GD floor"))


def test_rosdhb_floor_answer_is_kappa_g2():
    checks = _run("RoSDHB floor")
    _assert_expected(checks)
    assert abs(checks[0].measured) < 0.25  # no d/k dependence


@pytest.mark.slow
def test_dm21_rate_is_eps_minus_4_and_the_eps_minus_3_claim_fails():
    checks = _run("byz_dm21.nc rate")
    _assert_expected(checks)
    assert abs(checks[0].measured + 4) <= 0.3


@pytest.mark.slow
def test_vr_dm21_rate_is_eps_minus_3():
    checks = _run("byz_vr_dm21.nc rate")
    _assert_expected(checks)
    assert abs(checks[0].measured + 3) <= 0.3
