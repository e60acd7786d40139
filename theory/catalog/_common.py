"""Helpers shared by the catalog modules (no theorem lives here)."""
from __future__ import annotations

from typing import Iterable

import sympy as sp

from ..provenance import Provenance
from ..symbols import T, b_f, b_idx, d


def provenance(default: Provenance, *, hyper: Iterable[str] = (), conditions: bool = False, **fields: Provenance):
    """A provenance map: ``default`` for bound, floor, criterion, the listed hyper-parameters and
    (when ``conditions``) the conditions; keyword arguments override single fields
    (``hyper_gamma=...`` for ``hyper.gamma``)."""
    out = {"statement": default, "bound": default, "floor": default, "criterion": default}
    out.update({f"hyper.{h}": default for h in hyper})
    if conditions:
        out["conditions"] = default
    for k, v in fields.items():
        out[k.replace("hyper_", "hyper.", 1) if k.startswith("hyper_") else k] = v
    return out


def rate_from_complexity(terms: Iterable[tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """The bound sum_j (C_j/T)**(1/a_j) behind an order-form complexity T(tau) = sum_j C_j * tau**(-a_j).

    [DERIVED] If T >= sum_j C_j tau^(-a_j) then each (C_j/T)^(1/a_j) <= tau, so a paper's complexity
    statement is the inverse of this bound up to the number of terms; the derived exponent of T(eps)
    is then recomputed from the bound, not copied.
    """
    return sp.Add(*((C / T) ** (1 / sp.Rational(a)) for C, a in terms))


def ef21_theta(alpha: sp.Expr) -> sp.Expr:
    """EF21's theta = 1 - sqrt(1 - alpha) (components §7.1)."""
    return 1 - sp.sqrt(1 - alpha)


def ef21_beta(alpha: sp.Expr) -> sp.Expr:
    """EF21's beta = (1 - alpha)/(1 - sqrt(1 - alpha)) (code name beta_EF, components §7.1)."""
    return (1 - alpha) / (1 - sp.sqrt(1 - alpha))


DENSE = d * b_f  # one dense float vector


def sparse(k: sp.Expr) -> sp.Expr:
    """k values with explicit indices (Top-K, independent Rand-K); b_idx = 0 for a shared seed."""
    return k * (b_f + b_idx)
