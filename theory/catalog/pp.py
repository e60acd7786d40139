"""Byz-VR-MARINA-PP and PP+ (Malinovsky, Richtárik, Horváth, Gorbunov, NeurIPS 2024, arXiv 2311.14127;
``specs/theorems.md`` §11).  Every record (4.1/4.2, D.14/D.15, E.4/E.5, F.2/F.3, G.4/G.7) is
[V-text]: step sizes, conditions, bounds and floors re-checked against the paper's text.
pG, P_C, P_Chat, pkG are inputs (``theory.constants.complete`` computes them from
n, n_good, C, C_hat, delta).  With C_hat = n the tilde terms vanish (Piecewise).

Clipping levels are prescribed as coefficients: lambda_{k+1} = clip_coef * ||x^{k+1} - x^k|| with
clip_coef = 2L (4.1), D_Q*L (4.2), 2 max_i L_i (D.14, G.4), max_i L_i (D.15, as printed),
D_Q*max_ij L_ij (E.4).  A term-by-term re-check against the paper's full text (2026-12-04) found
one transcription error, D.14's clip coefficient (2 max_i L_i, so its A's clipping term was 4x too
small), mended here and in G.4, which inherits D.14; every other coefficient matched.  E.4 / E.5 /
F.2 / F.3 / G.7 print their clip level as max_ij L_ij; the lemmas they rest on use D_Q max_ij L_ij,
which is what is encoded (no coefficient depends on it).  Kept as
printed although they look like typos of the paper: D.15's max_i L_i (without D.14's 2) and E.5's /
F.3's floors without the gamma of eq. (9).  (The authors' code's
``clip_mult`` is lambda*gamma, README pitfall 11.)

Records: thm4_1, thm4_1_pl, thm4_2, thm4_2_pl, d14, d15, e4, e5, g4, g7 (algorithm byz_vr_marina_pp),
f2, f3 (algorithm byz_vr_marina_pp_plus).
"""
from __future__ import annotations

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import (
    C, C_hat, D_Q, F_A, L, L_imax, L_pm, Lcal_pm, Lmax_ij, P_C, P_Chat, T, B_z, Delta0, b, b_prime, c, delta,
    gamma, k_sp, mu, n, n_good, norm0, omega, p, pG, pkG, sigma, zeta2,
)
from ..theorem import Theorem
from ._common import DENSE, provenance, sparse

PAPER = "Malinovsky, Richtárik, Horváth, Gorbunov, NeurIPS 2024 (Byz-VR-MARINA-PP)"
NC_LHS = r"\mathbb{E}\|\nabla f(\hat x^K)\|^2"
PL_LHS = r"\mathbb{E}[f(x^K) - f_\star]"
AVG_ALL = "x_hat uniform over x^0..x^T (T+1 points)"
BITS = (p * C_hat * DENSE + (1 - p) * C * sparse(k_sp)) / n  # expected uplink per worker per round
BASE = ("f L-smooth, bounded below", "(delta,c)-ARAgg", "unbiased Q(omega), independent", "uniform client sampling without replacement")

_full = sp.Eq(C_hat, n)
Dtilde = sp.Piecewise((0, _full), (P_Chat * n_good / ((1 - delta) * C_hat), True))
Btilde = sp.Piecewise((0, _full), (P_Chat * n_good * B_z / ((1 - delta) * C_hat), True))
Dhat = 2 * delta * P_Chat / (1 - delta) * (6 * c * n_good / C_hat + p) + Dtilde
Bhat = 2 * delta * P_Chat / (1 - delta) * B_z * (12 * c * n_good / C_hat + p) + 6 * Btilde

A_41 = 32 * pG * n_good * P_C / (p**2 * (1 - delta) * C) * (30 * omega + 11) * (1 + 2 * c * delta) + 16 * (1 - pG) * (
    1 + 4 * F_A**2
) / p**2
A_42 = 4 * pG * n_good * P_C / (p * (1 - delta) * C) * (
    (3 * omega + 2) / ((1 - delta) * C) + 8 * (5 * omega + 4) * c * delta / p
) + 8 * (1 - pG) * (2 + F_A**2 * D_Q**2) / p**2


def A_D14(alpha):
    """A of Lemma D.13 / Theorems D.14, D.15 for the clip coefficient alpha_lambda (lambda = alpha ||dx||)."""
    return (
        (4 / p) * ((80 / p) * pG * P_C * (n / C) * omega + 24 * n_good * P_Chat * c * delta * B_z / ((1 - delta) * C_hat)
                   + 6 * Btilde + (4 / p) * (1 - pG) + (160 / p) * pG * n_good * P_C * c * delta * omega / ((1 - delta) * C)) * L**2
        + (4 / p) * ((8 / p) * pG * P_C * (n / C) * (10 * omega + 1)
                     + (16 / p) * pG * n_good * P_C * c * delta * (10 * omega + 1) / ((1 - delta) * C)) * L_pm**2
        + (4 / p) * ((160 / p) * pG * n_good * P_C * (1 + omega) * c * delta / ((1 - delta) * C)
                     + (80 / p) * pG * P_C * (1 + omega) * (n / C)) * Lcal_pm**2 / b
        + (4 / p) * ((4 / p) * (1 - pG) * F_A**2 * alpha**2)
    )


A_E4 = (
    (4 / p) * (pG * P_C * n_good / (C**2 * (1 - delta) ** 2) * omega + 8 * n_good * P_Chat * c * delta * B_z / ((1 - delta) * C_hat)
               + 6 * Btilde + (4 / p) * (1 - pG) + (8 / p) * pG * n_good * P_C * c * delta * omega / (C * (1 - delta))) * L**2
    + (4 / p) * (pG * P_C * n_good / (C**2 * (1 - delta) ** 2) * (omega + 1)
                 + (8 / p) * pG * n_good * P_C * c * delta * (omega + 1) / (C * (1 - delta))) * (L_pm**2 + Lcal_pm**2 / b)
    + (16 / p**2) * (1 - pG) * F_A**2 * (D_Q * Lmax_ij) ** 2
)
Bhat_plus = 8 * n_good * P_Chat * c * delta * B_z * p / ((1 - delta) * C_hat) + 6 * p * Btilde
Dhat_plus = 4 * n_good * P_Chat * c * delta * p / ((1 - delta) * C_hat) + p * Dtilde
A_F2 = (
    (4 / p) * (8 * p * B_z * n_good * P_Chat * c * delta / ((1 - delta) * C_hat) + 6 * p * Btilde
               + (1 - p) * pkG * omega / C + 6 * (1 - p) * (1 - pkG) / p) * L**2
    + (4 * (1 - p) * pkG / p) * (1 + omega / C) * L_pm**2
    + 4 * (1 - p) * pkG * (1 + omega) / (p * C) * Lcal_pm**2 / b
    + 24 * (1 - p) * (1 - pkG) / p**2 * (D_Q * Lmax_ij) ** 2
)


def _phi0(weight: sp.Expr) -> sp.Expr:
    """Phi0 = f(x0) - f_star + weight*gamma/p * ||g0 - grad f(x0)||^2."""
    return Delta0 + weight * gamma / p * norm0


def _pp(key, reference, setting, *, gamma_expr, clip, bound, floor, prov, assumptions=(), conditions=(), plus=False, notes=""):
    return Theorem(
        key=key,
        algorithm="byz_vr_marina_pp_plus" if plus else "byz_vr_marina_pp",
        paper=PAPER,
        reference=reference,
        setting=setting,
        criterion="sqnorm_le_eps2" if setting == "nonconvex" else "fgap_le_eps",
        assumptions=BASE + tuple(assumptions) + (("PL(mu)",) if setting == "pl" else ()),
        hyper={"gamma": gamma_expr, "clip_coef": clip},
        conditions=tuple(conditions),
        bound=bound,
        floor=floor,
        provenance=prov,
        lhs=NC_LHS if setting == "nonconvex" else PL_LHS,
        averaging=AVG_ALL if setting == "nonconvex" else "last iterate",
        bits_per_round=BITS,
        oracle="finite_sum",
        notes=notes,
    )


def _nc(shrink_B, factor, Dh, phi_w):
    """2*Phi0/(gamma*(1 - 4B/p)*(K+1)) + factor*Dh*zeta^2/(p - 4B) (B = 0: the Thm 4.x form)."""
    fl = factor * Dh * zeta2 / (p - 4 * shrink_B)
    return 2 * _phi0(phi_w) / (gamma * (1 - 4 * shrink_B / p) * (T + 1)) + fl, fl


def _pl(rho, factor, Dh, phi_w, with_gamma=True):
    fl = factor * Dh * zeta2 * (gamma if with_gamma else 1) / (p * rho)
    return (1 - rho) ** T * _phi0(phi_w) + fl, fl


S41 = ("Assumption 2.3 (bounded ARAgg, F_A)", "zeta^2-heterogeneity (2.5)", "every f_ij L-smooth (2.6)", "C_hat >= max(1, delta_real*n/delta)")
S42 = S41 + ("bounded compressor ||Q(x)|| <= D_Q||x|| (2.4)",)
SD = ("Assumption 2.3 (F_A)", "(B,zeta^2)-heterogeneity (D.5)", "global and local Hessian variance (D.2, D.3)")
V = P.V_TEXT
RC = "coefficients re-checked term by term against the paper's text (2026-12-04)"

b41, f41 = _nc(0, 4, Dhat, 2)
thm4_1 = _pp("byz_vr_marina_pp.thm4_1", "Theorem 4.1 (general unbiased Q)", "nonconvex",
             gamma_expr=1 / (L * (1 + sp.sqrt(A_41))), clip=2 * L, bound=b41, floor=f41,
             prov=provenance(V, hyper=["gamma", "clip_coef"]), assumptions=S41,
             notes="full participation: A = Theta((1+omega)(1+c delta)/p^2), worse than Byz-VR-MARINA")
_g = 1 / (L * (1 + sp.sqrt(2 * A_41)))
bp, fp = _pl(sp.Min(gamma * mu, p / 8), 4, Dhat, 4)
thm4_1_pl = _pp("byz_vr_marina_pp.thm4_1_pl", "Theorem 4.1 (PL part)", "pl", gamma_expr=_g, clip=2 * L, bound=bp, floor=fp,
                prov=provenance(V, hyper=["gamma", "clip_coef"]), assumptions=S41)

b42, f42 = _nc(0, 2, Dhat, 1)
thm4_2 = _pp("byz_vr_marina_pp.thm4_2", "Theorem 4.2 (bounded Q, Assumption 2.4)", "nonconvex",
             gamma_expr=1 / (L * (1 + sp.sqrt(A_42))), clip=D_Q * L, bound=b42, floor=f42,
             prov=provenance(V, hyper=["gamma", "clip_coef"]), assumptions=S42,
             notes="full participation recovers Byz-VR-MARINA's A = Theta((1+omega)/(p n) + (1+omega) c delta/p^2)")
bp, fp = _pl(sp.Min(gamma * mu, p / 4), 2, Dhat, 2)
thm4_2_pl = _pp("byz_vr_marina_pp.thm4_2_pl", "Theorem 4.2 (PL part)", "pl", gamma_expr=1 / (L * (1 + sp.sqrt(2 * A_42))),
                clip=D_Q * L, bound=bp, floor=fp, prov=provenance(V, hyper=["gamma", "clip_coef"]), assumptions=S42)

bd, fd = _nc(Bhat, 4, Dhat, 2)
CLIP_D14 = 2 * L_imax  # Theorem D.14 sets lambda = 2 max_i L_i ||dx|| (Lemma D.6 needs lambda >= 2 ||Delta_i||)
CLIP_D15 = L_imax  # as printed in Theorem D.15 (without D.14's 2: probably a typo of the paper)
d14 = _pp("byz_vr_marina_pp.d14", "Theorem D.14 ((B,zeta^2), refined smoothness, general Q)", "nonconvex",
          gamma_expr=1 / (L + sp.sqrt(A_D14(CLIP_D14))), clip=CLIP_D14, bound=bd, floor=fd,
          conditions=[sp.StrictLessThan(4 * Bhat, p)], prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
          assumptions=SD, notes=RC)
_rho15 = sp.Min(gamma * mu * (1 - 8 * Bhat / p), p / 8)
bp, fp = _pl(_rho15, 4, Dhat, 4)
d15 = _pp("byz_vr_marina_pp.d15", "Theorem D.15 (PL counterpart of D.14)", "pl",
          gamma_expr=1 / (L + sp.sqrt(2 * A_D14(CLIP_D15))), clip=CLIP_D15, bound=bp, floor=fp,
          conditions=[sp.StrictLessThan(8 * Bhat, p)], prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
          assumptions=SD, notes=RC)

SE = SD + ("bounded compressor (2.4)", "per-sample smoothness L_ij (D.4)")
be, fe = _nc(Bhat, 2, Dhat, 1)
e4 = _pp("byz_vr_marina_pp.e4", "Theorem E.4 (bounded Q)", "nonconvex",
         gamma_expr=1 / (L + sp.sqrt(A_E4)), clip=D_Q * Lmax_ij, bound=be, floor=fe,
         conditions=[sp.StrictLessThan(4 * Bhat, p)],
         prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
         assumptions=SE, notes=RC)
bp, fp = _pl(sp.Min(gamma * mu * (1 - 8 * Bhat / p), p / 4), 2, Dhat, 2, with_gamma=False)
e5 = _pp("byz_vr_marina_pp.e5", "Theorem E.5 (PL, bounded Q)", "pl",
         gamma_expr=1 / (L + sp.sqrt(2 * A_E4)), clip=D_Q * Lmax_ij, bound=bp, floor=fp,
         conditions=[sp.StrictLessThan(8 * Bhat, p)],
         prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
         assumptions=SE, notes=RC + "; floor as printed (no gamma factor, unlike eq. (9): probably a typo)")

SF = ("(B,zeta^2)-heterogeneity", "global and local Hessian variance", "bounded compressor (2.4)", "C <= n_good", "no bounded-aggregator assumption")
bf, ff = _nc(Bhat_plus, 2, Dhat_plus, 1)
f2 = _pp("byz_vr_marina_pp_plus.f2", "Theorem F.2 (PP+, bounded Q)", "nonconvex",
         gamma_expr=1 / (L + sp.sqrt(A_F2)), clip=D_Q * Lmax_ij, bound=bf, floor=ff,
         conditions=[sp.StrictLessThan(4 * Bhat_plus, p)],
         prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
         assumptions=SF, plus=True, notes=RC + "; floor O(c delta zeta^2): 1/p smaller than PP's")
bp, fp = _pl(sp.Min(gamma * mu * (1 - 8 * Bhat_plus / p), p / 4), 2, Dhat_plus, 2, with_gamma=False)
f3 = _pp("byz_vr_marina_pp_plus.f3", "Theorem F.3 (PP+, PL)", "pl",
         gamma_expr=1 / (L + sp.sqrt(2 * A_F2)), clip=D_Q * Lmax_ij, bound=bp, floor=fp,
         conditions=[sp.StrictLessThan(8 * Bhat_plus, p)],
         prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
         assumptions=SF, plus=True, notes=RC + "; floor as printed (no gamma factor, as E.5)")

_noise_general = (12 * P_Chat * n_good / ((1 - delta) ** 2 * C_hat**2) + 48 * c * delta) * sigma**2 / (b_prime * (p - 4 * Bhat))
_noise_bounded = (6 * P_Chat * n_good / ((1 - delta) ** 2 * C_hat**2) + 24 * c * delta) * sigma**2 / (b_prime * (p - 4 * Bhat))
SG = ("minibatch oracle E||grad_tilde f_i - grad f_i||^2 <= sigma^2/b' (G.1)",)
g4 = _pp("byz_vr_marina_pp.g4", "Theorem G.4 (no full batch, general Q): D.14 + sigma^2/b' floor", "nonconvex",
         gamma_expr=1 / (L + sp.sqrt(A_D14(CLIP_D14))), clip=CLIP_D14, bound=bd + _noise_general, floor=fd + _noise_general,
         conditions=[sp.StrictLessThan(4 * Bhat, p)],
         prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
         assumptions=SD + SG, notes=RC + "; D.14's A, B-hat and clip level, as printed")
g7 = _pp("byz_vr_marina_pp.g7", "Theorem G.7 (no full batch, bounded Q): E.4 + sigma^2/b' floor", "nonconvex",
         gamma_expr=1 / (L + sp.sqrt(A_E4)), clip=D_Q * Lmax_ij, bound=be + _noise_bounded, floor=fe + _noise_bounded,
         conditions=[sp.StrictLessThan(4 * Bhat, p)],
         prov=provenance(V, hyper=["gamma", "clip_coef"], conditions=True),
         assumptions=SE + SG, notes=RC + "; E.4's A, B-hat and clip level, as printed")

THEOREMS = (thm4_1, thm4_1_pl, thm4_2, thm4_2_pl, d14, d15, e4, e5, g4, g7, f2, f3)
