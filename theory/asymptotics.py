"""Asymptotic algebra on rate expressions: dominant powers, min/max upper bounds, rate splitting.

All of it works on the expression a theorem stores, so every derived exponent follows the bound:
change the power of T in a bound and the exponent of T(eps) changes with it.

* ``dominant_power(e, x, at)``: the a with e = Theta(x^a) as x -> at (at = oo or 0), computed
  structurally for sums, products, powers, Min/Max of positive terms (a sum is dominated by its
  largest power at oo and its smallest at 0), with ``sympy.limit(log e / log x)`` as the fallback.
* ``upper_min(e)``: an upper bound free of T-dependent Min/Max, for rates with tuned step sizes:
  ``Min(a_1..a_k)**q <= a_j**q`` for q > 0 (we pick the a_j decaying fastest in T) and
  ``Min(a_1..a_k)**q <= sum_j a_j**q`` for q < 0 (because min^q = max_j a_j^q); symmetrically for Max.
  E.g. 2*Delta0/(gamma*T) with gamma = min(1/L, sqrt(c/T)) becomes 2*L*Delta0/T + 2*Delta0/(sqrt(c)*sqrt(T)).
* ``split_rate(e)``: the additive terms of a rate grouped by their T-dependent factor.
* ``solve_group``: the smallest T with coef * tdep(T) <= y for the recognised shapes
  T**(-k), (T+s)**(-k) and base**T (geometric, PL).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .symbols import T

oo = sp.oo


def _limit_power(expr: sp.Expr, x: sp.Symbol, at) -> sp.Expr:
    return sp.limit(sp.log(expr) / sp.log(x), x, at, "+" if at == 0 else "-")


def dominant_power(expr: sp.Expr, x: sp.Symbol, at=oo) -> sp.Expr:
    """The exponent a with ``expr = Theta(x**a)`` as ``x -> at`` (``at`` is ``oo`` or ``0``).

    Terms are taken as positive (the symbols are declared positive); a log factor counts as power 0.
    """
    expr = sp.sympify(expr)
    if not expr.has(x):
        return sp.Integer(0)
    if expr == x:
        return sp.Integer(1)
    if expr.is_Mul:
        return sp.Add(*(dominant_power(arg, x, at) for arg in expr.args))
    if expr.is_Pow:
        base, q = expr.args
        if not q.has(x):
            return q * dominant_power(base, x, at)
        if not base.has(x):  # base**(g(x)): exponential in x, not a power law
            return _limit_power(expr, x, at)
    if expr.is_Add:
        if any(arg.could_extract_minus_sign() for arg in expr.args if arg.has(x)):
            return _limit_power(expr, x, at)  # mixed signs may cancel (1 - sqrt(1 - alpha) ~ alpha/2)
        powers = [dominant_power(arg, x, at) for arg in expr.args]
        return sp.Max(*powers) if at == oo else sp.Min(*powers)
    if isinstance(expr, (sp.Min, sp.Max)):
        powers = [dominant_power(arg, x, at) for arg in expr.args]
        smaller = isinstance(expr, sp.Min)
        # Min picks the smallest value: at oo the smallest power, at 0 the largest power.
        return (sp.Min if smaller == (at == oo) else sp.Max)(*powers)
    if isinstance(expr, (sp.log, sp.ceiling, sp.floor)):
        return sp.Integer(0)
    return _limit_power(expr, x, at)


def upper_min(expr: sp.Expr, var: sp.Symbol = T) -> sp.Expr:
    """An upper bound of a positive expression with every ``var``-dependent Min/Max removed (see module doc)."""
    expr = sp.sympify(expr)
    if not _has_minmax(expr, var):
        return expr
    if expr.is_Add or expr.is_Mul:
        return expr.func(*(upper_min(arg, var) for arg in expr.args))
    if isinstance(expr, (sp.Min, sp.Max)):
        return upper_min(sp.Pow(expr, 1, evaluate=False), var)
    if expr.is_Pow:
        base, q = expr.args
        if isinstance(base, (sp.Min, sp.Max)) and q.is_number:
            pick_one = (q > 0) == isinstance(base, sp.Min)
            if pick_one:  # Min**q, q>0 (or Max**q, q<0): any argument bounds it; take the fastest-decaying
                arg = min(base.args, key=lambda e: dominant_power(e**q, var, oo))
                return upper_min(arg**q, var)
            return sp.Add(*(upper_min(arg**q, var) for arg in base.args))
        if q.is_number and q > 0:  # increasing in base: bound the base from above
            return upper_min(base, var) ** q
        if q.is_number and q < 0 and base.is_Mul:  # (prod)**q = prod(factor**q)
            return upper_min(sp.Mul(*(arg**q for arg in base.args)), var)
    raise NotImplementedError(f"cannot upper-bound the min/max in {expr}")


def _has_minmax(expr: sp.Expr, var: sp.Symbol) -> bool:
    return any(e.has(var) for e in expr.atoms(sp.Min, sp.Max))


@dataclass(frozen=True)
class RateGroup:
    """``coef * tdep(T)``: one group of additive terms of a rate sharing their T-dependent factor."""

    coef: sp.Expr
    tdep: sp.Expr
    geometric: bool  # tdep = base**T (a linear rate) rather than a power of T
    power: sp.Expr  # dominant power of tdep as T -> oo (-oo for geometric)


def additive_terms(expr: sp.Expr, var: sp.Symbol = T) -> list[sp.Expr]:
    """``expr`` as a sum of terms, distributing products only over sums that contain ``var``
    (T-free sums such as L + sqrt(A) stay intact, so coefficients keep the paper's shape)."""
    expr = sp.sympify(expr)
    if expr.is_Add:
        return [t for arg in expr.args for t in additive_terms(arg, var)]
    if expr.is_Mul:
        out = [sp.Integer(1)]
        for factor in expr.args:
            parts = additive_terms(factor, var) if factor.is_Add and factor.has(var) else [factor]
            out = [o * q for o in out for q in parts]
        return out
    return [expr]


def split_rate(expr: sp.Expr, var: sp.Symbol = T) -> tuple[list[RateGroup], sp.Expr]:
    """The T-dependent groups and the T-free remainder of ``expr``."""
    terms = additive_terms(expr, var)
    const = sp.Integer(0)
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in terms:
        coef, tdep = term.as_independent(var, as_Add=False)
        if tdep == 1:
            const += term
        else:
            groups[tdep] = groups.get(tdep, sp.Integer(0)) + coef
    out = []
    for tdep, coef in groups.items():
        geometric = _geometric_base(tdep, var) is not None
        power = -oo if geometric else dominant_power(tdep, var, oo)
        if not geometric and not power.is_negative:
            raise ValueError(f"rate term {coef * tdep} does not decay in {var} (power {power})")
        out.append(RateGroup(coef, tdep, geometric, power))
    out.sort(key=lambda g: (not g.geometric, -float(g.power) if not g.geometric else 0))
    return out, const


def _geometric_base(tdep: sp.Expr, var: sp.Symbol):
    if tdep.is_Pow and tdep.args[1] == var and not tdep.args[0].has(var):
        return tdep.args[0]
    if isinstance(tdep, sp.exp):
        k = sp.simplify(tdep.args[0] / var)
        if not k.has(var):
            return sp.exp(k)
    return None


def solve_group(group: RateGroup, y: sp.Expr, var: sp.Symbol = T) -> sp.Expr:
    """A ``T`` with ``coef * tdep(T) <= y`` (``tdep`` decreasing in T): the smallest one for powers of
    T, and log(coef/y)/(1 - base) for a geometric ``base**T`` (sufficient, within a factor 1 + O(rho))."""
    coef, tdep = group.coef, group.tdep
    base = _geometric_base(tdep, var)
    if base is not None:  # (1 - rho)**T * coef <= y  <=  T >= log(coef/y)/rho, since -log(1 - rho) >= rho
        return sp.log(coef / y) / (1 - base)
    if tdep.is_Pow and tdep.args[1].is_number and tdep.args[1] < 0:
        inner, q = tdep.args
        shift = sp.expand(inner - var)
        if inner == var or (not shift.has(var) and shift.is_number and shift >= 0):
            return (coef / y) ** (1 / -q) - shift
    sol = [s for s in sp.solve(sp.Eq(coef * tdep, y), var) if s.is_real is not False]
    if len(sol) != 1:
        raise NotImplementedError(f"cannot solve {coef * tdep} <= {y} for {var}")
    return sol[0]
