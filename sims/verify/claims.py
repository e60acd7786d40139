"""Claims: what a check holds the data against.  A claim is a theorem record, or a derived /
perturbed statement built from one, so that a check can be made to FAIL on purpose:

* :class:`BoundClaim` - the theorem's bound (and floor) evaluated at the declared constants, with
  an optional ``scale`` ("bound x 0.5") and constant ``factors`` ("kappa x 0.1": kappa too small);
* :class:`ExponentClaim` - T(eps) = Theta(eps^a) under ``sqnorm_le_eps2``: from a theorem
  (``exponent_claim(th)``, computed by sympy) or typed in ("eps^-3 for Byz-DM21");
* :class:`FloorClaim` - the floor as a function of the knob a floor check varies: from a theorem
  (its floor expression) or the claim "independent of G" (``FloorClaim.constant``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from theory.theorem import Theorem

CRITERION = "sqnorm_le_eps2"  # the criterion every rate check measures under


def _transform(constants: Mapping[str, Any], factors: Mapping[str, float]) -> dict[str, Any]:
    out = dict(constants)
    for name, k in factors.items():
        if name not in out:
            raise KeyError(f"claim scales {name!r}, which the setting does not declare")
        out[name] = out[name] * k
        if name == "kappa":  # keep the (delta, c) bridge consistent (theory.constants.c_delta_from_kappa)
            for dep in ("c_delta", "c"):
                if dep in out:
                    out[dep] = out[dep] * k
    return out


@dataclass(frozen=True)
class BoundClaim:
    """``scale`` x the theorem's bound at the declared constants multiplied by ``factors``."""

    theorem: Theorem
    scale: float = 1.0
    factors: Mapping[str, float] = field(default_factory=dict)
    named: Mapping[str, float] = field(default_factory=dict)  # values of the theorem's named constants
    label: str = ""

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        parts = ["theorem"] + ([f"bound x {self.scale:g}"] if self.scale != 1 else [])
        parts += [f"{k} x {v:g}" for k, v in self.factors.items()]
        parts += [f"{k} = {v:g}" for k, v in self.named.items()]
        return ", ".join(parts)

    def hyper(self, declared: Mapping[str, Any], T: int) -> dict[str, float]:
        """The theorem's prescribed hyper-parameters at the TRUE declared constants (what is run)."""
        ev = self.theorem.evaluate({**self.named, **_inputs(self.theorem, declared)}, T=T)
        return {k: float(ev[k]) for k in self.theorem.hyper}

    def evaluate(self, declared: Mapping[str, Any], T: int, hyper: Mapping[str, float]) -> dict[str, Any]:
        """bound and floor (scaled) of this claim for a run with ``hyper``."""
        consts = _transform(_inputs(self.theorem, declared), self.factors)
        ev = self.theorem.evaluate({**self.named, **consts}, T=T, overrides=dict(hyper))
        return {**ev, "bound": self.scale * float(ev["bound"]), "floor": self.scale * float(ev["floor"])}

    def scaled(self, k: float) -> "BoundClaim":
        return replace(self, scale=self.scale * k, label="")

    def with_factors(self, **factors: float) -> "BoundClaim":
        return replace(self, factors={**self.factors, **factors}, label="")


def _inputs(theorem: Theorem, declared: Mapping[str, Any]) -> dict[str, Any]:
    """The declared constants the theorem knows (others dropped; hyper-parameters too: the
    theorem prescribes them)."""
    allowed = set(theorem.allowed_names) - set(theorem.hyper) - {"T", "eps"}
    return {k: v for k, v in declared.items() if k in allowed}


@dataclass(frozen=True)
class ExponentClaim:
    """T(eps) = Theta(eps**exponent) under ``sqnorm_le_eps2``."""

    exponent: float
    label: str
    theorem: Theorem | None = None

    @property
    def name(self) -> str:
        return self.label


def exponent_claim(theorem: Theorem) -> ExponentClaim:
    """The theorem's own leading exponent (sympy), converted to ``sqnorm_le_eps2``."""
    e = theorem.exponent(CRITERION)
    if e is None:
        raise ValueError(f"{theorem.key}: the record states no eps exponent for {CRITERION}")
    return ExponentClaim(float(e), f"theorem: eps^{e}", theorem)


def typed_exponent(exponent: float, theorem: Theorem | None = None) -> ExponentClaim:
    """A typed-in exponent (e.g. the must-fail eps^-3 claim for Byz-DM21)."""
    return ExponentClaim(float(exponent), f"claim: eps^{exponent:g}", theorem)


@dataclass(frozen=True)
class FloorClaim:
    """The floor as a function of the declared constants: ``floor(constants) -> float``."""

    label: str
    floor: Callable[[Mapping[str, Any]], float]
    theorem: Theorem | None = None

    @property
    def name(self) -> str:
        return self.label

    @classmethod
    def of(cls, theorem: Theorem, named: Mapping[str, float] | None = None, label: str = "") -> "FloorClaim":
        named = dict(named or {})

        def floor(constants):
            return float(theorem.evaluate({**named, **_inputs(theorem, constants)})["floor"])

        return cls(label or f"theorem floor {theorem.floor}", floor, theorem)

    @classmethod
    def constant(cls, what: str, theorem: Theorem | None = None) -> "FloorClaim":
        """"The floor does not depend on ``what``": a constant function (must-fail twin)."""
        return cls(f"floor independent of {what}", lambda constants: 1.0, theorem)

    def exponent(self, grid_constants, knob_values) -> float:
        """The claim's log-log slope of the floor against the knob over the grid."""
        vals = np.array([self.floor(c) for c in grid_constants], float)
        return float(np.polyfit(np.log(knob_values), np.log(vals), 1)[0])
