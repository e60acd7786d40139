r"""Linear regression over N data subsets with subset heterogeneity sigma_H (the LAD experiments).

.. math::
    F(x) = \frac1N\sum_{j=1}^N F_j(x),\qquad
    F_j(x) = \frac1{2m}\|A_j x - y_j\|^2 + \frac\lambda2\|x\|^2,\qquad
    y_j = A_j (w + \sigma_H \xi_j) + \epsilon_j .

Data [RECON; specs/experiments.md 8 and 11.2 recipe 5: "dimension 100, 100 samples, one sample per
subset, subset heterogeneity controlled by a Gaussian parameter sigma_H", details UNVERIFIED]:
rows :math:`a_{jk} \sim N(0, I/d)`, a common model :math:`w \sim N(0, I)`, per-subset shifts
:math:`\xi_j \sim N(0, I)` (so sigma_H is the standard deviation of a label's heterogeneity part)
and label noise :math:`\epsilon \sim N(0, \text{noise}^2)`.

Workers: honest worker i holds subset i (i < h = n - f); with ``subsets`` N > h the remaining
subsets are the Byzantine devices' share, part of the objective F that ``grad`` / ``loss`` / x* /
f* refer to but that no honest worker computes on (LAD's redundancy recovers them).  With the
default N = h, F is the honest average f_H.  ``subset_grads(x, N')`` splits the N*m samples, in
order, into N' equal subsets (N' = N: the subsets themselves).

Constants, exact unless flagged: :math:`L, \mu` = extreme eigenvalues of
:math:`\frac1{Nm}A^\top A + \lambda I`; x* (if mu > 0) and f* from the normal equations; (G, B) of
the honest workers' quadratics :math:`Q_i = A_i^\top A_i/m + \lambda I`, :math:`b_i = A_i^\top y_i/m`
(Allouah et al. 2023, B squared; specs/components.md 8): :math:`B^2 = 2B^2_{\min}` with
:math:`B^2_{\min} = \lambda_{\max}(\bar Q^{-1} M \bar Q^{-1})`, :math:`M = \frac1h\sum(Q_i-\bar Q)^2`,
and the least G for that B (a concave quadratic maximisation); infinite when :math:`\bar Q` is
singular.  sigma: the minibatch oracle's standard deviation at x* (it grows with
:math:`\|x - x^\star\|`; exact only when m = 1, where the oracle is deterministic).  Extras:
``B2_min``; ``beta2_star`` = :math:`\frac1N\sum_j\|\nabla F_j(x^\star)\|^2`, LAD's subset heterogeneity
:math:`\beta^2` at the optimum.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import Backend
from ..params import Integer, Real, Spec, param, require
from ..registry import register
from .base import Constants, GathersMinibatchRows, Problem
from .subsets import split_samples

#: declared B^2 as a multiple of the smallest admissible B^2 (G is finite only above it)
B2_FACTOR = 2.0


@register("problem", "least_squares")
@dataclass(frozen=True)
class LeastSquaresSpec(GathersMinibatchRows, Spec):
    """Linear regression over N subsets with subset heterogeneity sigma_H (LAD experiments, RECON)."""

    d: int = param(10, Integer(1, None), "dimension")
    subsets: int = param(0, Integer(0, None), "data subsets N (0: one per honest worker); subset i < n - f is "
                                              "honest worker i's, the others the Byzantine devices'")
    m: int = param(1, Integer(1, None), "samples per subset")
    sigma_H: float = param(1.0, Real(0, None), "subset heterogeneity: std of each subset's model shift")
    noise: float = param(0.0, Real(0, None), "label noise standard deviation")
    lam: float = param(0.0, Real(0, None), "ridge weight lambda")
    batch: int = param(1, Integer(1, None), "minibatch size of the stochastic oracle (with replacement)")
    x0_scale: float = param(0.0, Real(0, None), "x0 ~ x0_scale * N(0, I/d) (0: start at the origin)")
    seed: int = param(0, Integer(0, None), "seed of the problem instance (data, x0)")

    def check_setting(self, setting):
        if self.subsets:
            require(self.subsets >= setting.n_honest, "problem.subsets", self.subsets,
                    f"must be 0 or >= workers.n - workers.f = {setting.n_honest} (one subset per honest worker)")

    def build(self, n_honest: int, backend: Backend) -> "LeastSquares":
        return LeastSquares(self, n_honest, backend)


class LeastSquares(Problem):
    def __init__(self, spec: LeastSquaresSpec, n_honest: int, backend: Backend):
        super().__init__(backend)
        self.spec, self.d, self.n_honest = spec, spec.d, n_honest
        self.n_subsets = spec.subsets or n_honest
        rng = np.random.default_rng([spec.seed, 0x15])
        N, m, d = self.n_subsets, spec.m, spec.d
        w = rng.standard_normal(d)
        models = w + spec.sigma_H * rng.standard_normal((N, d))
        self.A_host = rng.standard_normal((N, m, d)) / np.sqrt(d)
        self.y_host = np.einsum("nmd,nd->nm", self.A_host, models) + spec.noise * rng.standard_normal((N, m))
        self.x0 = spec.x0_scale * rng.standard_normal(d) / np.sqrt(d)
        self.constants, self.x_star = _constants(spec, self.A_host, self.y_host, n_honest)
        self._A, self._y = backend.asarray(self.A_host), backend.asarray(self.y_host)

    def _grads(self, x, A, y):
        """(1/b) sum_k a_k (a_k^T x - y_k) + lambda x over the sample axis of A [.., g, b, d],
        y [.., g, b] (leading axis 1 or R): [R,g,d]."""
        xp = self.xp
        r = xp.matmul(A, x[:, None, :, None])[..., 0] - y
        return xp.matmul(r[:, :, None, :], A)[:, :, 0, :] / A.shape[-2] + self.spec.lam * x[:, None, :]

    def _losses(self, x, A, y):
        xp = self.xp
        r = xp.matmul(A, x[:, None, :, None])[..., 0] - y
        return 0.5 * xp.mean(r * r, axis=2) + 0.5 * self.spec.lam * xp.sum(x * x, axis=1)[:, None]

    def full_grad(self, x):
        h = self.n_honest
        return self._grads(x, self._A[None, :h], self._y[None, :h])

    def local_loss(self, x):
        h = self.n_honest
        return self._losses(x, self._A[None, :h], self._y[None, :h])

    def grad(self, x):
        return self.xp.mean(self._grads(x, self._A[None], self._y[None]), axis=1)

    def loss(self, x):
        return self.xp.mean(self._losses(x, self._A[None], self._y[None]), axis=1)

    def subset_grads(self, x, N: int):
        """grad F_j(x) of the N*m samples split, in order, into N equal subsets: [R,N,d]."""
        A, y = split_samples(self._A, self._y, N)
        return self._grads(x, A[None], y[None])

    def draw(self, streams):
        return self.backend.asarray(streams.integers("oracle", self.spec.m, (self.n_honest, self.spec.batch)),
                                    dtype="int64")

    def stochastic_grad(self, x, sample):
        xp, h = self.xp, self.n_honest
        rows = xp.reshape(xp.arange(h), (1, h, 1))
        return self._grads(x, self._A[rows, sample], self._y[rows, sample])


def tightest_G2(Qs: np.ndarray, bs: np.ndarray, B2: float) -> float:
    r"""The least G^2 with :math:`\frac1h\sum\|\nabla f_i - \nabla f_H\|^2 \le G^2 + B^2\|\nabla f_H\|^2`
    for quadratics :math:`\nabla f_i(x) = Q_i x - b_i` (specs/components.md 8):
    :math:`\max_x D(x) - B^2\|\bar Qx - \bar b\|^2 = e - B^2\|\bar b\|^2 + q^\top P^{-1} q` with
    :math:`P = B^2\bar Q^2 - M \succ 0`, :math:`q = B^2\bar Q\bar b - c`."""
    h = len(Qs)
    Qbar, bbar = Qs.mean(0), bs.mean(0)
    dQ, db = Qs - Qbar, bs - bbar
    M = np.einsum("hij,hjk->ik", dQ, dQ) / h
    c = np.einsum("hij,hj->i", dQ, db) / h
    e = np.sum(db**2) / h
    P = B2 * Qbar @ Qbar - M
    q = B2 * Qbar @ bbar - c
    return float(max(e - B2 * bbar @ bbar + q @ np.linalg.solve(P, q), 0.0))


def honest_G_B(Qs: np.ndarray, bs: np.ndarray) -> tuple[float, float, float]:
    """(G, B, B2_min) of the honest quadratics: B^2 = B2_FACTOR * B2_min and the least G for it;
    infinite when their mean curvature is singular (no finite G for any B)."""
    Qbar = Qs.mean(0)
    eig = np.linalg.eigvalsh(Qbar)
    if eig[0] <= 1e-12 * max(eig[-1], 1e-300):
        return float("inf"), float("inf"), float("inf")
    Qinv, dQ = np.linalg.inv(Qbar), Qs - Qbar
    B2_min = max(float(np.linalg.eigvalsh(Qinv @ (np.einsum("hij,hjk->ik", dQ, dQ) / len(Qs)) @ Qinv)[-1]), 0.0)
    B2 = B2_FACTOR * B2_min
    if B2 > 1e-14:
        G2 = tightest_G2(Qs, bs, B2)
    else:  # equal curvatures: grad f_i - grad f_H = -(b_i - b_bar), B = 0
        G2 = float(np.mean(np.sum((bs - bs.mean(0)) ** 2, axis=1)))
    return float(np.sqrt(G2)), float(np.sqrt(B2)), B2_min


def _constants(spec: LeastSquaresSpec, A: np.ndarray, y: np.ndarray, h: int):
    N, m, d = A.shape
    rows, labels = A.reshape(N * m, d), y.reshape(N * m)
    Q = rows.T @ rows / (N * m) + spec.lam * np.eye(d)
    eig = np.linalg.eigvalsh(Q)
    L, mu = float(eig[-1]), float(max(eig[0], 0.0))
    x_sol = np.linalg.lstsq(Q, rows.T @ labels / (N * m), rcond=None)[0]
    f_star = float(0.5 * np.mean((rows @ x_sol - labels) ** 2) + 0.5 * spec.lam * x_sol @ x_sol)
    per_sample = A * (np.einsum("nmd,d->nm", A, x_sol) - y)[..., None] + spec.lam * x_sol  # [N,m,d] at x*
    Qs = np.einsum("hmi,hmj->hij", A[:h], A[:h]) / m + spec.lam * np.eye(d)
    G, B, B2_min = honest_G_B(Qs, np.einsum("hmi,hm->hi", A[:h], y[:h]) / m)
    honest = per_sample[:h]
    sigma = float(np.sqrt(np.sum((honest - honest.mean(1, keepdims=True)) ** 2, axis=2).mean() / spec.batch))
    finite = bool(np.isfinite(G))
    exact = {"L": True, "mu": True, "G": finite, "B": finite, "sigma": m == 1, "f_star": True}
    beta2_star = float(np.mean(np.sum(per_sample.mean(1) ** 2, axis=1)))
    constants = Constants(L=L, mu=mu, G=G, B=B, sigma=sigma, f_star=f_star, exact=exact,
                          extras={"d": float(d), "N": float(N), "B2_min": B2_min, "beta2_star": beta2_star})
    return constants, (x_sol if mu > 0 else None)
