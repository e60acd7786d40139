r"""float32 standard normals from a replica's PCG64 raw output: a 256-layer ziggurat.

numpy's ``Generator.standard_normal(dtype=float32)`` costs about 8-9 ns a number on a 2-core
Xeon, barely less than its float64 one, so a float32 run would be paced by its normals like a
float64 run.  Here the same per-replica ``PCG64`` (same seeding, same purposes) is read raw
(``BitGenerator.random_raw``, ~1 ns per 64-bit word) and each 32-bit half-word makes one sample of
the ziggurat of Marsaglia & Tsang (2000, J. Stat. Softw. 5(8)): 256 layers of equal area
:math:`v`, the base layer's edge :math:`r`, so that with :math:`f(x) = e^{-x^2/2}`

.. math::  x_1 = r,\quad x_0 = v / f(r),\quad x_{i+1} = f^{-1}\big(v / x_i + f(x_i)\big),\quad x_{256} = 0.

A word :math:`u` gives the layer :math:`i = u \bmod 256`, the sign (bit 8) and
:math:`j = \lfloor u / 2^9 \rfloor < 2^{23}`; the candidate is :math:`x = j\, x_i / 2^{23}`.  It is
accepted at once when :math:`x < x_{i+1}` (about 99 % of words: one word per number); otherwise
(the *slow path*) layer 0 samples the tail :math:`x > r` by Marsaglia's exponential method and the
other layers test :math:`f(x_i) + U (f(x_{i+1}) - f(x_i)) < f(x)` with a fresh uniform, restarting
from a fresh word on a rejection.

Word order (the stream's definition, identical with and without numba): a row of :math:`m` numbers
reads :math:`\lceil m/2 \rceil + E` words of 64 bits in one ``random_raw`` call, each split
low half first.  Sample :math:`s` starts from half-word :math:`s`; the slow path's extra half-words
are taken in order of :math:`s` from the overflow, the half-words after :math:`2\lceil m/2\rceil`;
if the overflow runs out (rarely: :math:`E` covers several times the expected need), 64 more words
are read and the sample that ran out restarts with the longer overflow (same prefix, same result).
Unused overflow words are discarded.  With numba (the ``fast`` extra) one compiled pass fills a row;
without it a vectorised fast path and a Python slow path make the same numbers (tested bit for bit),
at ~30 ns a number instead of ~2.3 ns (the words stepped in lanes, :mod:`sims.pcg64`).
"""
from __future__ import annotations

import math
import sys

import numpy as np

try:  # optional: the numpy fallback draws the same numbers
    import numba  # type: ignore[import-not-found,import-untyped,unused-ignore]  # optional, no type stubs
except ImportError:  # pragma: no cover - depends on the environment
    numba = None  # type: ignore[assignment]  # numba is optional

LAYERS = 256
TAIL_EDGE = 3.6541528853610088  # r, Marsaglia & Tsang (2000), 256 layers
LAYER_AREA = 4.92867323399e-3  # v, the area of every layer (the base one with its tail)
SPAN = 2.0 ** 23  # j in [0, 2^23)
UNIT = 2.0 ** -24  # 24-bit uniforms from the top of a half-word
REFILL_WORDS = 64


def _layer_edges() -> np.ndarray:
    """x_0 .. x_256 of the module docstring (float64)."""
    f = lambda x: math.exp(-0.5 * x * x)  # noqa: E731
    x = np.zeros(LAYERS + 1)
    x[0], x[1] = LAYER_AREA / f(TAIL_EDGE), TAIL_EDGE
    for i in range(1, LAYERS - 1):
        x[i + 1] = math.sqrt(-2.0 * math.log(LAYER_AREA / x[i] + f(x[i])))
    return x


EDGES = _layer_edges()
ACCEPT = np.floor(SPAN * EDGES[1:] / EDGES[:-1]).astype(np.int64)  # j < ACCEPT[i]: x < x_{i+1}
SCALE = EDGES[:-1] / SPAN  # x = j * SCALE[i]
HEIGHT = np.exp(-0.5 * EDGES * EDGES)  # f(x_i), i = 0..256 (f(x_256) = 1)


def _slow_sample_py(words, p, u):
    """One number whose first half-word ``u`` failed the fast test, reading overflow half-words
    from ``words[p:]`` (an array, or a list of ints); returns (value, next p), or (0, -1) when the
    overflow ran out.  Compiled by numba when present; the numpy fallback runs it as Python."""
    n = len(words)
    while True:
        i = u & 0xFF
        j = u >> 9
        x = j * SCALE[i]
        if j >= ACCEPT[i]:
            if i == 0:  # the tail x > r: x = r + a, a ~ Exp(r), accepted when 2b > a^2, b ~ Exp(1)
                while True:
                    if p + 2 > n:
                        return 0.0, -1
                    a = -math.log(((words[p] >> 8) + 1) * UNIT) / TAIL_EDGE
                    b = -math.log(((words[p + 1] >> 8) + 1) * UNIT)
                    p += 2
                    if b + b > a * a:
                        x = TAIL_EDGE + a
                        break
            else:  # the wedge x_{i+1} <= x < x_i: y uniform between f(x_i) and f(x_{i+1})
                if p >= n:
                    return 0.0, -1
                y = HEIGHT[i] + ((words[p] >> 8) * UNIT) * (HEIGHT[i + 1] - HEIGHT[i])
                p += 1
                if y >= math.exp(-0.5 * x * x):
                    if p >= n:
                        return 0.0, -1
                    u = words[p]
                    p += 1
                    continue
        return (-x if (u >> 8) & 1 else x), p


def _fill_kernel(words, over, q, s, out):  # pragma: no cover - compiled by numba
    """Numbers s.. of the row ``out`` from ``words`` (sample k starts at half-word k, the overflow
    at half-word ``over + q``); returns (first sample not done, its overflow offset).  Two passes:
    every sample's fast-path value (a loop without branches), then the ~1.5 % that fail the fast
    test, in order, through the slow path (one loop with the slow call inside ran ~15 % slower)."""
    m = out.shape[0]
    for k in range(s, m):
        u = np.int64(words[k])
        x = (u >> 9) * SCALE[u & 0xFF]
        out[k] = -x if (u >> 8) & 1 else x
    for k in range(s, m):
        u = np.int64(words[k])
        if (u >> 9) >= ACCEPT[u & 0xFF]:
            value, p = _slow_sample(words, over + q, words[k])
            if p < 0:
                return k, q
            out[k] = value
            q = p - over
    return m, q


# inlined into the fill: 5 % faster on a 2-core EPYC (64 rows of 1600: 123 us against 130 us)
_slow_sample = _slow_sample_py if numba is None else numba.njit(nogil=True, cache=True, inline="always")(_slow_sample_py)
compiled_fill = None if numba is None else numba.njit(nogil=True, cache=True)(_fill_kernel)


def _fill_numpy(words, over, q, s, out):
    """:func:`_fill_kernel` without numba: the fast path vectorised, the slow path in Python."""
    m = out.shape[0]
    u = words[s:m].astype(np.int64)
    i, j = u & 0xFF, u >> 9
    x = j * SCALE[i]
    out[s:] = np.where((u >> 8) & 1, -x, x)
    overflow = words[over:].tolist()  # Python ints: the scalar slow path runs ~3x faster on them
    for k in s + np.flatnonzero(j >= ACCEPT[i]):
        value, p = _slow_sample_py(overflow, q, int(words[k]))
        if p < 0:
            return int(k), q
        out[k] = value
        q = p
    return m, q


def _half_words(raw: np.ndarray) -> np.ndarray:
    """64-bit words as 32-bit halves, low half first (a view on little-endian machines)."""
    if sys.byteorder == "little":
        return raw.view(np.uint32)
    return np.stack([raw & 0xFFFFFFFF, raw >> 32], axis=-1).astype(np.uint32).ravel()  # pragma: no cover


def overflow_words(m: int) -> int:
    """E, the 64-bit overflow words read with a row of m numbers (about 6 % of m half-words, several
    times the slow path's expected need of ~2.5 half-words per 1 % of the row)."""
    return m // 32 + 16


def standard_normal_float32(bit_generator: np.random.BitGenerator, out: np.ndarray, fill=None) -> np.ndarray:
    """Fill the contiguous float32 array ``out`` with standard normals read from ``bit_generator``."""
    if out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"standard_normal_float32: out must be a C-ordered float32 array, got {out.dtype} "
                         f"{'C-ordered' if out.flags.c_contiguous else 'strided'} {out.shape}")
    flat = out.reshape(-1)
    m = flat.shape[0]
    fill = fill or compiled_fill or _fill_numpy
    half = (m + 1) // 2
    words = _half_words(bit_generator.random_raw(half + overflow_words(m)))
    over = 2 * half
    s, q = fill(words, over, 0, 0, flat)
    while s < m:  # the overflow ran out inside sample s: restart it with more words
        words = np.concatenate([words[:m], words[over + q:], _half_words(bit_generator.random_raw(REFILL_WORDS))])
        over = m
        s, q = fill(words, over, 0, s, flat)
    return out
