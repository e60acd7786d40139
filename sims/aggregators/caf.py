r"""CAF, the covariance-bound agnostic filter (Allouah, Guerraoui, Stephan, "Towards Trustworthy
Federated Learning with Untrusted Participants", ICML 2025, Algorithm 2; as documented by ByzFL).

Weights c_i = 1; while :math:`\sum_i c_i > n - 2f`:

.. math::
    \mu_c = \frac{\sum_i c_i x_i}{\sum_i c_i},\quad
    \Sigma_c = \frac{\sum_i c_i (x_i-\mu_c)(x_i-\mu_c)^\top}{\sum_i c_i},\quad
    \tau_i = \langle x_i - \mu_c, v\rangle^2,\quad
    c_i \leftarrow c_i\Bigl(1 - \frac{\tau_i}{\max_{j: c_j>0}\tau_j}\Bigr),

with (lambda_max, v) the top eigenpair of Sigma_c; return the mu_c of the smallest lambda_max met.
The top eigenpair is exact (``eigh`` of the n x n weighted centred Gram matrix, whose non-zero
spectrum is Sigma_c's), not ByzFL's single power-iteration step from a random start (pitfall #13).
The maximum runs over inputs still weighted (the classic filter), so every pass zeroes at least one
input and at most 2f passes are needed.  No (f, kappa) constant is declared (the paper's guarantee
is in terms of the honest covariance's top eigenvalue).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import namespace, to_numpy
from ..registry import register
from .base import AggregatorSpec, HonestMajority
from .geometry import bulk_centred, unit_scaled, weighted_sum


def top_eigenpair(K, p):
    """Top eigenvalue [R] of diag(sqrt p) K diag(sqrt p) and the scores K a / sqrt(lambda) with
    a = sqrt(p) u: the projections <x_i - mu, v> of the inputs on Sigma's top eigenvector."""
    xp = namespace(K)
    root = xp.sqrt(p)
    lam, vecs = xp.linalg.eigh(root[:, :, None] * K * root[:, None, :])
    top = xp.clip(lam[:, -1], min=0.0)
    a = root * vecs[:, :, -1]
    proj = xp.matmul(K, a[:, :, None])[:, :, 0]
    return top, proj * proj / xp.where(top > 0, top, xp.ones_like(top))[:, None]


def caf(x, f: int):
    xp = namespace(x)
    R, n, _ = x.shape
    c, centre = bulk_centred(x)
    c, scale = unit_scaled(c)  # entries in [-1, 1]: no overflow of the Gram matrix at any norm
    gram = xp.matmul(c, xp.matrix_transpose(c))
    w = xp.ones((R, n), dtype=x.dtype, device=x.device)
    best_mu = xp.mean(c, axis=1)
    best_lam = xp.full((R,), float("inf"), dtype=x.dtype, device=x.device)
    active = xp.sum(w, axis=1) > n - 2 * f
    for _ in range(2 * f + 1):
        if not bool(to_numpy(xp.any(active))):
            break
        live = xp.where(active[:, None], w, xp.ones_like(w))  # finished replicas: dummy weights, result unused
        p = live / xp.sum(live, axis=1)[:, None]
        mu = weighted_sum(p, c)
        gp = xp.matmul(gram, p[:, :, None])[:, :, 0]
        K = gram - gp[:, :, None] - gp[:, None, :] + xp.sum(p * gp, axis=1)[:, None, None]
        lam, tau = top_eigenpair(K, p)
        better = active & (lam < best_lam)
        best_lam = xp.where(better, lam, best_lam)
        best_mu = xp.where(better[:, None], mu, best_mu)
        tau_max = xp.max(xp.where(w > 0, tau, xp.zeros_like(tau)), axis=1)
        moving = active & (tau_max > 0)
        shrink = 1.0 - tau / xp.where(moving, tau_max, xp.ones_like(tau_max))[:, None]
        w = xp.where(moving[:, None], w * xp.clip(shrink, min=0.0), w)
        active = moving & (xp.sum(w, axis=1) > n - 2 * f)
    return best_mu * scale[:, None] + centre[:, 0, :]


@register("aggregator", "caf")
@dataclass(frozen=True)
class CAF(HonestMajority, AggregatorSpec):
    """Covariance-bound agnostic filter: down-weight along the top covariance direction."""

    finite_input_only = True  # eigh fails on non-finite matrices
    kappa_provenance = "guarantee in terms of the honest covariance's top eigenvalue; no (f, kappa) constant"

    def aggregate(self, x, *, f, state=None, streams=None):
        self.check_counts(x.shape[1], f)
        return caf(x, f), state
