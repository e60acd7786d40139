r"""The zero-chain hard instance with a probabilistic zero-respecting stochastic oracle, scaled to
given (L, Delta, sigma, eps): the instance on which SGD-type methods need eps^-4 and
variance-reduced (STORM / MVR) methods eps^-3 oracle calls, so that measured exponents are honest.

Registered as problem ``"zero_chain"``.  Spec fields (TOML table ``[problem]``)::

    name   = "zero_chain"
    L      = 1.0                 # regime bounded_variance: smoothness of f
                                 # regime mean_squared_smooth: the mean-squared smoothness ell (L-bar)
    delta  = 100.0               # Delta: f(x0) - inf f <= delta is guaranteed
    sigma  = 1.0                 # E||g(x;z) - grad f(x)||^2 <= sigma^2 (0: deterministic oracle)
    eps    = 0.05                # target accuracy: ||grad f(x)|| > 2 eps until the chain is finished
    regime = "bounded_variance"  # or "mean_squared_smooth"
    d      = 40                  # optional; default (omitted): d = T, the chain length; d >= T

Source functions (Carmon, Duchi, Hinder, Sidford, "Lower bounds for finding stationary points I",
Math. Prog. 2020, arXiv 1710.11606, their eq. for the hard function and Lemma 3; restated as Lemma 2
by Arjevani et al. below):

.. math::
    \Psi(t) = \begin{cases} 0 & t \le \tfrac12 \\ \exp\bigl(1 - \tfrac{1}{(2t-1)^2}\bigr) & t > \tfrac12\end{cases},
    \qquad \Phi(t) = \sqrt e \int_{-\infty}^t e^{-s^2/2}\,ds,

    F_T(y) = -\Psi(1)\Phi(y_1) + \sum_{i=2}^T \bigl[\Psi(-y_{i-1})\Phi(-y_i) - \Psi(y_{i-1})\Phi(y_i)\bigr].

Facts used, with ``prog_a(y) = max{i : |y_i| > a}`` (0 if none), quoted from Carmon et al. (Lemma 3)
as restated in Arjevani, Carmon, Duchi, Foster, Srebro, Woodworth, "Lower bounds for non-convex
stochastic optimization", Math. Prog. 2023, arXiv 1912.02365, Lemma 2:

1. :math:`F_T(0) - \inf F_T \le \Delta_0 T` with :math:`\Delta_0 = 12` (``DELTA_PER_LINK``);
2. :math:`\nabla F_T` is :math:`\ell_1 = 152`-Lipschitz (``ELL1``);
3. :math:`\|\nabla F_T(y)\|_\infty \le \gamma_\infty = 23` (``GRAD_INF``);
4. :math:`\mathrm{prog}_0(\nabla F_T(y)) \le \mathrm{prog}_{1/2}(y) + 1`;
5. if :math:`\mathrm{prog}_1(y) < T` then :math:`\|\nabla F_T(y)\| \ge |\nabla_{\mathrm{prog}_1(y)+1} F_T(y)| > 1`.

Derived here (not from the papers): :math:`\Psi \le e` and :math:`\Phi \le \sqrt{2\pi e}`, each bracket
is :math:`\ge -e\sqrt{2\pi e}` and the first term :math:`\ge -\sqrt{2\pi e}`, all approached along
:math:`y = t\mathbf 1,\ t\to\infty`, so :math:`\inf F_T = -\sqrt{2\pi e}\,(1 + (T-1)e)` exactly (not
attained) and :math:`F_T(0) = -\Phi(0) = -\sqrt{2\pi e}/2`; hence
:math:`F_T(0) - \inf F_T = \sqrt{2\pi e}(\tfrac12 + (T-1)e) \approx 11.23\,T - 9.2`, consistent with fact 1.

Oracles (Arjevani et al., Section 3: the "probability-p zero-chain"):

* ``bounded_variance``: :math:`[g_T(y;z)]_i = \nabla_i F_T(y)\,(1 + \mathbb 1\{i > \mathrm{prog}_{1/4}(y)\}(z/p - 1))`,
  :math:`z\sim\mathrm{Bernoulli}(p)`.  Unbiased; only coordinate k = prog_{1/4}(y)+1 can be noisy
  (fact 4), so by fact 3 the variance is :math:`\le \gamma_\infty^2 (1-p)/p` (their bound); with
  z = 0 nothing beyond prog_{1/4}(y) is revealed (their Lemma 3).  Derived here, sharper: at that
  k, :math:`|y_k| \le 1/4`, so :math:`\Psi(\pm y_k) = \Psi'(\pm y_k) = 0` and
  :math:`|\nabla_k F_T(y)| = \Phi'(y_k)\Psi(|y_{k-1}|) < \sqrt e\cdot e = e^{3/2}` (``NOISE_INF``),
  approached as :math:`y_{k-1}\to\infty,\ y_k = 0`: the variance's supremum is
  :math:`e^3 (1-p)/p`, which is what we scale to sigma^2.
* ``mean_squared_smooth``: the indicator replaced by the smooth
  :math:`\Theta_i(y) = \Gamma\bigl(1 - (\sum_{k\ge i}\Gamma(|y_k|)^2)^{1/2}\bigr)`, where
  :math:`\Gamma(t) = \int_{1/4}^t\Lambda / \int_{1/4}^{1/2}\Lambda`,
  :math:`\Lambda(\tau) = \exp(-1/(100(\tau-\tfrac14)(\tfrac12-\tau)))` on (1/4, 1/2), 0 elsewhere
  (Arjevani et al., Section 3.3 / their Lemma on the smoothed oracle).  Theta_i = 1 for
  i > prog_{1/4}(y) and 0 for i <= prog_{1/2}(y), so it is still a probability-p zero chain; the
  only noisy coordinate is k = prog_{1/2}(y)+1, where :math:`|y_k| \le 1/2` and the same argument
  gives the variance supremum :math:`e^3(1-p)/p` (derived here; Theta_k <= 1); and :math:`E\|\bar g(y;z) - \bar g(y';z)\|^2 \le (\bar\ell_1^2/p)\|y-y'\|^2` with
  :math:`\bar\ell_1 = 328` (``ELL1_BAR``; the figure as we recall it from that lemma: the stored corpus
  holds no text of the paper to re-read, so the tests check it by brute force).  Gamma is tabulated
  on ``GAMMA_CELLS`` cells (Simpson on each) and linearly interpolated: the interpolant is monotone,
  0 on t <= 1/4, 1 on t >= 1/2, exact at the knots, and its slope never exceeds sup Gamma'.

Scaling (Arjevani et al., proofs of Theorems 1 and 3; the margin 2 is our choice): with
:math:`\lambda = 2\ell_1\epsilon/L_f`,

.. math::
    f(x) = \frac{L_f\lambda^2}{\ell_1}F_T(x/\lambda),\qquad
    g(x;z) = \frac{L_f\lambda}{\ell_1}\,g_T(x/\lambda; z)\quad(\text{one } z \text{ per honest worker per draw}),

so f is L_f-smooth, :math:`\|\nabla f(x)\| > 2\epsilon` while :math:`\mathrm{prog}_1(x/\lambda) < T`,
:math:`f(0)-\inf f \le 48\ell_1\epsilon^2 T/L_f`, and the variance is :math:`< 4\epsilon^2 e^3(1-p)/p`.
Hence :math:`T = \lfloor L_f\Delta/(48\ell_1\epsilon^2)\rfloor` and
:math:`p = 4e^3\epsilon^2 / (4e^3\epsilon^2 + \sigma^2)` (so sigma^2 is the variance's supremum;
p = 1 when sigma = 0).  Regime ``bounded_variance``: :math:`L_f = L`.
Regime ``mean_squared_smooth``: the oracle's mean-squared smoothness is
:math:`\ell = L_f\bar\ell_1/(\ell_1\sqrt p)`; the spec's ``L`` is that ell, held fixed, and
:math:`L_f = L\,\ell_1\sqrt p/\bar\ell_1 \le L`.  So T ~ L Delta/eps^2, p ~ eps^2/sigma^2 (a) and
T ~ ell Delta/(sigma eps), sqrt(p) ~ eps/sigma (b): T/p ~ L Delta sigma^2/eps^4 (a), ell Delta sigma/eps^3 (b).

Declared constants (``problem.constants``): ``L`` = L_f (a proven bound, fact 2; not attained),
``sigma`` = spec sigma (the supremum of the oracle variance, derived above; approached, not attained), ``f_star`` = inf f (exact, derived above; not
attained, ``x_star`` is None), ``mu = G = B = 0`` (every honest worker holds f: G = B = 0 exactly).
``extras``: ``ell`` (regime mean_squared_smooth only; the theory symbol of mean-squared smoothness),
``T_chain``, ``p_coin``, ``lambda_scale``, ``Delta0_bound`` (= 48 ell_1 eps^2 T/L_f <= delta),
``grad_floor`` (= 2 eps), ``d``.  ``problem.delta0()`` = f(0) - f_star exactly.

Run lengths: :func:`chain_params` gives (T, p, lambda, L_f, ...); :func:`min_rounds` the
zero-respecting lower bound on rounds.  Each round every honest worker draws one coin per
``draw`` (the same-sample pair of STORM / Byz-VR-DM21 is one draw).  A zero-respecting run (iterates
and messages in the span of the oracle answers: momentum, EF21 with Top-K / identity, coordinatewise
aggregators, and attacks built coordinatewise from honest messages) extends its known support by at
most one coordinate per round in which some honest coin succeeds (prob. q = 1 - (1-p)^h), and needs
T such rounds before ||grad f|| <= 2 eps is possible: E[rounds] >= T/q.  Attacks that inject fresh
coordinates (e.g. Gaussian noise) are not zero-respecting and void this bound.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from array_api_compat import is_torch_array

from ..backend import Backend
from ..params import Integer, OneOf, Optional, Real, Spec, param, require
from ..registry import register
from .base import Constants, Problem

REGIMES = ("bounded_variance", "mean_squared_smooth")

DELTA_PER_LINK = 12.0  # F_T(0) - inf F_T <= 12 T          (Carmon et al. Lemma 3; Arjevani et al. Lemma 2)
ELL1 = 152.0  # grad F_T is 152-Lipschitz                    (idem)
GRAD_INF = 23.0  # ||grad F_T||_inf <= 23                    (idem; kept for reference, NOISE_INF is sharper)
NOISE_INF = math.e**1.5  # sup |grad_k F_T| at the oracle's noisy coordinate k (derived in the docstring)
ELL1_BAR = 328.0  # mean-squared smoothness of the smoothed oracle, E||.||^2 <= (328^2/p)||y-y'||^2 (Arjevani et al.)
GRAD_MARGIN = 2.0  # lambda = GRAD_MARGIN * ell_1 eps / L_f: ||grad f|| > 2 eps off the chain's end (our choice)
MAX_CHAIN = 1_000_000  # refuse chains longer than this (memory [R, h, T])
GAMMA_CELLS = 4096  # cells of the tabulated smooth step Gamma on [1/4, 1/2]

_SQRT_E = math.sqrt(math.e)
_PHI_INF = math.sqrt(2 * math.pi * math.e)  # Phi(+inf)


@dataclass(frozen=True)
class ChainParams:
    """The numbers behind a zero-chain instance (see the module docstring)."""

    T: int  # chain length
    p: float  # coin probability
    lam: float  # lambda: x = lambda * y
    L_f: float  # smoothness of f
    ell: float | None  # mean-squared smoothness of the oracle (regime mean_squared_smooth), else None
    grad_scale: float  # L_f lambda / ell_1: grad f(x) = grad_scale * grad F_T(x / lambda)
    value_scale: float  # L_f lambda^2 / ell_1: f(x) = value_scale * F_T(x / lambda)
    delta0: float  # f(0) - inf f (exact)
    delta0_bound: float  # 48 ell_1 eps^2 T / L_f >= delta0 (fact 1), <= spec.delta
    f_star: float  # inf f (exact, not attained)
    grad_floor: float  # 2 eps: ||grad f(x)|| > grad_floor while prog_1(x/lambda) < T


def _coin_probability(eps: float, sigma: float) -> float:
    if sigma == 0:
        return 1.0
    a = (GRAD_MARGIN * NOISE_INF * eps) ** 2
    return a / (a + sigma**2)


def chain_params(spec: "ZeroChainSpec") -> ChainParams:
    """T, p, lambda, L_f, ell and the exact Delta0 / f* of the instance ``spec`` describes."""
    p = _coin_probability(spec.eps, spec.sigma)
    if spec.regime == "bounded_variance":
        L_f, ell = spec.L, None
    else:
        L_f, ell = spec.L * ELL1 * math.sqrt(p) / ELL1_BAR, spec.L
    lam = GRAD_MARGIN * ELL1 * spec.eps / L_f
    per_link = L_f * lam**2 / ELL1 * DELTA_PER_LINK  # = 48 ell_1 eps^2 / L_f
    T = int(math.floor(spec.delta / per_link * (1 + 1e-12)))
    value_scale = L_f * lam**2 / ELL1
    inf_F = -_PHI_INF * (1 + (T - 1) * math.e)
    delta0 = value_scale * _PHI_INF * (0.5 + (T - 1) * math.e)
    return ChainParams(T=T, p=p, lam=lam, L_f=L_f, ell=ell, grad_scale=L_f * lam / ELL1, value_scale=value_scale,
                       delta0=delta0, delta0_bound=per_link * T, f_star=value_scale * inf_F,
                       grad_floor=GRAD_MARGIN * spec.eps)


def min_rounds(spec: "ZeroChainSpec", n_honest: int, draws_per_round: int = 1,
               quantile: float | None = None) -> float:
    """Zero-respecting lower bound on the rounds before ||grad f(x)|| <= 2 eps can hold.

    Every round each of the ``n_honest`` workers draws ``draws_per_round`` independent coins; a round
    extends the known support by at most one coordinate, and only if some coin succeeds
    (q = 1 - (1-p)^(n_honest * draws_per_round)); T such rounds are needed.  The number of rounds to the
    T-th success is negative binomial: returns its mean T/q, or with ``quantile`` its quantile (the run
    lengths below which a fraction ``quantile`` of runs cannot have finished).
    """
    cp = chain_params(spec)
    q = 1.0 - (1.0 - cp.p) ** (n_honest * draws_per_round)
    if quantile is None:
        return cp.T / q
    if q >= 1.0:
        return float(cp.T)
    from scipy.stats import nbinom

    return float(cp.T + nbinom.ppf(quantile, cp.T, q))  # failures before the T-th success, plus T


@register("problem", "zero_chain")
@dataclass(frozen=True)
class ZeroChainSpec(Spec):
    """Carmon et al.'s zero chain with Arjevani et al.'s probability-p oracle, scaled to (L, Delta, sigma, eps)."""

    L: float = param(1.0, Real(0, None, "neither"),
                     "smoothness of f (bounded_variance) or mean-squared smoothness ell of the oracle (mean_squared_smooth)")
    delta: float = param(100.0, Real(0, None, "neither"), "Delta: f(x0) - inf f <= delta")
    sigma: float = param(1.0, Real(0, None), "oracle standard deviation bound: E||g - grad f||^2 <= sigma^2")
    eps: float = param(0.05, Real(0, None, "neither"), "accuracy: ||grad f|| > 2 eps until the chain is finished")
    regime: str = param("bounded_variance", OneOf(REGIMES), "oracle class: eps^-4 (bounded_variance) or eps^-3")
    d: int | None = param(None, Optional(Integer(1, None)), "dimension (default: the chain length T); must be >= T")

    def validate(self):
        cp = chain_params(self)
        require(cp.T >= 1, "problem.delta", self.delta,
                f"must be >= 48 * 152 * eps^2 / L_f = {48 * ELL1 * self.eps**2 / cp.L_f:.6g} for a chain of "
                f"length >= 1 (or lower problem.eps = {self.eps})")
        require(cp.T <= MAX_CHAIN, "problem.eps", self.eps,
                f"gives a chain of length T = {cp.T} > {MAX_CHAIN}; raise eps or lower delta")
        if self.d is not None:
            require(self.d >= cp.T, "problem.d", self.d, f"must be >= the chain length T = {cp.T} (or omitted)")

    def dimension(self) -> int:
        return chain_params(self).T if self.d is None else self.d

    def chain(self) -> ChainParams:
        return chain_params(self)

    def build(self, n_honest: int, backend: Backend) -> "ZeroChain":
        return ZeroChain(self, n_honest, backend)


# --- the unscaled chain, array-API code --------------------------------------------------------------
def _erfc(t):
    if is_torch_array(t):
        import torch

        return torch.special.erfc(t)
    from scipy.special import erfc

    return erfc(t)


def _psi(xp, t):
    """Psi(t) and Psi'(t) = Psi(t) * 4 / (2t - 1)^3."""
    on = t > 0.5
    u = xp.where(on, 2 * t - 1, xp.ones_like(t))
    psi = xp.where(on, xp.exp(1 - 1 / u**2), xp.zeros_like(t))
    return psi, psi * 4 / u**3


def _phi(t):
    """Phi(t) = sqrt(e) * int_{-inf}^t exp(-s^2/2) ds = sqrt(e pi / 2) * erfc(-t / sqrt 2)."""
    return math.sqrt(math.e * math.pi / 2) * _erfc(-t / math.sqrt(2))


def _shift(xp, y, fill: float, forward: bool):
    """y_{i-1} (forward) with y_0 = fill, or y_{i+1} with y_{T+1} = fill, along the last axis."""
    pad = xp.zeros_like(y[..., :1]) + fill
    return xp.concat([pad, y[..., :-1]], axis=-1) if forward else xp.concat([y[..., 1:], pad], axis=-1)


def chain_value(xp, y):
    """F_T(y) over the last axis (y_0 = 1 stands for the first term's Psi(1))."""
    prev = _shift(xp, y, 1.0, True)
    psi_p, _ = _psi(xp, prev)
    psi_m, _ = _psi(xp, -prev)
    return xp.sum(psi_m * _phi(-y) - psi_p * _phi(y), axis=-1)


def chain_grad(xp, y):
    """grad F_T(y) over the last axis."""
    T = y.shape[-1]
    prev, nxt = _shift(xp, y, 1.0, True), _shift(xp, y, 0.0, False)
    psi_prev, _ = _psi(xp, xp.abs(prev))  # Psi(-a) + Psi(a) = Psi(|a|): at most one is nonzero
    dphi = _SQRT_E * xp.exp(-y**2 / 2)  # Phi' (even)
    _, dpsi_p = _psi(xp, y)
    _, dpsi_m = _psi(xp, -y)
    link = dpsi_m * _phi(-nxt) + dpsi_p * _phi(nxt)  # from the term i = j + 1
    last = xp.astype(xp.arange(T, device=getattr(y, "device", None)) < T - 1, y.dtype)
    return -psi_prev * dphi - link * last


def prog(xp, y, a: float):
    """prog_a(y) = max{i : |y_i| > a} (1-based), 0 if none, over the last axis (int64)."""
    T = y.shape[-1]
    idx = xp.arange(1, T + 1, device=getattr(y, "device", None))
    return xp.max(xp.where(xp.abs(y) > a, idx, xp.zeros_like(idx)), axis=-1)


_GAMMA_TABLE: np.ndarray | None = None


def _gamma_table() -> np.ndarray:
    """Gamma at GAMMA_CELLS + 1 equispaced knots of [1/4, 1/2] (composite Simpson per cell)."""
    global _GAMMA_TABLE
    if _GAMMA_TABLE is None:
        def lam(t):
            inside = (t > 0.25) & (t < 0.5)
            s = np.where(inside, (t - 0.25) * (0.5 - t), 1.0)
            return np.where(inside, np.exp(-1.0 / (100.0 * s)), 0.0)

        knots = np.linspace(0.25, 0.5, GAMMA_CELLS + 1)
        a, b = knots[:-1], knots[1:]
        cells = (b - a) / 6 * (lam(a) + 4 * lam((a + b) / 2) + lam(b))
        cum = np.concatenate([[0.0], np.cumsum(cells)])
        _GAMMA_TABLE = cum / cum[-1]
    return _GAMMA_TABLE


def smooth_step(xp, t, table):
    """Gamma(t): linear interpolation of ``table`` (backend array of GAMMA_CELLS + 1 knots on [1/4, 1/2])."""
    u = xp.clip((t - 0.25) * (4.0 * GAMMA_CELLS), 0.0, float(GAMMA_CELLS))
    i = xp.clip(xp.astype(xp.floor(u), xp.int64), 0, GAMMA_CELLS - 1)
    frac = u - xp.astype(i, u.dtype)
    flat = xp.reshape(i, (-1,))
    lo = xp.reshape(xp.take(table, flat, axis=0), i.shape)
    hi = xp.reshape(xp.take(table, flat + 1, axis=0), i.shape)
    return lo + frac * (hi - lo)


def smooth_indicator(xp, y, table):
    """Theta_i(y) = Gamma(1 - sqrt(sum_{k >= i} Gamma(|y_k|)^2)) over the last axis."""
    g2 = smooth_step(xp, xp.abs(y), table) ** 2
    tail = xp.flip(xp.cumulative_sum(xp.flip(g2, axis=-1), axis=-1), axis=-1)  # sum_{k >= i}
    return smooth_step(xp, 1 - xp.sqrt(tail), table)


def hard_indicator(xp, y):
    """1{i > prog_{1/4}(y)} over the last axis."""
    T = y.shape[-1]
    idx = xp.arange(1, T + 1, device=getattr(y, "device", None))
    return xp.astype(idx > prog(xp, y, 0.25)[..., None], y.dtype)


class ZeroChain(Problem):
    """Runtime zero chain: every honest worker holds f; worker i's oracle uses its own coin z_i."""

    def __init__(self, spec: ZeroChainSpec, n_honest: int, backend: Backend):
        super().__init__(backend)
        self.spec, self.n_honest = spec, n_honest
        self.params = cp = chain_params(spec)
        self.T, self.d, self.p = cp.T, spec.dimension(), cp.p
        self.x0 = np.zeros(self.d)
        self.x_star = None
        extras = {"T_chain": float(cp.T), "p_coin": cp.p, "lambda_scale": cp.lam, "Delta0_bound": cp.delta0_bound,
                  "grad_floor": cp.grad_floor, "d": float(self.d)}
        if cp.ell is not None:
            extras["ell"] = cp.ell
        self.constants = Constants(
            L=cp.L_f, mu=0.0, G=0.0, B=0.0, sigma=spec.sigma, f_star=cp.f_star,
            exact={"L": True, "mu": True, "G": True, "B": True, "sigma": True, "f_star": True},
            extras=extras,
        )
        self._table = backend.asarray(_gamma_table()) if spec.regime == "mean_squared_smooth" else None

    # -- helpers -------------------------------------------------------------------------------
    def _y(self, x):
        return x[..., : self.T] / self.params.lam

    def _pad(self, g):
        if self.d == self.T:
            return g
        xp = self.xp
        return xp.concat([g, xp.zeros(g.shape[:-1] + (self.d - self.T,), dtype=g.dtype, device=getattr(g, "device", None))],
                         axis=-1)

    def _h(self, v):
        """[R,d] -> [R,h,d] (every honest worker holds the same f)."""
        xp = self.xp
        return v[:, None, :] * xp.ones((1, self.n_honest, 1), dtype=v.dtype, device=getattr(v, "device", None))

    def indicator(self, x):
        """The oracle's noise mask on the chain coordinates, [R,T]: 1{i > prog_1/4} or Theta_i."""
        y = self._y(x)
        if self._table is None:
            return hard_indicator(self.xp, y)
        return smooth_indicator(self.xp, y, self._table)

    def progress(self, x, a: float = 0.0):
        """prog_a(x / lambda), [R] (host ints)."""
        from ..backend import to_numpy

        return to_numpy(prog(self.xp, self._y(x), a))

    # -- oracle --------------------------------------------------------------------------------
    def grad(self, x):
        return self._pad(self.params.grad_scale * chain_grad(self.xp, self._y(x)))

    def full_grad(self, x):
        return self._h(self.grad(x))

    def loss(self, x):
        return self.params.value_scale * chain_value(self.xp, self._y(x))

    def local_loss(self, x):
        xp = self.xp
        v = self.loss(x)
        return v[:, None] * xp.ones((1, self.n_honest), dtype=v.dtype, device=getattr(v, "device", None))

    def draw(self, streams):
        """z [R,h] in {0, 1}: worker i's coin, from replica r's ``oracle`` stream (None when p = 1)."""
        if self.p >= 1.0:
            return None
        return self.backend.asarray(streams.bernoulli("oracle", self.p, (self.n_honest,)))

    def stochastic_grad(self, x, sample):
        """g_i(x; z_i) = grad f(x) * (1 + mask(x) (z_i / p - 1)) coordinatewise: [R,h,d]."""
        g = self.params.grad_scale * chain_grad(self.xp, self._y(x))  # [R,T]
        if sample is None:
            return self._h(self._pad(g))
        noise = sample / self.p - 1  # [R,h]
        out = g[:, None, :] * (1 + self.indicator(x)[:, None, :] * noise[:, :, None])
        return self._pad(out)
