r"""Per-replica draws in one compiled pass over the replicas' generators (numba, optional ``fast`` extra).

numba compiles numpy ``Generator`` methods itself (numpy's algorithms over the bit generator's
state, numpy's ziggurat tables included), so a loop over the R generators of
:class:`~sims.rng.ReplicaStreams` inside one compiled function draws **the same numbers** as R calls
of ``Generator.standard_normal(out=row)`` / ``Generator.random(out=row)`` and leaves every generator
in the same state (tested bit for bit, tails included, and interleaved with numpy's own calls).
It costs no Python call per replica, and numba's inlined ziggurat is faster than numpy's call:
on the 2-core Xeon, 64 rows of 1600 float64 normals take 0.24 ms against 0.87 ms, 64 rows of 100
uniforms 8 us against 38 us.  The float32 rows run :func:`sims.ziggurat.standard_normal_float32`'s
word order over words stepped from the generators' own PCG64 states (:mod:`sims.pcg64`), and so
do the float64 uniforms where those states can be read (:func:`uniform_rows_from_states`).  The
``_on`` kernels draw the same rows but store only the columns a round reads (each row through a
small buffer: :meth:`sims.rng.ReplicaStreams.normal_on`).  Uniform k-subsets as masks
(:func:`smallest_k_masks`) come from one pass per row over the keys: the sets numpy's
``argpartition`` marks, at about a quarter of its and the scatter's time (64 rows of 100 keys,
k = 10: 13 us against 53 us on a 2-core EPYC).

The generators travel as a ``numba.typed.List`` built once per (streams, purpose)
(:func:`generator_list`, about 6 us a generator); it refers to the Python generators, which the
streams keep alive.  The PCG64 states travel as an array of their addresses
(:class:`sims.pcg64.StateViews`, which keeps the generators alive): a typed list's item costs ~35 ns
to read in a kernel, 2 us a call at 64 replicas.  Without numba :data:`AVAILABLE` is False and the
streams keep numpy's calls.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

try:  # optional: numpy's per-replica calls draw the same numbers
    import numba  # type: ignore[import-not-found,import-untyped,unused-ignore]  # optional, no type stubs
    from numba.typed import List  # type: ignore[import-not-found,import-untyped,unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    numba = None  # type: ignore[assignment]  # numba is optional
from . import pcg64
from .ziggurat import REFILL_WORDS, compiled_fill, overflow_words

AVAILABLE = numba is not None
FLOAT32 = AVAILABLE and compiled_fill is not None


def _normal_rows_kernel(gens, out):  # pragma: no cover - compiled by numba
    for r in range(len(gens)):
        g, row = gens[r], out[r]
        for c in range(row.shape[0]):
            row[c] = g.standard_normal()  # numpy's float64 ziggurat, word for word
    return out


def _normal_rows_on_kernel(gens, buf, coords, out):  # pragma: no cover - compiled by numba
    """out[r, i, j] = the normal at (i, coords[r, j]) of replica r's h rows of d = len(buf) normals
    (every normal drawn in _normal_rows_kernel's order, each row through ``buf``); False, nothing
    drawn, when a coordinate lies outside [0, d)."""
    d = buf.shape[0]
    if not _inside(coords, d):
        return False
    for r in range(len(gens)):
        g = gens[r]
        cr = coords[r]
        for i in range(out.shape[1]):
            for c in range(d):
                buf[c] = g.standard_normal()
            o = out[r, i]
            for j in range(cr.shape[0]):
                o[j] = buf[cr[j]]
    return True


def _inside_kernel(coords, d):  # pragma: no cover - compiled by numba (inlined)
    """Whether every coordinate lies in [0, d) (unchecked indexing would read outside the buffer;
    a raise inside the drawing loop would slow it by 7 %)."""
    for r in range(coords.shape[0]):
        for j in range(coords.shape[1]):
            if coords[r, j] < 0 or coords[r, j] >= d:
                return False
    return True


def _uniform_rows_kernel(gens, out):  # pragma: no cover - compiled by numba
    for r in range(len(gens)):
        g, row = gens[r], out[r]
        for c in range(row.shape[0]):
            row[c] = g.random()  # (next 64-bit word >> 11) 2^-53, as numpy's
    return out


UNIT53 = 2.0 ** -53  # numpy's next_double: (word >> 11) 2^-53


def _uniform_words_rows_kernel(addresses, out, words):  # pragma: no cover - compiled by numba
    """Row r of the C-ordered float64 [R, m] ``out`` = numpy's ``random(m)`` of the generator whose
    state lies at ``addresses[r]``: (w >> 11) 2^-53 over its next m words, stepped in lanes into
    ``words`` [m]."""
    lanes = np.empty((2, pcg64.LANES), dtype=np.uint64)
    for r in range(addresses.shape[0]):
        _fill_lanes(_state_at(addresses, r), words, lanes)
        row = out[r]
        for c in range(row.shape[0]):
            row[c] = (words[c] >> np.uint64(11)) * UNIT53
    return out


RANKED_MAX = 64  # at most this many candidate keys are ranked against each other, beyond: np.partition


def _kth_key_kernel(row, k, cut, candidates):  # pragma: no cover - compiled by numba (inlined)
    """The k-th smallest of the float64 uniform keys ``row``, from the keys below ``cut``
    (see :func:`_smallest_k_kernel`); ``candidates`` a scratch array of the row's length."""
    n = 0
    for j in range(row.shape[0]):
        candidates[n] = row[j]
        n += row[j] < cut
    if k <= n <= RANKED_MAX:
        t = -np.inf
        for a in range(n):
            v, below = candidates[a], 0
            for b in range(n):
                below += candidates[b] < v
            if below < k and v > t:
                t = v
        return t
    if k <= n:  # the k-th smallest key is the k-th smallest candidate
        return np.partition(candidates[:n], k - 1)[k - 1]
    return np.partition(row, k - 1)[k - 1]


def _listed_smallest_kernel(row, k, cut, candidates, at, listed):  # pragma: no cover - numba (inlined)
    """How many keys of ``row`` are <= t (its k-th smallest), their coordinates in ascending order
    in ``listed``: the candidates below ``cut`` with fewer than k candidates below them (exactly
    those keys), without a second pass over the row; else the keys <= :func:`_kth_key_kernel`'s t."""
    n = 0
    for j in range(row.shape[0]):
        at[n] = j  # branch-free: kept when a candidate
        candidates[n] = row[j]
        n += row[j] < cut
    count = 0
    if k <= n <= RANKED_MAX:
        for a in range(n):
            v, below = candidates[a], 0
            for b in range(n):
                below += candidates[b] < v
            listed[count] = at[a]  # branch-free: kept when ranked below k
            count += below < k
        return count
    t = _kth_key(row, k, cut, candidates)
    for j in range(row.shape[0]):
        listed[count] = j
        count += row[j] <= t
    return count


def _smallest_k_kernel(keys, k, mask, coords):  # pragma: no cover - compiled by numba
    """mask[r] = (keys[r] <= t_r), t_r the k-th smallest of keys[r], for every row of the C-ordered
    [rows, d] float64 uniform ``keys`` (or, ``mask`` of width 0, coords[r] = those k coordinates in
    ascending order); returns, per row, whether that set does not hold exactly k coordinates (a tie
    at t_r: the caller redoes those rows with numpy's argpartition).

    t_r without a sort or a data-dependent branch per key: the keys below a cut a few standard
    deviations above the k-th uniform order statistic (k/d + 3 sqrt(k)/d) are gathered branch-free,
    and t_r is the largest candidate with fewer than k candidates below it (exact with ties too),
    or, beyond RANKED_MAX candidates, np.partition's k-th of the candidates; a row with fewer than
    k candidates takes np.partition's k-th of the whole row.  The coordinates come from the ranked
    candidates themselves (:func:`_listed_smallest_kernel`; 64 rows of fresh keys, d = 100, k = 10,
    on a 2-core EPYC: 12.9 us against 15.2 us with a second pass over each row)."""
    rows, d = keys.shape
    ties = np.zeros(rows, dtype=np.bool_)
    cut = (k + 3.0 * math.sqrt(k) + 3.0) / d
    candidates, at = np.empty(d), np.empty(d, dtype=np.int64)
    listed = np.empty(d + 1, dtype=np.int64)
    for r in range(rows):
        row = keys[r]
        if mask.shape[1] == d:
            t = _kth_key(row, k, cut, candidates)
            count = 0
            for j in range(d):
                inside = row[j] <= t
                mask[r, j] = inside
                count += inside
        else:
            count = _listed_smallest(row, k, cut, candidates, at, listed)
            if count == k:
                coords[r] = listed[:k]
        ties[r] = count != k
    return ties


def _normal32_rows_kernel(addresses, out, extra, refill):  # pragma: no cover - compiled by numba
    """sims.ziggurat.standard_normal_float32 on each row over words stepped from the replica's
    PCG64 state (sims.pcg64): ceil(m/2) + extra words, halves low first, and on an exhausted
    overflow ``refill`` more words with the sample that ran out restarted."""
    R, m = out.shape
    words = np.empty((m + 1) // 2 + extra, dtype=np.uint64)
    lanes = np.empty((2, pcg64.LANES), dtype=np.uint64)
    for r in range(R):
        state = _state_at(addresses, r)
        _fill_lanes(state, words, lanes)
        _normal32_row(state, words.view(np.uint32), out[r], refill)
    return out


def _normal32_rows_on_kernel(addresses, buf, coords, out, extra, refill):  # pragma: no cover - numba
    """_normal32_rows_kernel's numbers read at (i, coords[r, j]), each replica's h rows of d
    numbers drawn into ``buf`` [h d]; False, nothing drawn, when a coordinate lies outside [0, d)."""
    h, k = out.shape[1], out.shape[2]
    d = buf.shape[0] // h
    if not _inside(coords, d):
        return False
    words = np.empty((buf.shape[0] + 1) // 2 + extra, dtype=np.uint64)
    lanes = np.empty((2, pcg64.LANES), dtype=np.uint64)
    for r in range(addresses.shape[0]):
        cr = coords[r]
        state = _state_at(addresses, r)  # two statements: a tuple assignment here cost 12 us (numba 0.68)
        _fill_lanes(state, words, lanes)
        _normal32_row(state, words.view(np.uint32), buf, refill)
        for i in range(h):
            o = out[r, i]
            for j in range(k):
                o[j] = buf[i * d + cr[j]]
    return True


def _normal32_row_kernel(state, words, row, refill):  # pragma: no cover - compiled by numba
    m = row.shape[0]
    over = 2 * ((m + 1) // 2)
    s, q = compiled_fill(words, over, 0, 0, row)
    while s < m:
        more = np.empty(refill, dtype=np.uint64)
        _fill_words(state, more)
        tail, more32 = words[over + q:], more.view(np.uint32)
        longer = np.empty(m + tail.shape[0] + more32.shape[0], dtype=np.uint32)
        longer[:m], longer[m:m + tail.shape[0]], longer[m + tail.shape[0]:] = words[:m], tail, more32
        words, over = longer, m
        s, q = compiled_fill(words, over, 0, s, row)


_normal_rows = None if numba is None else numba.njit(nogil=True, cache=True)(_normal_rows_kernel)
_inside = None if numba is None else numba.njit(inline="always")(_inside_kernel)
_normal_rows_on = None if numba is None else numba.njit(nogil=True, cache=True)(_normal_rows_on_kernel)
_uniform_rows = None if numba is None else numba.njit(nogil=True, cache=True)(_uniform_rows_kernel)
_kth_key = None if numba is None else numba.njit(inline="always")(_kth_key_kernel)
_listed_smallest = None if numba is None else numba.njit(inline="always")(_listed_smallest_kernel)
_smallest_k = None if numba is None else numba.njit(nogil=True, cache=True)(_smallest_k_kernel)
# the kernels read these compiled globals when they are compiled
_fill_words, _fill_lanes, _state_at = pcg64.fill_words, pcg64.fill_lanes, pcg64.state_at
_normal32_row = numba.njit(nogil=True, cache=True)(_normal32_row_kernel) if FLOAT32 else None
_normal32_rows = numba.njit(nogil=True, cache=True)(_normal32_rows_kernel) if FLOAT32 else None
_normal32_rows_on = numba.njit(nogil=True, cache=True)(_normal32_rows_on_kernel) if FLOAT32 else None
_uniform_words_rows = None if numba is None else numba.njit(nogil=True, cache=True)(_uniform_words_rows_kernel)


def generator_list(generators: list[np.random.Generator]):
    """The generators as a numba typed list (the kernels' argument); the caller keeps them alive."""
    assert numba is not None, "numba is not installed"
    return List(generators)


def standard_normal_rows(gens, out: np.ndarray) -> np.ndarray:
    """Row r of the C-ordered float64 [R, m] ``out`` = ``gens[r].standard_normal(m)``."""
    assert _normal_rows is not None, "numba is not installed"
    return _normal_rows(gens, out)


def standard_normal_rows_on(gens, shape: tuple[int, int], coords: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out [R, h, k] = ``gens[r].standard_normal(shape)[:, coords[r]]`` for shape = (h, d): every
    normal drawn, in that order, only the k columns stored (no [R, h, d] array)."""
    assert _normal_rows_on is not None, "numba is not installed"
    if not _normal_rows_on(gens, np.empty(shape[1], dtype=np.float64), coords, out):
        raise out_of_range(coords, shape[1])
    return out


def out_of_range(coords: np.ndarray, d: int) -> IndexError:
    """The error for coordinates outside [0, d) (native and numpy paths alike)."""
    return IndexError(f"coordinates must lie in [0, {d}), got {coords.min()} .. {coords.max()}")


def uniform_rows(gens, out: np.ndarray) -> np.ndarray:
    """Row r of the C-ordered float64 [R, m] ``out`` = ``gens[r].random(m)``."""
    assert _uniform_rows is not None, "numba is not installed"
    return _uniform_rows(gens, out)


def _addresses(states: pcg64.StateViews, out: np.ndarray, coords: np.ndarray | None = None) -> np.ndarray:
    """The states' addresses, one per row of ``out`` (and of ``coords`` [R, k] for out [R, h, k]):
    the kernels index them unchecked."""
    if len(states) != out.shape[0] or (coords is not None and coords.shape != (out.shape[0], out.shape[2])):
        raise ValueError(f"{len(states)} generator states for output rows {out.shape}"
                         + ("" if coords is None else f" at coordinates {coords.shape}"))
    return states.addresses


def uniform_rows_from_states(states, out: np.ndarray) -> np.ndarray:
    """:func:`uniform_rows` from the generators' PCG64 :func:`sims.pcg64.state_views` instead:
    the same numbers and end states, the words stepped in lanes (64 rows of 100 on a 2-core EPYC:
    8.8 us against 15.7 us for the generators' calls)."""
    assert _uniform_words_rows is not None, "numba is not installed"
    return _uniform_words_rows(_addresses(states, out), out, np.empty(out.shape[1], dtype=np.uint64))


def standard_normal_float32_rows(states, out: np.ndarray) -> np.ndarray:
    """Row r of the C-ordered float32 [R, m] ``out`` =
    ``sims.ziggurat.standard_normal_float32(generators[r].bit_generator, row)``, ``states`` the
    generators' :func:`sims.pcg64.state_views`."""
    assert FLOAT32 and _normal32_rows is not None, "numba is not installed"
    m = out.shape[1]
    return _normal32_rows(_addresses(states, out), out, overflow_words(m), REFILL_WORDS)


def standard_normal_float32_rows_on(states, shape: tuple[int, int], coords: np.ndarray,
                                    out: np.ndarray) -> np.ndarray:
    """:func:`standard_normal_float32_rows` over rows of h d numbers, shape = (h, d), stored only
    at the columns ``coords`` [R, k]: out [R, h, k] float32."""
    assert FLOAT32 and _normal32_rows_on is not None, "numba is not installed"
    h, d = shape
    if not _normal32_rows_on(_addresses(states, out, coords), np.empty(h * d, dtype=np.float32), coords, out,
                             overflow_words(h * d), REFILL_WORDS):
        raise out_of_range(coords, d)
    return out


def numpy_smallest_k(keys: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k smallest keys along the last axis, numpy's choice (0 < k < d): the sets
    every path here reproduces, and what it falls back to on a tie."""
    return np.argpartition(keys, k - 1, axis=-1)[..., :k]


def _check_k(name: str, keys: np.ndarray, k: int) -> None:
    if keys.ndim != 2 or not 0 < k < keys.shape[1]:
        raise ValueError(f"{name}: k = {k} for keys of shape {keys.shape}; need [rows, d] keys and 0 < k < d")


def smallest_k_masks(keys: np.ndarray, k: int) -> np.ndarray:
    """Bool masks of the k smallest of each row of the C-ordered float64 [rows, d] ``keys``
    (0 < k < d): the set ``np.argpartition(keys, k - 1)[:, :k]`` marks, one compiled pass a row
    instead of a partition and a scatter; a row with a tie at its k-th key (float64 uniform keys:
    probability ~ d^2 2^-54) is redone by numpy, so the masks are numpy's in every case."""
    assert _smallest_k is not None, "numba is not installed"
    _check_k("smallest_k_masks", keys, k)
    mask = np.empty(keys.shape, dtype=bool)
    ties = _smallest_k(keys, k, mask, np.empty((0, 0), dtype=np.int64))
    if ties.any():
        tied = np.zeros((int(ties.sum()), keys.shape[1]), dtype=bool)
        np.put_along_axis(tied, numpy_smallest_k(keys[ties], k), True, axis=-1)
        mask[ties] = tied
    return mask


def smallest_k_coordinates(keys: np.ndarray, k: int) -> np.ndarray:
    """The coordinates of :func:`smallest_k_masks`'s sets in ascending order, [rows, k] int64 (the
    compiled pass lists them instead of marking them; a tied row: numpy's, sorted)."""
    assert _smallest_k is not None, "numba is not installed"
    _check_k("smallest_k_coordinates", keys, k)
    coords = np.empty((keys.shape[0], k), dtype=np.int64)
    ties = _smallest_k(keys, k, np.empty((0, 0), dtype=np.bool_), coords)
    if ties.any():
        coords[ties] = np.sort(numpy_smallest_k(keys[ties], k), axis=-1)
    return coords


@contextlib.contextmanager
def numpy_calls():
    """Within the block the streams call numpy per replica (the same numbers): for measuring what
    the compiled pass saves (benchmarks) and for tests.  Not thread-safe: it sets module flags."""
    global AVAILABLE, FLOAT32
    saved = AVAILABLE, FLOAT32
    AVAILABLE = FLOAT32 = False
    try:
        yield
    finally:
        AVAILABLE, FLOAT32 = saved
