"""Non-Byzantine reference results: the f = 0 limits the Byzantine theorems must reproduce
(``specs/theorems.md`` §2).  Where the spec gives only an order-form complexity, the bound is its
inverse (``_common.rate_from_complexity``) with named constants of default 1 — so the exponent is
still derived from a bound.

* sgd.nc — descent lemma for minibatch SGD over n workers [DERIVED]: for gamma <= 1/L,
  (1/T) sum_t E||grad f(x_t)||^2 <= 2*Delta0/(gamma*T) + gamma*L*sigma^2/n; gamma balances the two.
* sgd_momentum.nc — heavy-ball/Polyak momentum, same order as SGD (constants UNVERIFIED).
* storm.nc — STORM/MVR: O(ell*Delta0*sigma/eps^3 + sigma^2/eps^2) (log factors dropped, UNVERIFIED).
* page.fs — PAGE, finite sum of m: gamma <= 1/(L(1 + sqrt((1-p)/(p*b)))), bound 2*Delta0/(gamma*T)
  (abstract-level [V-abs]; constants UNVERIFIED).
* marina.nc — MARINA: gamma = 1/(L(1 + sqrt((1-p)*omega/(p*n)))), bound 2*Delta0/(gamma*T).
* dasha.nc — DASHA, gradient setting, Rand-K: gamma = 1/(L + sqrt(48*omega*(2*omega+1)/n)*L_tilde)
  (§2.7' restricted to full gradients, UNVERIFIED), criterion sqnorm_le_eps.
* ef21.nc / ef21.pl — EF21 with theta = 1 - sqrt(1-alpha), beta = (1-alpha)/(1-sqrt(1-alpha)).
* ef21_sgdm.nc / ef21_sgd2m.nc — Fatkhullin, Tyurin, Richtárik 2023, recalled complexities.
"""
from __future__ import annotations

import sympy as sp

from ..provenance import Provenance as P
from ..symbols import (
    G0_EF, L, L_tilde, T, Delta0, alpha, b, ell, gamma, k_sp, m, mu, n, omega, p, sigma,
)
from ..theorem import NamedConstant, Theorem
from ._common import DENSE, ef21_beta, ef21_theta, provenance, rate_from_complexity, sparse

ZERO = sp.Integer(0)
SMOOTH = "f L-smooth, bounded below"
AVG_T = "(1/T) sum_{t<T} E||grad f(x^t)||^2"


def _named(prefix: str, k: int, prov: P, note: str) -> list[NamedConstant]:
    return [NamedConstant(f"{prefix}{i}", 1.0, prov, note) for i in range(1, k + 1)]


# --- SGD ----------------------------------------------------------------------------------------
sgd_nc = Theorem(
    key="sgd.nc",
    algorithm="sgd",
    paper="Ghadimi & Lan 2013 (minibatch SGD over n workers)",
    reference="theorems.md §2.1' (descent lemma)",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=(SMOOTH, "unbiased stochastic gradients with variance sigma^2 per worker"),
    hyper={"gamma": sp.Min(1 / L, sp.sqrt(2 * n * Delta0 / (L * sigma**2 * T)))},
    bound=2 * Delta0 / (gamma * T) + gamma * L * sigma**2 / n,
    floor=ZERO,
    provenance=provenance(P.DERIVED, hyper=["gamma"]),
    averaging=AVG_T,
    bits_per_round=DENSE,
    oracle="bounded_variance",
    notes="T(eps) = O(L*Delta0/eps^2 + L*Delta0*sigma^2/(n*eps^4)); optimal (Arjevani et al.).",
)

_hb = _named("hb_C", 2, P.UNVERIFIED, "order-form constant (heavy ball), unknown")
sgd_momentum_nc = Theorem(
    key="sgd_momentum.nc",
    algorithm="sgd_momentum",
    paper="SGD with Polyak / heavy-ball momentum (textbook)",
    reference="theorems.md §2.3",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=(SMOOTH, "unbiased stochastic gradients with variance sigma^2"),
    bound=rate_from_complexity([(_hb[0].s * L * Delta0, 1), (_hb[1].s * L * Delta0 * sigma**2 / n, 2)]),
    floor=ZERO,
    constants=tuple(_hb),
    provenance=provenance(P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=DENSE,
    oracle="bounded_variance",
)

_st = _named("storm_C", 2, P.UNVERIFIED, "order-form constant of STORM (log factors dropped)")
storm_nc = Theorem(
    key="storm.nc",
    algorithm="storm",
    paper="Cutkosky & Orabona, NeurIPS 2019 (STORM / MVR)",
    reference="theorems.md §2.4",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=(SMOOTH, "variance sigma^2", "mean-squared smoothness ell"),
    bound=rate_from_complexity([(_st[0].s * ell * Delta0 * sigma, sp.Rational(3, 2)), (_st[1].s * sigma**2, 1)]),
    floor=ZERO,
    constants=tuple(_st),
    provenance=provenance(P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=DENSE,
    oracle="mean_squared_smoothness",
    notes="optimal under mean-squared smoothness (Arjevani et al.); the paper's rate carries log factors.",
)

page_fs = Theorem(
    key="page.fs",
    algorithm="page",
    paper="Li, Bao, Zhang, Richtárik, ICML 2021 (PAGE)",
    reference="theorems.md §2.5",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=(SMOOTH, "finite sum of m, average L-smoothness"),
    hyper={"gamma": 1 / (L * (1 + sp.sqrt((1 - p) / (p * b))))},
    bound=2 * Delta0 / (gamma * T),
    floor=ZERO,
    recommended={"b": sp.sqrt(m), "p": b / (m + b)},
    provenance=provenance(P.UNVERIFIED, hyper=["gamma"], statement=P.V_ABS),
    averaging="x_hat uniform over x^0..x^{T-1}",
    bits_per_round=DENSE,
    oracle="finite_sum",
    notes="gradient complexity m + T*(p*m + 2*(1-p)*b) = O(m + sqrt(m)/eps^2) with b = sqrt(m) [V-abs].",
)

marina_nc = Theorem(
    key="marina.nc",
    algorithm="marina",
    paper="Gorbunov, Burlachenko, Li, Richtárik, ICML 2021 (MARINA)",
    reference="theorems.md §2.6",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=(SMOOTH, "unbiased compressor Q(omega), independent per worker", "full local gradients"),
    hyper={"gamma": 1 / (L * (1 + sp.sqrt((1 - p) * omega / (p * n))))},
    bound=2 * Delta0 / (gamma * T),
    floor=ZERO,
    recommended={"p": 1 / (1 + omega)},
    provenance=provenance(P.UNVERIFIED, hyper=["gamma"], statement=P.V_ABS, criterion=P.DERIVED),
    averaging="x_hat uniform over x^0..x^{T-1}",
    bits_per_round=p * DENSE + (1 - p) * sparse(k_sp),
    notes="with p = 1/(1+omega): rounds O((L*Delta0/eps^2)*(1 + omega/sqrt(n))) [DERIVED check].",
)

_dasha48 = NamedConstant("dasha_c48", 48.0, P.UNVERIFIED, "constant under the square root of DASHA's step size (recalled)")
dasha_nc = Theorem(
    key="dasha.nc",
    algorithm="dasha",
    paper="Tyurin & Richtárik, ICLR 2023 (DASHA)",
    reference="theorems.md §2.7 / §2.7'",
    setting="nonconvex",
    criterion="sqnorm_le_eps",
    assumptions=(SMOOTH, "each f_i L_i-smooth (L_tilde)", "unbiased Q(omega), independent", "full local gradients"),
    hyper={"gamma": 1 / (L + sp.sqrt(_dasha48.s * omega * (2 * omega + 1) / n) * L_tilde)},
    bound=2 * Delta0 / (gamma * T),
    floor=ZERO,
    constants=(_dasha48,),
    recommended={"a": 1 / (2 * omega + 1)},
    provenance=provenance(P.UNVERIFIED, hyper=["gamma"], statement=P.V_ABS, criterion=P.V_ABS),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    notes="Rand-K (omega = d/k - 1): O(d/(eps*sqrt(n))) coordinates [V-abs].",
)

_theta, _beta = ef21_theta(alpha), ef21_beta(alpha)
EF21_ASSUMPTIONS = (SMOOTH, "each f_i L_i-smooth, L_tilde^2 = mean L_i^2", "contractive C(alpha)", "full local gradients")
ef21_nc = Theorem(
    key="ef21.nc",
    algorithm="ef21",
    paper="Richtárik, Sokolov, Fatkhullin, NeurIPS 2021 (EF21)",
    reference="theorems.md §2.8",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=EF21_ASSUMPTIONS,
    hyper={"gamma": 1 / (L + L_tilde * sp.sqrt(_beta / _theta))},
    bound=2 * Delta0 / (gamma * T) + G0_EF / (_theta * T),
    floor=ZERO,
    provenance=provenance(P.UNVERIFIED, hyper=["gamma"], statement=P.V_ABS),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    notes="recalled with high confidence; sqrt(beta/theta) <= 2/alpha - 1 [DERIVED].",
)

ef21_pl = Theorem(
    key="ef21.pl",
    algorithm="ef21",
    paper="Richtárik, Sokolov, Fatkhullin, NeurIPS 2021 (EF21)",
    reference="theorems.md §2.8'",
    setting="pl",
    criterion="fgap_le_eps",
    assumptions=EF21_ASSUMPTIONS + ("PL(mu)",),
    hyper={"gamma": sp.Min(1 / (L + L_tilde * sp.sqrt(2 * _beta / _theta)), _theta / (2 * mu))},
    bound=(1 - gamma * mu) ** T * (Delta0 + gamma * G0_EF / _theta),
    floor=ZERO,
    lhs=r"\mathbb{E}[f(x^T) - f_\star]",
    averaging="last iterate",
    provenance=provenance(P.UNVERIFIED, hyper=["gamma"]),
    bits_per_round=sparse(k_sp),
)

_sgdm = _named("ef21m_C", 3, P.UNVERIFIED, "order-form constant (EF21-SGDM, recalled)")
ef21_sgdm_nc = Theorem(
    key="ef21_sgdm.nc",
    algorithm="ef21_sgdm",
    paper="Fatkhullin, Tyurin, Richtárik, NeurIPS 2023 (EF21-SGDM)",
    reference="theorems.md §2.9",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=EF21_ASSUMPTIONS[:3] + ("variance sigma^2",),
    bound=rate_from_complexity([
        (_sgdm[0].s * L * Delta0 / alpha, 1),
        (_sgdm[1].s * L * Delta0 * sigma**2 / n, 2),
        (_sgdm[2].s * L * Delta0 * sigma / alpha, sp.Rational(3, 2)),
    ]),
    floor=ZERO,
    constants=tuple(_sgdm),
    provenance=provenance(P.UNVERIFIED, statement=P.V_ABS),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    oracle="bounded_variance",
)

_sgd2m = _named("ef21mm_C", 3, P.UNVERIFIED, "order-form constant (EF21-SGD2M, recalled)")
ef21_sgd2m_nc = Theorem(
    key="ef21_sgd2m.nc",
    algorithm="ef21_sgd2m",
    paper="Fatkhullin, Tyurin, Richtárik, NeurIPS 2023 (EF21-SGD2M, double momentum)",
    reference="theorems.md §2.9'",
    setting="nonconvex",
    criterion="sqnorm_le_eps2",
    assumptions=EF21_ASSUMPTIONS[:3] + ("variance sigma^2",),
    bound=rate_from_complexity([
        (_sgd2m[0].s * L * Delta0 / alpha, 1),
        (_sgd2m[1].s * L * Delta0 * sigma**2 / n, 2),
        (_sgd2m[2].s * L * Delta0 * sigma ** sp.Rational(2, 3) / alpha ** sp.Rational(2, 3), sp.Rational(4, 3)),
    ]),
    floor=ZERO,
    constants=tuple(_sgd2m),
    provenance=provenance(P.UNVERIFIED),
    averaging=AVG_T,
    bits_per_round=sparse(k_sp),
    oracle="bounded_variance",
)

THEOREMS = (sgd_nc, sgd_momentum_nc, storm_nc, page_fs, marina_nc, dasha_nc, ef21_nc, ef21_pl, ef21_sgdm_nc, ef21_sgd2m_nc)
