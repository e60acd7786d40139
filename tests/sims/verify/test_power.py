"""The power matrix: a bound / floor check re-evaluated on its own runs under wrong versions of
the record catches the errors the data can see, and only those."""
import pytest

import theory
from sims.verify import suite
from sims.verify.checks import Verdict
from sims.verify.claims import BoundClaim
from sims.verify.power import detects_below, perturbed_claims, perturbed_theorems


@pytest.fixture(scope="module")
def marina_checks():
    (item,) = [it for it in suite.items(quick=True) if it.name.startswith("Byz-VR-MARINA")]
    return item.run()


def _caught(check):
    return {p["perturbation"]: p["caught"] for p in check.extra["power"]}


def test_marina_quick_suite_catches_half_the_bound_and_the_floor_dropped(marina_checks):
    assert all(c.verdict == Verdict.PASS for c in marina_checks)
    assert any(_caught(c)["bound x 0.5"] for c in marina_checks)
    assert any(_caught(c)["floor dropped"] for c in marina_checks)
    for c in marina_checks:
        assert c.extra["provenance"]["tag"] == "V-text" and "Theorem 2.1" in c.extra["provenance"]["reference"]


def test_a_caught_perturbation_is_one_whose_claim_fails_on_the_same_runs(marina_checks):
    from sims.verify.bound import bound_check

    c = next(c for c in marina_checks if _caught(c)["bound x 0.5"])
    # the exact threshold: bound x s is caught iff s < ucb / bound
    s_star = c.extra["detects_bound_below"]
    assert s_star == pytest.approx(detects_below(c.measured, c.theory))
    assert 0.5 < s_star <= 1.0


def test_marina_perturbations_drop_each_floor_factor_and_keep_the_transient():
    th = theory.get("byz_vr_marina.thm2_1")
    pert = dict(perturbed_theorems(th))
    assert {"floor dropped", "floor without c_delta", "floor without p", "transient x T^-1/2"} <= set(pert)
    vals = {"c_delta": 2.0, "zeta2": 2.0, "p": 0.25, "Delta0": 1.0, "gamma": 0.1, "norm0": 0.0, "T": 100}
    true_b = float(th.bound.subs({s: vals[s.name] for s in th.bound.free_symbols}))
    for name, t in pert.items():
        b = float(t.bound.subs({s: vals[s.name] for s in t.bound.free_symbols}))
        if name.startswith("step x"):  # a larger prescribed step, the same bound expression
            assert b == true_b and t.hyper["gamma"] == float(name.split()[-1]) * th.hyper["gamma"], name
        else:
            assert b < true_b, name  # with factors > 1 each perturbation claims a smaller (wrong) bound


def test_named_constants_are_perturbed_for_records_that_have_them():
    names = [n for n, _ in perturbed_claims(BoundClaim(theory.get("rosdhb.nc")))]
    assert "c3 x 0.5" in names and "c2 x 0.1" in names and "floor without kappa" in names


def test_step_perturbations_are_judged_on_a_rerun_at_the_perturbed_step(marina_checks):
    for c in marina_checks:
        gamma = c.details["hyper"]["gamma"]
        for p in c.extra["power"]:
            if p["perturbation"].startswith("step x"):
                assert p["rerun"] and p["step"]["gamma"] == pytest.approx(float(p["perturbation"].split()[-1]) * gamma)
            else:
                assert "rerun" not in p
    tight = next(c for c in marina_checks if c.setting == suite.MARINA_TIGHT)
    assert _caught(tight)["step x 2"]  # mu = L, gamma = 2/L: x^t - x* flips sign, never converges
