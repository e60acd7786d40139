r"""Fused numpy kernels of hot stages (numba, optional ``fast`` extra): one pass where numpy makes
three, with the same operations in the same order (bit for bit the numpy expression).

* :func:`ema`: :math:`\text{keep}_r\, a + \text{take}_r\, b` over [R,n,d] (the momentum update of
  :func:`sims.algorithms.stages.ema`): no ``keep * old`` and ``take * new`` temporaries.  Each
  product is rounded, then the sum (no fused multiply-add: numba does not contract without
  ``fastmath``).

Without numba :func:`applies` is False and the callers keep their numpy expression.
"""
from __future__ import annotations

import numpy as np

try:  # optional: the numpy expressions are the fallback
    import numba  # type: ignore[import-not-found,import-untyped,unused-ignore]  # optional, no type stubs
except ImportError:  # pragma: no cover - depends on the environment
    numba = None  # type: ignore[assignment]  # numba is optional


def _ema_kernel(a, b, keep, take, out):  # pragma: no cover - compiled by numba
    R, n, d = a.shape
    for r in range(R):
        u, v = keep[r], take[r]
        for i in range(n):
            o, p, q = out[r, i], a[r, i], b[r, i]
            for c in range(d):
                o[c] = u * p[c] + v * q[c]
    return out


_ema = None if numba is None else numba.njit(nogil=True, cache=True)(_ema_kernel)


def applies(a, b, *weights) -> bool:
    """True when numba is installed, ``a`` and ``b`` are numpy float arrays [R,n,d] of one dtype and
    shape, and every weight (a scalar or an (R, 1, 1) column) has that dtype (else numpy would
    promote, and the kernel's numbers would differ)."""
    return (_ema is not None and isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.ndim == 3
            and a.dtype in (np.float32, np.float64) and b.dtype == a.dtype and b.shape == a.shape
            and all(np.asarray(w).dtype == a.dtype and np.size(w) in (1, a.shape[0]) for w in weights))


def ema(a: np.ndarray, b: np.ndarray, keep, take) -> np.ndarray:
    """keep * a + take * b for a, b [R,n,d]; keep, take scalars or per-replica (R, 1, 1) columns."""
    assert _ema is not None, "numba is not installed"
    R = a.shape[0]
    u = np.broadcast_to(np.asarray(keep, dtype=a.dtype).reshape(-1), (R,))
    v = np.broadcast_to(np.asarray(take, dtype=a.dtype).reshape(-1), (R,))
    return _ema(a, b, np.ascontiguousarray(u), np.ascontiguousarray(v), np.empty_like(a, order="C"))
