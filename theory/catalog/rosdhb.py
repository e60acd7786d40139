"""RoSDHB (Gupta, Honsell, Xu, Gupta, Neglia, AISTATS 2026, arXiv 2508.17129; ``specs/theorems.md`` §10).

[RECON] Server-side Polyak momentum over a coordinated (one global mask) Rand-K; (G,B)-dissimilarity,
(f,kappa)-robust F, only L-smoothness of the honest average:

  gamma = min(k/(c_gamma d L), sqrt(Delta0/(c_s L (d/k) sigma^2 (kappa + 1/(n-f)) T))),
  beta = sqrt(1 - c_beta gamma L),  condition c_B kappa B^2 < 1,
  (1/T) sum E||grad L_H||^2 <= (c1 sqrt((d/k) L Delta0 sigma^2 (kappa + 1/(n-f))/T) + c2 (d/k) L Delta0/T
                                + c3 kappa G^2)/(1 - c_B kappa B^2).

Criterion: sqnorm_le_eps (the Allouah family's usual convention; UNVERIFIED), so the derived exponent
is -2, i.e. -4 under sqnorm_le_eps2.  The record rosdhb.nc_dk_floor has the floor c3 kappa (d/k) G^2
instead (the floor check must tell them apart).

Defaults: c_gamma = 23200 and c_beta = 24 come from an unaffiliated re-implementation [V-3p];
c_s = c1 = c3 = c_B = 1 are placeholders (UNVERIFIED).  c2 defaults to 2*c_gamma = 46400 [DERIVED]: for
sigma = 0 the prescribed step is gamma = k/(c_gamma d L), and any method stepping gamma*R with R an
average of past gradients needs at least Delta0/(gamma*T) = c_gamma (d/k) L Delta0/T on a function that
is linear along its path, so the spec's placeholder c2 = 1 makes the bound false (checked by the PEP in
``theory.pep`` at k = d).

Search (pages corpus): the arXiv v2 abstract and a TL;DR confirm (G,B)-dissimilarity, server-side
Polyak momentum after a global mask, "matches Byz-DASHA-PAGE's guarantees"; no theorem text reachable.
"""
from __future__ import annotations

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import G_het, B_het, L, T, Delta0, b_f, d, f, gamma, k_sp, kappa, n, sigma
from ..theorem import NamedConstant, Theorem
from ._common import provenance

c_gamma = NamedConstant("c_gamma", 23200.0, P.V_3P, "gamma <= k/(c_gamma d L) (third-party docstring)")
c_beta = NamedConstant("c_beta", 24.0, P.V_3P, "beta = sqrt(1 - c_beta gamma L) (third-party docstring)")
c_s = NamedConstant("c_s", 1.0, P.UNVERIFIED, "placeholder in the tuned step size")
c1 = NamedConstant("c1", 1.0, P.UNVERIFIED, "placeholder, stochastic term")
c2 = NamedConstant("c2", 46400.0, P.DERIVED, "2*c_gamma: below c_gamma the bound is false at sigma = 0 (module doc)")
c3 = NamedConstant("c3", 1.0, P.UNVERIFIED, "placeholder, floor")
c_B = NamedConstant("c_B", 1.0, P.UNVERIFIED, "placeholder, B-condition (maybe times d/k)")

dk = d / k_sp
_shrink = 1 - c_B.s * kappa * B_het**2


def _rosdhb(dk_floor: bool) -> Theorem:
    fl = c3.s * kappa * (dk if dk_floor else 1) * G_het**2 / _shrink
    noise = kappa + 1 / (n - f)
    return Theorem(
        key="rosdhb.nc" + ("_dk_floor" if dk_floor else ""),
        algorithm="rosdhb",
        paper="Gupta, Honsell, Xu, Gupta, Neglia, AISTATS 2026 (RoSDHB)",
        reference="main theorem, non-convex (reconstructed)" + ("; floor with the d/k factor" if dk_floor else ""),
        setting="nonconvex",
        criterion="sqnorm_le_eps",
        assumptions=(
            "L_H L-smooth, bounded below (no Hessian-variance assumption)",
            "(G,B)-gradient dissimilarity",
            "unbiased stochastic gradients, variance sigma^2",
            "F (f,kappa)-robust",
            "coordinated Rand-K (one global mask, d/k scaling)",
        ),
        hyper={
            "gamma": sp.Min(k_sp / (c_gamma.s * d * L), sp.sqrt(Delta0 / (c_s.s * L * dk * sigma**2 * noise * T))),
            "beta": sp.sqrt(1 - c_beta.s * gamma * L),
        },
        conditions=(sp.StrictLessThan(c_B.s * kappa * B_het**2, 1),),
        bound=(c1.s * sp.sqrt(dk * L * Delta0 * sigma**2 * noise / T) + c2.s * dk * L * Delta0 / T) / _shrink + fl,
        floor=fl,
        constants=(c_gamma, c_beta, c_s, c1, c2, c3, c_B),
        provenance=provenance(P.RECON, hyper=["gamma", "beta"], conditions=True, criterion=P.UNVERIFIED, hyper_gamma=P.V_3P, hyper_beta=P.V_3P),
        lhs=r"\frac1T\sum_{t<T}\mathbb{E}\|\nabla\mathcal{L}_H(\theta_t)\|^2",
        averaging="(1/T) sum_{t<T}",
        bits_per_round=k_sp * b_f,  # values only: the mask comes from a shared seed
        oracle="bounded_variance",
        notes="k = d must reduce to Robust D-SHB with server-side momentum; sigma = 0 gives O((d/k)/T).",
    )


rosdhb_nc = _rosdhb(False)
rosdhb_nc_dk_floor = _rosdhb(True)

THEOREMS = (rosdhb_nc, rosdhb_nc_dk_floor)
