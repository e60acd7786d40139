"""Uncompressed robust methods (``specs/theorems.md`` §4, §5).

* robust_dgd.nc / .pl — Robust D-GD under (G,B) with an (f,kappa)-robust F and gamma = 1/L
  [DERIVED]: L_H(x+) <= L_H(x) - ||grad||^2/(2L) + ||R - grad||^2/(2L) and
  ||R - grad||^2 <= kappa*(G^2 + B^2 ||grad||^2); summing gives
  (1/T) sum ||grad||^2 <= (kappa*G^2 + 2*L*Delta0/T)/(1 - kappa*B^2).  PL: per step the gap contracts
  by 1 - mu*(1 - kappa*B^2)/L.  Believed to be the NeurIPS 2023 (Allouah et al.) upper bound;
  identity of constants UNVERIFIED.
* robust_dsgd_momentum.icml21 / .iclr22 — Karimireddy, He, Jaggi: order form, constants UNVERIFIED.
* robust_dshb.nc — Allouah et al. AISTATS 2023: gamma <= 1/(24L) and beta = 1 - 24*gamma*L (record
  robust_dshb.nc) or beta = sqrt(1 - 24*gamma*L) (robust_dshb.nc_beta_sqrt): both recollections.
  Default of C_s2 [DERIVED]: with sigma = 0 and the prescribed gamma = 1/(24L) (beta = 0 under both
  rules) the method is GD with step 1/(24L), whose worst case is at least Delta0/(gamma*T) = 24*L*Delta0/T
  (a function that is linear along the path) and at most Delta0/(gamma*(1 - gamma*L/2)*T); the spec's
  placeholder 1 would make the bound false, so C_s2 defaults to 2*24 = 48 (checked by the PEP).
* krum_sgd.prop2 — Blanchard et al. NeurIPS 2017 [V-text]: asymptotic only; the iterates reach the
  flat region ||grad Q||^2 <= (eta(n,f)*sqrt(d)*sigma)^2 when 2f + 2 < n.  ``eta_nf`` and
  ``krum_sin_alpha`` give Proposition 1's resilience quantities.
"""
from __future__ import annotations

import math

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import (
    G_het, B_het, L, T, Delta0, c_delta, d, f, gamma, grad_norm, kappa, mu, n, sigma, zeta2,
)
from ..theorem import NamedConstant, Theorem
from ._common import DENSE, provenance

ZERO = sp.Integer(0)
GB = "(G,B)-gradient dissimilarity of the honest workers"
FK = "F (f,kappa)-robust"
SMOOTH = "L_H L-smooth, bounded below"
AVG_T = "(1/T) sum_{t<T} ||grad L_H(theta_t)||^2"
ALLOUAH23 = "Allouah, Guerraoui, Gupta, Pinot, Rizk, NeurIPS 2023"

_den = 1 - kappa * B_het**2

robust_dgd_nc = Theorem(
    key="robust_dgd.nc",
    algorithm="robust_dgd",
    paper=ALLOUAH23 + " (structure)",
    reference="theorems.md §4.1",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=(SMOOTH, GB, FK, "full honest gradients"),
    hyper={"gamma": 1 / L},
    conditions=(sp.StrictLessThan(kappa * B_het**2, 1),),
    bound=(kappa * G_het**2 + 2 * L * Delta0 / T) / _den,
    floor=kappa * G_het**2 / _den,
    provenance=provenance(P.DERIVED, hyper=["gamma"], conditions=True),
    lhs=r"\frac1T\sum_{t<T}\|\nabla \mathcal{L}_H(\theta_t)\|^2",
    averaging=AVG_T,
    bits_per_round=DENSE,
)

robust_dgd_pl = Theorem(
    key="robust_dgd.pl",
    algorithm="robust_dgd",
    paper=ALLOUAH23 + " (structure)",
    reference="theorems.md §4.1 (PL)",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=(SMOOTH, GB, FK, "full honest gradients", "PL(mu)"),
    hyper={"gamma": 1 / L},
    conditions=(sp.StrictLessThan(kappa * B_het**2, 1),),
    bound=(1 - mu * _den / L) ** T * Delta0 + kappa * G_het**2 / (2 * mu * _den),
    floor=kappa * G_het**2 / (2 * mu * _den),
    provenance=provenance(P.DERIVED, hyper=["gamma"], conditions=True),
    lhs=r"\mathcal{L}_H(\theta_T) - \mathcal{L}_\star",
    averaging="last iterate",
    bits_per_round=DENSE,
)

_k21 = [NamedConstant(f"C_k21{s}", 1.0, P.UNVERIFIED, "order-form constant, unknown") for s in "ab"]
robust_dsgd_momentum_icml21 = Theorem(
    key="robust_dsgd_momentum.icml21",
    algorithm="robust_dsgd_momentum",
    paper="Karimireddy, He, Jaggi, ICML 2021",
    reference="theorems.md §4.2 (homogeneous)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=("f L-smooth", "i.i.d. honest data (homogeneous)", "variance sigma^2", "(delta_max,c)-ARAgg", "1 - beta = Theta(L*gamma)"),
    bound=_k21[0].s * sp.sqrt(L * Delta0 * sigma**2 * (c_delta + 1 / n) / T) + _k21[1].s * L * Delta0 / T,
    floor=ZERO,
    constants=tuple(_k21),
    provenance=provenance(P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=DENSE,
    oracle="bounded_variance",
)

_k22 = [NamedConstant(f"C_k22{s}", 1.0, P.UNVERIFIED, "order-form constant, unknown") for s in "abc"]
robust_dsgd_momentum_iclr22 = Theorem(
    key="robust_dsgd_momentum.iclr22",
    algorithm="robust_dsgd_momentum",
    paper="Karimireddy, He, Jaggi, ICLR 2022 (bucketing)",
    reference="theorems.md §4.2 (heterogeneous, B = 0)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=("f L-smooth", "zeta^2-heterogeneity", "variance sigma^2", "Bucketing + ARAgg"),
    bound=_k22[0].s * c_delta * zeta2 + _k22[1].s * sigma * sp.sqrt(L * Delta0 * (c_delta + 1 / n) / T) + _k22[2].s * L * Delta0 / T,
    floor=_k22[0].s * c_delta * zeta2,
    constants=tuple(_k22),
    provenance=provenance(P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=DENSE,
    oracle="bounded_variance",
    notes="floor c*delta*zeta^2 matches Omega(delta*zeta^2).",
)

C_gamma_shb = NamedConstant("c_gamma_shb", 24.0, P.UNVERIFIED, "gamma <= 1/(c_gamma_shb*L) (recalled)")
C_beta_shb = NamedConstant("c_beta_shb", 24.0, P.UNVERIFIED, "1 - beta = c_beta_shb*gamma*L (recalled)")
_shb = [
    NamedConstant("C_s1", 1.0, P.UNVERIFIED, "order-form constant, unknown"),
    NamedConstant("C_s2", 48.0, P.DERIVED, "2*c_gamma_shb: the spec's 1 is below GD's worst case at gamma = 1/(24L) (see module doc)"),
    NamedConstant("C_s3", 1.0, P.UNVERIFIED, "order-form constant, unknown"),
]


def _robust_dshb(beta_rule: str) -> Theorem:
    g = sp.Min(1 / (C_gamma_shb.s * L), sp.sqrt(Delta0 / (L * sigma**2 * (kappa + 1 / (n - f)) * T)))
    one_minus = C_beta_shb.s * gamma * L
    beta_expr = 1 - one_minus if beta_rule == "linear" else sp.sqrt(1 - one_minus)
    return Theorem(
        key="robust_dshb.nc" + ("" if beta_rule == "linear" else "_beta_sqrt"),
        algorithm="robust_dshb",
        paper="Allouah, Farhadkhani, Guerraoui, Gupta, Pinot, Stephan, AISTATS 2023 (Fixing by Mixing)",
        reference="theorems.md §4.3",
        setting="nonconvex",
        criterion="sqnorm_le_eps2",
        assumptions=(SMOOTH, "G-heterogeneity (B = 0)", "variance sigma^2", FK + " (e.g. NNM o CWTM)", "worker momentum (EMA, weight beta on the old value)"),
        hyper={"gamma": g, "beta": beta_expr},
        bound=_shb[0].s * sp.sqrt(L * Delta0 * sigma**2 * (kappa + 1 / (n - f)) / T) + _shb[1].s * L * Delta0 / T + _shb[2].s * kappa * G_het**2,
        floor=_shb[2].s * kappa * G_het**2,
        constants=(C_gamma_shb, C_beta_shb, *_shb),
        provenance=provenance(P.UNVERIFIED, hyper=["gamma", "beta"], hyper_gamma=P.RECON),
        lhs=r"\mathbb{E}\|\nabla \mathcal{L}_H(\hat\theta)\|^2",
        averaging="theta_hat uniform over the iterates",
        bits_per_round=DENSE,
        oracle="bounded_variance",
        notes=f"beta rule: {beta_rule} (both recollections exist).",
    )


robust_dshb_nc = _robust_dshb("linear")
robust_dshb_nc_beta_sqrt = _robust_dshb("sqrt")


def eta_nf(n_, f_):
    """Krum's eta(n,f) = sqrt(2*(n - f + (f*(n-f-2) + f^2*(n-f-1))/(n - 2f - 2))) (Prop. 1) [V-text].

    Works on numbers (float) and sympy expressions; requires 2f + 2 < n for numbers."""
    if all(isinstance(v, (int, float)) for v in (n_, f_)):
        if not 2 * f_ + 2 < n_:
            raise ValueError(f"Krum needs 2f + 2 < n, got n={n_}, f={f_}")
        return math.sqrt(2 * (n_ - f_ + (f_ * (n_ - f_ - 2) + f_**2 * (n_ - f_ - 1)) / (n_ - 2 * f_ - 2)))
    return sp.sqrt(2 * (n_ - f_ + (f_ * (n_ - f_ - 2) + f_**2 * (n_ - f_ - 1)) / (n_ - 2 * f_ - 2)))


def krum_sin_alpha(n_, f_, d_, sigma_, grad_norm_):
    """Prop. 1: Krum is (alpha,f)-resilient with sin(alpha) = eta(n,f)*sqrt(d)*sigma/||g|| when it is < 1."""
    return eta_nf(n_, f_) * d_**0.5 * sigma_ / grad_norm_


krum_sgd_prop2 = Theorem(
    key="krum_sgd.prop2",
    algorithm="krum_sgd",
    paper="Blanchard, El Mhamdi, Guerraoui, Stainer, NeurIPS 2017 (Krum)",
    reference="Prop. 1 (resilience) and Prop. 2 (a.s. convergence); theorems.md §5",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=("Q C^3, Q >= 0", "sum gamma_t = oo, sum gamma_t^2 < oo", "i.i.d. correct vectors, E||G - g||^2 = d*sigma^2", "moment bounds r = 2,3,4"),
    conditions=(sp.StrictLessThan(2 * f + 2, n), sp.StrictLessThan(eta_nf(n, f) * sp.sqrt(d) * sigma, grad_norm)),
    bound=(eta_nf(n, f) * sp.sqrt(d) * sigma) ** 2,
    floor=(eta_nf(n, f) * sp.sqrt(d) * sigma) ** 2,
    provenance=provenance(P.V_TEXT, conditions=True),
    lhs=r"\|\nabla Q(x_t)\|^2",
    averaging="asymptotic: the region the iterates reach",
    bits_per_round=DENSE,
    oracle="bounded_variance",
    kind="asymptotic",
    notes="no non-asymptotic rate and no eps-complexity; breakdown fraction (n-2)/(2n).",
)

THEOREMS = (
    robust_dgd_nc, robust_dgd_pl, robust_dsgd_momentum_icml21, robust_dsgd_momentum_iclr22,
    robust_dshb_nc, robust_dshb_nc_beta_sqrt, krum_sgd_prop2,
)
