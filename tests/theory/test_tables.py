"""Tables derived from the records: Byz-VR-MARINA's Table 2 regenerated from Theorem 2.1, with
must-fail twins (a mis-read paper row, a modified theorem), and the other tables' content."""
from __future__ import annotations

import dataclasses

import sympy as sp

from theory import registry
from theory.order import order_terms, same_order, table_substitutions
from theory.symbols import L, Lcal_pm, b, c_delta, eps, n, n_good, omega, p
from theory.tables import MARINA_TABLE2, comparison_table, order_row, order_table, overview_table


def _derived_marina(th=None):
    th = th or registry.get("byz_vr_marina.thm2_1")
    return th.complexity_floorless.xreplace(table_substitutions())


def test_marina_table2_regenerated_from_theorem_2_1():
    derived = _derived_marina()
    assert same_order(derived, MARINA_TABLE2)
    terms = order_terms(derived)
    assert len(terms) == 5
    assert sp.sqrt(c_delta * omega) / (p * eps**2) in terms  # the dominant Byzantine term
    assert sp.sqrt(omega) / (sp.sqrt(p * n) * eps**2) in terms
    assert order_row(registry.get("byz_vr_marina.thm2_1"))[0] == sp.Add(*terms)


def test_table2_twin_misread_row_fails():
    wrong_p = (1 + sp.sqrt(c_delta * (1 + omega) * (1 + 1 / b)) / p) / eps**2 + sp.sqrt((1 + omega) * (1 + 1 / b)) / (sp.sqrt(n) * eps**2)
    wrong_sqrt = (1 + c_delta * (1 + omega) * (1 + 1 / b) / p) / eps**2 + sp.sqrt((1 + omega) * (1 + 1 / b)) / (sp.sqrt(p * n) * eps**2)
    assert not same_order(_derived_marina(), wrong_p)
    assert not same_order(_derived_marina(), wrong_sqrt)


def test_table2_twin_modified_theorem_fails():
    """A Theorem 2.1 whose A carries 1/p instead of 1/p^2 in the Byzantine term no longer matches."""
    th = registry.get("byz_vr_marina.thm2_1")
    A_wrong = 6 * (1 - p) / p * (4 * c_delta + 1 / (2 * n_good)) * (omega * L**2 + (1 + omega) * Lcal_pm**2 / b)
    bad = dataclasses.replace(th, key="byz_vr_marina.thm2_1#bad", hyper={"gamma": 1 / (L + sp.sqrt(A_wrong))})
    assert not same_order(_derived_marina(bad), MARINA_TABLE2)


def test_order_terms_rules():
    assert order_terms(1 + omega) == [omega]  # omega >= 1
    assert order_terms((1 - p) / p) == [1 / p]  # negative summands dropped
    assert order_terms(sp.sqrt(c_delta + 1 / n)) == sorted([sp.sqrt(c_delta), 1 / sp.sqrt(n)], key=sp.default_sort_key)
    assert order_terms(1 + 1 / b) == sorted([sp.Integer(1), 1 / b], key=sp.default_sort_key)  # b unbounded here
    assert order_terms(1 + 1 / b, {"b": (1, sp.oo)}) == [1]


def test_overview_table_lists_every_theorem_with_criterion_and_exponent():
    md = overview_table()
    for th in registry.THEOREMS.values():
        assert f"| {th.key} |" in md
    assert "| byz_dm21.nc | byz_dm21 | nonconvex | sqnorm_le_eps2 | eps^-4 |" in md
    assert "| byz_vr_dm21.nc | byz_vr_dm21 | nonconvex | sqnorm_le_eps2 | eps^-3 |" in md
    tex = overview_table([registry.get("byz_dm21.nc")], fmt="latex")
    assert tex.startswith(r"\begin{tabular}") and r"byz\_dm21.nc" in tex


def test_order_table_and_comparison_table():
    md = order_table(["byz_vr_marina.thm2_1", "byz_dasha_page.nc", "byz_vr_marina.thm2_2"])
    assert "byz_vr_marina.thm2_1" in md and "byz_vr_marina.thm2_2" not in md  # PL rows are linear: omitted
    tab = comparison_table(["byz_vr_marina.thm2_1", "byz_dm21.nc"], vary="omega", values=(1.0, 99.0))
    rows = tab.splitlines()[2:]
    assert len(rows) == 2 and "inf" not in tab
    # more compression: more rounds for Byz-VR-MARINA (derived, not typed)
    cells = rows[0].split("|")
    r1, r2 = (float(c.split("/")[0]) for c in cells[3:5])
    assert r2 > r1
    zeta = comparison_table(["byz_vr_marina.thm2_1"], vary="zeta2", values=(0.0, 100.0))
    assert "inf" in zeta  # above the floor the target is unreachable
