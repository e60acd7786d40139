"""Byz-VR-MARINA (Gorbunov, Horváth, Richtárik, Gidel, ICLR 2023, arXiv 2206.00529;
``specs/theorems.md`` §6).

* byz_vr_marina.thm2_1 — Theorem 2.1 of the submission version, all constants [V-text]:
  A = 6(1-p)/p*(4c*delta/p + 1/(2G))*(omega*L^2 + (1+omega)*Lcal_pm^2/b)
      + 6(1-p)/p*(4c*delta*(1+omega)/p + omega/(2G))*L_pm^2,
  gamma <= 1/(L + sqrt(A)),  E||grad f(x_hat_K)||^2 <= 2*Phi0/(gamma*(K+1)) + 24*c*delta*zeta^2/p,
  Phi0 = f(x0) - f_star + (gamma/p)*||g0 - grad f(x0)||^2, x_hat uniform over x^0..x^K.
  The derived complexity K + 1 = 2*Phi0*(L + sqrt(A))/(eps^2 - 24 c delta zeta^2/p) is exact, and its
  order terms reproduce the paper's Table 2 (tested in tests/theory/test_tables.py).
* byz_vr_marina.thm2_2 — Theorem 2.2 (PL): gamma <= min(1/(L + sqrt(2A)), p/(4 mu)),
  E[f(x^K) - f_star] <= (1 - gamma*mu)^K * Phi0 + 24*c*delta*zeta^2/(p*mu), Phi0 with weight 2*gamma/p.
  The floor's 1/p is restored (README pitfall 12); byz_vr_marina.thm2_2_printed keeps the text as
  printed (24*c*delta*zeta^2/mu) as a must-fail fixture for the small-p floor check.
* byz_vr_marina.camera_ready — the (B,zeta^2) version [RECON]: condition C_B*c*delta*B < p, rate
  2*Phi0/(gamma*(1 - C_B*B*c*delta/p)*(K+1)), floor 24*c*delta*zeta^2/(p - C_B*B*c*delta),
  A_final = A + C_A*B*c*delta*L^2/p^2 with C_B = 48, C_A = 96 (UNVERIFIED).

Provenance note (search, pages corpus): only the opening of the ICLR-2023 text and of arXiv v3 were
reachable; the camera-ready constants could not be checked and stay UNVERIFIED.
"""
from __future__ import annotations

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import (
    L, L_pm, Lcal_pm, T, B_z, Delta0, b, c_delta, gamma, k_sp, m, mu, n_good, norm0, omega, p, zeta2,
)
from ..theorem import NamedConstant, Theorem
from ._common import DENSE, provenance, sparse

PAPER = "Gorbunov, Horváth, Richtárik, Gidel, ICLR 2023 (Byz-VR-MARINA)"
ASSUMPTIONS = (
    "f L-smooth, bounded below",
    "zeta^2-heterogeneity (B = 0)",
    "global Hessian variance L_pm",
    "local Hessian variance Lcal_pm with minibatch b",
    "(delta,c)-ARAgg",
    "unbiased Q(omega), independent per worker",
)
BITS = p * DENSE + (1 - p) * sparse(k_sp)

A = 6 * (1 - p) / p * (4 * c_delta / p + 1 / (2 * n_good)) * (omega * L**2 + (1 + omega) * Lcal_pm**2 / b) + 6 * (
    1 - p
) / p * (4 * c_delta * (1 + omega) / p + omega / (2 * n_good)) * L_pm**2

byz_vr_marina_thm2_1 = Theorem(
    key="byz_vr_marina.thm2_1",
    algorithm="byz_vr_marina",
    paper=PAPER,
    reference="Theorem 2.1 (submission version)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=ASSUMPTIONS,
    hyper={"gamma": 1 / (L + sp.sqrt(A))},
    bound=2 * (Delta0 + gamma * norm0 / p) / (gamma * (T + 1)) + 24 * c_delta * zeta2 / p,
    floor=24 * c_delta * zeta2 / p,
    recommended={"p": sp.Min(b / m, 1 / (1 + omega))},
    provenance=provenance(P.V_TEXT, hyper=["gamma"]),
    lhs=r"\mathbb{E}\|\nabla f(\hat x^K)\|^2",
    averaging="x_hat uniform over x^0..x^T (T+1 points)",
    bits_per_round=BITS,
    oracle="finite_sum",
    notes="floor tight up to the 1/p factor (lower bound Omega(delta*zeta^2)).",
)


def _thm2_2(printed: bool) -> Theorem:
    fl = 24 * c_delta * zeta2 / (mu if printed else p * mu)
    return Theorem(
        key="byz_vr_marina.thm2_2" + ("_printed" if printed else ""),
        algorithm="byz_vr_marina",
        paper=PAPER,
        reference="Theorem 2.2 (submission version)" + (", floor as printed" if printed else ", floor's 1/p restored"),
        setting="pl",
        criterion="fgap_le_eps",
        assumptions=ASSUMPTIONS + ("PL(mu)",),
        hyper={"gamma": sp.Min(1 / (L + sp.sqrt(2 * A)), p / (4 * mu))},
        bound=(1 - gamma * mu) ** T * (Delta0 + 2 * gamma * norm0 / p) + fl,
        floor=fl,
        provenance=provenance(P.V_TEXT, hyper=["gamma"], floor=P.V_TEXT if printed else P.DERIVED),
        lhs=r"\mathbb{E}[f(x^K) - f_\star]",
        averaging="last iterate",
        bits_per_round=BITS,
        oracle="finite_sum",
        notes=("must-fail fixture (README pitfall 12): the p lost in text extraction"
               if printed else "Table 2 footnote (3) and the Lyapunov weight 2*gamma/p give /(p*mu)."),
    )


byz_vr_marina_thm2_2 = _thm2_2(printed=False)
byz_vr_marina_thm2_2_printed = _thm2_2(printed=True)

C_B = NamedConstant("C_B", 48.0, P.UNVERIFIED, "B-condition constant (24 is the other candidate)")
C_A = NamedConstant("C_A", 96.0, P.UNVERIFIED, "extra step-size term, suggested by the Rammal notebook")
_shrink = 1 - C_B.s * B_z * c_delta / p
byz_vr_marina_camera_ready = Theorem(
    key="byz_vr_marina.camera_ready",
    algorithm="byz_vr_marina",
    paper=PAPER + ", camera-ready / arXiv v3",
    reference="Theorem 2.1 with (B,zeta^2)-heterogeneity (reconstructed by analogy with PP Thm E.4)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=tuple(a if "heterogeneity" not in a else "(B,zeta^2)-heterogeneity" for a in ASSUMPTIONS),
    hyper={"gamma": 1 / (L + sp.sqrt(A + C_A.s * B_z * c_delta * L**2 / p**2))},
    conditions=(sp.StrictLessThan(C_B.s * c_delta * B_z, p),),
    bound=2 * (Delta0 + gamma * norm0 / p) / (gamma * _shrink * (T + 1)) + 24 * c_delta * zeta2 / (p - C_B.s * B_z * c_delta),
    floor=24 * c_delta * zeta2 / (p - C_B.s * B_z * c_delta),
    constants=(C_B, C_A),
    provenance=provenance(P.RECON, hyper=["gamma"], conditions=True),
    lhs=r"\mathbb{E}\|\nabla f(\hat x^K)\|^2",
    averaging="x_hat uniform over x^0..x^T (T+1 points)",
    bits_per_round=BITS,
    oracle="finite_sum",
    notes="even for zeta = 0 needs c*delta*B = O(p): the weakness Byz-DASHA-PAGE removes.",
)

THEOREMS = (byz_vr_marina_thm2_1, byz_vr_marina_thm2_2, byz_vr_marina_thm2_2_printed, byz_vr_marina_camera_ready)
