r"""The coordinate-wise trimmed mean of numpy arrays from a sorting network (numba), bit for bit the
sort-based one of :func:`~sims.aggregators.coordinatewise.trimmed_mean`.

A sorting network (Batcher's odd-even merge, or a smaller published one for n = 20:
:func:`sorting_pairs`) sorts the n values of every coordinate; the kept values are then
summed in ascending order and divided by n - 2f, the order and the operations of
``np.mean(np.sort(x, axis=1)[:, f:n-f], axis=1)``.  NaN sorts last, as in ``np.sort``.  Two kernels:

* the **buffered** kernel (any n): the network runs on a small ``[n, 128]`` buffer, one
  compare-exchange of two worker rows at a time over the block's coordinates, NaN-aware;
* the **unrolled** kernel of one (n, trim) (n <= :data:`MAX_UNROLLED`): generated source with the n
  values of a coordinate in n local variables and every comparator written out, so the compiler
  keeps the network in vector registers (no load or store per comparator).  It assumes no NaN,
  flags every replica with a NaN input and those are redone by the buffered kernel, so the numbers
  are the same.  It is built once a key has sorted :data:`UNROLL_AFTER` coordinates in the process
  (a unit test stays below; numba compiles it in 0.4 s at n = 5, 3 s at n = 20, 10 s at n = 32) and
  kept in numba's disk cache next to its source (see :func:`cache_dir`), so a later process loads it
  in ~10 ms.

Measured on the 2-core Xeon at [64, 20, 100], float64: numpy's per-column sort 0.52 ms, the
buffered kernel 0.13 ms, the unrolled one 0.026 ms (float32: 0.50, 0.094, 0.012 ms).

numba is optional (``pip install numba``); without it :func:`applies` is False and the callers
keep numpy's sort.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import importlib.util
import os
import sys
import threading
from pathlib import Path

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


#: A 20-input sorting network of 91 comparators in 12 layers (Batcher's has 103 in 15): found by
#: SorterHunter and listed in B. Dobbelaere, "Smallest and fastest sorting networks for a given number
#: of inputs" (bertdobbelaere.github.io/sorting_networks.html, n = 20).  n = 20 is the papers' and the
#: benchmarks' worker count; the unrolled kernel runs 9 % faster on it (53 against 58 us at
#: [64, 20, 100] float64 on the 2-core EPYC).  The tests check it sorts by the 0-1 principle.
NETWORK_20 = (
    ((0, 3), (1, 7), (2, 5), (4, 8), (6, 9), (10, 13), (11, 15), (12, 18), (14, 17), (16, 19)),
    ((0, 14), (1, 11), (2, 16), (3, 17), (4, 12), (5, 19), (6, 10), (7, 15), (8, 18), (9, 13)),
    ((0, 4), (1, 2), (3, 8), (5, 7), (11, 16), (12, 14), (15, 19), (17, 18)),
    ((1, 6), (2, 12), (3, 5), (4, 11), (7, 17), (8, 15), (13, 18), (14, 16)),
    ((0, 1), (2, 6), (7, 10), (9, 12), (13, 17), (18, 19)),
    ((1, 6), (5, 9), (7, 11), (8, 12), (10, 14), (13, 18)),
    ((3, 5), (4, 7), (8, 10), (9, 11), (12, 15), (14, 16)),
    ((1, 3), (2, 4), (5, 7), (6, 10), (9, 13), (12, 14), (15, 17), (16, 18)),
    ((1, 2), (3, 4), (6, 7), (8, 9), (10, 11), (12, 13), (15, 16), (17, 18)),
    ((2, 3), (4, 6), (5, 8), (7, 9), (10, 12), (11, 14), (13, 15), (16, 17)),
    ((4, 5), (6, 8), (7, 10), (9, 12), (11, 13), (14, 15)),
    ((3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)),
)
SMALLER_NETWORKS = {20: NETWORK_20}


@functools.lru_cache(maxsize=None)
def sorting_pairs(n: int) -> np.ndarray:
    """The kernels' compare-exchange pairs (i < j) for n inputs, in order: a smaller published
    network where :data:`SMALLER_NETWORKS` has one, else Batcher's.  Any sorting network gives the
    same sorted values, so the same trimmed mean."""
    if n in SMALLER_NETWORKS:
        return np.array([pair for layer in SMALLER_NETWORKS[n] for pair in layer], dtype=np.int64)
    return batcher_pairs(n)


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


#: Largest n with an unrolled kernel: its n values live in registers (AVX-512 has 32 vector
#: registers); the source grows as n log^2 n, and numba's SSA pass recurses too deep near n = 50.
MAX_UNROLLED = 32
#: Coordinates one (n, trim) sorts with the buffered kernel before its unrolled kernel is built:
#: about 20 ms of sorting at n = 20, so short runs and unit tests never pay the compile.
UNROLL_AFTER = 1_000_000
ENV_CACHE = "BYZCOMP_CACHE_DIR"

_sorted_columns: collections.Counter = collections.Counter()
_unrolled: dict = {}
_build_lock = threading.Lock()  # two threads of one batch may cross the threshold together


def trimmed_mean(x: np.ndarray, trim: int) -> np.ndarray:
    """Per coordinate of x [R,n,d] (numpy float), the mean of the values ranked trim .. n-trim-1."""
    assert _compiled is not None, "numba is not installed"
    x = np.ascontiguousarray(x)
    R, n, d = x.shape
    out = np.empty((R, d), dtype=x.dtype)
    kernel = _unrolled_when_due(n, trim, R * d)
    if kernel is None:
        return _compiled(x, sorting_pairs(n), trim, out)
    if kernel(x, out):  # a NaN input voids its column (set to NaN): the buffered kernel redoes the replica
        rows = np.flatnonzero(np.isnan(out).any(axis=1))
        out[rows] = _compiled(np.ascontiguousarray(x[rows]), sorting_pairs(n), trim, np.empty((len(rows), d), x.dtype))
    return out


def _unrolled_when_due(n: int, trim: int, columns: int):
    key = (n, trim)
    kernel = _unrolled.get(key)
    if kernel is not None or n > MAX_UNROLLED:
        return kernel
    _sorted_columns[key] += columns
    return unrolled_kernel(n, trim) if _sorted_columns[key] >= UNROLL_AFTER else None


def unrolled_kernel(n: int, trim: int):
    """The unrolled kernel of (n, trim), built now (or loaded from the disk cache): a numba function
    ``kernel(x [R,n,d], out [R,d]) -> int``, the number of replicas with a NaN in ``out`` (each dtype
    compiles at its first call).  Callers who time
    steady-state rounds (the benchmarks) call it up front."""
    if not (2 <= n <= MAX_UNROLLED and 0 <= trim and n - 2 * trim >= 1):
        raise ValueError(f"unrolled trimmed mean: n = {n}, trim = {trim}; need 2 <= n <= {MAX_UNROLLED} "
                         f"and 0 <= trim < n / 2")
    with _build_lock:
        if (n, trim) not in _unrolled:
            _unrolled[(n, trim)] = _load(unrolled_source(n, trim), f"n{n}_trim{trim}")
    return _unrolled[(n, trim)]


def unrolled_source(n: int, trim: int) -> str:
    """Python source of the unrolled kernel: the network on n locals, the kept values summed in
    ascending order; a column with a NaN input is set to NaN (the select-only compare-exchange does
    not sort NaN last), and the replicas with a NaN output are counted."""
    v = [f"v{i}" for i in range(n)]
    body = [f"{v[i]} = xr[{i}, c]" for i in range(n)]
    body.append("nan = " + " | ".join(f"({a} != {a})" for a in v))
    for i, j in sorting_pairs(n):
        body += [f"a, b = v{i}, v{j}", f"v{i} = b if a > b else a", f"v{j} = a if a > b else b"]
    body.append(f"acc = v{trim}")
    body += [f"acc += v{i}" for i in range(trim + 1, n - trim)]
    body.append(f"o[c] = np.nan if nan else acc / {n - 2 * trim}")
    lines = [f"# generated by sims.aggregators.network.unrolled_source({n}, {trim}); do not edit",
             "import numba", "import numpy as np", "", "",
             "@numba.njit(nogil=True, cache=True)  # compiled per dtype at its first call",
             "def kernel(x, out):",
             "    R, n, d = x.shape",
             "    flagged = 0",
             "    for r in range(R):",
             "        xr = x[r]",
             "        o = out[r]",
             "        for c in range(d):"]
    lines += ["            " + line for line in body]
    lines += ["        for c in range(d):",
              "            if o[c] != o[c]:",
              "                flagged += 1",
              "                break",
              "    return flagged", ""]
    return "\n".join(lines)


def cache_dir() -> Path:
    """Where generated kernels and numba's cache of them live: ``$BYZCOMP_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/byzcomp`` (``~/.cache/byzcomp``)."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "byzcomp"


def _load(source: str, label: str):
    """Import ``source`` as a module file named by its hash (an edited generator never meets a stale
    cache) and return its ``kernel``; without a writable cache directory, compile it in memory."""
    name = f"byzcomp_trimmed_mean_{label}_{hashlib.sha256(source.encode()).hexdigest()[:12]}"
    try:
        path = cache_dir() / "kernels" / f"{name}.py"
        if not path.exists() or path.read_text() != source:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(source)
            os.replace(tmp, path)  # atomic: a concurrent process never imports half a file
    except OSError:
        namespace: dict = {}
        exec(compile(source.replace("cache=True", "cache=False"), f"<{name}>", "exec"), namespace)
        return namespace["kernel"]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds the function's module by name
    spec.loader.exec_module(module)
    return module.kernel
