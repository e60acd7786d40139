"""Power of a bound / floor check: would it catch a wrong theorem?

The record is re-evaluated on the SAME runs under standard perturbations

* the whole bound (or floor) x 0.5 and x 0.1;
* each named constant of the record (``Theorem.constants``) x 0.5 and x 0.1;
* the floor dropped ("the method converges exactly");
* each factor of the floor dropped (kappa / c_delta, 1/p, 1/alpha, omega, G^2, d/k - where present):
  the symbol set to 1 in the floor term;
* the T-power of the transient changed (transient x T^-1/2: "converges faster than stated");
* the step condition scaled (the prescribed step x 2 and x 10: "a larger step is safe");

and each is reported caught (the perturbed claim FAILs) or not.  A perturbation that changes the
record's prescribed hyper-parameters (a named constant inside the step formula, the step condition
scaled) is judged on a rerun at the step the perturbed record prescribes (``"rerun": true``, one
batch per attack for all of them), never on the runs of the true step.  The smallest error a check detects
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
#: scales of the prescribed step (a wrong record allowing a larger step)
STEP_SCALES = (2.0, 10.0)


def provenance(theorem: Theorem) -> dict[str, str]:
    """The record's weakest provenance tag, paper and theorem number (checks.json "provenance")."""
    return {"tag": theorem.weakest_provenance.value, "paper": theorem.paper, "reference": theorem.reference}


def _with_floor(theorem: Theorem, new_floor: sp.Expr, label: str) -> tuple[str, Theorem]:
    """The record with its floor term replaced in both ``floor`` and ``bound``."""
    # no sp.simplify: it takes seconds on the PP records; the difference is exact as it stands
    bound = theorem.bound - theorem.floor + new_floor if theorem.floor != 0 else theorem.bound
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
                if dropped != fl:
                    out.append(_with_floor(theorem, dropped, f"floor without {sym.name}"))
    T = sp.Symbol("T", positive=True)
    T_syms = [s for s in theorem.bound.free_symbols if s.name == "T"]
    if transient and T_syms:
        T = T_syms[0]
        tr = theorem.bound - theorem.floor
        out.append(("transient x T^-1/2", replace(theorem, bound=theorem.floor + tr / sp.sqrt(T))))
    if transient and "gamma" in theorem.hyper:
        out += [(f"step x {k:g}", replace(theorem, hyper={**theorem.hyper, "gamma": k * theorem.hyper["gamma"]}))
                for k in STEP_SCALES]
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


def _changes_step(h: Mapping[str, float], h0: Mapping[str, float]) -> bool:
    return any(abs(h[k] - h0.get(k, h[k])) > 1e-12 * max(1.0, abs(h0.get(k, 0.0))) for k in h)


def bound_power(claim: BoundClaim, setting, measured, base: Verdict, **kw) -> dict[str, Any]:
    """Power matrix of a bound check on its own runs (``measured`` from :func:`bound.measure`); the
    perturbations that change the prescribed step on reruns at their own step."""
    from .bound import bound_check, measure_at

    declared, hyper, _ = measured
    perturbed = perturbed_claims(claim)
    hypers = {name: c.hyper(declared, setting.T) for name, c in perturbed}
    rerun = [name for name in hypers if _changes_step(hypers[name], hyper)]
    reruns = dict(zip(rerun, measure_at(claim.theorem, setting, [hypers[n] for n in rerun], **kw))) if rerun else {}
    verdicts = {name: bound_check(c, setting, power=False, **kw,
                                  measured=(declared, hypers[name], reruns[name]) if name in reruns else measured).verdict
                for name, c in perturbed}
    entries = _entries(verdicts, base)
    for e in entries:
        if e["perturbation"] in reruns:
            e.update(rerun=True, step={k: float(v) for k, v in hypers[e["perturbation"]].items()})
    return {"power": entries, "provenance": provenance(claim.theorem)}


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
