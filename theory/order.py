"""Order terms: the O(.) form a paper's comparison table prints, computed from an expression.

``order_terms(e, regime)`` returns monomials t_1..t_k with e = O(t_1 + ... + t_k) on the regime box
(each symbol ranging over an interval), with absolute constants dropped:

* a sum of positive terms is Theta of the sum of their order terms; negative summands are dropped
  (an upper bound: 1 - p -> 1);
* products multiply the term lists; a positive power distributes over a sum
  ((sum a_i)^q = Theta(sum a_i^q) for a fixed number of terms);
* a sum under a negative power stays atomic, except that a summand cancelling at a small
  parameter is expanded first (1/(1 - sqrt(1 - alpha)) -> 1/alpha, not 1); a difference that does
  not cancel at 0 but vanishes at a parameter's finite upper end stays whole (1/(1 - 2 delta),
  delta in (0, 1/2): the Byzantine-fraction factor of Table 2, not dropped to 1);
* Min/Max, logs and Piecewise stay atomic;
* a monomial is dropped when another one dominates it on the regime: their ratio is bounded there,
  i.e. every symbol with a positive exponent in the ratio is bounded above and every one with a
  negative exponent is bounded away from 0 (with omega in [1, oo): 1 + omega -> omega).

Two expressions have the same order (``same_order``) when their pruned term sets coincide.  This is
what regenerates the order terms of Byz-VR-MARINA's Table 2 from Theorem 2.1.
"""
from __future__ import annotations

from typing import Mapping

import sympy as sp

from .symbols import SYMBOLS

oo = sp.oo

#: default ranges (others: (0, oo)); omega >= 1 is the compressed regime of the comparison tables
DEFAULT_REGIME: dict[str, tuple] = {
    "omega": (1, oo),
    "p": (0, 1),
    "alpha": (0, 1),
    "alpha_w": (0, 1),
    "alpha_M": (0, 1),
    "delta": (0, sp.Rational(1, 2)),
    "delta_real": (0, sp.Rational(1, 2)),
    "eps": (0, 1),
}


def _theta(e: sp.Expr) -> list[sp.Expr]:
    e = sp.sympify(e)
    if e.is_Number:
        return [sp.Integer(1)]
    if e.is_Symbol:
        return [e]
    if e.is_Add:
        terms = [t for arg in e.args if not arg.could_extract_minus_sign() for t in _theta(arg)]
        return terms or [sp.Integer(1)]
    if e.is_Mul:
        out = [sp.Integer(1)]
        for factor in e.args:
            if factor.is_Number:
                continue
            out = [o * t for o in out for t in _theta(factor)]
        return out
    if e.is_Pow and e.args[1].is_Number:
        base, q = e.args
        if q < 0 and base.is_Add and any(a.could_extract_minus_sign() for a in base.args):
            lead = _small_parameter_leading(base)  # 1 - sqrt(1 - alpha) -> alpha/2, not 1
            if lead.is_Number and _vanishes_at_an_upper_end(base):
                return [e]  # 1/(1 - 2 delta): no cancellation at 0, a blow-up at delta = 1/2; kept
            base = lead
        inner = _theta(base)
        if q > 0 or len(inner) == 1:
            return [t**q for t in inner]
        return [sp.Add(*inner) ** q]
    return [e]


def _small_parameter_leading(e: sp.Expr) -> sp.Expr:
    """Leading term of a difference as each parameter with a range (0, b], b finite, goes to 0 (a
    denominator with a cancelling summand: dropping the negative part there would drop a 1/alpha)."""
    for sym in sorted(e.free_symbols, key=lambda s: s.name):
        lo, hi = DEFAULT_REGIME.get(sym.name, (0, oo))
        if lo == 0 and hi != oo:
            try:
                lead = e.as_leading_term(sym)
            except (ValueError, NotImplementedError):  # pragma: no cover - sympy cannot expand
                continue
            if lead != 0:
                e = lead
    return e


def _vanishes_at_an_upper_end(e: sp.Expr) -> bool:
    """Does ``e`` vanish when one parameter with a finite upper end b takes the value b (the others
    free)?  1 - 2 delta at delta = 1/2 does; 1 + alpha at alpha = 1 does not.  Such a denominator
    is the Byzantine-fraction factor 1/(1 - 2 delta) of Table 2 of Gorbunov et al.: not O(1)."""
    for sym in e.free_symbols:
        lo, hi = DEFAULT_REGIME.get(sym.name, (0, oo))
        if hi != oo and sp.simplify(e.subs(sym, hi)) == 0:
            return True
    return False


def _proportional(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal up to a numeric factor (monomials combine powers on division, so no simplify is needed)."""
    return (a / b).is_Number


def _bounded(ratio: sp.Expr, regime: Mapping[str, tuple]) -> bool:
    """Is the monomial ``ratio`` bounded above on the regime box?"""
    for base, q in ratio.as_powers_dict().items():
        if base.is_Number or q == 0:
            continue
        if not base.is_Symbol or not q.is_Number:
            return False
        lo, hi = regime.get(base.name, (0, oo))
        if (q > 0 and hi == oo) or (q < 0 and lo == 0):
            return False
    return True


def order_terms(expr: sp.Expr, regime: Mapping[str, tuple] | None = None) -> list[sp.Expr]:
    """The pruned order terms of ``expr`` (see module doc), sorted for display."""
    reg = {**DEFAULT_REGIME, **(regime or {})}
    terms: list[sp.Expr] = []
    for t in _theta(expr):
        if not any(_proportional(t, u) for u in terms):
            terms.append(t)
    kept = [t for t in terms if not any(u is not t and _bounded(t / u, reg) for u in terms)]
    return sorted(kept, key=sp.default_sort_key)


def order_expr(expr: sp.Expr, regime: Mapping[str, tuple] | None = None) -> sp.Expr:
    return sp.Add(*order_terms(expr, regime))


def same_order(a: sp.Expr, b: sp.Expr, regime: Mapping[str, tuple] | None = None) -> bool:
    """True when ``a`` and ``b`` have the same pruned order-term sets on the regime."""
    ta, tb = order_terms(a, regime), order_terms(b, regime)
    return len(ta) == len(tb) and all(any(_proportional(x, y) for y in tb) for x in ta)


def table_substitutions() -> dict[sp.Symbol, sp.Expr]:
    """What comparison tables drop: smoothness constants and Delta0 -> 1, initial errors -> 0,
    n_good -> n (Table 2 of Gorbunov et al. writes n)."""
    one = ["L", "L_tilde", "L_pm", "Lcal_pm", "L_max", "Lmax_ij", "L_imax", "ell", "Delta0"]
    out = {SYMBOLS[k].symbol: sp.Integer(1) for k in one}
    out.update({SYMBOLS["norm0"].symbol: 0, SYMBOLS["G0_EF"].symbol: 0, SYMBOLS["n_good"].symbol: SYMBOLS["n"].symbol})
    return out
