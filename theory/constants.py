"""Completing a problem's constants with the ones that follow from them by definition.

``complete`` never overrides a value the caller gave.  Conversions used (``specs/README.md`` §3,
``components.md`` §2.4, §7, §8):

* ``n_good = n - f``, ``delta = delta_real = f/n`` (the aggregator is told the true fraction unless
  ``delta`` is given);
* ``c_delta = c*delta`` and ``c = c_delta/delta``;
* ``zeta2 = G_het**2`` and ``B_z = B_het**2`` (Allouah's (G,B) vs Gorbunov's (B,zeta^2)), both ways;
* ``b_idx = ceil(log2 d)`` (set ``b_idx = 0`` for a shared-seed mask);
* PP sampling probabilities ``pG, P_C, P_Chat, pkG`` from n, n_good, C, C_hat, delta
  (``theorems.md`` §11.1, uniform sampling without replacement).

The (f,kappa) -> (delta,c) bridge ``c*delta = kappa/2`` [DERIVED, components §2.4] is *not* applied
silently (the two notions differ: expectation vs worst case); call ``c_delta_from_kappa``.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Mapping

import sympy as sp


def c_delta_from_kappa(kappa: float) -> float:
    """(f,kappa)-robust => (delta,c)-robust with c = kappa/(2*delta), i.e. c*delta = kappa/2 [DERIVED]."""
    return kappa / 2.0


def rand_k_constants(d: float, omega: float) -> dict[str, float]:
    """A Rand-K family indexed by omega: k = d/(1+omega), alpha = k/d (unscaled Rand-K / Top-K
    worst case), D_Q = d/k (components §7.2).  Used by the comparison tables."""
    k = d / (1.0 + omega)
    return {"omega": omega, "k_sp": k, "alpha": k / d, "D_Q": d / k}


def pp_probabilities(n: int, n_good: int, C: int, delta: float) -> tuple[Fraction, Fraction]:
    """(pG, P_C) of Byz-VR-MARINA-PP (theorems.md §11.1), exactly.

    pG  = P(|good ∩ S| >= ceil((1-delta) C)),  S uniform of size C from [n];
    P_C = P(i in S | good majority) for a fixed good i = C/(n pG) * sum_t binom(G-1,t-1) binom(n-G,C-t) / binom(n-1,C-1).
    """
    if not (1 <= C <= n and 0 <= n_good <= n):
        raise ValueError(f"PP sampling needs 1 <= C <= n and 0 <= n_good <= n; got n={n}, n_good={n_good}, C={C}")
    lo = math.ceil((1 - delta) * C - 1e-12)
    bad = n - n_good
    hits = range(max(lo, 0), C + 1)
    pG = Fraction(sum(math.comb(n_good, t) * math.comb(bad, C - t) for t in hits), math.comb(n, C))
    if pG == 0:
        return pG, Fraction(0)
    num = sum(math.comb(n_good - 1, t - 1) * math.comb(bad, C - t) for t in hits if t >= 1)
    P = Fraction(C, n) / pG * Fraction(num, math.comb(n - 1, C - 1))
    return pG, P


def pp_probabilities_symbolic(n, n_good, C, delta):
    """The same as sympy ``Sum`` expressions (for display and symbolic checks)."""
    t = sp.Symbol("t", integer=True)
    lo = sp.ceiling((1 - delta) * C)
    pG = sp.Sum(sp.binomial(n_good, t) * sp.binomial(n - n_good, C - t), (t, lo, C)) / sp.binomial(n, C)
    P = C / (n * pG) * sp.Sum(sp.binomial(n_good - 1, t - 1) * sp.binomial(n - n_good, C - t), (t, lo, C)) / sp.binomial(n - 1, C - 1)
    return pG, P


def pkG(n: int, n_good: int, C: int) -> Fraction:
    """PP+: P(no Byzantine among the C sampled) = binom(G, C)/binom(n, C)."""
    return Fraction(math.comb(n_good, C), math.comb(n, C))


def complete(constants: Mapping[str, Any]) -> dict[str, Any]:
    """``constants`` plus everything that follows from them by definition (see module docstring)."""
    v = dict(constants)

    def put(name, fn, *needs):
        if name not in v and all(k in v for k in needs):
            v[name] = fn(*(v[k] for k in needs))

    put("n_good", lambda n, f: n - f, "n", "f")
    put("f", lambda n, g: n - g, "n", "n_good")
    put("delta_real", lambda n, f: f / n, "n", "f")
    put("delta", lambda dr: dr, "delta_real")
    put("c_delta", lambda c, dl: c * dl, "c", "delta")
    put("c", lambda cd, dl: cd / dl if dl else 0.0, "c_delta", "delta")
    put("zeta2", lambda g: g**2, "G_het")
    put("B_z", lambda bh: bh**2, "B_het")
    put("G_het", lambda z: z**0.5, "zeta2")
    put("B_het", lambda bz: bz**0.5, "B_z")
    put("b_idx", lambda d: math.ceil(math.log2(d)), "d")
    if all(k in v for k in ("n", "n_good", "delta")):
        n, g, dl = int(v["n"]), int(v["n_good"]), float(v["delta"])
        if "C" in v and ("pG" not in v or "P_C" not in v):
            pg, pc = pp_probabilities(n, g, int(v["C"]), dl)
            v.setdefault("pG", float(pg))
            v.setdefault("P_C", float(pc))
        if "C_hat" in v and "P_Chat" not in v:
            v["P_Chat"] = float(pp_probabilities(n, g, int(v["C_hat"]), dl)[1])
        if "C" in v and "pkG" not in v:
            v["pkG"] = float(pkG(n, g, int(v["C"])))
    return v
