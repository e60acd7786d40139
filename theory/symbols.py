"""The one sympy symbol table of byzcomp's theory side (``specs/theorems.md`` §1.2, ``README.md`` §3).

Code names resolve the letter clashes between papers: ``n_good`` is Gorbunov/Rammal/Malinovsky's G
(a count), ``G_het``/``B_het`` are Allouah's (G,B)-dissimilarity constants (B enters squared),
``B_z`` is the (B,zeta^2) multiplier (not squared), ``c_delta`` is the product c*delta of a
(delta,c)-robust aggregator, ``k_sp`` is the number of coordinates kept by Rand-K/Top-K (never the
round count, which is ``T`` everywhere, K in the MARINA papers).

Every symbol has a *kind* that tells the simulation side where its value comes from:

``problem``     constants of the optimisation problem (L, mu, G_het, sigma, Delta0, ...)
``byzantine``   worker counts and fractions (n, f, n_good, delta)
``aggregator``  robustness constants (kappa, c, c_delta, F_A)
``compressor``  compressor constants (omega, alpha, k_sp, D_Q)
``algorithm``   hyper-parameters (gamma, eta, beta, p, b, C, ...); a theorem may prescribe them
``sampling``    partial-participation probabilities (computed by ``theory.constants``)
``accounting``  bit accounting (b_f, b_idx)
``index``       T (rounds) and eps (accuracy)

Absolute constants that a paper hides in O(.) are *not* here: they are ``NamedConstant``s of the
theorem that uses them (``theory.theorem``), each with a default and a provenance tag.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import sympy as sp

KINDS = ("problem", "byzantine", "aggregator", "compressor", "algorithm", "sampling", "accounting", "index")


@dataclass(frozen=True)
class SymbolSpec:
    name: str
    meaning: str
    latex: str
    kind: str
    symbol: sp.Symbol


SYMBOLS: dict[str, SymbolSpec] = {}


def _s(name: str, meaning: str, latex: str, kind: str, *, nonneg: bool = False) -> sp.Symbol:
    assert kind in KINDS and name not in SYMBOLS, name
    sym = sp.Symbol(name, nonnegative=True, real=True) if nonneg else sp.Symbol(name, positive=True)
    SYMBOLS[name] = SymbolSpec(name, meaning, latex, kind, sym)
    return sym


# --- index ---------------------------------------------------------------------------------------
T = _s("T", "number of rounds (K in the MARINA family)", "T", "index")
eps = _s("eps", "target accuracy epsilon", r"\varepsilon", "index")

# --- workers ---------------------------------------------------------------------------------------
n = _s("n", "number of workers", "n", "byzantine")
f = _s("f", "number of Byzantine workers", "f", "byzantine", nonneg=True)
n_good = _s("n_good", "number of good workers (G in Gorbunov/Rammal/Malinovsky)", r"n_{\mathcal G}", "byzantine")
delta = _s("delta", "bound on the Byzantine fraction given to the aggregator", r"\delta", "byzantine", nonneg=True)
delta_real = _s("delta_real", "true Byzantine fraction f/n (PP)", r"\delta_{\rm real}", "byzantine", nonneg=True)

# --- aggregator ------------------------------------------------------------------------------------
kappa = _s("kappa", "(f,kappa)-robustness constant", r"\kappa", "aggregator", nonneg=True)
c = _s("c", "(delta,c)-robustness constant", "c", "aggregator", nonneg=True)
c_delta = _s("c_delta", "product c*delta of a (delta,c)-robust aggregator", r"c\delta", "aggregator", nonneg=True)
F_A = _s("F_A", "bounded-aggregator constant (PP Assumption 2.3)", "F_{\\mathcal A}", "aggregator")

# --- heterogeneity and noise -----------------------------------------------------------------------
zeta2 = _s("zeta2", "heterogeneity zeta^2 (= G_het^2)", r"\zeta^2", "problem", nonneg=True)
B_z = _s("B_z", "(B,zeta^2) multiplier, not squared (= B_het^2)", "B", "problem", nonneg=True)
G_het = _s("G_het", "(G,B)-dissimilarity G", "G", "problem", nonneg=True)
B_het = _s("B_het", "(G,B)-dissimilarity B (enters squared)", "B", "problem", nonneg=True)
sigma = _s("sigma", "stochastic-gradient standard deviation", r"\sigma", "problem", nonneg=True)
beta2_lad = _s("beta2_lad", "LAD heterogeneity over data subsets", r"\beta^2", "problem", nonneg=True)
lad_bias2 = _s("lad_bias2", "LAD honest-coverage bias (squared norm)", r"b_{\rm cov}^2", "problem", nonneg=True)
D2_bg = _s("D2_bg", "uniform bound D^2 on the second moment of stochastic gradients (BG)", "D^2", "problem", nonneg=True)
z_norm2 = _s("z_norm2", "Com-LAD mean squared norm of honest coded vectors", r"\overline{\|z\|^2}", "problem", nonneg=True)

# --- smoothness ------------------------------------------------------------------------------------
L = _s("L", "smoothness of the (honest) objective", "L", "problem")
L_tilde = _s("L_tilde", "quadratic mean of the workers' smoothness constants (L_avg)", r"\tilde L", "problem")
L_pm = _s("L_pm", "global Hessian variance L_pm", r"L_{\pm}", "problem", nonneg=True)
Lcal_pm = _s("Lcal_pm", "local Hessian variance (minibatch b)", r"\mathcal{L}_{\pm}", "problem", nonneg=True)
L_max = _s("L_max", "max_ij L_ij as used in the Rammal notebook", r"L_{\max}", "problem", nonneg=True)
Lmax_ij = _s("Lmax_ij", "max_ij L_ij (PP Assumption D.4)", r"\max_{ij} L_{ij}", "problem")
L_imax = _s("L_imax", "max_i L_i (PP Theorem D.14 clipping level)", r"\max_i L_i", "problem")
ell = _s("ell", "mean-squared smoothness constant", r"\ell", "problem")
mu = _s("mu", "PL constant", r"\mu", "problem")
Delta0 = _s("Delta0", "f(x0) - f_star", r"\Delta_0", "problem", nonneg=True)
norm0 = _s("norm0", "||g0 - grad f(x0)||^2 (0 with the exact initialisation)", r"\|g^0-\nabla f(x^0)\|^2", "problem", nonneg=True)
G0_EF = _s("G0_EF", "EF21 initial error (1/n) sum ||g_i0 - grad f_i(x0)||^2", r"G^0", "problem", nonneg=True)
d = _s("d", "dimension", "d", "problem")
m = _s("m", "local sample count (finite sum)", "m", "problem")
grad_norm = _s("grad_norm", "norm of the true gradient (Krum's resilience condition)", r"\|g\|", "problem", nonneg=True)

# --- compressor ------------------------------------------------------------------------------------
omega = _s("omega", "unbiased compressor variance parameter", r"\omega", "compressor", nonneg=True)
alpha = _s("alpha", "contractive compressor parameter", r"\alpha", "compressor")
alpha_w = _s("alpha_w", "worker-side contractive parameter (EF21-BC)", r"\alpha_w", "compressor")
alpha_M = _s("alpha_M", "server-side contractive parameter (EF21-BC)", r"\alpha_M", "compressor")
k_sp = _s("k_sp", "coordinates kept by Rand-K / Top-K (zeta_Q for Rand-K)", "k", "compressor")
D_Q = _s("D_Q", "bounded-compressor constant ||Q(x)|| <= D_Q ||x||", "D_Q", "compressor")

# --- algorithm hyper-parameters ---------------------------------------------------------------------
gamma = _s("gamma", "step size", r"\gamma", "algorithm")
eta = _s("eta", "momentum weight on the new term", r"\eta", "algorithm")
beta = _s("beta", "momentum weight on the old term", r"\beta", "algorithm", nonneg=True)
a = _s("a", "DASHA momentum", "a", "algorithm")
p = _s("p", "coin probability (MARINA/PAGE)", "p", "algorithm")
b = _s("b", "minibatch size", "b", "algorithm")
b_prime = _s("b_prime", "minibatch of the PP no-full-batch variants", "b'", "algorithm")
C = _s("C", "clients sampled when c_k = 0 (PP)", "C", "algorithm")
C_hat = _s("C_hat", "clients sampled when c_k = 1 (PP)", r"\hat C", "algorithm")
clip_coef = _s("clip_coef", "PP clipping coefficient: lambda_{k+1} = clip_coef*||x^{k+1}-x^k||", r"\alpha_\lambda", "algorithm")
C_btard = _s("C_btard", "workers BTARD-SGD uses to check computations after each step", "C", "algorithm")
s_lad = _s("s_lad", "LAD redundancy (subsets per device)", "s", "algorithm")
N_lad = _s("N_lad", "LAD number of data subsets (= devices)", "N", "algorithm")

# --- partial participation probabilities (theory.constants computes them) ---------------------------
pG = _s("pG", "P(good clients form a (1-delta) majority of the C sampled)", "p_G", "sampling")
P_C = _s("P_C", "P(i in good sample | good majority), sample size C", r"\mathcal{P}_{C}", "sampling")
P_Chat = _s("P_Chat", "same as P_C for sample size C_hat", r"\mathcal{P}_{\hat C}", "sampling")
pkG = _s("pkG", "PP+: P(no Byzantine among the C sampled)", "p_k^G", "sampling")

# --- accounting ------------------------------------------------------------------------------------
b_f = _s("b_f", "bits per float", "b_f", "accounting")
b_idx = _s("b_idx", "bits per index (ceil(log2 d); 0 with a shared seed)", "b_{\\rm idx}", "accounting", nonneg=True)

#: Values used when the caller does not supply them: the exact initialisations (g0 = grad f(x0)) and
#: the default float width.  ``b_idx`` is derived from ``d`` by ``theory.constants.complete``.
PROBLEM_DEFAULTS: Mapping[str, float] = {"norm0": 0.0, "G0_EF": 0.0, "b_f": 32.0}


def sym(name: str) -> sp.Symbol:
    """The symbol with code name ``name``; the error lists the allowed names."""
    try:
        return SYMBOLS[name].symbol
    except KeyError:
        raise KeyError(f"unknown symbol {name!r}; allowed: {', '.join(sorted(SYMBOLS))}") from None


def latex_names() -> dict[sp.Symbol, str]:
    """Symbol -> LaTeX, for ``sympy.latex(expr, symbol_names=...)``."""
    return {spec.symbol: spec.latex for spec in SYMBOLS.values()}


def by_kind(kind: str) -> list[str]:
    if kind not in KINDS:
        raise KeyError(f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
    return sorted(name for name, spec in SYMBOLS.items() if spec.kind == kind)


def log2_ceil(x: sp.Expr) -> sp.Expr:
    """ceil(log2 x), the bits of one index into a d-vector."""
    return sp.ceiling(sp.log(x, 2))
