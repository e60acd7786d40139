"""Power of a bound / floor check: would it catch a wrong theorem?

The record is re-evaluated on the SAME runs under standard perturbations

* the whole bound (or floor) x 0.5 and x 0.1;
* each named constant of the record (``Theorem.constants``) x 0.5 and x 0.1;
* the floor dropped ("the method converges exactly");
* each factor of the floor dropped (kappa / c_delta, 1/p, 1/alpha, omega, G^2, d/k - where present):
  the symbol set to 1 in the floor term;
* the T-power of the transient changed (transient x T^-1/2: "converges faster than stated");

and each is reported caught (the perturbed claim FAILs) or not.  The smallest error a check detects
is exact, no bisection needed: "bound x s" FAILs iff s < ucb / bound, so ``detects_below`` =
max over attacks (grid points) of ucb / bound (floor).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

import sympy as sp

from theory.theorem import Theorem

from .checks import Verdict
from .claims import BoundClaim

#: floor factors whose omission is a plausible error in a Byzantine-robust floor
FLOOR_FACTORS = ("kappa", "c_delta", "c", "p", "alpha", "omega", "G_het", "zeta2", "d", "k_sp")
SCALES = (0.5, 0.1)


def provenance(theorem: Theorem) -> dict[str, str]:
    """The record's weakest provenance tag, paper and theorem number (checks.json "provenance")."""
    return {"tag": theorem.weakest_provenance.value, "paper": theorem.paper, "reference": theorem.reference}


def _with_floor(theorem: Theorem, new_floor: sp.Expr, label: str) -> tuple[str, Theorem]:
    """The record with its floor term replaced in both ``floor`` and ``bound``."""
    bound = sp.simplify(theorem.bound - theorem.floor + new_floor) if theorem.floor != 0 else theorem.bound
    return label, replace(theorem, bound=bound, floor=new_floor)


def perturbed_theorems(theorem: Theorem, transient: bool = True) -> list[tuple[str, Theorem]]:
    """(name, perturbed record) for the structural perturbations (floor dropped, a floor factor
    dropped, transient T-power changed)."""
    out = []
    fl = theorem.floor
    if fl != 0:
        out.append(_with_floor(theorem, sp.Integer(0), "floor dropped"))
        for sym in sorted(fl.free_symbols, key=lambda s: s.name):
            if sym.name in FLOOR_FACTORS:
                dropped = fl.subs(sym, 1)
                if sp.simplify(dropped - fl) != 0:
                    out.append(_with_floor(theorem, dropped, f"floor without {sym.name}"))
    T = sp.Symbol("T", positive=True)
    T_syms = [s for s in theorem.bound.free_symbols if s.name == "T"]
    if transient and T_syms:
        T = T_syms[0]
        tr = theorem.bound - theorem.floor
        out.append(("transient x T^-1/2", replace(theorem, bound=theorem.floor + tr / sp.sqrt(T))))
    return out


def perturbed_claims(claim: BoundClaim, transient: bool = True) -> list[tuple[str, BoundClaim]]:
    """Every standard perturbation of ``claim`` as a :class:`BoundClaim` on the same record inputs."""
    th = claim.theorem
    out = [(f"bound x {s:g}", claim.scaled(s)) for s in SCALES]
    for c in th.constants:
        base = claim.named.get(c.name, c.default)
        out += [(f"{c.name} x {s:g}", replace(claim, named={**claim.named, c.name: base * s}, label=""))
                for s in SCALES]
    out += [(name, replace(claim, theorem=t, label="")) for name, t in perturbed_theorems(th, transient)]
    return out


def _entries(verdicts: Mapping[str, Verdict], base: Verdict) -> list[dict[str, Any]]:
    """caught = the perturbed claim FAILs where the record itself PASSes (nothing is caught by a
    check the record already fails)."""
    return [{"perturbation": name, "caught": bool(base == Verdict.PASS and v == Verdict.FAIL)}
            for name, v in verdicts.items()]


def bound_power(claim: BoundClaim, setting, measured, base: Verdict, **kw) -> dict[str, Any]:
    """Power matrix of a bound check on its own runs (``measured`` from :func:`bound.measure`)."""
    from .bound import bound_check

    verdicts = {name: bound_check(c, setting, measured=measured, power=False, **kw).verdict
                for name, c in perturbed_claims(claim)}
    return {"power": _entries(verdicts, base), "provenance": provenance(claim.theorem)}


def floor_level_power(claim: BoundClaim, fs, measured, base: Verdict, **kw) -> dict[str, Any]:
    """Power matrix of a floor-level check (the floor is the claim; the transient does not enter)."""
    from .floor import floor_level_check

    pert = [(n.replace("bound", "floor"), c) for n, c in perturbed_claims(claim, transient=False)]
    verdicts = {name: floor_level_check(c, fs, measured=measured, power=False, **kw).verdict for name, c in pert}
    return {"power": _entries(verdicts, base), "provenance": provenance(claim.theorem)}


def detects_below(measured_ucb: float, claimed: float) -> float:
    """The largest scale s such that "claim x s" is refuted by an upper confidence end
    ``measured_ucb``: every s below it is caught (ucb / claimed; 0 when nothing is measured)."""
    if not claimed > 0:
        return float("nan")
    return max(0.0, float(measured_ucb) / float(claimed))
