"""Byz-DASHA-PAGE, Byz-EF21 and Byz-EF21-BC (Rammal, Gruntkowska, Fedin, Gorbunov, Richtárik,
AISTATS 2024, arXiv 2310.09804; ``specs/theorems.md`` §7-§9).  The paper text beyond the abstract was
not available to the spec authors nor to us (search, pages corpus: abstracts only), so the theorem
shapes are [RECON] and every unknown constant is a named symbol:

* byz_dasha_page.nc — step size from the authors' notebook [V-code] (Lhat := L_tilde, Lcal := L_max):
  A_DP = (12*omega*(2*omega+1)*(L_tilde^2 + L_max^2/b) + 2*(m/b)*L_max^2/b)*(1/sqrt(G) + sqrt(8 c delta))^2,
  gamma = 1/(L + sqrt(A_DP)); bound 2*Psi0/(gamma*T*(1 - dp_C1*c*delta*B)) + dp_C2*c*delta*zeta^2/(1 - dp_C1*c*delta*B)
  with Psi0 = f(x0) - f_star (exact initialisation), condition dp_C1*c*delta*B < 1 (independent of p).
* byz_dasha_page.pl — (1 - rho)^T*Psi0 + dp_C5*c*delta*zeta^2/mu, rho = min(gamma*mu*(1 - dp_C1 c delta B), a/2, p/2).
* byz_ef21.nc — gamma = 1/(L + (2/alpha)*(1 + sqrt(8 c delta))*L_tilde) (the notebook's 2d/K with
  alpha = K/d) [V-code]; bound 2*Psi0/(gamma*T*(1 - ef_C1 c delta B)) + ef_C2 c delta zeta^2/(1 - ...),
  Psi0 = Delta0 + ef_w*(gamma/theta)*G0_EF.  ef_w defaults to 1/2 [DERIVED]: it is the weight for which
  the bound at delta = 0, as a function of gamma, is exactly EF21's (spec §8.2 note; unit-tested).
* byz_ef21.pl — gamma = min(1/(L + L_tilde*sqrt(2 beta/theta)), theta/(2 mu)) (EF21's), floor ef_C3 c delta zeta^2/mu.
* byz_ef21_bc.nc / .pl — EF21-BC with worker (alpha_w) and server (alpha_M) compressors [RECON].
"""
from __future__ import annotations

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import (
    G0_EF, L, L_max, L_tilde, T, B_z, Delta0, a, alpha, alpha_M, alpha_w, b, c_delta, gamma, k_sp, m, mu,
    n_good, omega, p, zeta2,
)
from ..theorem import NamedConstant, Theorem
from ._common import ef21_beta, ef21_theta, provenance, sparse

PAPER = "Rammal, Gruntkowska, Fedin, Gorbunov, Richtárik, AISTATS 2024"
BZ = "(B,zeta^2)-heterogeneity"
AGG = "(delta,c)-ARAgg"
SMOOTH = "f L-smooth, bounded below"
AVG_T = "x_hat uniform over x^0..x^{T-1}"


def _c(name: str, default: float, note: str, prov: P = P.UNVERIFIED) -> NamedConstant:
    return NamedConstant(name, default, prov, note)


# --- Byz-DASHA-PAGE ----------------------------------------------------------------------------
dp = {k: _c(f"dp_C{k}", v, note) for k, v, note in [
    (1, 1.0, "B-condition constant, unknown"),
    (2, 24.0, "floor constant (24 or 48 plausible)"),
    (5, 24.0, "PL floor constant"),
]}
A_DP = (12 * omega * (2 * omega + 1) * (L_tilde**2 + L_max**2 / b) + 2 * (m / b) * L_max**2 / b) * (
    1 / sp.sqrt(n_good) + sp.sqrt(8 * c_delta)
) ** 2
_dp_shrink = 1 - dp[1].s * c_delta * B_z
DP_ASSUMPTIONS = (SMOOTH, "global Hessian variance", "per-sample smoothness L_ij (L_max)", BZ, AGG, "unbiased Q(omega), independent", "finite sum of m")

byz_dasha_page_nc = Theorem(
    key="byz_dasha_page.nc",
    algorithm="byz_dasha_page",
    paper=PAPER,
    reference="main theorem, non-convex (reconstructed); step size from the authors' notebook",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=DP_ASSUMPTIONS,
    hyper={"gamma": 1 / (L + sp.sqrt(A_DP))},
    conditions=(sp.StrictLessThan(dp[1].s * c_delta * B_z, 1),),
    bound=2 * Delta0 / (gamma * T * _dp_shrink) + dp[2].s * c_delta * zeta2 / _dp_shrink,
    floor=dp[2].s * c_delta * zeta2 / _dp_shrink,
    constants=(dp[1], dp[2]),
    recommended={"a": 1 / (2 * omega + 1), "p": b / m},
    provenance=provenance(P.RECON, hyper=["gamma"], conditions=True, hyper_gamma=P.V_CODE, criterion=P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    oracle="finite_sum",
    notes="floor O(c*delta*zeta^2) without Byz-VR-MARINA's 1/p [V-abs claim].",
)

byz_dasha_page_pl = Theorem(
    key="byz_dasha_page.pl",
    algorithm="byz_dasha_page",
    paper=PAPER,
    reference="PL theorem (reconstructed)",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=DP_ASSUMPTIONS + ("PL(mu)",),
    hyper={"gamma": 1 / (L + sp.sqrt(A_DP)), "a": 1 / (2 * omega + 1)},
    conditions=(sp.StrictLessThan(dp[1].s * c_delta * B_z, 1),),
    bound=(1 - sp.Min(gamma * mu * _dp_shrink, a / 2, p / 2)) ** T * Delta0 + dp[5].s * c_delta * zeta2 / mu,
    floor=dp[5].s * c_delta * zeta2 / mu,
    constants=(dp[1], dp[5]),
    provenance=provenance(P.RECON, hyper=["gamma", "a"], conditions=True, hyper_gamma=P.V_CODE, hyper_a=P.V_CODE),
    lhs=r"\mathbb{E}[f(x^T) - f_\star]",
    averaging="last iterate",
    bits_per_round=sparse(k_sp),
    oracle="finite_sum",
)

# --- Byz-EF21 -----------------------------------------------------------------------------------
_theta, _beta = ef21_theta(alpha), ef21_beta(alpha)
ef = {k: _c(f"ef_C{k}", v, note) for k, v, note in [
    (1, 1.0, "B-condition constant, unknown"),
    (2, 24.0, "floor constant"),
    (3, 24.0, "PL floor constant"),
]}
EF_W = NamedConstant("ef_w", 0.5, P.DERIVED, "weight of (gamma/theta)*G0 in Psi0; 1/2 reproduces EF21 at delta = 0 (spec: 1)")
_ef_shrink = 1 - ef[1].s * c_delta * B_z
EF_ASSUMPTIONS = (SMOOTH, "each f_i L_i-smooth (L_tilde)", BZ, AGG, "contractive C(alpha) (Top-K: alpha = k/d)", "full local gradients")


def ef_bound(shrink: sp.Expr, c_floor: sp.Expr, theta: sp.Expr) -> sp.Expr:
    """2*Psi0/(gamma*T*shrink) + c_floor*c*delta*zeta^2/shrink, Psi0 = Delta0 + ef_w*(gamma/theta)*G0."""
    psi0 = Delta0 + EF_W.s * gamma / theta * G0_EF
    return 2 * psi0 / (gamma * T * shrink) + c_floor * c_delta * zeta2 / shrink


byz_ef21_nc = Theorem(
    key="byz_ef21.nc",
    algorithm="byz_ef21",
    paper=PAPER,
    reference="Byz-EF21 theorem, non-convex (reconstructed); step size from the authors' notebook",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=EF_ASSUMPTIONS,
    hyper={"gamma": 1 / (L + (2 / alpha) * (1 + sp.sqrt(8 * c_delta)) * L_tilde)},
    conditions=(sp.StrictLessThan(ef[1].s * c_delta * B_z, 1),),
    bound=ef_bound(_ef_shrink, ef[2].s, _theta),
    floor=ef[2].s * c_delta * zeta2 / _ef_shrink,
    constants=(ef[1], ef[2], EF_W),
    provenance=provenance(P.RECON, hyper=["gamma"], conditions=True, hyper_gamma=P.V_CODE, criterion=P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    notes="delta = 0 reduces to EF21 (ef21.nc) as a function of gamma; the notebook step is <= EF21's.",
)

byz_ef21_pl = Theorem(
    key="byz_ef21.pl",
    algorithm="byz_ef21",
    paper=PAPER,
    reference="Byz-EF21 theorem, PL (reconstructed on the EF21 anchor)",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=EF_ASSUMPTIONS + ("PL(mu)",),
    hyper={"gamma": sp.Min(1 / (L + L_tilde * sp.sqrt(2 * _beta / _theta)), _theta / (2 * mu))},
    bound=(1 - gamma * mu) ** T * (Delta0 + gamma / _theta * G0_EF) + ef[3].s * c_delta * zeta2 / mu,
    floor=ef[3].s * c_delta * zeta2 / mu,
    constants=(ef[3],),
    provenance=provenance(P.RECON, hyper=["gamma"]),
    lhs=r"\mathbb{E}[f(x^T) - f_\star]",
    averaging="last iterate",
    bits_per_round=sparse(k_sp),
)

# --- Byz-EF21-BC ------------------------------------------------------------------------------------
bc = {k: _c(f"bc_C{k}", v, note) for k, v, note in [
    (1, 1.0, "B-condition constant, unknown"),
    (2, 24.0, "floor constant"),
    (3, 24.0, "PL floor constant"),
]}
_sw = sp.sqrt(ef21_beta(alpha_w) / ef21_theta(alpha_w))
_sm = sp.sqrt(ef21_beta(alpha_M) / ef21_theta(alpha_M))
_bc_shrink = 1 - bc[1].s * c_delta * B_z
BC_ASSUMPTIONS = EF_ASSUMPTIONS[:4] + ("worker C(alpha_w), server C(alpha_M)", "full local gradients")

byz_ef21_bc_nc = Theorem(
    key="byz_ef21_bc.nc",
    algorithm="byz_ef21_bc",
    paper=PAPER,
    reference="Byz-EF21-BC theorem, non-convex (reconstructed from EF21-BC)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=BC_ASSUMPTIONS,
    hyper={"gamma": 1 / (L + (_sw + _sm) * L_tilde * (1 + sp.sqrt(8 * c_delta)))},
    conditions=(sp.StrictLessThan(bc[1].s * c_delta * B_z, 1),),
    bound=ef_bound(_bc_shrink, bc[2].s, ef21_theta(alpha_w)),
    floor=bc[2].s * c_delta * zeta2 / _bc_shrink,
    constants=(bc[1], bc[2], EF_W),
    provenance=provenance(P.RECON, hyper=["gamma"], conditions=True, criterion=P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    notes="downlink: k_M*(b_f + b_idx) bits (server compressor).",
)

byz_ef21_bc_pl = Theorem(
    key="byz_ef21_bc.pl",
    algorithm="byz_ef21_bc",
    paper=PAPER,
    reference="Byz-EF21-BC theorem, PL (reconstructed; the abstract says a PL rate exists [V-abs])",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=BC_ASSUMPTIONS + ("PL(mu)",),
    hyper={"gamma": sp.Min(1 / (L + sp.sqrt(2) * (_sw + _sm) * L_tilde), ef21_theta(alpha_w) / (2 * mu))},
    bound=(1 - gamma * mu) ** T * (Delta0 + gamma / ef21_theta(alpha_w) * G0_EF) + bc[3].s * c_delta * zeta2 / mu,
    floor=bc[3].s * c_delta * zeta2 / mu,
    constants=(bc[3],),
    provenance=provenance(P.RECON, hyper=["gamma"]),
    lhs=r"\mathbb{E}[f(x^T) - f_\star]",
    averaging="last iterate",
    bits_per_round=sparse(k_sp),
)

THEOREMS = (byz_dasha_page_nc, byz_dasha_page_pl, byz_ef21_nc, byz_ef21_pl, byz_ef21_bc_nc, byz_ef21_bc_pl)
