"""Step-size conditions in the power matrix: a wrong record prescribing a larger step is rerun at
its own step; the SGD anchor's "step x 10" (gamma = 10/L) diverges and is caught."""
import pytest

import theory
from sims.verify import suite
from sims.verify.bound import bound_check, measure, measure_at
from sims.verify.checks import Verdict
from sims.verify.claims import BoundClaim
from sims.verify.power import perturbed_claims
from sims.verify.runner import Setting


@pytest.fixture(scope="module")
def sgd():
    (item,) = [it for it in suite.items(quick=True) if it.name == "SGD descent-lemma bound"]
    (check,) = item.run()
    return check


def test_sgd_step_x10_is_rerun_at_10_over_L_and_caught(sgd):
    power = {p["perturbation"]: p for p in sgd.extra["power"]}
    assert sgd.verdict == Verdict.PASS
    assert power["step x 10"]["rerun"] and power["step x 10"]["step"]["gamma"] == pytest.approx(10.0)
    assert power["step x 10"]["caught"]
    assert "rerun" not in power["bound x 0.5"]


def test_the_rerun_verdict_is_the_perturbed_claims_verdict_on_runs_at_its_step():
    th = theory.get("sgd.nc")
    s = Setting("q", {"name": "quadratic", "d": 10, "L": 1.0, "mu": 0.8, "G": 0.0, "sigma": 1.0, "x0_dist": 10.0},
                {"name": "br_csgd"}, aggregator={"name": "mean"}, n=4, f=0, T=60, seeds=3)
    claim = BoundClaim(th)
    m = measure(claim, s)
    check = bound_check(claim, s, measured=m)
    wrong = dict(perturbed_claims(claim))["step x 2"]
    h = wrong.hyper(m[0], s.T)
    assert h["gamma"] == pytest.approx(2 * m[1]["gamma"])
    (runs,) = measure_at(th, s, [h])
    expect = bound_check(wrong, s, measured=(m[0], h, runs), power=False).verdict
    entry = next(p for p in check.extra["power"] if p["perturbation"] == "step x 2")
    assert entry["rerun"] and entry["caught"] == (expect == Verdict.FAIL) and expect == Verdict.FAIL
    # judged on the true step's runs instead, the larger step's smaller transient would pass here
    assert bound_check(wrong, s, measured=m, power=False).verdict == Verdict.PASS
