"""order_expr keeps a 1/alpha that a cancelling denominator carries (issue 16: Byz-EF21-BC printed
without its 1/alpha factors, EF21 as eps^-2)."""
import sympy as sp

import theory
from theory.order import order_expr
from theory.tables import table_substitutions


def test_a_cancelling_denominator_keeps_its_small_parameter():
    a, eps = sp.symbols("alpha eps", positive=True)
    assert order_expr(1 / ((1 - sp.sqrt(1 - a)) * eps**2)) == 1 / (a * eps**2)
    assert order_expr(1 / (1 + a)) == 1 / (1 + a)  # a positive sum under a negative power stays atomic


def test_ef21_bc_order_carries_both_alphas():
    th = theory.get("byz_ef21_bc.nc")
    expr = order_expr(th.complexity.subs(table_substitutions()))
    names = {s.name for s in expr.free_symbols}
    assert {"alpha_w", "alpha_M"} <= names


def test_pl_rows_whose_floor_grows_with_the_step_do_not_print_a_plain_log():
    for key in ("byz_dm21.pl", "byz_vr_dm21.pl"):
        assert "eps^-1 log(1/eps) with eta ~ eps" in theory.get(key).exponent_str()
    assert theory.get("robust_dgd.pl").exponent_str() == "log(1/eps)"


def test_a_denominator_vanishing_at_a_parameters_upper_end_is_kept():
    # 1/(1 - 2 delta), delta in (0, 1/2): Table 2's Byzantine-fraction factor, not O(1)
    d, mu, p = sp.Symbol("delta", nonnegative=True, real=True), sp.Symbol("mu", positive=True), sp.Symbol("p", positive=True)
    assert order_expr(1 / (1 - 2 * d)) == 1 / (1 - 2 * d)
    assert order_expr(1 / ((1 - 2 * d) ** 2 * mu**2)) == 1 / ((1 - 2 * d) ** 2 * mu**2)
    # twin: 1 - p/2 does not vanish on p in (0, 1]: it is Theta(1) and dropped
    assert order_expr(1 / (1 - p / 2)) == 1
