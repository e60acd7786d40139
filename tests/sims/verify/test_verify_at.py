"""Every seed record is checkable from the command line: at its shipped example (``verify NAME
--quick``) and at a user's TOML (``verify NAME --at FILE.toml``)."""
import pytest

import theory
from sims import cli
from sims.verify import at
from sims.verify.at import at_item, setting_from_toml
from sims.verify.checks import Verdict

SEEDS = ("rosdhb", "byz_dasha_page", "byz_ef21", "byz_ef21_bc", "byz_vr_marina", "byz_vr_marina_pp", "byz_dm21",
         "byz_vr_dm21", "byz_ef21_sgdm", "lad", "com_lad", "krum_sgd")


#: every simulated method with a record, the f = 0 anchors (SGD, PAGE, EF21, ...) included
SIMULATED = sorted({theory.get(k).algorithm for k in theory.THEOREMS if theory.get(k).simulated})


@pytest.mark.parametrize("name", SIMULATED)
def test_every_simulated_record_runs_at_its_example(name):
    checks = at_item(name, None, quick=True).run()
    assert checks and all(c.theorem.startswith(name) for c in checks)
    # unknown constants / missing inputs are reported, never a PASS
    for c in checks:
        if c.check in ("implied", "lhs"):
            assert c.verdict == Verdict.INFO


def test_verify_at_a_shipped_example_passes_marina_and_prints_it(tmp_path, capsys):
    rc = cli.main(["verify", "byz_vr_marina.thm2_1", "--at", "examples/byz_vr_marina.toml", "--quick",
                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "byz_vr_marina.thm2_1" in out and "PASS" in out


def test_a_false_claim_fails_at_the_users_setting():
    from sims.verify.bound import bound_check, measure
    from sims.verify.claims import BoundClaim
    import theory

    s = setting_from_toml("examples/byz_vr_marina.toml")
    claim = BoundClaim(theory.get("byz_vr_marina.thm2_1"))
    m = measure(claim, s)
    ucb, bound = bound_check(claim, s, measured=m).measured, bound_check(claim, s, measured=m).theory
    assert bound_check(claim.scaled(0.5 * ucb / bound), s, measured=m).verdict == Verdict.FAIL


def test_a_bad_at_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text("[run]\nT = 10\n")
    with pytest.raises(SystemExit, match=r"missing \[problem\]"):
        setting_from_toml(bad)


def test_a_record_only_method_is_named_not_simulated(tmp_path, capsys):
    # BR-MVR (Table 2 of Byz-VR-MARINA) has no sims implementation: said so, not "no example"
    with pytest.raises(SystemExit, match=r"br_mvr is not simulated by byzcomp \(record only\)"):
        at_item("br_mvr", None, quick=True)
    assert cli.main(["verify", "btard_sgd.table2_pl", "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "btard_sgd.table2_pl is not simulated by byzcomp (record only)" in err and "no example" not in err


def test_a_simulated_record_without_an_example_asks_for_one(tmp_path, monkeypatch):
    """Twin of the record-only refusal: the `simulated` flag decides, a missing file is named."""
    monkeypatch.setattr(at, "EXAMPLES", tmp_path)
    with pytest.raises(SystemExit, match="no example .*robust_dgd.toml; pass --at FILE.toml"):
        at_item("robust_dgd.nc", None, quick=True).run()


def test_a_record_whose_unknown_constant_is_in_its_step_only_is_still_reported():
    """DASHA's only unknown constant sits in its prescribed step, so no constant can be implied from
    the bound: the bound at that step is reported (INFO, the constant named), not zero checks."""
    (check,) = at_item("dasha", None, quick=True).run()
    assert check.theorem == "dasha.nc" and check.check == "bound" and check.verdict == Verdict.INFO
    assert "dasha_c48 at its default" in check.claim and check.details["step_constants"] == ["dasha_c48"]
    assert 0 < check.measured < check.theory
