"""The methods Table 2 of Byz-VR-MARINA compares with (theory/catalog/table2.py): exponents derived from
the stored bounds (not typed), the table's printed order terms regenerated, provenance and the
not-simulated marking shown, and the 1/(1 - 2 delta) factors kept (issue 16, item 5)."""
import dataclasses

import pytest
import sympy as sp

from theory import cli, registry
from theory.catalog import table2
from theory.order import order_expr, same_order
from theory.symbols import C_btard, T, b, c_delta, delta, eps, m, mu, n, omega, sigma
from theory.tables import order_table, overview_table, provenance_label, record_label, table_substitutions

#: key -> leading eps-exponent of T(eps) printed by Table 2 (0: log(1/eps), PL column)
EXPONENTS = {
    "robust_dsgd_momentum.table2": -4, "br_mvr.table2": -3, "btard_sgd.table2_nc": -4, "btard_sgd.table2_pl": -1,
    "byrd_saga.table2_pl": 0, "br_csgd.table2_pl": 0, "br_csaga.table2_pl": 0, "broadcast.table2_pl": 0,
}
SIMULATED = {"robust_dsgd_momentum", "br_csgd"}  # the two with a sims implementation


def _tabled(th, e):
    """``e`` as Table 2 prints it: smoothness and Delta0 -> 1, the record's O(.) constants -> 1."""
    return order_expr(e.xreplace(table_substitutions()).xreplace({c.s: 1 for c in th.constants}))


def test_every_table2_record_is_registered():
    assert {th.key for th in table2.THEOREMS} == set(EXPONENTS)
    assert all(registry.get(k) is th for k, th in ((t.key, t) for t in table2.THEOREMS))


@pytest.mark.parametrize("key, exponent", EXPONENTS.items())
def test_exponent_is_derived_from_the_bound(key, exponent):
    th = registry.get(key)
    assert not th.bound.has(eps)  # the record stores a bound in T; T(eps) is derived from it
    assert th.leading_exponent == exponent
    if th.setting == "nonconvex":  # twin: the same bound at T**2 halves the exponent (computed, not copied)
        twin = dataclasses.replace(th, bound=th.bound.xreplace({T: T**2}), floor=th.floor)
        assert twin.leading_exponent == sp.Rational(exponent, 2)


@pytest.mark.parametrize("key, printed", [
    ("robust_dsgd_momentum.table2", 1 / eps**2 + sigma**2 * (c_delta + 1 / n) / (b * eps**4)),
    ("br_mvr.table2", 1 / eps**2 + sigma * sp.sqrt(c_delta + 1 / n) / (sp.sqrt(b) * eps**3)),
    ("btard_sgd.table2_nc", 1 / eps**2 + n**2 * delta * sigma**2 / (C_btard * b * eps**2) + sigma**2 / (n * b * eps**4)),
])
def test_nc_rows_regenerate_the_printed_order_terms(key, printed):
    th = registry.get(key)
    assert same_order(_tabled(th, th.complexity_floorless), printed)
    assert not same_order(_tabled(th, th.complexity_floorless), 1 / eps**2 + sigma**2 / (b * eps**4))  # twin


@pytest.mark.parametrize("key, printed", [
    ("byrd_saga.table2_pl", m**2 / (b**2 * (1 - 2 * delta) * mu**2)),
    ("br_csgd.table2_pl", 1 / mu**2),
    ("br_csaga.table2_pl", m**2 / (b**2 * mu**2 * (1 - 2 * delta) ** 2)),
    ("broadcast.table2_pl", m**2 * (1 + omega) ** sp.Rational(3, 2) / (b**2 * mu**2 * (1 - 2 * delta))),
])
def test_pl_rows_regenerate_the_log_coefficient_with_its_delta_factor(key, printed):
    th = registry.get(key)
    (term,) = th.complexity_terms  # one linear group: T(eps) = K log(1/eps)
    coef = _tabled(th, term.coef)
    assert same_order(coef, printed, {"omega": (1, sp.oo)})
    if printed.has(delta):  # the 1/(1 - 2 delta) factor is kept, not dropped to 1
        assert coef.has(1 - 2 * delta) and not same_order(coef, printed.xreplace({delta: 0}))


def test_btard_pl_terms():
    th = registry.get("btard_sgd.table2_pl")
    got = {t.exponent: _tabled(th, t.coef) for t in th.complexity_terms}
    assert set(got) == {-1, sp.Rational(-1, 2), 0}
    assert same_order(got[-1], sigma**2 / (n * b * mu)) and same_order(got[0], 1 / mu)


def test_provenance_is_marked():
    for th in table2.THEOREMS:
        expected = "RECON" if th.algorithm == "btard_sgd" else "UNVERIFIED (statement V-sec)"
        assert provenance_label(th) == expected, th.key
        assert f"[{th.weakest_provenance.value}]" in record_label(th)
    assert provenance_label(registry.get("byz_vr_marina.thm2_1")) == "V-text"
    assert record_label(registry.get("byz_vr_marina.thm2_1")) == "byz_vr_marina.thm2_1"


def test_not_simulated_is_shown_in_bounds_table(tmp_path):
    assert {th.algorithm for th in table2.THEOREMS if th.simulated} == SIMULATED
    out = tmp_path / "t.md"
    assert cli.main(["bounds", "--table", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| br_mvr.table2 | br_mvr (not simulated) | nonconvex |" in text
    assert "| broadcast.table2_pl | broadcast (not simulated) | pl |" in text
    assert "| robust_dsgd_momentum.table2 | robust_dsgd_momentum | nonconvex |" in text  # simulated: no mark
    assert "| br_mvr.table2 [UNVERIFIED] (not simulated) | sqnorm_le_eps2 |" in order_table()
    assert "| btard_sgd.table2_nc [RECON] (not simulated) |" in order_table()
    assert "(1 - 2*delta)" in overview_table([registry.get("byrd_saga.table2_pl")])


def test_not_simulated_in_the_listing_and_describe(capsys):
    assert cli.main(["bounds"]) == 0
    assert "| br_mvr.table2 | br_mvr | nonconvex | sqnorm_le_eps2 | eps^-3 | eps^-3 | UNVERIFIED (statement V-sec) (not simulated) |" \
        in capsys.readouterr().out
    assert "(not simulated)" in registry.get("br_mvr.table2").describe()
    assert "(not simulated)" not in registry.get("br_csgd.table2_pl").describe()


def test_broadcast_condition_forces_almost_no_compression():
    # footnote (5): mu/L ~ 1e-3, delta = 0 -> omega <= 1e-6/112 ~ 8.9e-9, "not larger than 1e-7"
    th = registry.get("broadcast.table2_pl")
    (cond,) = th.conditions
    at = {"mu": 1e-3, "L": 1.0, "delta": 0.0}
    assert th.numeric(cond, {**at, "omega": 5e-9}) and not th.numeric(cond, {**at, "omega": 1e-7})
