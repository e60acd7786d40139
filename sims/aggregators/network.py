r"""The coordinate-wise trimmed mean of numpy arrays from a sorting network (numba), bit for bit the
sort-based one of :func:`~sims.aggregators.coordinatewise.trimmed_mean`.

Batcher's odd-even merge network sorts the n values of every coordinate in a small buffer (one
compare-exchange of two worker rows at a time, over all d coordinates: a loop the compiler
vectorises); the kept values are then summed in ascending order and divided by n - 2f, the order
and the operations of ``np.mean(np.sort(x, axis=1)[:, f:n-f], axis=1)``.  NaN sorts last, as in
``np.sort``.  Measured on the 2-core machine at [64, 20, 100]: 0.21 ms against 0.52 ms for numpy's
per-column sort (float64), 0.13 ms against 0.50 ms (float32).

numba is optional (``pip install numba``); without it :func:`applies` is False and the callers
keep numpy's sort.
"""
from __future__ import annotations

import functools

import numpy as np

try:  # optional: the numpy sort is the fallback
    import numba  # type: ignore[import-not-found,import-untyped,unused-ignore]  # optional, no type stubs
except ImportError:  # pragma: no cover - depends on the environment
    numba = None  # type: ignore[assignment]  # numba is optional


def applies(x) -> bool:
    """True for a C-ordered numpy float32 / float64 array [R,n,d], d > 1, when numba is installed.
    At d = 1 (or another layout) numpy's reduction may run along the worker axis itself, with
    pairwise summation: another order."""
    return (_compiled is not None and isinstance(x, np.ndarray) and x.ndim == 3 and x.shape[2] > 1
            and x.flags.c_contiguous and x.dtype in (np.float32, np.float64))


@functools.lru_cache(maxsize=None)
def batcher_pairs(n: int) -> np.ndarray:
    """Compare-exchange pairs (i < j) of Batcher's odd-even merge sort for n inputs: the network of
    the next power of two, without the comparators that touch a padding input (a +inf never moves)."""
    size = 1 << max(0, (n - 1).bit_length())
    pairs = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p) and i + j + k < n:
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


BLOCK = 128  # coordinates sorted together: a [n, BLOCK] buffer stays in L1 at any d


def _kernel(x, pairs, trim, out):  # pragma: no cover - compiled by numba
    R, n, d = x.shape
    buf = np.empty((n, min(d, BLOCK)), dtype=x.dtype)
    for r in range(R):
        for lo_c in range(0, d, BLOCK):  # coordinates are independent: block them for the cache
            w = min(BLOCK, d - lo_c)
            b_ = buf[:, :w]
            b_[:, :] = x[r, :, lo_c:lo_c + w]
            for p in range(pairs.shape[0]):
                lo, hi = b_[pairs[p, 0]], b_[pairs[p, 1]]
                for c in range(w):
                    a, b = lo[c], hi[c]
                    swap = (a > b) | ((a != a) & (b == b))  # NaN goes up, as in np.sort
                    lo[c] = b if swap else a
                    hi[c] = a if swap else b
            o = out[r, lo_c:lo_c + w]
            o[:] = b_[trim]
            for i in range(trim + 1, n - trim):  # ascending, as numpy's reduction over axis 1
                row = b_[i]
                for c in range(w):
                    o[c] += row[c]
            for c in range(w):
                o[c] = o[c] / (n - 2 * trim)  # float32: exact quotient rounded once, as numpy's
    return out


_compiled = None if numba is None else numba.njit(nogil=True, cache=True)(_kernel)


def trimmed_mean(x: np.ndarray, trim: int) -> np.ndarray:
    """Per coordinate of x [R,n,d] (numpy float), the mean of the values ranked trim .. n-trim-1."""
    assert _compiled is not None, "numba is not installed"
    out = np.empty((x.shape[0], x.shape[2]), dtype=x.dtype)
    return _compiled(np.ascontiguousarray(x), batcher_pairs(x.shape[1]), trim, out)
