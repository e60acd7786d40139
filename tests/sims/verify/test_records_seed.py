"""Every seed record has a meaningful check (suite_records): a bound check that passes and that a
false claim fails on the same runs, or an implied constant that is positive where its term binds
and whose halving is refuted by the binding run."""
import itertools
import math
import tomllib

import numpy as np
import pytest

import theory
from sims.backend import Backend
from sims.config import ExperimentConfig
from sims.constants import lad_constants
from sims.verify import suite
from sims.verify.bound import bound_check
from sims.verify.checks import Verdict
from sims.verify.claims import BoundClaim
from sims.verify.implied import _value
from sims.verify.suite_records import RECORD_SETTINGS, RECORDS, record_items, record_setting


@pytest.fixture(scope="module")
def checks():
    return {it.name.split()[0]: it.run() for it in record_items(quick=True)}


def test_every_seed_record_has_a_check_with_its_expected_verdict(checks):
    keys = {c.theorem for cs in checks.values() for c in cs}
    assert set(RECORDS) <= keys
    for cs in checks.values():
        assert all(c.as_expected for c in cs), [(c.theorem, c.claim, c.verdict) for c in cs if not c.as_expected]
        assert all("provenance" in c.extra for c in cs)


def test_the_records_are_registered_in_the_suite_and_selected_by_name():
    items = suite.items(quick=True)
    for name in ("byz_dasha_page", "byz_ef21_bc", "lad", "krum_sgd", "byz_vr_marina_pp"):
        assert suite.select(items, [name]), name


@pytest.mark.parametrize("key", [k for k in RECORDS if not any(c.provenance.value in ("RECON", "UNVERIFIED")
                                                               for c in theory.get(k).constants)])
def test_a_bound_record_passes_and_a_false_bound_fails_on_the_same_runs(checks, key):
    (c,) = [c for cs in checks.values() for c in cs if c.theorem == key]
    assert c.check == "bound" and c.verdict == Verdict.PASS and c.extra["power"]
    measured = (c.details["constants"], c.details["hyper"], c.details["per_attack"])
    claim = BoundClaim(theory.get(key))
    wrong = claim.scaled(0.5 * c.measured / c.theory)  # half the measured upper confidence end
    assert bound_check(wrong, record_setting(theory.get(key).algorithm), measured=measured, power=False).verdict \
        == Verdict.FAIL


@pytest.mark.parametrize("key", [k for k in RECORDS if any(c.provenance.value in ("RECON", "UNVERIFIED")
                                                           for c in theory.get(k).constants)])
def test_an_implied_constant_is_positive_where_its_term_binds_and_half_of_it_is_refuted(checks, key):
    th = theory.get(key)
    implied = [c for cs in checks.values() for c in cs if c.theorem == key and c.check == "implied"]
    binding = [c for c in implied if "vacuous" not in c.details]
    assert implied and all(c.verdict == Verdict.INFO for c in implied)
    if key == "byz_vr_marina.camera_ready":  # its C_B term is covered at the example: said, not hidden
        assert all("vacuous" in c.details for c in implied)
        return
    assert binding, f"{key}: every implied constant is vacuous"
    s = record_setting(th.algorithm)
    declared = s.declared()
    claim = BoundClaim(th)
    run = {"constants": declared, "T": s.T, "hyper": claim.hyper(declared, s.T)}
    for c in binding:
        v, u = c.measured, max(r["measured"] for r in c.details["runs"])
        name = c.details["name"]
        name = tuple(name.removeprefix("common factor of ").split(", ")) if name.startswith("common") else name
        assert 0 < v < math.inf
        assert _value(claim, run, "bound", name, v) >= u * (1 - 1e-6)
        assert _value(claim, run, "bound", name, 0.5 * v) < u  # a record with half of it is refuted


def test_a_vacuous_implied_constant_says_so(checks):
    (c,) = [c for c in checks["byz_ef21"] if c.details.get("name") == "ef_C1"]
    assert c.measured == 0 and "say nothing about ef_C1" in c.details["vacuous"] and "vacuous" in c.claim


def test_record_inputs_come_from_the_objects_defining_them():
    d = record_setting("byz_dasha_page").declared()
    assert d["L_max"] == d["ell"] and d["b"] == 4.0
    bc = record_setting("byz_ef21_bc").declared()
    assert bc["alpha_M"] == pytest.approx(5 / 20) and bc["alpha_w"] == pytest.approx(2 / 20)  # Top-5 down, Top-2 up
    pp = record_setting("byz_vr_marina_pp").declared()
    assert (pp["C"], pp["C_hat"], pp["D_Q"], pp["F_A"]) == (5.0, 20.0, 5.0, pytest.approx(np.sqrt(10)))
    krum = record_setting("krum_sgd").declared()
    ev = theory.get("krum_sgd.prop2").evaluate({k: krum[k] for k in ("d", "sigma", "n", "f", "grad_norm")}, T=1)
    assert krum["grad_norm"] > math.sqrt(ev["floor"]) and all(ev["conditions"].values())  # starts outside the region
    assert "eta" in record_setting("byz_dm21").declared()


def test_lad_coverage_bias_matches_an_enumeration_of_relabellings():
    cfg = ExperimentConfig.from_dict({**tomllib.load(open("examples/lad.toml", "rb")), "workers": {"n": 5, "f": 1}})
    problem = cfg.problem.build(4, Backend("numpy"))
    c = lad_constants(problem, 5, 4, 2, "random")
    g = problem.subset_grads(np.asarray(problem.x_star)[None, :], 5)[0]
    g = g - g.mean(axis=0)
    errs = []
    for pi in itertools.permutations(range(5)):
        z = [g[[pi[(i + k) % 5] for k in range(2)]].mean(axis=0) for i in range(4)]
        errs.append(np.sum(np.mean(z, axis=0) ** 2))
    assert c["lad_bias2"] == pytest.approx(np.mean(errs), rel=1e-9)
    assert c["z_norm2"] == pytest.approx(c["beta2_lad"] * 3 / (2 * 4))
    assert set(RECORD_SETTINGS) >= {"lad", "com_lad"}
