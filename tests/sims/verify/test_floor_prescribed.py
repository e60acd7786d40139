"""Floor checks at a record's own prescription (FloorSetting.prescribed), the drift of the plateau, and
the one-sided floor-level verdicts: consistent / refuted, INFO outside the record's assumptions."""
import math

import numpy as np
import pytest

import theory
from sims.verify.checks import Verdict
from sims.verify.claims import BoundClaim
from sims.verify.floor import FloorSetting, floor_level_check, measure_floor
from sims.verify.runner import Setting, per_replica, run_variants

NC = theory.get("rosdhb.nc")


def _fs(prescribed=True, c_gamma=100.0):
    base = Setting("tiny", {"name": "quadratic", "d": 4, "L": 1.0, "mu": 1.0, "G": 1.0, "sigma": 0.5, "x0_dist": 1.0},
                   {"name": "rosdhb"}, n=5, f=1, seeds=2, attacks=("sign_flip",))
    points = [{"compressor": {"name": "coordinated_randk", "k": k}, "T": T} for k, T in ((4, 60), (2, 80))]
    claim = BoundClaim(NC, named={"c_gamma": c_gamma}) if prescribed else None
    return FloorSetting(base, "d/k", points, {"lr": 0.05, "beta": 0.9}, window=0.25, prescribed=claim)


def test_the_prescribed_step_is_the_records_at_every_grid_point_and_is_what_runs():
    fs = _fs()
    m = measure_floor(fs)
    for s, row in zip(fs.settings(), m["rows"]):
        k, d = s.compressor["k"], s.problem["d"]
        gamma = min(k / (100.0 * d), math.sqrt(row["constants"]["Delta0"] / (
            (d / k) * 0.25 * (row["constants"]["kappa"] + 1 / 4) * s.T)))  # the record's min(., .)
        assert row["hyper"]["lr"] == pytest.approx(gamma, rel=1e-12)
        assert row["hyper"]["beta"] == pytest.approx(math.sqrt(1 - 24 * gamma), rel=1e-12)
        assert row["T"] == s.T and row["knob"] == d / k
        start = int(math.floor(s.T * 0.75))
        direct = per_replica(run_variants(s, "sign_flip", [{"lr": gamma, "beta": row["hyper"]["beta"]}]),
                             "grad_sq", (start, s.T))
        assert np.allclose(row["plateau"], direct, rtol=1e-9, atol=0)  # the run used that step
        assert math.isfinite(row["drift"])
    assert m["prescribed"] == "theorem, c_gamma = 100"


def test_without_a_prescription_the_fixed_fields_run():
    fs = _fs(prescribed=False)
    assert all(fs.run_fields(s) == {"lr": 0.05, "beta": 0.9} for s in fs.settings())


def _measured(plateaus, kappa=2.0, G=1.0):
    consts = {"kappa": kappa, "G_het": G, "B_het": 0.0, "d": 8.0, "k_sp": 4.0, "L": 1.0, "Delta0": 1.0,
              "sigma": 0.0, "n": 10.0, "f": 2.0}
    return {"knob": "d/k", "rows": [{"knob": 2.0, "constants": consts, "T": 100, "plateau": list(p)} for p in plateaus]}


@pytest.mark.parametrize("plateau, finding", [((0.5, 0.6, 0.55), "consistent"), ((2.5, 2.6, 2.55), "refuted")])
def test_a_floor_is_refuted_only_by_a_plateau_above_it(plateau, finding):
    c = floor_level_check(BoundClaim(NC), _fs(), measured=_measured([plateau]), power=False)  # floor 2
    assert c.details["finding"] == finding
    assert c.verdict == (Verdict.PASS if finding == "consistent" else Verdict.FAIL)
    outside = floor_level_check(BoundClaim(NC), _fs(), measured=_measured([plateau]), outside="independent masks")
    assert outside.verdict == Verdict.INFO and outside.details["finding"] == finding
    assert "power" not in outside.extra


def test_c3_too_small_is_refuted_by_the_same_plateau():
    data = _measured([(0.5, 0.6, 0.55)])
    assert floor_level_check(BoundClaim(NC), _fs(), measured=data, power=False).verdict == Verdict.PASS
    small = BoundClaim(NC, named={"c3": 0.1})  # floor 0.2 < plateau
    assert floor_level_check(small, _fs(), measured=data, power=False).verdict == Verdict.FAIL
