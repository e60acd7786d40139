"""The (G,B) frontier: every pair (G^2, B^2) with

    (1/h) sum_i ||grad f_i(x) - grad f_H(x)||^2 <= G^2 + B^2 ||grad f_H(x)||^2   for all x     (*)

(Allouah et al.'s (G,B)-gradient dissimilarity, B squared; ``components.md`` §8).  For each B^2 the
frontier is the least G^2.

Quadratics (``gb_frontier_quadratic``): worker gradients grad f_i(x) = A_i x - b_i (A: [h,d,d] or
diagonal [h,d]; b: [h,d]).  With D_i = A_i - A_bar, u_i = b_i - b_bar,
  M = mean D_i^T D_i,  q = mean D_i^T u_i,  r = mean ||u_i||^2,
the left side is x^T M x - 2 q^T x + r and ||grad f_H||^2 = x^T A_bar^T A_bar x - 2 b_bar^T A_bar x + ||b_bar||^2.
(*) is  x^T P x + 2 s^T x + (G^2 - r + B^2 ||b_bar||^2) >= 0 for all x  with  P = B^2 A_bar^T A_bar - M,
s = q - B^2 A_bar^T b_bar, i.e. (homogenising, the S-lemma for a single quadratic) the LMI
    [[P, s], [s^T, G^2 - r + B^2 ||b_bar||^2]] >= 0.
* ``method="sdp"`` minimises G^2 subject to that LMI with cvxpy;
* ``method="closed"`` uses its Schur complement [DERIVED]: feasible iff P >= 0 and s in range(P), and then
    G^2_min(B^2) = r - B^2 ||b_bar||^2 + s^T P^+ s,  attained at x* = -P^+ s;
  the smallest admissible B^2 is lambda_max(M, A_bar^T A_bar) (generalised eigenvalue) when A_bar is
  invertible.  The two are cross-checked in the tests.

Other problems (``gb_frontier_sampled``): given points and per-worker gradients there, every valid G^2
satisfies G^2 >= D(x) - B^2 N(x) at each sampled x (D = dispersion, N = ||mean||^2), so
max_x [D(x) - B^2 N(x)] is a *lower estimate* of the frontier.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Frontier:
    """G2[j] is the least valid G^2 at B2[j] (inf where no G works); ``exact`` is False for samples."""

    B2: np.ndarray
    G2: np.ndarray
    method: str
    exact: bool
    B2_min: float = 0.0

    def G2_at(self, B2: float) -> float:
        """The frontier at one B^2 (must be a grid point)."""
        idx = np.flatnonzero(np.isclose(self.B2, B2))
        if idx.size == 0:
            raise ValueError(f"B2={B2} is not on the grid {self.B2}")
        return float(self.G2[idx[0]])

    def contains(self, G2: float, B2: float, rtol: float = 1e-6) -> bool:
        """Is (G2, B2) on or above the frontier?  (For sampled frontiers: not ruled out by the samples.)"""
        g = self.G2_at(B2)
        return bool(np.isfinite(g) and G2 >= g * (1 - rtol) - rtol)


@dataclass(frozen=True)
class QuadraticHeterogeneity:
    """The quadratic forms of (*) for worker gradients A_i x - b_i."""

    M: np.ndarray
    q: np.ndarray
    r: float
    Abar: np.ndarray
    bbar: np.ndarray

    @classmethod
    def from_workers(cls, A: np.ndarray, b: np.ndarray) -> "QuadraticHeterogeneity":
        A = np.asarray(A, dtype=float)
        b = np.asarray(b, dtype=float)
        if A.ndim == 2:  # diagonal Hessians [h, d]
            A = np.einsum("hd,de->hde", A, np.eye(A.shape[1]))
        if A.ndim != 3 or A.shape[1] != A.shape[2] or b.shape != A.shape[:2]:
            raise ValueError(f"A must be [h,d,d] or [h,d] and b [h,d]; got A {A.shape}, b {b.shape}")
        Abar, bbar = A.mean(axis=0), b.mean(axis=0)
        D, u = A - Abar, b - bbar
        M = np.einsum("hij,hik->jk", D, D) / len(A)
        q = np.einsum("hij,hi->j", D, u) / len(A)
        r = float(np.mean(np.sum(u**2, axis=1)))
        return cls(M, q, r, Abar, bbar)

    def P_s_t(self, B2: float) -> tuple[np.ndarray, np.ndarray, float]:
        """P, s and the constant t0 with (*) <=> x^T P x + 2 s^T x + (G^2 + t0) >= 0."""
        AtA = self.Abar.T @ self.Abar
        P = B2 * AtA - self.M
        s = self.q - B2 * self.Abar.T @ self.bbar
        t0 = -self.r + B2 * float(self.bbar @ self.bbar)
        return 0.5 * (P + P.T), s, t0

    def sides(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """D(x) = (1/h) sum ||grad f_i - grad f_H||^2 and N(x) = ||grad f_H(x)||^2 at points x [..., d]."""
        x = np.asarray(x, dtype=float)
        D = np.einsum("...i,ij,...j->...", x, self.M, x) - 2 * x @ self.q + self.r
        g = x @ self.Abar.T - self.bbar
        return D, np.sum(g**2, axis=-1)

    def violation(self, G2: float, B2: float, x: np.ndarray, rtol: float = 1e-8) -> np.ndarray:
        """Relative excess of the left side of (*) over its right side at x (> 0: violated beyond rounding)."""
        D, N = self.sides(x)
        rhs = G2 + B2 * N
        return (D - rhs) / (1.0 + np.abs(D) + np.abs(rhs)) - rtol


def _closed_form(H: QuadraticHeterogeneity, B2: float, tol: float) -> tuple[float, np.ndarray | None]:
    P, s, t0 = H.P_s_t(B2)
    w, V = np.linalg.eigh(P)
    scale = max(1.0, float(np.abs(w).max()))
    if w.min() < -tol * scale:
        return np.inf, None
    coef = V.T @ s
    null = w <= tol * scale
    if np.any(np.abs(coef[null]) > np.sqrt(tol) * max(1.0, float(np.linalg.norm(s)))):
        return np.inf, None
    inv = np.where(null, 0.0, 1.0 / np.where(null, 1.0, w))
    x_star = -V @ (inv * coef)
    return float(-t0 + np.sum(inv * coef**2)), x_star


def _sdp(H: QuadraticHeterogeneity, B2: float) -> float:
    import cvxpy as cp

    P, s, t0 = H.P_s_t(B2)
    d = len(s)
    g2 = cp.Variable()
    lmi = cp.bmat([[cp.Constant(P), cp.Constant(s.reshape(d, 1))], [cp.Constant(s.reshape(1, d)), cp.reshape(g2 + t0, (1, 1), order="C")]])
    prob = cp.Problem(cp.Minimize(g2), [0.5 * (lmi + lmi.T) >> 0])
    prob.solve(solver=cp.CLARABEL if "CLARABEL" in cp.installed_solvers() else cp.SCS)
    if prob.status in ("infeasible", "infeasible_inaccurate"):
        return np.inf
    if prob.status not in ("optimal", "optimal_inaccurate") or g2.value is None:
        raise RuntimeError(f"(G,B) SDP at B2={B2}: solver status {prob.status}")
    return float(g2.value)


def gb_B2_min(A: np.ndarray, b: np.ndarray) -> float:
    """Smallest B^2 for which some finite G works: lambda_max(M, A_bar^T A_bar) (A_bar invertible)."""
    from scipy.linalg import eigh

    H = QuadraticHeterogeneity.from_workers(A, b)
    return float(max(0.0, eigh(H.M, H.Abar.T @ H.Abar, eigvals_only=True).max()))


def gb_frontier_quadratic(A: np.ndarray, b: np.ndarray, B2_grid, method: str = "closed", tol: float = 1e-9) -> Frontier:
    """The exact frontier G^2_min(B^2) on ``B2_grid`` for worker gradients A_i x - b_i."""
    if method not in ("closed", "sdp"):
        raise ValueError(f"method must be 'closed' or 'sdp', got {method!r}")
    H = QuadraticHeterogeneity.from_workers(A, b)
    B2 = np.asarray(B2_grid, dtype=float)
    G2 = np.array([_closed_form(H, v, tol)[0] if method == "closed" else _sdp(H, v) for v in B2])
    return Frontier(B2, G2, method, exact=True, B2_min=gb_B2_min(A, b))


def gb_witness(A: np.ndarray, b: np.ndarray, G2: float, B2: float, scale: float = 1e3) -> np.ndarray | None:
    """A point x where (G2, B2) violates (*), or None if the pair is valid."""
    H = QuadraticHeterogeneity.from_workers(A, b)
    P, s, _ = H.P_s_t(B2)
    w, V = np.linalg.eigh(P)
    if w.min() < -1e-9 * max(1.0, float(np.abs(w).max())):  # a direction where the left side outgrows B^2 ||grad f_H||^2
        v = V[:, 0]
        for x in (scale * v, -scale * v):
            if H.violation(G2, B2, x) > 0:
                return x
    g2min, x_star = _closed_form(H, B2, 1e-9)
    if x_star is not None and H.violation(G2, B2, x_star) > 0:
        return x_star
    if not np.isfinite(g2min):  # s outside range(P): go far along the null direction
        coef = V.T @ s
        v = V[:, np.argmax(np.abs(coef) * (np.abs(w) <= 1e-9 * max(1.0, np.abs(w).max())))]
        for x in (scale * v, -scale * v):
            if H.violation(G2, B2, x) > 0:
                return x
    return None


def dispersion_and_norm(grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-worker gradients [P, h, d]: D = (1/h) sum ||g_i - g_bar||^2 and N = ||g_bar||^2, each [P]."""
    grads = np.asarray(grads, dtype=float)
    mean = grads.mean(axis=1, keepdims=True)
    return np.mean(np.sum((grads - mean) ** 2, axis=2), axis=1), np.sum(mean[:, 0, :] ** 2, axis=1)


def gb_frontier_sampled(
    points: np.ndarray,
    per_worker_grads: Callable[[np.ndarray], np.ndarray] | np.ndarray,
    B2_grid,
) -> Frontier:
    """Lower estimate of the frontier: max over the sampled points of D(x) - B^2 N(x).

    ``per_worker_grads`` maps points [P, d] to gradients [P, h, d] (or is that array already)."""
    grads = per_worker_grads(np.asarray(points)) if callable(per_worker_grads) else per_worker_grads
    D, N = dispersion_and_norm(grads)
    B2 = np.asarray(B2_grid, dtype=float)
    G2 = np.max(D[None, :] - B2[:, None] * N[None, :], axis=1)
    return Frontier(B2, np.maximum(G2, 0.0), "sampled", exact=False)
