"""Stationarity criteria (``specs/theorems.md`` §1.3).  Every theorem stores one; none is implied.

===================  ==============================  ===================
code                 meaning                         target tau(eps)
===================  ==============================  ===================
``sqnorm_le_eps2``   E||grad f(x)||^2 <= eps^2       eps**2
``sqnorm_le_eps``    E||grad f(x)||^2 <= eps         eps
``fgap_le_eps``      E[f(x) - f_star] <= eps         eps
===================  ==============================  ===================

A complexity T = Theta(eps^a) under ``sqnorm_le_eps2`` is Theta(eps^(a/2)) under ``sqnorm_le_eps``
(the squared-norm target eps^2 becomes eps): exponents scale with the power of eps in the target.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .symbols import eps


@dataclass(frozen=True)
class Criterion:
    code: str
    quantity: str  # "sqnorm" or "fgap"
    target: sp.Expr  # the right-hand side tau(eps)
    power: int  # tau = eps**power
    latex: str


CRITERIA: dict[str, Criterion] = {
    "sqnorm_le_eps2": Criterion("sqnorm_le_eps2", "sqnorm", eps**2, 2, r"\mathbb{E}\|\nabla f\|^2 \le \varepsilon^2"),
    "sqnorm_le_eps": Criterion("sqnorm_le_eps", "sqnorm", eps, 1, r"\mathbb{E}\|\nabla f\|^2 \le \varepsilon"),
    "fgap_le_eps": Criterion("fgap_le_eps", "fgap", eps, 1, r"\mathbb{E}[f - f_\star] \le \varepsilon"),
}


def criterion(code: str) -> Criterion:
    try:
        return CRITERIA[code]
    except KeyError:
        raise KeyError(f"unknown criterion {code!r}; allowed: {', '.join(CRITERIA)}") from None


def convert_exponent(exponent, source: str, target: str) -> sp.Expr:
    """The eps-exponent of a complexity stated under ``source`` re-expressed under ``target``.

    Only criteria on the same quantity convert (a squared-norm rate says nothing about f - f_star).
    """
    a, b = criterion(source), criterion(target)
    if a.quantity != b.quantity:
        raise ValueError(f"cannot convert an exponent from {source} ({a.quantity}) to {target} ({b.quantity})")
    e = sp.sympify(exponent)
    if e.is_Float:
        e = sp.nsimplify(e, rational=True)
    return e * sp.Rational(b.power, a.power)
