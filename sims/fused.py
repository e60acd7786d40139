r"""Fused numpy kernels of hot stages (numba, optional ``fast`` extra): one pass where numpy makes
three, with the same operations in the same order (bit for bit the numpy expression).

* :func:`ema`: :math:`\text{keep}_r\, a + \text{take}_r\, b` over [R,n,d] (the momentum update of
  :func:`sims.algorithms.stages.ema`): no ``keep * old`` and ``take * new`` temporaries.  Each
  product is rounded, then the sum (no fused multiply-add: numba does not contract without
  ``fastmath``).
* :func:`std`: the coordinate-wise ddof = 1 standard deviation
  :math:`\sqrt{\sum_i (v_i - \mu)^2 / (h-1)}` of [R,h,d] around a given mean [R,d] (ALIE's moments),
  in one read of the messages instead of numpy's three passes and two [R,h,d] temporaries; the
  squared deviations are summed in numpy's order (ascending i, one rounding per step).
* :func:`alie_momenta`: RoSDHB's server side under ALIE in one pass per replica, on the k values
  :math:`g_i|_S` each worker sends: the compression :math:`\tilde g_i = \tfrac dk g_i|_S`, the
  honest mean and ddof = 1 spread, the Byzantine vector :math:`\mu - z\sigma` on S and the momenta
  :math:`\text{keep}\,m_i + \text{take}\,\tilde g_i` of every sender on S, :math:`\text{keep}\,m_i`
  off S, where numpy makes about eight passes over [R,n,d] and a concatenation; each sum runs from
  0 in ascending order, as numpy's reduction over axis 1.  Bit for bit the numpy stages wherever
  the gradients off S are finite (a non-finite one, which no worker sends, reaches the dense
  stages' momenta as 0 * inf = NaN, not these).
* :func:`quadratic_oracle`: the Gaussian oracle of :mod:`sims.problems.quadratic`,
  :math:`g_{r,i} = ((1+s_i)\,\bar A(x_r - c) - b_i) + \tfrac{\sigma}{\sqrt d}\,\xi_{r,i}`, written over
  the normals :math:`\xi` already drawn into the output: one pass where numpy makes four (the
  product, the shift, the noise scaling, the sum) and no [R,h,d] temporary.
  :func:`quadratic_oracle_on` forms it on the mask's coordinates only (every normal still drawn).
* :func:`distance`: :math:`\|x_r - x_{0,r}\|` per replica (the engine's divergence test) in one
  call for d <= 128, the squares summed in numpy's pairwise order (below 8 terms in a row, up to
  128 in 8 running sums: the order ``np.add.reduce`` takes along a contiguous axis), so numpy's
  numbers at 4 us instead of 6.6 us for [64, 100]; :func:`within`, whether every one is at most
  a bound, stopping at the first beyond.
* :func:`all_finite`: ``np.isfinite(a).all()`` without the bool temporary (the aggregators' output
  check, every round: 0.9 us against 2.5 us at [64, 100] float64).

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
    return _ema(a, b, per_replica(keep, R, a.dtype), per_replica(take, R, a.dtype), np.empty_like(a, order="C"))


def _std_kernel(v, mean, out):  # pragma: no cover - compiled by numba
    R, h, d = v.shape
    for r in range(R):
        o, m = out[r], mean[r]
        o[:] = 0
        for i in range(h):
            row = v[r, i]
            for c in range(d):
                dev = row[c] - m[c]
                o[c] += dev * dev  # rounded to the dtype each step, as numpy's reduction over axis 1
        for c in range(d):
            o[c] = o[c] / (h - 1)  # stored: the quotient rounded to the dtype (float32: once) before the root
            o[c] = np.sqrt(o[c])
    return out


_std = None if numba is None else numba.njit(nogil=True, cache=True)(_std_kernel)


def std_applies(v, mean) -> bool:
    """True when numba is installed and v [R,h,d] (h >= 2) and mean [R,d] are numpy float arrays of one dtype."""
    return (_std is not None and isinstance(v, np.ndarray) and isinstance(mean, np.ndarray) and v.ndim == 3
            and v.shape[1] >= 2 and v.dtype in (np.float32, np.float64) and mean.dtype == v.dtype
            and mean.shape == (v.shape[0], v.shape[2]))


def std(v: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """sqrt(sum_i (v_i - mean)^2 / (h - 1)) for v [R,h,d] and mean [R,d]: [R,d]."""
    assert _std is not None, "numba is not installed"
    out = np.empty(mean.shape, dtype=v.dtype)
    return _std(np.ascontiguousarray(v), np.ascontiguousarray(mean), out)


def _alie_momenta_kernel(g, coords, scale, z, m, keep, take, out):  # pragma: no cover - numba
    R, h, k = g.shape
    n, d = m.shape[1], m.shape[2]
    sent = np.empty((h + 1, k), dtype=g.dtype)  # row i < h: honest i's message on S; row h: ALIE's
    mu, sq = np.empty(k, dtype=g.dtype), np.empty(k, dtype=g.dtype)
    w, zz = scale[0], z[0]
    for r in range(R):
        u, v = keep[r], take[r]
        mu[:] = 0
        for i in range(h):
            for j in range(k):
                sent[i, j] = g[r, i, j] * w              # compress: (d/k) g_i on S
                mu[j] += sent[i, j]
        sq[:] = 0
        for j in range(k):
            mu[j] = mu[j] / h                            # honest mean (rounded once, as numpy's)
        for i in range(h):
            for j in range(k):
                dev = sent[i, j] - mu[j]
                sq[j] += dev * dev
        for j in range(k):
            sq[j] = sq[j] / (h - 1)
            sent[h, j] = mu[j] - zz * np.sqrt(sq[j])     # ALIE's vector on S (ddof = 1 spread)
        for i in range(n):
            o, old, row = out[r, i], m[r, i], sent[min(i, h)]  # every Byzantine sender sends ALIE's
            for c in range(d):
                o[c] = u * old[c]                        # off S nothing was sent: m <- beta m
            for j in range(k):
                c = coords[r, j]
                o[c] = u * old[c] + v * row[j]           # on S: beta m + (1 - beta) message
    return out


_alie = None if numba is None else numba.njit(nogil=True, cache=True)(_alie_momenta_kernel)


def alie_momenta_applies(m, h: int, keep, take) -> bool:
    """True when numba is installed, the momenta m [R,n,d] are a numpy float array with
    2 <= h < n honest rows, and the weights (scalars or (R, 1, 1) columns) have m's dtype (the
    round's gradients come in the run's dtype, m's)."""
    return (_alie is not None and isinstance(m, np.ndarray) and m.ndim == 3 and m.dtype in (np.float32, np.float64)
            and 2 <= h < m.shape[1]
            and all(np.asarray(x).dtype == m.dtype and np.size(x) in (1, m.shape[0]) for x in (keep, take)))


def per_replica(weight, R: int, dtype) -> np.ndarray:
    """A scalar or (R, 1, 1) weight as a contiguous (R,) array of ``dtype`` (one already: itself)."""
    if type(weight) is np.ndarray and weight.shape == (R,) and weight.dtype == dtype and weight.flags.c_contiguous:
        return weight
    flat = np.asarray(weight, dtype=dtype).reshape(-1)
    return flat if flat.shape[0] == R and flat.flags.c_contiguous else np.full(R, flat[0], dtype=dtype)


def alie_momenta(g, coords, scale: float, z: float, m, keep, take) -> np.ndarray:
    """The momenta [R,n,d] of RoSDHB under ALIE from the honest gradients on the mask, g [R,h,k]
    at ``coords`` [R,k]: on S, honest rows keep * m + take * (scale * g), the n - h Byzantine rows
    keep * m + take * (mu - z sigma), mu and sigma the mean and ddof = 1 spread of the honest
    messages scale * g; off S, keep * m (``scale`` = d / k and z Python floats, cast to the dtype)."""
    assert _alie is not None, "numba is not installed"
    R, h, k = g.shape
    assert g.dtype == m.dtype and coords.shape == (R, k), "operands differ"
    assert m.shape[0] == R and h < m.shape[1], "momenta [R,n,d] with n > h"
    u, v = (per_replica(w_, R, g.dtype) for w_ in (keep, take))
    w, zz = (np.asarray([x], dtype=g.dtype) for x in (scale, z))  # as numpy casts a Python float
    out = np.empty(m.shape, dtype=g.dtype)
    c = np.ascontiguousarray
    return _alie(c(g), c(coords), w, zz, c(m), u, v, out)


def _oracle_kernel(s1, curv, b, scale, out):  # pragma: no cover - compiled by numba
    R, h, d = out.shape
    a = scale[0]
    for r in range(R):
        cr = curv[r]
        for i in range(h):
            o, bi, si = out[r, i], b[i], s1[i]
            for c in range(d):
                o[c] = (si * cr[c] - bi[c]) + o[c] * a  # each product, difference and sum rounded, as numpy's
    return out


_oracle = None if numba is None else numba.njit(nogil=True, cache=True)(_oracle_kernel)


def quadratic_oracle_applies(x, dtype, d: int) -> bool:
    """True when numba is installed and the iterates ``x`` are a numpy float [R, d] array of the
    streams' ``dtype`` (the oracle's normals and so its gradients come in that dtype)."""
    return (_oracle is not None and isinstance(x, np.ndarray) and x.dtype == dtype
            and x.dtype in (np.float32, np.float64) and x.ndim == 2 and x.shape[1] == d)


def quadratic_oracle(s1: np.ndarray, curv: np.ndarray, b: np.ndarray, scale: float, out: np.ndarray) -> np.ndarray:
    """In place over the standard normals ``out`` [R,h,d]: ``(s1_i curv_r - b_i) + scale * out``,
    bit for bit numpy's ``g = s1[:, None] * curv[:, None, :]; g -= b; z *= scale; g += z`` (``scale``
    a Python float, rounded to the dtype as numpy casts it)."""
    assert _oracle is not None, "numba is not installed"
    c = np.ascontiguousarray
    return _oracle(c(s1, dtype=out.dtype), c(curv), c(b, dtype=out.dtype), np.asarray([scale], dtype=out.dtype), out)


def _oracle_on_kernel(s1, y, shift, gain, b, scale, z, coords):  # pragma: no cover - numba
    R, h, k = z.shape
    a = scale[0]
    curv = np.empty(k, dtype=z.dtype)
    for r in range(R):
        for j in range(k):  # the curvature term on S only: (y - shift) * gain, rounded as numpy's
            c = coords[r, j]
            curv[j] = (y[r, c] - shift[c]) * gain[c]
        for i in range(h):
            o = z[r, i]
            for j in range(k):
                o[j] = (s1[i] * curv[j] - b[i, coords[r, j]]) + o[j] * a  # the numbers of _oracle_kernel
    return z


_oracle_on = None if numba is None else numba.njit(nogil=True, cache=True)(_oracle_on_kernel)


def quadratic_oracle_on(s1: np.ndarray, y: np.ndarray, shift: np.ndarray, gain: np.ndarray, b: np.ndarray,
                        scale: float, z: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """:func:`quadratic_oracle` on the coordinates ``coords`` [R,k] only, in place over the standard
    normals there, ``z`` [R,h,k] (:meth:`sims.rng.ReplicaStreams.normal_on`), its ``curv`` =
    ``(y - shift) * gain`` ([R,d], [d], [d]) formed on them too: bit for bit the full oracle's
    ``g[r, :, coords[r]]``.  The diagonal quadratic passes (x, its center, its eigenvalues), a
    dense one (A_bar (x - c), 0, 1), exactly itself."""
    assert _oracle_on is not None, "numba is not installed"
    c = np.ascontiguousarray
    dt = z.dtype
    assert z.flags.c_contiguous and z.shape[::2] == coords.shape, "z [R,h,k] (C order) at coords [R,k]"
    return _oracle_on(c(s1, dtype=dt), c(y), c(shift, dtype=dt), c(gain, dtype=dt), c(b, dtype=dt),
                      np.asarray([scale], dtype=dt), z, c(coords))


PAIRWISE_BLOCK = 128  # numpy sums up to this many terms in one block; longer rows halve (recursion)


def _pairwise_squares_kernel(a, lo, n):  # pragma: no cover - compiled by numba (inlined)
    """sum of a[lo:lo+n]^2, n <= PAIRWISE_BLOCK, in numpy's pairwise order
    (numpy/_core/src/umath/loops_utils.h.src) in a's dtype; numpy starts the reduction from 0,
    which adds nothing to a sum of squares."""
    if n < 8:
        res = a[lo] * a[lo]
        for i in range(lo + 1, lo + n):
            res += a[i] * a[i]
        return res
    r0 = a[lo] * a[lo]
    r1 = a[lo + 1] * a[lo + 1]
    r2 = a[lo + 2] * a[lo + 2]
    r3 = a[lo + 3] * a[lo + 3]
    r4 = a[lo + 4] * a[lo + 4]
    r5 = a[lo + 5] * a[lo + 5]
    r6 = a[lo + 6] * a[lo + 6]
    r7 = a[lo + 7] * a[lo + 7]
    i = lo + 8
    while i < lo + n - n % 8:
        r0 += a[i] * a[i]
        r1 += a[i + 1] * a[i + 1]
        r2 += a[i + 2] * a[i + 2]
        r3 += a[i + 3] * a[i + 3]
        r4 += a[i + 4] * a[i + 4]
        r5 += a[i + 5] * a[i + 5]
        r6 += a[i + 6] * a[i + 6]
        r7 += a[i + 7] * a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < lo + n:
        res += a[i] * a[i]
        i += 1
    return res


def _row_distance_kernel(x, x0, r, diff):  # pragma: no cover - compiled by numba (inlined)
    """||x[r] - x0[r]|| in numpy's order, the difference formed in the scratch ``diff`` [d]."""
    for c in range(diff.shape[0]):
        diff[c] = x[r, c] - x0[r, c]
    return np.sqrt(_pairwise_squares(diff, 0, diff.shape[0]))


def _distance_kernel(x, x0, out):  # pragma: no cover - compiled by numba
    diff = np.empty(x.shape[1], dtype=x.dtype)
    for r in range(x.shape[0]):
        out[r] = _row_distance(x, x0, r, diff)
    return out


def _within_kernel(x, x0, bound):  # pragma: no cover - compiled by numba
    diff = np.empty(x.shape[1], dtype=x.dtype)
    for r in range(x.shape[0]):
        if not _row_distance(x, x0, r, diff) <= bound:  # NaN compares False
            return False
    return True


if numba is None:
    _pairwise_squares = _row_distance = _distance = _within = None
else:
    # not recursive (numba's disk cache of a recursive function crashed on reload): rows beyond
    # one block keep numpy's expression
    _pairwise_squares = numba.njit(inline="always")(_pairwise_squares_kernel)
    _row_distance = numba.njit(inline="always")(_row_distance_kernel)
    _distance = numba.njit(nogil=True, cache=True)(_distance_kernel)
    _within = numba.njit(nogil=True, cache=True)(_within_kernel)


def distance_applies(x, x0) -> bool:
    """True when numba is installed and x, x0 are C-ordered numpy float [R, d] arrays of one dtype,
    1 <= d <= PAIRWISE_BLOCK (one block of numpy's pairwise sum)."""
    return (_distance is not None and type(x) is np.ndarray and type(x0) is np.ndarray and x.ndim == 2
            and x.shape == x0.shape and 1 <= x.shape[1] <= PAIRWISE_BLOCK and x.dtype == x0.dtype
            and x.dtype in (np.float32, np.float64) and x.flags.c_contiguous and x0.flags.c_contiguous)


def distance(x: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """||x_r - x0_r|| [R], bit for bit ``np.sqrt(np.add.reduce((x - x0) ** 2, axis=1))``."""
    assert _distance is not None and 1 <= x.shape[1] <= PAIRWISE_BLOCK, "numba, 1 <= d <= PAIRWISE_BLOCK"
    return _distance(x, x0, np.empty(x.shape[0], dtype=x.dtype))


def within(x: np.ndarray, x0: np.ndarray, bound: float) -> bool:
    """Whether every ``distance(x, x0)[r] <= bound``, ``bound`` cast to the dtype as numpy casts a
    Python float it compares with (NaN: False), in one compiled call that stops at the first replica
    beyond: the engine's divergence test, every round."""
    assert _within is not None and 1 <= x.shape[1] <= PAIRWISE_BLOCK, "numba, 1 <= d <= PAIRWISE_BLOCK"
    return bool(_within(x, x0, x.dtype.type(bound)))


def _all_finite_kernel(flat):  # pragma: no cover - compiled by numba
    bad = False
    for i in range(flat.shape[0]):
        bad |= not abs(flat[i]) < np.inf  # NaN compares False; an OR reduction vectorises
    return not bad


_all_finite = None if numba is None else numba.njit(nogil=True, cache=True)(_all_finite_kernel)


def all_finite(a: np.ndarray) -> bool:
    """``bool(np.isfinite(a).all())`` for a numpy array, in one compiled pass when numba is
    installed and ``a`` is a C-ordered float32 / float64 array."""
    if _all_finite is not None and a.dtype in (np.float32, np.float64) and a.flags.c_contiguous:
        return bool(_all_finite(a.reshape(-1)))
    return bool(np.isfinite(a).all())
