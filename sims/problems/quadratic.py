r"""Quadratic problems whose constants hold exactly, by construction.

.. math::
    f_i(x) = \tfrac12 (x-c)^\top A_i (x-c) - b_i^\top (x-c),\qquad A_i = (1+s_i)\bar A,

with :math:`\bar s = 0`, :math:`\overline{s^2} = B^2`, :math:`\sum_i b_i = 0` and
:math:`\sum_i s_i b_i = 0` (the shifts are orthogonal to :math:`\mathbf 1` and :math:`s` in
worker space) and :math:`\tfrac1h\sum_i\|b_i\|^2 = G^2`.  Then
:math:`\nabla f_i - \nabla f_H = s_i \nabla f_H - b_i` and, for every x,

.. math::
    \tfrac1h\sum_i \|\nabla f_i(x) - \nabla f_H(x)\|^2 = G^2 + B^2 \|\nabla f_H(x)\|^2,

so (G, B) is attained with equality (it lies on the (G,B) frontier).  :math:`f_H(x) =
\tfrac12 (x-c)^\top \bar A (x-c)`: :math:`x^\star = c`, :math:`f^\star = 0`, L and mu are the extreme
eigenvalues of :math:`\bar A` (mu = 0 allowed).  The Hessian variance (Szlendak et al.) is
:math:`L_\pm = B L` and each worker is :math:`|1+s_i|L`-smooth.

Oracles (variance per call exactly ``sigma**2``):

* ``gaussian``: :math:`\nabla f_i(x) + \xi`, :math:`\xi \sim N(0, \sigma^2/d\, I)`;
* ``finite_sum``: :math:`f_i = \frac1m\sum_j f_{ij}` with linear terms :math:`b_i + e_{ij}`,
  :math:`\sum_j e_{ij} = 0`, :math:`\frac1m\sum_j\|e_{ij}\|^2 = b\,\sigma^2`; a minibatch of ``batch``
  indices drawn with replacement then has variance exactly :math:`\sigma^2`.
"""
from __future__ import annotations

import functools

from dataclasses import dataclass

import numpy as np

from .. import fused
from ..backend import Backend, to_numpy
from ..params import Integer, OneOf, Real, Spec, param, require
from ..registry import register
from ..rng import ReplicaStreams
from .base import Constants, Problem


@register("problem", "quadratic")
@dataclass(frozen=True)
class QuadraticSpec(Spec):
    """Quadratic with exact L, mu, (G,B) and oracle variance sigma^2."""

    d: int = param(10, Integer(1, None), "dimension")
    L: float = param(1.0, Real(0, None, "neither"), "smoothness of f_H (largest eigenvalue)")
    mu: float = param(0.1, Real(0, None, "left"), "PL / strong convexity of f_H (smallest eigenvalue); 0 allowed")
    G: float = param(1.0, Real(0, None), "heterogeneity G (Allouah et al. 2023)")
    B: float = param(0.0, Real(0, None), "heterogeneity B (B squared multiplies ||grad f_H||^2)")
    sigma: float = param(0.0, Real(0, None), "oracle standard deviation: E||g - grad f_i||^2 = sigma^2")
    oracle: str = param("gaussian", OneOf(("gaussian", "finite_sum")), "stochastic oracle")
    m: int = param(16, Integer(2, None), "samples per worker (finite_sum oracle)")
    batch: int = param(1, Integer(1, None), "minibatch size (finite_sum oracle)")
    form: str = param("diagonal", OneOf(("diagonal", "dense")), "Hessian form; diagonal scales to d = 1e5")
    x0_dist: float = param(1.0, Real(0, None), "||x0 - x*||")
    seed: int = param(0, Integer(0, None), "seed of the problem instance (shared by all replicas)")

    def validate(self):
        require(self.mu <= self.L, "problem.mu", self.mu, f"must be <= problem.L = {self.L}")

    def check_setting(self, setting):
        if self.G > 0 or self.B > 0:
            require(setting.n_honest >= 3, "workers.n - workers.f", setting.n_honest,
                    "must be >= 3 for a heterogeneous quadratic (shifts orthogonal to 1 and s)")

    def build(self, n_honest: int, backend: Backend) -> "Quadratic":
        return Quadratic(self, n_honest, backend)


class Quadratic(Problem):
    def __init__(self, spec: QuadraticSpec, n_honest: int, backend: Backend):
        super().__init__(backend)
        self.spec, self.d, self.n_honest = spec, spec.d, n_honest
        rng = np.random.default_rng([spec.seed, 0x9A])
        d, h = spec.d, n_honest
        eig = np.linspace(spec.mu, spec.L, d) if d > 1 else np.array([spec.L])
        self.eigenvalues = rng.permutation(eig)
        self.center = rng.standard_normal(d)
        # worker curvature scales s (mean 0, mean square B^2)
        s = rng.standard_normal(h) if spec.B > 0 else np.zeros(h)
        s -= s.mean()
        self.s = s * (spec.B / np.sqrt(np.mean(s**2))) if spec.B > 0 else s
        # shifts b_i: orthogonal to 1 and s in worker space, mean squared norm G^2
        basis = np.stack([np.ones(h), self.s], axis=1)
        q, _ = np.linalg.qr(basis)
        z = rng.standard_normal((h, d))
        z -= q @ (q.T @ z)
        self.shifts = z * (spec.G / np.sqrt(np.mean(np.sum(z**2, axis=1)))) if spec.G > 0 else np.zeros((h, d))
        if spec.form == "dense":
            Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
            self.A_bar = (Q * self.eigenvalues) @ Q.T
        else:
            self.A_bar = None
        x0_dir = rng.standard_normal(d)
        self.x0 = self.center + spec.x0_dist * x0_dir / np.linalg.norm(x0_dir)
        self.x_star = self.center.copy()
        if spec.oracle == "finite_sum":
            e = rng.standard_normal((h, spec.m, d))
            e -= e.mean(axis=1, keepdims=True)
            scale = np.sqrt(spec.batch) * spec.sigma / np.sqrt(np.mean(np.sum(e**2, axis=2), axis=1))
            self.sample_shifts = e * scale[:, None, None]
        else:
            self.sample_shifts = None
        Lpm = spec.B * spec.L
        self.constants = Constants(
            L=spec.L, mu=spec.mu, G=spec.G, B=spec.B, sigma=spec.sigma, f_star=0.0,
            exact={k: True for k in ("L", "mu", "G", "B", "sigma", "f_star")},
            extras={"L_pm": Lpm, "L_max_i": float(np.max(np.abs(1 + self.s)) * spec.L),
                    "L_avg": float(np.sqrt(np.mean((1 + self.s) ** 2)) * spec.L), "d": float(d)},
        )
        bk = backend.asarray
        self._eig, self._c, self._s1, self._b = bk(self.eigenvalues), bk(self.center), bk(1 + self.s), bk(self.shifts)
        self._A = None if self.A_bar is None else bk(self.A_bar)
        self._e = None if self.sample_shifts is None else bk(self.sample_shifts)

    # nabla f_H + b-free part: A_bar (x - c), shape [R,d]
    def _curv(self, x):
        y = x - self._c
        return y * self._eig if self._A is None else y @ self._A

    def full_grad(self, x):
        g = self._s1[:, None] * self._curv(x)[:, None, :]
        g -= self._b  # in place: one [R,h,d] array, not two
        return g

    def grad(self, x):
        return self._curv(x)  # exact: mean s = 0 and sum b_i = 0

    def local_loss(self, x):
        xp = self.xp
        y = x - self._c
        quad = 0.5 * xp.sum(y * self._curv(x), axis=1)
        return self._s1 * quad[:, None] - xp.sum(self._b[None, :, :] * y[:, None, :], axis=2)

    def loss(self, x):
        y = x - self._c
        return 0.5 * self.xp.sum(y * self._curv(x), axis=1)

    def draw(self, streams):
        h, d, spec = self.n_honest, self.d, self.spec
        if spec.oracle == "gaussian":
            if spec.sigma == 0:
                return None
            z = self.backend.asarray(streams.normal("oracle", (h, d)))
            # in place, in the run's dtype: a Python float scale (an np.float64 one made a float32 run
            # multiply in float64 and round back, a slower pass with other numbers than torch's)
            z *= float(spec.sigma / np.sqrt(d))
            return z
        return self.backend.asarray(streams.integers("oracle", spec.m, (h, spec.batch)), dtype="int64")

    def sample_grad(self, x, streams):
        """One fresh oracle call at x: [R,h,d].  The Gaussian oracle on numpy with numba draws the
        normals straight into the result and adds the gradient over them in one pass
        (:func:`sims.fused.quadratic_oracle`): the same draws and numbers as ``stochastic_grad(x,
        draw(streams))``, bit for bit, without its three extra passes and temporary."""
        z = self._fused_normals(x, streams)
        if z is None:
            return self.stochastic_grad(x, self.draw(streams))
        return fused.quadratic_oracle(self._s1, self._curv(x), self._b, self._noise_scale, z)

    def sample_grad_on(self, x, streams, coords):
        """:meth:`sample_grad` on ``coords`` [R,k]: every normal is drawn (the stream) but only those
        on the coordinates are kept (:meth:`sims.rng.ReplicaStreams.normal_on`), and the gradient
        (its curvature term too, on the diagonal form) is formed there, in place over them
        (:func:`sims.fused.quadratic_oracle_on`), bit for bit."""
        if not self._fused_oracle(x, streams):
            return super().sample_grad_on(x, streams, coords)
        z = streams.normal_on("oracle", (self.n_honest, self.d), coords)  # xi [R,h,k], every normal drawn
        y, shift, gain = (x, self._c, self._eig) if self._A is None else (self._curv(x), *self._identity)
        return fused.quadratic_oracle_on(self._s1, y, shift, gain, self._b, self._noise_scale, z, coords)

    @functools.cached_property
    def _noise_scale(self) -> float:
        """sigma / sqrt(d), the Gaussian oracle's noise scale, as a Python float."""
        return float(self.spec.sigma / np.sqrt(self.d))

    @functools.cached_property
    def _identity(self) -> tuple:
        """(0, 1) over the coordinates: the curvature term (y - 0) * 1 = y exactly."""
        return np.zeros(self.d, dtype=self.backend.dtype), np.ones(self.d, dtype=self.backend.dtype)

    def _fused_oracle(self, x, streams) -> bool:
        """Whether the fused Gaussian oracle applies: numba, sigma > 0, host streams, x a numpy
        [R,d] of their dtype."""
        spec = self.spec
        return (spec.oracle == "gaussian" and spec.sigma > 0 and type(streams) is ReplicaStreams
                and fused.quadratic_oracle_applies(x, streams.dtype, self.d))

    def _fused_normals(self, x, streams):
        """The oracle's standard normals [R,h,d], drawn from ``streams``, when the fused Gaussian
        oracle applies (:meth:`_fused_oracle`), else None (nothing drawn)."""
        if not self._fused_oracle(x, streams):
            return None
        return streams.normal_into("oracle", np.empty((x.shape[0], self.n_honest, self.d), dtype=streams.dtype))

    def stochastic_grad(self, x, sample):
        g = self.full_grad(x)
        if sample is None:
            return g
        if self.spec.oracle == "gaussian":
            g += sample  # g is fresh: no second [R,h,d] array
            return g
        xp = self.xp
        h = self.n_honest
        rows = xp.reshape(xp.arange(h), (1, h, 1))
        picked = self._e[rows, sample]  # [R,h,b,d]
        return g - xp.mean(picked, axis=2)


def heterogeneity_lhs(problem: Problem, x) -> np.ndarray:
    """(1/h) sum_i ||grad f_i(x) - grad f_H(x)||^2 for each replica: the (G,B) left-hand side."""
    g = problem.full_grad(x)
    xp = problem.xp
    return to_numpy(xp.mean(xp.sum((g - xp.mean(g, axis=1, keepdims=True)) ** 2, axis=2), axis=1))
