"""Byz-VR-MARINA Thm 2.1 at its boundary step (p = 1, gamma = 1/L, mu = L): one setting where the
bound check catches both "bound x 0.5" and "floor dropped", and still passes the record itself."""
import pytest

import theory
from sims.verify import suite
from sims.verify.bound import bound_check, measure
from sims.verify.checks import Verdict
from sims.verify.claims import BoundClaim
from sims.verify.power import perturbed_theorems


@pytest.fixture(scope="module")
def tight():
    th = theory.get("byz_vr_marina.thm2_1")
    s = suite.marina_tight_setting(seeds=2)
    return th, s, measure(BoundClaim(th), s)


def test_the_boundary_step_is_prescribed_and_the_record_passes(tight):
    th, s, m = tight
    check = suite.achieved_kappa(bound_check(BoundClaim(th), s, measured=m))
    assert m[1]["gamma"] == pytest.approx(1.0)  # A = 0 at p = 1, B = 0, Lcal_pm = 0
    assert check.verdict == Verdict.PASS
    caught = {p["perturbation"]: p["caught"] for p in check.extra["power"]}
    assert caught["bound x 0.5"] and caught["floor dropped"]
    # the achieved bias ratio is a lower bound on kappa: below the declared one
    assert 0 < check.details["kappa_achieved"] <= check.details["kappa_declared"]


def test_wrong_records_fail_on_the_same_runs(tight):
    th, s, m = tight
    assert bound_check(BoundClaim(th).scaled(0.5), s, measured=m, power=False).verdict == Verdict.FAIL
    dropped = dict(perturbed_theorems(th))["floor dropped"]
    assert bound_check(BoundClaim(dropped), s, measured=m, power=False).verdict == Verdict.FAIL
