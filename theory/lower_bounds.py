"""Lower bounds and breakdown points (``specs/theorems.md`` §2.2, §2.4, §3).

* ``kappa_lower``: any (f,kappa)-robust rule has kappa >= f/(n - 2f) [DERIVED, components §2.2:
  (n-f) zeros and f ones; the subset of the zeros forces output 0, the subset with the ones has
  mean mu = f/(n-f) and dispersion mu(1-mu), so kappa >= mu/(1-mu)].
* ``breakdown_gb``: under (G,B), no algorithm has a finite error if f/n >= 1/(2 + B^2) [V-sec].
* ``gb_floor``: Omega(f G^2/(n - (2 + B^2) f)); gradient-norm form with constant 1/4 (as used by the ARC
  paper) [V-sec]; PL function-value form with 1/(8 mu) (UNVERIFIED constant).
* ``kappa_g2_floor`` [DERIVED]: Robust D-GD's floor kappa G^2/(1 - kappa B^2) at the optimal
  kappa* = f/(n - 2f) equals f G^2/(n - (2 + B^2) f): the upper and lower bounds meet (tested).
* ``karimireddy_dz`` / ``karimireddy_ds``: Omega(delta zeta^2), Omega(delta sigma^2).
* ``arjevani_bv`` / ``arjevani_mss``: stochastic first-order oracle lower bounds
  Omega(L Delta0 sigma^2/eps^4 + L Delta0/eps^2) (bounded variance) and
  Omega(ell Delta0 sigma/eps^3 + sigma^2/eps^2) (mean-squared smoothness), criterion sqnorm_le_eps2.

``respects_oracle_lower_bound(theorem)`` checks a theorem's derived exponent against the oracle class
it declares: a rate faster than the lower bound is a wrong theorem.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import criteria
from .asymptotics import dominant_power
from .provenance import Provenance as P
from .symbols import G_het, B_het, L, Delta0, delta, ell, eps, f, mu, n, sigma, zeta2
from .theorem import Theorem


@dataclass(frozen=True)
class LowerBound:
    key: str
    paper: str
    reference: str
    quantity: str  # "kappa" | "breakdown_fraction" | "floor" | "iterations"
    expr: sp.Expr
    provenance: P
    criterion: str | None = None
    oracle: str | None = None
    notes: str = ""

    @property
    def exponent(self) -> sp.Expr | None:
        """For oracle bounds: a with T = Omega(eps**a), derived from ``expr``."""
        if self.quantity != "iterations":
            return None
        return min((dominant_power(t, eps, 0) for t in sp.Add.make_args(self.expr)), key=float)


ALLOUAH = "Allouah, Guerraoui, Gupta, Pinot, Rizk, NeurIPS 2023"
ARJEVANI = "Arjevani, Carmon, Duchi, Foster, Srebro, Woodworth, Math. Prog. 2023"
_gb_den = n - (2 + B_het**2) * f

LOWER_BOUNDS: dict[str, LowerBound] = {lb.key: lb for lb in [
    LowerBound("kappa_lower", "Allouah et al., AISTATS 2023 (Fixing by Mixing)", "components §2.2", "kappa",
               f / (n - 2 * f), P.DERIVED, notes="order-optimal kappa = O(f/n) needs n >= (2 + eta) f"),
    LowerBound("breakdown_gb", ALLOUAH, "theorems.md §3.6", "breakdown_fraction", 1 / (2 + B_het**2), P.V_SEC,
               notes="no finite error guarantee when f/n >= 1/(2 + B^2)"),
    LowerBound("gb_floor", ALLOUAH, "theorems.md §3.7', gradient-norm form", "floor",
               sp.Rational(1, 4) * f * G_het**2 / _gb_den, P.V_SEC, criterion="sqnorm_le_eps2"),
    LowerBound("gb_floor_pl", ALLOUAH, "theorems.md §3.7'', function-value form", "floor",
               f * G_het**2 / (8 * mu * _gb_den), P.UNVERIFIED, criterion="fgap_le_eps", notes="constant 1/8 unverified"),
    LowerBound("karimireddy_dz", "Karimireddy, He, Jaggi, ICLR 2022", "theorems.md §3.3", "floor", delta * zeta2, P.V_SEC,
               criterion="sqnorm_le_eps2", notes="Omega(.): constant unknown"),
    LowerBound("karimireddy_ds", "Karimireddy, He, Jaggi, ICML 2021", "theorems.md §3.4", "floor", delta * sigma**2,
               P.UNVERIFIED, criterion="sqnorm_le_eps2", notes="Omega(.): one aggregation round, homogeneous"),
    LowerBound("arjevani_bv", ARJEVANI, "theorems.md §2.2", "iterations",
               L * Delta0 * sigma**2 / eps**4 + L * Delta0 / eps**2, P.V_SEC, criterion="sqnorm_le_eps2",
               oracle="bounded_variance", notes="SGD is optimal"),
    LowerBound("arjevani_mss", ARJEVANI, "theorems.md §2.4", "iterations",
               ell * Delta0 * sigma / eps**3 + sigma**2 / eps**2, P.V_SEC, criterion="sqnorm_le_eps2",
               oracle="mean_squared_smoothness", notes="STORM/SPIDER are optimal"),
]}


def lower_bound(key: str) -> LowerBound:
    try:
        return LOWER_BOUNDS[key]
    except KeyError:
        raise KeyError(f"unknown lower bound {key!r}; allowed: {', '.join(LOWER_BOUNDS)}") from None


def kappa_lower_bound(n_: int, f_: int) -> float:
    """f/(n - 2f); a claimed kappa below it is wrong.  Needs n > 2f."""
    if not n_ > 2 * f_:
        raise ValueError(f"(f,kappa)-robustness needs n > 2f, got n={n_}, f={f_}")
    return f_ / (n_ - 2 * f_)


def breakdown_fraction(B_het_: float) -> float:
    """1/(2 + B^2): the largest Byzantine fraction f/n with a finite error under (G,B)."""
    return 1.0 / (2.0 + B_het_**2)


def kappa_g2_floor() -> sp.Expr:
    """Robust D-GD's floor kappa G^2/(1 - kappa B^2) at kappa* = f/(n - 2f) (simplifies to f G^2/(n - (2+B^2) f))."""
    from .symbols import kappa

    return sp.simplify((kappa * G_het**2 / (1 - kappa * B_het**2)).subs(kappa, f / (n - 2 * f)))


def respects_oracle_lower_bound(theorem: Theorem) -> bool:
    """True unless the theorem claims fewer rounds than the oracle lower bound of its declared class
    (compared under sqnorm_le_eps2; classes without a stored lower bound always pass)."""
    lb = next((b for b in LOWER_BOUNDS.values() if b.oracle == theorem.oracle), None)
    e = theorem.exponent("sqnorm_le_eps2") if criteria.criterion(theorem.criterion).quantity == "sqnorm" else None
    if lb is None or e is None:
        return True
    return bool(e <= lb.exponent)
