"""The plateau rate items of the remaining seed theorems (sims.verify.suite_rate_more): every seed
theorem with an eps exponent has a rate item in the full suite, and a false claim is refuted by the
same measurement that leaves the record's exponent consistent (Byz-EF21 at sigma = 0, ~10 s)."""
import dataclasses

import pytest

import theory
from sims.verify import suite, suite_rate_more as more
from sims.verify.checks import Verdict
from sims.verify.rate_verdict import method_rate_check
from sims.verify.suite_rate import plateau_measure


def _exponent(th):
    try:
        return th.exponent("sqnorm_le_eps2")
    except ValueError:  # fgap_le_eps records: no conversion to sqnorm
        return None


def test_the_full_suite_has_a_rate_item_for_every_seed_theorem_with_an_eps_exponent():
    seeds = {k for k, th in theory.THEOREMS.items()
             if th.algorithm in more.SEED_ALGORITHMS and _exponent(th) is not None}
    assert len(seeds) >= 10 and {"rosdhb.nc", "byz_vr_marina.thm2_1", "robust_dsgd_momentum.iclr22"} <= seeds
    covered = {k for it in suite.items(quick=False) if " rate " in it.name for k in it.theorems}
    assert seeds <= covered, sorted(seeds - covered)
    quick = {k for it in suite.items(quick=True) if " rate " in it.name for k in it.theorems}
    assert {"byz_ef21.nc", "byz_vr_marina.thm2_1"} <= quick and "rosdhb.nc" not in quick  # full suite only


def test_each_record_gets_its_own_exponent_and_one_refuted_better_class():
    cl = more.claims(("rosdhb.nc", "rosdhb.nc_dk_floor"))
    assert cl == [("rosdhb.nc", "theorem exponent", -4.0, Verdict.PASS),  # sqnorm_le_eps converted by the record
                  ("rosdhb.nc_dk_floor", "theorem exponent", -4.0, Verdict.PASS),
                  ("rosdhb.nc", "typed: eps^-3", -3.0, Verdict.FAIL)]
    assert more.claims(("byz_ef21.nc",))[-1][2] == -1.5
    with pytest.raises(ValueError, match="exponent = -3.0"):
        more.better_class(-3.0)


def test_grids_are_claim_free_and_page_marina_never_run_full_gradients():
    for keys, m in more.METHODS.items():
        assert m.f == 1 and m.grid, keys
        assert all(v.get("p", 0.5) < 1 for v in m.grid), keys
        assert set(m.grid[0]) <= {"lr", "eta", "beta", "p"}
    assert more.METHODS[("rosdhb.nc", "rosdhb.nc_dk_floor")].setting(2).compressor["name"] == "coordinated_randk"
    bucketed = more.METHODS[("robust_dsgd_momentum.iclr22",)].setting(2).aggregator
    assert bucketed["pre"] == [{"name": "bucketing", "s": 2}]


@pytest.fixture(scope="module")
def ef21_data():
    m = dataclasses.replace(more.METHODS[("byz_ef21.nc",)], eps={True: (0.126, 0.159, 0.2, 0.252, 0.3)})
    return plateau_measure(m, True)


def test_byz_ef21_at_sigma_0_refutes_eps_minus_1_and_keeps_its_eps_minus_2(ef21_data):
    own, better, wrong = (method_rate_check("byz_ef21.nc", f"eps^{a}", a, ef21_data, "plateau", "byz_ef21", "s")
                          for a in (-2.0, -1.5, -1.0))
    assert own.verdict == Verdict.PASS and abs(own.measured + 2) <= 0.3
    assert better.verdict == wrong.verdict == Verdict.FAIL
    assert own.measured == wrong.measured and own.interval == wrong.interval  # one measurement


def test_the_quick_marina_item_comes_out_as_the_suite_expects():
    """One measurement, three checks: Thm 2.1 and the camera-ready record consistent, eps^-1.5 refuted (~2 s)."""
    (item,) = [it for it in suite.items(quick=True) if it.name.startswith("byz_vr_marina.thm2_1 rate")]
    checks = item.run()
    assert [(c.theorem, c.verdict) for c in checks] == [
        ("byz_vr_marina.thm2_1", Verdict.PASS), ("byz_vr_marina.camera_ready", Verdict.PASS),
        ("byz_vr_marina.thm2_1", Verdict.FAIL)]
    assert all(c.verdict == c.expected for c in checks)
    assert len({c.measured for c in checks}) == 1 and checks[0].extra["algorithm"] == "byz_vr_marina"
