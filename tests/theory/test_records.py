"""Every record is complete: algorithm, criterion, setting, provenance on every field and constant,
no unknown symbols; the registry refuses unknown names with the allowed ones listed."""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from theory import registry
from theory.criteria import CRITERIA
from theory.provenance import Provenance, weakest
from theory.symbols import SYMBOLS, T, L
from theory.theorem import SETTINGS, NamedConstant, Theorem

ALL = list(registry.THEOREMS.values())

#: the algorithms of issue 6, each must have at least one record
REQUIRED_ALGORITHMS = {
    "rosdhb", "byz_dasha_page", "byz_ef21", "byz_ef21_bc", "byz_vr_marina", "byz_vr_marina_pp", "byz_vr_marina_pp_plus",
    "byz_dm21", "byz_vr_dm21", "byz_ef21_sgdm", "lad", "com_lad", "krum_sgd", "robust_dsgd_momentum", "robust_dshb",
    "robust_dgd", "sgd", "sgd_momentum", "storm", "page", "marina", "ef21", "ef21_sgdm", "dasha",
}


@pytest.mark.parametrize("th", ALL, ids=lambda t: t.key)
def test_record_has_algorithm_criterion_setting(th):
    assert th.algorithm and th.key.startswith(th.algorithm + ".")
    assert th.criterion in CRITERIA
    assert th.setting in SETTINGS
    assert th.paper and th.reference and th.assumptions


@pytest.mark.parametrize("th", ALL, ids=lambda t: t.key)
def test_provenance_on_every_field_and_constant(th):
    needed = {"bound", "floor", "criterion"} | {f"hyper.{h}" for h in th.hyper} | ({"conditions"} if th.conditions else set())
    assert needed <= set(th.provenance)
    assert all(isinstance(v, Provenance) for v in th.provenance.values())
    for c in th.constants:
        assert isinstance(c.provenance, Provenance) and c.note
    # every non-table symbol in the statement is a named constant with a default
    names = {s.name for s in th._all_symbols()}
    assert names - set(SYMBOLS) <= {c.name for c in th.constants}


def test_registry_covers_every_algorithm_of_the_issue():
    assert REQUIRED_ALGORITHMS <= set(registry.algorithms())
    settings = {(th.algorithm, th.setting) for th in ALL}
    for alg in ("byz_vr_marina", "byz_dasha_page", "byz_ef21", "byz_ef21_bc", "byz_vr_marina_pp", "byz_dm21", "byz_vr_dm21", "robust_dgd"):
        assert (alg, "nonconvex") in settings and (alg, "pl") in settings, alg


def test_unknown_name_error_lists_allowed_names():
    with pytest.raises(registry.UnknownTheoremError) as err:
        registry.get("byz_vr_marina.thm9")
    assert "byz_vr_marina.thm2_1" in str(err.value) and "allowed" in str(err.value)
    with pytest.raises(registry.UnknownTheoremError) as err:
        registry.resolve("no_such_algorithm")
    assert "byz_dm21" in str(err.value)
    assert [t.key for t in registry.resolve("byz_dm21")] == ["byz_dm21.nc", "byz_dm21.pl"]


# --- must-fail twins: the validation refuses incomplete records ------------------------------------
def _base(**kw):
    fields = dict(key="x.nc", algorithm="x", paper="p", reference="r", setting="nonconvex", criterion="sqnorm_le_eps2",
                  assumptions=("a",), bound=L / T, floor=sp.Integer(0),
                  provenance={"bound": Provenance.DERIVED, "floor": Provenance.DERIVED, "criterion": Provenance.DERIVED})
    fields.update(kw)
    return Theorem(**fields)


def test_validation_accepts_a_complete_record():
    assert _base().leading_exponent == -2


@pytest.mark.parametrize("bad, message", [
    (dict(provenance={"bound": Provenance.DERIVED}), "provenance missing"),
    (dict(bound=sp.Symbol("mystery_C", positive=True) / T), "unknown symbols"),
    (dict(criterion="sqnorm_small"), "criterion"),
    (dict(setting="convex"), "setting"),
    (dict(floor=1 / T), "floor depends on T"),
    (dict(hyper={"gamma": 1 / L}), "hyper.gamma"),
    (dict(constants=(NamedConstant("L", 1.0, Provenance.RECON),)), "clash"),
])
def test_validation_refuses_incomplete_records(bad, message):
    with pytest.raises(ValueError, match=message):
        _base(**bad)


def test_weakest_provenance():
    assert weakest([Provenance.V_TEXT, Provenance.RECON, Provenance.DERIVED]) is Provenance.RECON
    assert registry.get("byz_vr_marina.thm2_1").weakest_provenance is Provenance.V_TEXT
    assert registry.get("byz_dm21.nc").weakest_provenance in (Provenance.RECON, Provenance.UNVERIFIED)
    assert dataclasses.replace(registry.get("byz_vr_marina.thm2_1"), key="t#x",
                               provenance={**registry.get("byz_vr_marina.thm2_1").provenance, "floor": Provenance.RECON}
                               ).weakest_provenance is Provenance.RECON


def test_pp_d14_clips_at_twice_the_largest_local_smoothness_as_the_paper_sets():
    """Theorem D.14 of Byz-VR-MARINA-PP sets lambda = 2 max_i L_i ||dx|| (the transcription had
    max_i L_i, which made A's clipping term 4x too small); G.4 inherits D.14; D.15 prints max_i L_i."""
    from theory.catalog.pp import A_D14
    from theory.symbols import L_imax

    d14, d15, g4 = (registry.THEOREMS[f"byz_vr_marina_pp.{k}"] for k in ("d14", "d15", "g4"))
    assert d14.hyper["clip_coef"] == 2 * L_imax == g4.hyper["clip_coef"] and d15.hyper["clip_coef"] == L_imax
    clip_term = sp.expand(A_D14(2 * L_imax) - A_D14(L_imax))
    assert sp.simplify(clip_term - 3 * sp.expand(A_D14(L_imax) - A_D14(0))) == 0  # alpha^2: 4x, not 1x
    assert d14.hyper["gamma"] == 1 / (L + sp.sqrt(A_D14(2 * L_imax)))
