r"""Monte-Carlo checks of a compressor's declared constants (specs/components.md 11.2).

Draws: one compressed copy of a fixed x per replica stream ([M, m, d] with M independent streams
and seed), so the sample is reproducible and each draw independent.

* :func:`unbiasedness`: every coordinate's z-score :math:`|\bar C_j - x_j| / \widehat{se}_j` is at
  most ``z`` (coordinates whose draws never vary must match exactly).
* :func:`second_moment`: :math:`\widehat{E}\|C(x) - x\|^2 \le B\|x\|^2 + z\,\widehat{se}` with
  B = omega (unbiased) or 1 - alpha (contractive).

Both return (passed, statistic) and fail for the matching wrong claims (the must-fail fixtures of
the tests: a "zeroing" sparsifier, a claimed omega or alpha too good).
"""
from __future__ import annotations

import numpy as np

from ..backend import Backend, to_numpy
from ..rng import ReplicaStreams


def draws(compressor, x: np.ndarray, samples: int, seed: int = 0, messages: int = 1,
          backend: Backend | None = None) -> np.ndarray:
    """``samples`` compressions of x [d] (or of x [m, d] when it has two axes): host [M, m, d]."""
    backend = backend or Backend()
    x = np.atleast_2d(x)
    if x.shape[0] == 1 and messages > 1:
        x = np.repeat(x, messages, axis=0)
    v = backend.asarray(np.broadcast_to(x, (samples,) + x.shape).copy())  # writable: in-place twins run too
    streams = ReplicaStreams([seed] * samples, range(samples))
    shared = compressor.draw_shared(streams, x.shape[1], backend)
    return to_numpy(compressor.compress(v, streams, shared)[0])


def unbiasedness(sample: np.ndarray, x: np.ndarray, z: float = 5.0) -> tuple[bool, float]:
    """Largest per-coordinate z-score of the sample mean [M, ..., d] around x [..., d]."""
    error = np.abs(sample.mean(axis=0) - x)
    se = sample.std(axis=0, ddof=1) / np.sqrt(sample.shape[0])
    exact = se <= 1e-15 * (np.abs(x) + 1e-300)
    if np.any(exact & (error > 1e-12 * (np.abs(x) + 1e-300))):
        return False, float("inf")
    score = float(np.max(np.where(exact, 0.0, error / np.where(exact, 1.0, se))))
    return score <= z, score


def second_moment(sample: np.ndarray, x: np.ndarray, bound: float, z: float = 4.0) -> tuple[bool, float]:
    """E||C(x) - x||^2 / ||x||^2 against ``bound`` (omega or 1 - alpha), with z standard errors of slack."""
    err = np.sum((sample - x) ** 2, axis=tuple(range(1, sample.ndim)))
    norm = float(np.sum(x * x))
    ratio = float(err.mean()) / norm
    slack = z * float(err.std(ddof=1)) / np.sqrt(len(err)) / norm
    return ratio <= bound + slack, ratio
