"""A theorem as a value: statement, provenance, and facts derived from it by sympy.

A ``Theorem`` stores what a paper states (bound as a function of T, error floor, prescribed
hyper-parameters, conditions, criterion, assumptions) and derives the rest:

* ``rate``: the bound with the prescribed hyper-parameters substituted, a function of T;
* ``complexity``: a sufficient number of rounds T(eps) for the theorem's own criterion
  (``criteria.py``).  The T-dependent part of the rate is upper-bounded free of step-size minima
  (``asymptotics.upper_min``), split into groups ``c_j * tdep_j(T)``, and with m groups each is asked
  to be <= (tau(eps) - floor)/m; T(eps) = sum_j T_j.  With one group this is exact (e.g.
  Byz-VR-MARINA Thm 2.1: K + 1 = 2*Phi0*(L + sqrt(A))/(eps**2 - 24*c*delta*zeta2/p));
* ``leading_exponent``: a in T(eps) = Theta(eps**a) as eps -> 0 with the floor set to 0, computed
  from T(eps) by ``asymptotics.dominant_power`` (0 for linear rates: T = O(log 1/eps));
* ``exponent(criterion)``: the same, re-expressed under another criterion;
* ``dependence(symbol)``: the power of a symbol in the leading term of T(eps) (B-multipliers set to 0);
* ``bits_to_eps``: T(eps) times the expected uplink bits per worker per round;
* ``latex()``, ``evaluate()`` (lambdify at a problem's constants) and ``iterations_to()`` (the exact
  smallest T for which the encoded bound meets the target, found numerically).

Absolute constants hidden in O(.) are ``NamedConstant``s: a symbol, a documented default and a
provenance tag; they are never silently 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np
import sympy as sp

from . import criteria
from .asymptotics import RateGroup, additive_terms, dominant_power, solve_group, split_rate, upper_min
from .provenance import Provenance, weakest
from .symbols import PROBLEM_DEFAULTS, SYMBOLS, T, eps, latex_names

SETTINGS = ("nonconvex", "pl")
KINDS = ("rate", "asymptotic")
ORACLES = ("deterministic", "finite_sum", "bounded_variance", "mean_squared_smoothness")

#: symbols whose dependence is read as the symbol -> 0 (all others: -> oo)
DEPENDENCE_AT_ZERO = frozenset({"alpha", "alpha_w", "alpha_M", "p", "mu", "k_sp"})
#: multipliers of ||grad f||^2 in the heterogeneity bound; ``dependence`` reads the B = 0 regime
B_SYMBOLS = ("B_het", "B_z")
#: the constants whose dependence the tables and ``describe`` report
DEPENDENCE_SYMBOLS = ("omega", "alpha", "kappa", "c_delta", "c", "delta", "n", "n_good", "sigma", "p", "k_sp", "d")


class ConstantError(ValueError):
    """A constant is missing or unknown; the message names it and the allowed names."""


@dataclass(frozen=True)
class NamedConstant:
    """An absolute constant of one theorem (prefixed by its record, e.g. ``dp_C1``)."""

    name: str
    default: float
    provenance: Provenance
    note: str = ""

    @property
    def s(self) -> sp.Symbol:
        return sp.Symbol(self.name, positive=True)


@dataclass(frozen=True)
class ComplexityTerm:
    """One group of T(eps): rounds ``rounds`` with eps-exponent ``exponent`` and eps-free coefficient ``coef``."""

    rounds: sp.Expr
    exponent: sp.Expr
    coef: sp.Expr
    group: RateGroup


@dataclass(frozen=True, eq=False)
class Theorem:
    key: str  # registry name, "<algorithm>.<result>"
    algorithm: str  # sims registry name (anchors use the parent method's name, e.g. "sgd")
    paper: str
    reference: str  # theorem / equation number
    setting: str  # "nonconvex" | "pl"
    criterion: str  # see criteria.CRITERIA
    assumptions: tuple[str, ...]
    bound: sp.Expr  # right-hand side, a function of T, hyper-parameters and constants
    floor: sp.Expr  # the T-independent part of ``rate`` (the error floor)
    provenance: Mapping[str, Provenance]  # "statement", "bound", "floor", "criterion", "hyper.<name>", "conditions"
    hyper: Mapping[str, sp.Expr] = field(default_factory=dict)  # prescribed hyper-parameters
    conditions: tuple[sp.Basic, ...] = ()
    constants: tuple[NamedConstant, ...] = ()
    lhs: str = r"\mathbb{E}\|\nabla f(\hat x_T)\|^2"
    averaging: str = "x_hat uniform over the iterates x^0..x^{T-1}"
    bits_per_round: sp.Expr | None = None  # expected uplink bits per worker per round
    recommended: Mapping[str, sp.Expr] = field(default_factory=dict)  # suggested, not part of the statement
    oracle: str = "deterministic"
    kind: str = "rate"
    notes: str = ""
    simulated: bool = True  # False: a record only; sims has no implementation of ``algorithm``

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        errs = []
        if self.setting not in SETTINGS:
            errs.append(f"setting {self.setting!r} not in {SETTINGS}")
        if self.criterion not in criteria.CRITERIA:
            errs.append(f"criterion {self.criterion!r} not in {tuple(criteria.CRITERIA)}")
        if self.oracle not in ORACLES:
            errs.append(f"oracle {self.oracle!r} not in {ORACLES}")
        if self.kind not in KINDS:
            errs.append(f"kind {self.kind!r} not in {KINDS}")
        if self.floor.has(T):
            errs.append("floor depends on T")
        for name in self.hyper:
            if name not in SYMBOLS or SYMBOLS[name].kind != "algorithm":
                errs.append(f"hyper-parameter {name!r} is not an algorithm symbol")
        clash = [c.name for c in self.constants if c.name in SYMBOLS]
        if clash:
            errs.append(f"named constants clash with the symbol table: {clash}")
        unknown = sorted({s.name for s in self._all_symbols()} - set(self.allowed_names))
        if unknown:
            errs.append(f"unknown symbols {unknown}")
        needed = {"bound", "floor", "criterion"} | {f"hyper.{h}" for h in self.hyper}
        if self.conditions:
            needed.add("conditions")
        missing = sorted(needed - set(self.provenance))
        if missing:
            errs.append(f"provenance missing for {missing}")
        if errs:
            raise ValueError(f"theorem {self.key}: " + "; ".join(errs))

    def _expressions(self) -> list[sp.Basic]:
        exprs = [self.bound, self.floor, *self.hyper.values(), *self.conditions, *self.recommended.values()]
        return exprs + ([self.bits_per_round] if self.bits_per_round is not None else [])

    def _all_symbols(self) -> set[sp.Symbol]:
        return set().union(*(sp.sympify(e).free_symbols for e in self._expressions()))

    @property
    def allowed_names(self) -> list[str]:
        return sorted(set(SYMBOLS) | {c.name for c in self.constants})

    # ------------------------------------------------------------------ statement
    def substituted(self, expr: sp.Expr, keep: frozenset[str] = frozenset()) -> sp.Expr:
        """``expr`` with the prescribed hyper-parameters substituted (except those in ``keep``)."""
        repl = {SYMBOLS[k].symbol: v for k, v in self.hyper.items() if k not in keep}
        out = sp.sympify(expr)
        for _ in range(len(repl) + 1):
            new = out.xreplace(repl)
            if new == out:
                return out
            out = new
        raise ValueError(f"theorem {self.key}: cyclic hyper-parameter prescriptions")

    @cached_property
    def rate(self) -> sp.Expr:
        """The bound as a function of T (and the problem's constants)."""
        return self.substituted(self.bound)

    @cached_property
    def _split(self) -> tuple[list[RateGroup], sp.Expr]:
        if self.kind != "rate":
            return [], self.floor
        terms = additive_terms(self.rate)
        free = sp.Add(*(t for t in terms if not t.has(T)))
        tpart = sp.Add(*(t for t in terms if t.has(T)))
        groups, const = split_rate(upper_min(tpart))
        assert const == 0, (self.key, const)
        return groups, free

    @property
    def floor_from_rate(self) -> sp.Expr:
        """The T-free part of ``rate``; equals ``floor`` for a consistent record (tested)."""
        return self._split[1]

    @property
    def rate_kind(self) -> str:
        """"sublinear" (power of T), "linear" (geometric, PL) or "none" (no non-asymptotic rate)."""
        if self.kind != "rate":
            return "none"
        return "linear" if all(g.geometric for g in self._split[0]) else "sublinear"

    # ------------------------------------------------------------------ complexity
    def _terms(self, with_floor: bool) -> list[ComplexityTerm]:
        groups = self._split[0]
        if not groups:
            return []
        tau = criteria.criterion(self.criterion).target
        y = (tau - (self.floor if with_floor else 0)) / len(groups)
        out = []
        for g in groups:
            rounds = solve_group(g, y)
            # eps-free coefficient of the group's rounds: 1/rho for a linear rate (times log 1/eps)
            coef = 1 / (1 - g.tdep.args[0]) if g.geometric else (len(groups) * g.coef) ** (1 / -g.power)
            out.append(ComplexityTerm(rounds, dominant_power(rounds, eps, 0), coef, g))
        return out

    @cached_property
    def complexity_terms(self) -> list[ComplexityTerm]:
        """The groups of T(eps) with the floor set to 0, most demanding first."""
        return sorted(self._terms(False), key=lambda t: float(t.exponent))

    @cached_property
    def complexity(self) -> sp.Expr | None:
        """Sufficient rounds T(eps) for the criterion, floor included (valid while tau(eps) > floor)."""
        terms = self._terms(True)
        return sp.Add(*(t.rounds for t in terms)) if terms else None

    @cached_property
    def complexity_floorless(self) -> sp.Expr | None:
        terms = self.complexity_terms
        return sp.Add(*(t.rounds for t in terms)) if terms else None

    @property
    def complexity_is_exact(self) -> bool:
        """True when T(eps) solves bound(T) = tau(eps) exactly (one group, no min/max upper bound)."""
        return len(self._split[0]) == 1 and self.rate_kind == "sublinear" and not _has_tminmax(self.rate)

    @cached_property
    def leading_exponent(self) -> sp.Expr | None:
        """a with T(eps) = Theta(eps**a) as eps -> 0 under the theorem's criterion (0: log(1/eps))."""
        terms = self.complexity_terms
        return min((t.exponent for t in terms), key=float) if terms else None

    def exponent(self, criterion: str | None = None) -> sp.Expr | None:
        """``leading_exponent`` re-expressed under ``criterion`` (default: the theorem's own)."""
        e = self.leading_exponent
        if e is None or criterion is None or criterion == self.criterion:
            return e
        return criteria.convert_exponent(e, self.criterion, criterion)

    @cached_property
    def leading_term(self) -> sp.Expr | None:
        e = self.leading_exponent
        if e is None:
            return None
        return sp.Add(*(t.rounds for t in self.complexity_terms if t.exponent == e))

    def dependence(self, symbol: str, at=None) -> sp.Expr | None:
        """Power of ``symbol`` in the leading coefficient of T(eps), read as symbol -> 0 for
        alpha, p, mu, k_sp and symbol -> oo otherwise, in the B = 0 regime (B_het = B_z = 0)."""
        e = self.leading_exponent
        if e is None:
            return None
        s = SYMBOLS[symbol].symbol if symbol in SYMBOLS else sp.Symbol(symbol, positive=True)
        if at is None:
            at = 0 if symbol in DEPENDENCE_AT_ZERO else sp.oo
        coef = sp.Add(*(t.coef for t in self.complexity_terms if t.exponent == e))
        coef = coef.xreplace({SYMBOLS[b].symbol: 0 for b in B_SYMBOLS})
        return dominant_power(self.substituted(coef), s, at)

    def dependences(self, symbols=DEPENDENCE_SYMBOLS) -> dict[str, sp.Expr]:
        """``dependence`` for the symbols of ``symbols`` that occur in the leading coefficient."""
        if self.leading_exponent is None:
            return {}
        coef = sp.Add(*(t.coef for t in self.complexity_terms if t.exponent == self.leading_exponent))
        present = {s.name for s in self.substituted(coef).free_symbols}
        return {name: self.dependence(name) for name in symbols if name in present}

    @cached_property
    def bits_to_eps(self) -> sp.Expr | None:
        """Communication complexity in bits: T(eps) x expected uplink bits per worker per round."""
        if self.complexity is None or self.bits_per_round is None:
            return None
        return self.complexity * self.substituted(self.bits_per_round)

    # ------------------------------------------------------------------ provenance
    @property
    def weakest_provenance(self) -> Provenance:
        return weakest([*self.provenance.values(), *(c.provenance for c in self.constants)])

    # ------------------------------------------------------------------ numbers
    @property
    def inputs(self) -> list[str]:
        """Names the caller must supply to evaluate bound, floor and hyper-parameters."""
        exprs = (self.rate, self.substituted(self.floor), *self._hyper_full().values())
        syms = set().union(*(sp.sympify(e).free_symbols for e in exprs))
        names = {s.name for s in syms} - {"T", "eps"} - {c.name for c in self.constants} - set(PROBLEM_DEFAULTS)
        return sorted(names)

    def _hyper_full(self) -> dict[str, sp.Expr]:
        return {k: self.substituted(v) for k, v in self.hyper.items()}

    def values(self, constants: Mapping[str, Any], complete: bool = True) -> dict[str, Any]:
        """Named-constant defaults and problem defaults, overridden by ``constants`` (validated)."""
        from .constants import complete as complete_constants

        allowed = set(self.allowed_names)
        unknown = sorted(set(constants) - allowed)
        if unknown:
            raise ConstantError(f"{self.key}: unknown constant(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
        vals: dict[str, Any] = {c.name: c.default for c in self.constants}
        vals.update(PROBLEM_DEFAULTS)
        vals.update(complete_constants(constants) if complete else constants)
        return vals

    def numeric(self, expr: sp.Basic, vals: Mapping[str, Any], what: str = "expression"):
        """Evaluate ``expr`` with ``vals`` through a cached ``lambdify`` (numpy; arrays broadcast)."""
        expr = sp.sympify(expr)
        args = sorted(expr.free_symbols, key=lambda s: s.name)
        missing = [s.name for s in args if s.name not in vals]
        if missing:
            raise ConstantError(
                f"{self.key}: {what} needs {missing}; supply them (this theorem's inputs: {', '.join(self.inputs)})"
            )
        fn = _lambdified(expr, tuple(args))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = fn(*(np.asarray(vals[s.name], dtype=float) for s in args))
        out = np.asarray(out)
        return out.item() if out.ndim == 0 else out

    def evaluate(
        self,
        constants: Mapping[str, Any],
        T: Any = None,
        eps: Any = None,
        overrides: Mapping[str, Any] | None = None,
        complete: bool = True,
    ) -> dict[str, Any]:
        """Numbers at a problem's constants: hyper-parameters, floor, and the bound at ``T`` /
        the complexity at ``eps`` when given.  ``overrides`` replace prescribed hyper-parameters
        (e.g. a tuned step size); missing or unknown names raise ``ConstantError``."""
        overrides = dict(overrides or {})
        vals = self.values({**constants, **overrides}, complete=complete)
        keep = frozenset(overrides)
        if T is not None:
            vals["T"] = T
        out: dict[str, Any] = {}
        for name, expr in self.hyper.items():
            full = self.substituted(expr, keep)
            if name in keep:
                out[name] = vals[name]
            elif full.has(SYMBOLS["T"].symbol) and T is None:
                out[name] = None  # a T-dependent prescription (tuned step size): pass T to get it
            else:
                out[name] = self.numeric(full, vals, name)
        out["floor"] = self.numeric(self.substituted(self.floor, keep), vals, "floor")
        bits = self.substituted(self.bits_per_round, keep) if self.bits_per_round is not None else None
        if bits is not None and all(s.name in vals for s in bits.free_symbols):  # bits need d, k_sp, ...
            out["bits_per_round"] = self.numeric(bits, vals, "bits_per_round")
        if T is not None:
            out["bound"] = self.numeric(self.substituted(self.bound, keep), vals, "bound")
        if eps is not None and self.kind == "rate":
            out["complexity"] = self.numeric(self.substituted(self.complexity, keep), {**vals, "eps": eps}, "complexity")
            out["iterations"] = self.iterations_to(eps, constants, overrides=overrides, complete=complete)
            if "bits_per_round" in out:
                out["bits_to_eps"] = out["iterations"] * out["bits_per_round"]
        out["conditions"] = {
            str(cnd): bool(self.numeric(self.substituted(cnd, keep), vals, f"condition {cnd}")) for cnd in self.conditions
        }
        return out

    def iterations_to(self, eps_value: float, constants: Mapping[str, Any], T_max: float = 1e15, **kw) -> float:
        """Smallest integer T with bound(T) <= tau(eps) for the encoded (exact) bound; inf if none <= T_max."""
        overrides = dict(kw.get("overrides") or {})
        vals = self.values({**constants, **overrides}, complete=kw.get("complete", True))
        keep = frozenset(overrides)
        tau = float(self.numeric(criteria.criterion(self.criterion).target, {"eps": eps_value}))
        bound = self.substituted(self.bound, keep)

        def ok(t: float) -> bool:
            v = self.numeric(bound, {**vals, "T": t}, "bound")
            return bool(np.isfinite(v) and v <= tau)

        hi = 1.0
        while not ok(hi):
            hi *= 2.0
            if hi > T_max:
                return math.inf
        lo = hi / 2.0
        if hi == 1.0:
            return 1.0
        while hi - lo > max(1.0, 1e-12 * hi):  # ok(hi) and not ok(lo)
            mid = math.floor((lo + hi) / 2.0)
            if mid <= lo:
                break
            lo, hi = (lo, mid) if ok(mid) else (mid, hi)
        return float(math.ceil(hi))

    # ------------------------------------------------------------------ rendering
    def _latex_names(self) -> dict[sp.Symbol, str]:
        names = latex_names()
        names.update({c.s: r"\mathsf{" + c.name.replace("_", r"\_") + "}" for c in self.constants})
        return names

    def tex(self, expr: sp.Basic) -> str:
        return sp.latex(expr, symbol_names=self._latex_names())

    def exponent_str(self, criterion: str | None = None) -> str:
        e = self.exponent(criterion)
        if e is None:
            return "-"
        if e == 0 and self._floor_step_symbols():
            # floor ~ step * sigma^2: reaching eps needs step ~ eps, so T ~ eps^-1 log(1/eps)
            step = ", ".join(self._floor_step_symbols())
            return f"log(1/eps) at fixed {step}; eps^-1 log(1/eps) with {step} ~ eps"
        return "log(1/eps)" if e == 0 else f"eps^{e}"

    def _floor_step_symbols(self) -> list[str]:
        """Step sizes / momenta (eta, gamma) the floor depends on (a stochastic term eta sigma^2)."""
        return sorted(s.name for s in self.floor.free_symbols if s.name in ("eta", "gamma"))

    def latex(self) -> str:
        """A LaTeX block: statement, prescribed hyper-parameters, bound, floor, T(eps) and its exponent."""
        crit = criteria.criterion(self.criterion)
        lines = [
            f"% {self.key}: {self.paper}, {self.reference} {self.weakest_provenance.tag}",
            rf"\text{{criterion: }} {crit.latex}",
        ]
        lines += [rf"{self.tex(SYMBOLS[k].symbol)} = {self.tex(v)}" for k, v in self.hyper.items()]
        lines += [rf"\text{{condition: }} {self.tex(cnd)}" for cnd in self.conditions]
        lines.append(rf"{self.lhs} \le {self.tex(self.bound)}")
        lines.append(rf"\text{{floor}} = {self.tex(self.floor)}")
        if self.complexity is not None:
            lines.append(rf"T(\varepsilon) = {self.tex(self.complexity)}")
            e = self.leading_exponent
            lead = r"\log(1/\varepsilon)" if e == 0 else rf"\varepsilon^{{{sp.latex(e)}}}"
            lines.append(rf"T(\varepsilon) = O\left({lead}\right)")
        return "\n".join(lines)

    def describe(self) -> str:
        """Plain-text summary for the command line."""
        rows = [
            f"{self.key}  [{self.algorithm}]  {self.paper}, {self.reference}",
            f"  setting: {self.setting}   criterion: {self.criterion}   oracle: {self.oracle}",
            f"  provenance: " + ", ".join(f"{k} {v.tag}" for k, v in self.provenance.items()),
            f"  assumptions: {'; '.join(self.assumptions)}",
            f"  averaging: {self.averaging}",
        ]
        rows += [f"  {k} = {v}" for k, v in self.hyper.items()]
        rows += [f"  condition: {cnd}" for cnd in self.conditions]
        rows.append(f"  bound: {self.bound}")
        rows.append(f"  floor: {self.floor}")
        if self.complexity is not None:
            rows.append(f"  T(eps) = {self.complexity}")
            lead = f"  leading: {self.exponent_str()} ({self.criterion})"
            if self.criterion == "sqnorm_le_eps":
                lead += f"; {self.exponent_str('sqnorm_le_eps2')} under sqnorm_le_eps2"
            rows.append(lead)
            deps = ", ".join(f"{k}^{v}" for k, v in self.dependences().items())
            if deps:
                rows.append(f"  leading-term dependence: {deps}")
        rows += [f"  constant {c.name} = {c.default} {c.provenance.tag} {c.note}" for c in self.constants]
        if not self.simulated:
            rows.append(f"  (not simulated): {self.algorithm} has no sims implementation; record only")
        if self.notes:
            rows.append(f"  notes: {self.notes}")
        return "\n".join(rows)


def _has_tminmax(expr: sp.Expr) -> bool:
    return any(e.has(T) for e in expr.atoms(sp.Min, sp.Max))


_LAMBDA_CACHE: dict[tuple, Any] = {}


def _lambdified(expr: sp.Basic, args: tuple[sp.Symbol, ...]):
    key = (expr, args)
    fn = _LAMBDA_CACHE.get(key)
    if fn is None:
        fn = _LAMBDA_CACHE[key] = sp.lambdify(args, expr, modules="numpy")
    return fn
