"""Derived exponents of T(eps): the issue's must-show values, that they follow the bound, criterion
conversion, dependence on constants, and the oracle lower bounds as must-fail checks."""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from theory import registry
from theory.criteria import convert_exponent
from theory.lower_bounds import LOWER_BOUNDS, respects_oracle_lower_bound
from theory.provenance import Provenance
from theory.symbols import Delta0, L, T, sigma
from theory.theorem import Theorem


@pytest.mark.parametrize("key, exponent", [
    ("byz_dm21.nc", -4), ("byz_vr_dm21.nc", -3), ("sgd.nc", -4), ("storm.nc", -3),
    ("byz_ef21_sgdm.nc", -4), ("byz_vr_marina.thm2_1", -2), ("robust_dgd.nc", -2), ("robust_dshb.nc", -4),
    ("ef21_sgd2m.nc", -4), ("byz_vr_marina.thm2_2", 0), ("robust_dgd.pl", 0),
])
def test_must_show_exponents(key, exponent):
    th = registry.get(key)
    assert th.criterion in ("sqnorm_le_eps2", "fgap_le_eps")
    assert th.leading_exponent == exponent


def test_wrong_exponent_claims_fail():
    """Twin: the derived exponents are not the wrong ones one might type in."""
    assert registry.get("sgd.nc").leading_exponent != -3
    assert registry.get("byz_ef21_sgdm.nc").leading_exponent != -2
    assert registry.get("rosdhb.nc").exponent("sqnorm_le_eps2") != -2  # not O(1/T) with sigma > 0


def _with_rate(th: Theorem, rate: sp.Expr) -> Theorem:
    return dataclasses.replace(th, key=th.key + "#mod", bound=rate, hyper={})


@settings(max_examples=15, deadline=None)
@given(q=st.sampled_from([sp.Rational(1, 2), sp.Rational(2, 3), sp.Rational(3, 4), 2, sp.Rational(3, 2), 3]))
def test_exponent_follows_the_power_of_T(q):
    """Replacing T by T**q in a rate divides every T-power, hence the eps-exponent, by q."""
    for key in ("sgd.nc", "storm.nc", "byz_dm21.nc", "byz_vr_dm21.nc"):
        th = registry.get(key)
        changed = _with_rate(th, th.rate.xreplace({T: T**q}))
        assert changed.leading_exponent == th.leading_exponent / q


@settings(max_examples=20, deadline=None)
@given(a=st.fractions(min_value=sp.Rational(1, 5), max_value=3).map(sp.Rational))
def test_exponent_of_a_single_power(a):
    th = _with_rate(registry.get("sgd.nc"), L * Delta0 / T**a + sigma / T)
    assert th.leading_exponent == -2 / sp.Min(a, 1)
    assert th.exponent("sqnorm_le_eps") == -1 / sp.Min(a, 1)


def test_storm_rate_changed_to_sgd_rate_gives_minus_four():
    th = registry.get("storm.nc")
    changed = _with_rate(th, th.bound.xreplace({T: T ** sp.Rational(3, 4)}))  # (1/T)^(2/3) -> (1/T)^(1/2)
    assert changed.leading_exponent == -4


def test_criterion_conversion():
    assert convert_exponent(-4, "sqnorm_le_eps2", "sqnorm_le_eps") == -2
    assert convert_exponent(-3, "sqnorm_le_eps2", "sqnorm_le_eps") == sp.Rational(-3, 2)
    assert convert_exponent(-1, "sqnorm_le_eps", "sqnorm_le_eps2") == -2
    rosdhb = registry.get("rosdhb.nc")
    assert rosdhb.criterion == "sqnorm_le_eps" and rosdhb.leading_exponent == -2
    assert rosdhb.exponent("sqnorm_le_eps2") == -4
    assert registry.get("byz_dm21.nc").exponent("sqnorm_le_eps") == -2
    assert registry.get("dasha.nc").exponent("sqnorm_le_eps2") == -2
    with pytest.raises(ValueError, match="cannot convert"):
        convert_exponent(-2, "fgap_le_eps", "sqnorm_le_eps2")


@pytest.mark.parametrize("key, symbol, power", [
    ("sgd.nc", "sigma", 2), ("sgd.nc", "n", -1), ("byz_dm21.nc", "sigma", 2), ("byz_dm21.nc", "c_delta", 1),
    ("byz_vr_dm21.nc", "sigma", 1), ("byz_vr_dm21.nc", "c_delta", sp.Rational(1, 2)), ("storm.nc", "sigma", 1),
    ("byz_vr_marina.thm2_1", "omega", sp.Rational(1, 2)), ("byz_vr_marina.thm2_1", "p", -1),
    ("byz_vr_marina.thm2_1", "c_delta", sp.Rational(1, 2)), ("byz_dasha_page.nc", "omega", 1),
    ("byz_ef21.nc", "alpha", -1), ("ef21.nc", "alpha", -1), ("rosdhb.nc", "k_sp", -1), ("rosdhb.nc", "kappa", 1),
    ("marina.nc", "n", 0),
])
def test_dependence(key, symbol, power):
    assert registry.get(key).dependence(symbol) == power


def test_oracle_lower_bounds_catch_too_fast_rates():
    assert LOWER_BOUNDS["arjevani_bv"].exponent == -4 and LOWER_BOUNDS["arjevani_mss"].exponent == -3
    for th in registry.THEOREMS.values():
        assert respects_oracle_lower_bound(th), th.key
    sgd = registry.get("sgd.nc")
    too_fast = _with_rate(sgd, (L * Delta0 * sigma / T) ** sp.Rational(2, 3))  # an eps^-3 claim for SGD
    assert too_fast.leading_exponent == -3 and not respects_oracle_lower_bound(too_fast)
    storm = registry.get("storm.nc")
    assert not respects_oracle_lower_bound(_with_rate(storm, storm.rate.xreplace({T: T**2})))


def test_linear_rates_and_asymptotic_records():
    pl = registry.get("robust_dgd.pl")
    assert pl.rate_kind == "linear" and pl.exponent_str() == "log(1/eps)"
    krum = registry.get("krum_sgd.prop2")
    assert krum.rate_kind == "none" and krum.leading_exponent is None and krum.complexity is None
    assert krum.exponent_str() == "-"
    assert registry.get("byz_dm21.nc").rate_kind == "sublinear"
    assert registry.get("byz_dm21.nc").provenance["criterion"] is Provenance.UNVERIFIED


def test_dependences_summary():
    deps = registry.get("byz_dm21.nc").dependences()
    assert deps["sigma"] == 2 and deps["c_delta"] == 1 and deps["n_good"] == 0 and "omega" not in deps
    assert registry.get("krum_sgd.prop2").dependences() == {}
