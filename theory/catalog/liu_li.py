"""Byz-EF21-SGDM (Liu, Li, Yi, Johansson, arXiv 2409.08640) and Byz-DM21 / Byz-VR-DM21 (Li, Liu, Yi,
AISTATS 2026, arXiv 2603.15144); ``specs/theorems.md`` §12-§13.  Only the abstracts are known
(search, pages corpus: the AISTATS listing and arXiv abstract confirm O(eps^-4) for Byz-DM21,
O(eps^-3) for Byz-VR-DM21, a smaller neighbourhood, PL extensions; the eps-criterion is not stated
there).  The records are [RECON] templates whose rates in T are derived from the spec's rate shapes
with *prescribed* momentum and step size, so that the exponents are computed, not typed:

EF21-style rate  R(T) = A/(gamma' T) + B*eta + C_q*eta^q  (+ floor),  gamma = min(a1*alpha, a2*eta)/L_tilde,
with A = Delta0*L_tilde, B = (1/n_good + c delta) sigma^2 and the EF21 tracking term
C_q eta^q = (1 + c delta) eta^q sigma^2/alpha^2 with q = 2 (single momentum, Byz-EF21-SGDM) or q = 3
(double momentum, Byz-DM21).  We prescribe eta = min(1, sqrt(A/(B T)), (A/(C T))^(1/(q+1))), which
balances the first term with each of the others; ``asymptotics.upper_min`` then yields the terms
A/(alpha T), sqrt(A B/T) and A^(q/(q+1)) C^(1/(q+1)) T^(-q/(q+1)), i.e.
T(eps) = O(L Delta0/(alpha eps^2) + L Delta0 sigma^2 (1/n + c delta)/eps^4 + L Delta0 (C)^(1/q)/eps^(2(q+1)/q)):
eps^-3 with sigma*sqrt(1 + c delta)/alpha for q = 2, eps^(-8/3) with sigma^(2/3)(1 + c delta)^(1/3)/alpha^(2/3)
for q = 3 — the spec's §12/§13 complexities.  The floor is Theta(c delta zeta^2).

Byz-VR-DM21 (STORM inner estimator): the spec's term dm_b7 (1/n + c delta) ell^2 gamma^2/eta multiplies
E||g||^2 in a STORM analysis and is absorbed by the descent term when eta >= dm_b7*ell^2*gamma^2; we
prescribe eta = dm_b7*ell^2*gamma^2 and gamma ~ T^(-1/3), giving
R(T) = Delta0/(gamma T) + dm_b4 (1/n + c delta) eta sigma^2 + floor = O(T^(-2/3)) and
T(eps) = O(ell Delta0 sigma sqrt(1/n + c delta)/eps^3 + ...) (spec §13).  An initial large batch or
eta_0 = 1 may be needed (UNVERIFIED).

PL templates: E[f - f*] <= (1 - rho)^T Phi0 + dm_b8 c delta zeta^2/mu + dm_b9 (1/n + c delta) eta sigma^2/mu
with rho = min(gamma mu/2, eta/4, alpha/4); eta is an input for Byz-DM21.
"""
from __future__ import annotations

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import L_tilde, T, Delta0, alpha, c_delta, ell, eta, gamma, k_sp, mu, n_good, sigma, zeta2
from ..theorem import NamedConstant, Theorem
from ._common import provenance, sparse

SGDM_PAPER = "Liu, Li, Yi, Johansson, IEEE TNNLS 2026 / arXiv 2409.08640 (Byz-EF21-SGDM)"
DM_PAPER = "Li, Liu, Yi, AISTATS 2026 / arXiv 2603.15144 (Byz-DM21, Byz-VR-DM21)"
ASSUMPTIONS = (
    "f L-smooth, bounded below",
    "each f_i L_i-smooth (L_tilde)",
    "unbiased stochastic gradients, variance sigma^2",
    "zeta^2-heterogeneity",
    "contractive C(alpha)",
    "(delta,c)-robust RAgg on the EF21 states",
)
AVG_T = "(1/T) sum_{t<T} E||grad f(x^t)||^2"
Bn = 1 / n_good + c_delta  # the (1/n_good + c delta) factor of the aggregated noise


def _consts(prefix: str, names) -> dict[str, NamedConstant]:
    return {k: NamedConstant(f"{prefix}_{k}", 1.0, P.RECON, "template constant, unknown") for k in names}


def _ef_momentum(key, algorithm, paper, q, cs, reference, notes):
    A = Delta0 * L_tilde
    Bq = Bn * sigma**2
    Cq = (1 + c_delta) * sigma**2 / alpha**2
    eta_expr = sp.Min(1, sp.sqrt(A / (Bq * T)), (A / (Cq * T)) ** sp.Rational(1, q + 1))
    return Theorem(
        key=key,
        algorithm=algorithm,
        paper=paper,
        reference=reference,
        setting="nonconvex",
        criterion="sqnorm_le_eps2",
        assumptions=ASSUMPTIONS,
        hyper={"eta": eta_expr, "gamma": sp.Min(cs["a1"].s * alpha / L_tilde, cs["a2"].s * eta / L_tilde)},
        bound=cs["b3"].s * Delta0 / (gamma * T) + cs["b4"].s * Bn * eta * sigma**2
        + cs["b5"].s * (1 + c_delta) * eta**q * sigma**2 / alpha**2 + cs["b6"].s * c_delta * zeta2,
        floor=cs["b6"].s * c_delta * zeta2,
        constants=tuple(cs.values()),
        provenance=provenance(P.RECON, hyper=["eta", "gamma"], criterion=P.UNVERIFIED),
        averaging=AVG_T,
        bits_per_round=sparse(k_sp),
        oracle="bounded_variance",
        notes=notes,
    )


sg = _consts("sg", ["a1", "a2", "b3", "b4", "b5", "b6"])
byz_ef21_sgdm_nc = _ef_momentum(
    "byz_ef21_sgdm.nc", "byz_ef21_sgdm", SGDM_PAPER, 2, sg, "main theorem, non-convex (template, theorems.md §12)",
    "floor Theta(c delta zeta^2) with no 1/alpha and no sigma^2; delta = 0 recovers EF21-SGDM's complexity",
)
dm = _consts("dm", ["a1", "a2", "b3", "b4", "b5", "b6"])
byz_dm21_nc = _ef_momentum(
    "byz_dm21.nc", "byz_dm21", DM_PAPER, 3, dm, "Byz-DM21 theorem, non-convex (template, theorems.md §13)",
    "O(eps^-4) [V-abs]; compression term eps^(-8/3) alpha^(-2/3) [RECON]",
)

dm_pl = _consts("dm", ["a1", "a2", "b8", "b9"])
byz_dm21_pl = Theorem(
    key="byz_dm21.pl",
    algorithm="byz_dm21",
    paper=DM_PAPER,
    reference="PL extension (template, theorems.md §13)",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=ASSUMPTIONS + ("PL(mu)",),
    hyper={"gamma": sp.Min(dm_pl["a1"].s * alpha / L_tilde, dm_pl["a2"].s * eta / L_tilde)},
    bound=(1 - sp.Min(gamma * mu / 2, eta / 4, alpha / 4)) ** T * Delta0
    + dm_pl["b8"].s * c_delta * zeta2 / mu + dm_pl["b9"].s * Bn * eta * sigma**2 / mu,
    floor=dm_pl["b8"].s * c_delta * zeta2 / mu + dm_pl["b9"].s * Bn * eta * sigma**2 / mu,
    constants=tuple(dm_pl.values()),
    provenance=provenance(P.RECON, hyper=["gamma"], criterion=P.UNVERIFIED),
    lhs=r"\mathbb{E}[f(x^T) - f_\star]",
    averaging="last iterate",
    bits_per_round=sparse(k_sp),
    oracle="bounded_variance",
    notes="eta is an input: linear convergence to a floor with an eta*sigma^2/mu part (eta ~ 1/T: O~(1/(mu^2 eps))).",
)

vr = _consts("dm", ["a1", "b3", "b4", "b6", "b7"])
_gamma_vr = sp.Min(
    vr["a1"].s * alpha / L_tilde,
    1 / (ell * sp.sqrt(vr["b7"].s)),
    (Delta0 / (vr["b4"].s * vr["b7"].s * ell**2 * sigma**2 * Bn * T)) ** sp.Rational(1, 3),
)
VR_ASSUMPTIONS = ASSUMPTIONS + ("mean-squared smoothness ell (UNVERIFIED for the paper)",)
byz_vr_dm21_nc = Theorem(
    key="byz_vr_dm21.nc",
    algorithm="byz_vr_dm21",
    paper=DM_PAPER,
    reference="Byz-VR-DM21 theorem, non-convex (template, theorems.md §13)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=VR_ASSUMPTIONS,
    hyper={"gamma": _gamma_vr, "eta": vr["b7"].s * ell**2 * gamma**2},
    bound=vr["b3"].s * Delta0 / (gamma * T) + vr["b4"].s * Bn * eta * sigma**2 + vr["b6"].s * c_delta * zeta2,
    floor=vr["b6"].s * c_delta * zeta2,
    constants=tuple(vr.values()),
    provenance=provenance(P.RECON, hyper=["gamma", "eta"], criterion=P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    oracle="mean_squared_smoothness",
    notes="O(eps^-3) [V-abs]; 2 gradient evaluations per round (same sample at x^t and x^{t-1}).",
)

vr_pl = _consts("dm", ["a1", "b7", "b8", "b9"])
byz_vr_dm21_pl = Theorem(
    key="byz_vr_dm21.pl",
    algorithm="byz_vr_dm21",
    paper=DM_PAPER,
    reference="PL extension (template, theorems.md §13)",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=VR_ASSUMPTIONS + ("PL(mu)",),
    hyper={"gamma": sp.Min(vr_pl["a1"].s * alpha / L_tilde, 1 / (ell * sp.sqrt(vr_pl["b7"].s))), "eta": vr_pl["b7"].s * ell**2 * gamma**2},
    bound=(1 - sp.Min(gamma * mu / 2, eta / 4, alpha / 4)) ** T * Delta0
    + vr_pl["b8"].s * c_delta * zeta2 / mu + vr_pl["b9"].s * Bn * eta * sigma**2 / mu,
    floor=vr_pl["b8"].s * c_delta * zeta2 / mu + vr_pl["b9"].s * Bn * eta * sigma**2 / mu,
    constants=tuple(vr_pl.values()),
    provenance=provenance(P.RECON, hyper=["gamma", "eta"], criterion=P.UNVERIFIED),
    lhs=r"\mathbb{E}[f(x^T) - f_\star]",
    averaging="last iterate",
    bits_per_round=sparse(k_sp),
    oracle="mean_squared_smoothness",
)

THEOREMS = (byz_ef21_sgdm_nc, byz_dm21_nc, byz_dm21_pl, byz_vr_dm21_nc, byz_vr_dm21_pl)
