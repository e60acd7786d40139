r"""The Huber "plateau": a separable instance on which bounded-variance (eps^-4) and
mean-squared-smooth (eps^-3) methods differ, with the same (L, Delta, sigma, ell) for both.

.. math::
    f(x) = \sum_{j=1}^d h(x_j),\qquad
    h(u) = \begin{cases} \tfrac L2 u^2 & |u| \le a \\ L a|u| - \tfrac L2 a^2 & |u| > a\end{cases},
    \qquad a = \frac{2\epsilon}{L\sqrt d}.

Every coordinate with :math:`|x_j| > a` has :math:`|h'(x_j)| = La`, so on the plateau (all
:math:`|x_j| > a`) :math:`\|\nabla f\| = La\sqrt d = 2\epsilon`; inside the box :math:`\nabla f(x) = Lx`.
:math:`f^\star = 0` at :math:`x^\star = 0`; f is L-smooth (h' is L-Lipschitz, separable) and
:math:`\mu = 0`.  Start :math:`x_0 = c\mathbf 1` with :math:`c > a` chosen so that
:math:`f(x_0) - f^\star = d(Lac - \tfrac L2a^2) = \Delta`, i.e. :math:`c = \Delta/(dLa) + a/2`.

Oracle: additive noise, :math:`g_i(x;\xi) = \nabla f(x) + \xi`, :math:`\xi\sim N(0, \sigma^2/d\,I)`,
one draw per honest worker per round: :math:`E\|g - \nabla f\|^2 = \sigma^2` exactly, and the
same-sample difference :math:`g(x;\xi) - g(y;\xi) = \nabla f(x) - \nabla f(y)`, so the oracle is
mean-squared smooth with :math:`\ell = L` exactly.  Every honest worker holds f: G = B = 0.

Why it separates the classes: a method crossing the plateau at step gamma needs about
:math:`\Delta/(2\gamma\epsilon^2)` rounds (distance :math:`\Delta/(2\epsilon)` at speed
:math:`2\gamma\epsilon`); inside the box a non-variance-reduced method's noise floor
:math:`\sim\gamma L\sigma^2` must be below :math:`\epsilon^2`, forcing :math:`\gamma\sim\epsilon^2`
(eps^-4 rounds), while a STORM estimator's error is not floored by sigma^2 at fixed step (eps^-3).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..backend import Backend
from ..params import Integer, Real, Spec, param
from ..registry import register
from .base import Constants, Problem


@register("problem", "plateau")
@dataclass(frozen=True)
class PlateauSpec(Spec):
    """Separable Huber plateau with ||grad f|| = 2 eps off the box, f(x0) - f* = delta."""

    d: int = param(16, Integer(1, None), "dimension")
    L: float = param(1.0, Real(0, None, "neither"), "smoothness of f (curvature inside |u| <= a); also ell")
    delta: float = param(1.0, Real(0, None, "neither"), "Delta = f(x0) - f*")
    sigma: float = param(1.0, Real(0, None), "oracle standard deviation: E||g - grad f||^2 = sigma^2")
    eps: float = param(0.1, Real(0, None, "neither"), "target accuracy: ||grad f|| = 2 eps on the plateau")

    def half_width(self) -> float:
        """a = 2 eps / (L sqrt d)."""
        return 2.0 * self.eps / (self.L * math.sqrt(self.d))

    def start(self) -> float:
        """c with f(c 1) = delta: c = delta / (d L a) + a / 2."""
        a = self.half_width()
        return self.delta / (self.d * self.L * a) + a / 2

    def build(self, n_honest: int, backend: Backend) -> "Plateau":
        return Plateau(self, n_honest, backend)


class Plateau(Problem):
    def __init__(self, spec: PlateauSpec, n_honest: int, backend: Backend):
        super().__init__(backend)
        self.spec, self.d, self.n_honest = spec, spec.d, n_honest
        self.a = spec.half_width()
        self.x0 = np.full(spec.d, spec.start())
        self.x_star = np.zeros(spec.d)
        self.constants = Constants(
            L=spec.L, mu=0.0, G=0.0, B=0.0, sigma=spec.sigma, f_star=0.0,
            exact={k: True for k in ("L", "mu", "G", "B", "sigma", "f_star", "ell")},
            extras={"ell": spec.L, "d": float(spec.d), "half_width": self.a, "grad_floor": 2.0 * spec.eps},
        )

    def grad(self, x):
        # h'(u) = L clip(u, -a, a); the array's own clip (numpy, torch): array_api_compat's costs ~10 us a call
        return self.spec.L * x.clip(-self.a, self.a)

    def loss(self, x):
        xp, L, a = self.xp, self.spec.L, self.a
        u = xp.abs(x)
        h = xp.where(u <= a, 0.5 * L * u**2, L * a * u - 0.5 * L * a**2)
        return xp.sum(h, axis=1)

    def full_grad(self, x):
        g = self.grad(x)[:, None, :]
        return self.xp.broadcast_to(g, (g.shape[0], self.n_honest, self.d))

    def local_loss(self, x):
        v = self.loss(x)[:, None]
        return self.xp.broadcast_to(v, (v.shape[0], self.n_honest))

    def draw(self, streams):
        if self.spec.sigma == 0:
            return None
        return self.backend.asarray(streams.normal("oracle", (self.n_honest, self.d)) * (self.spec.sigma / np.sqrt(self.d)))

    def stochastic_grad(self, x, sample):
        g = self.full_grad(x)
        return g if sample is None else g + sample
