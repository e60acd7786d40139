r"""numpy's PCG64 stepped inside compiled code, on the generator's own state (numba, optional).

PCG64 (O'Neill 2014; numpy's default bit generator) is the 128-bit linear congruential generator
:math:`s \leftarrow a s + c \pmod{2^{128}}` whose 64-bit word is the XSL-RR output of the new state,
:math:`\operatorname{rotr}_{64}(s_{hi} \oplus s_{lo},\; s_{hi} \gg 58)`.  numpy's ``next_uint64``
reaches it through a function pointer, one dependent 128-bit multiply after another (about 2 ns a
word on a 2-core EPYC).  Here the words of one generator are stepped in :data:`LANES` lanes side by
side (jump-ahead): lane j holds the state of word ``LANES t + j`` and moves on by
:math:`s \leftarrow a^{W} s + c_W`, :math:`c_W = c (1 + a + \dots + a^{W-1})`, W = :data:`LANES`,
written in 32-bit limbs so that LLVM vectorises it (0.6 ns a word on that EPYC with AVX-512,
against 1.35 ns for four generators' 128-bit steps interleaved and 2 ns for numpy's call).  The
lanes start side by side too, lane j at :math:`a^{j+1} s + c (1 + a + \dots + a^j)` from tabled
powers and sums, and a loop over rows passes one scratch for them (:func:`fill_lanes`): 64 rows of 100
words take 8.2 us against 10.1 us with the lanes started step by step and allocated per row.

The kernels read and write the memory numpy keeps the state in, through :func:`state_views`: per
generator a uint64 view ``(s_lo, s_hi, c_lo, c_hi)`` (``BitGenerator.ctypes.state_address`` points to
a struct whose first member points to the 128-bit state and increment), and for the row kernels the
addresses of those views (:class:`StateViews`, :func:`state_at`).  A numpy call after them
therefore continues the same stream.  That layout is numpy's where C has a native 128-bit integer;
:func:`state_views` checks it once against ``random_raw`` and returns None where it differs (the
callers then read their words through numpy).
"""
from __future__ import annotations

import ctypes
import functools

import numpy as np

try:  # optional: without numba the callers read words through numpy
    import numba  # type: ignore[import-not-found,import-untyped,unused-ignore]  # optional, no type stubs
    from llvmlite import ir  # type: ignore[import-not-found,import-untyped,unused-ignore]  # comes with numba
    from numba.core import types  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from numba.core.extending import intrinsic  # type: ignore[import-not-found,import-untyped,unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    numba = None  # type: ignore[assignment]  # numba is optional

MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645  # a, PCG's default 128-bit multiplier (numpy's)


if numba is not None:
    @intrinsic
    def _step(typingctx, lo, hi, inc_lo, inc_hi):  # pragma: no cover - code generation, run compiled
        """(lo, hi) of a s + c mod 2^128 for s = (lo, hi), c = (inc_lo, inc_hi), in LLVM's i128."""
        u64 = types.uint64
        sig = types.UniTuple(u64, 2)(u64, u64, u64, u64)

        def codegen(context, builder, signature, args):
            i128, i64, shift = ir.IntType(128), ir.IntType(64), ir.Constant(ir.IntType(128), 64)

            def join(low, high):
                return builder.or_(builder.shl(builder.zext(high, i128), shift), builder.zext(low, i128))

            s = builder.add(builder.mul(join(args[0], args[1]), ir.Constant(i128, MULTIPLIER)), join(args[2], args[3]))
            parts = builder.trunc(s, i64), builder.trunc(builder.lshr(s, shift), i64)
            return context.make_tuple(builder, signature.return_type, parts)
        return sig, codegen

    @intrinsic
    def _pointer(typingctx, address):  # pragma: no cover - code generation, run compiled
        """The uint64 pointer at the integer ``address`` (where :class:`StateViews` found a state)."""
        sig = types.CPointer(types.uint64)(types.uint64)

        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], ir.PointerType(ir.IntType(64)))
        return sig, codegen


def _state_at_kernel(addresses, r):  # pragma: no cover - compiled by numba (inlined)
    """Generator r's state (s_lo, s_hi, c_lo, c_hi) as a uint64[4] array over its memory."""
    return numba.carray(_pointer(addresses[r]), 4)


def _output(lo, hi):  # pragma: no cover - compiled by numba (inlined)
    """XSL-RR: the 64-bit word of the state (lo, hi)."""
    x, r = hi ^ lo, hi >> np.uint64(58)
    return (x >> r) | (x << ((np.uint64(64) - r) & np.uint64(63)))


LANES = 16  # words stepped side by side; 16 fills two 8-lane AVX-512 registers (8 lanes did not vectorise)
_JUMP = pow(MULTIPLIER, LANES, 1 << 128)  # a^W mod 2^128
_JUMP_LO, _JUMP_HI = np.uint64(_JUMP & (2**64 - 1)), np.uint64(_JUMP >> 64)
_POWERS = [pow(MULTIPLIER, j + 1, 1 << 128) for j in range(LANES)]  # a^(j+1)
_SUMS = [sum(pow(MULTIPLIER, i, 1 << 128) for i in range(j + 1)) % (1 << 128) for j in range(LANES)]  # 1 + .. + a^j
_POW_LO, _POW_HI = (np.array([(x >> shift) & (2**64 - 1) for x in _POWERS], dtype=np.uint64) for shift in (0, 64))
_SUM_LO, _SUM_HI = (np.array([(x >> shift) & (2**64 - 1) for x in _SUMS], dtype=np.uint64) for shift in (0, 64))
_LOW32, _32 = np.uint64(0xFFFFFFFF), np.uint64(32)


def _affine(lo, hi, m_lo, m_hi, c_lo, c_hi):  # pragma: no cover - compiled by numba (inlined)
    """(lo, hi) of m s + c mod 2^128 in uint64 ops only (the high half of lo * m_lo from four
    32-bit products), so that a loop over lanes vectorises; a constant m folds in."""
    x0, x1, m0, m1 = lo & _LOW32, lo >> _32, m_lo & _LOW32, m_lo >> _32
    p00, p01, p10, p11 = x0 * m0, x0 * m1, x1 * m0, x1 * m1
    middle = (p00 >> _32) + (p01 & _LOW32) + (p10 & _LOW32)
    product_hi = p11 + (p01 >> _32) + (p10 >> _32) + (middle >> _32)
    product_lo = lo * m_lo
    new_lo = product_lo + c_lo
    carry = np.uint64(new_lo < product_lo)
    return new_lo, product_hi + lo * m_hi + hi * m_lo + c_hi + carry


def _jump(lo, hi, c_lo, c_hi):  # pragma: no cover - compiled by numba (inlined)
    """(lo, hi) of a^W s + c_W mod 2^128: one lane's move by W words."""
    return _limbs(lo, hi, _JUMP_LO, _JUMP_HI, c_lo, c_hi)


def _fill_words_kernel(state, out):  # pragma: no cover - compiled by numba
    """out[:] = the generator's next len(out) 64-bit words (``random_raw``), its state moved on."""
    fill_lanes(state, out, np.empty((2, LANES), dtype=np.uint64))


def _fill_lanes_kernel(state, out, lanes):  # pragma: no cover - compiled by numba
    """:func:`fill_words` with the lanes' states in the caller's scratch ``lanes`` [2, W] (a loop
    over rows allocates it once)."""
    m, W = out.shape[0], LANES
    lo, hi, inc_lo, inc_hi = state[0], state[1], state[2], state[3]
    if m < 2 * W:
        for k in range(m):
            lo, hi = _step(lo, hi, inc_lo, inc_hi)
            out[k] = _word(lo, hi)
        state[0], state[1] = lo, hi
        return
    lanes_lo, lanes_hi = lanes[0], lanes[1]
    zero = np.uint64(0)
    for j in range(W):  # the states of words 0..W-1 side by side: a^(j+1) s + c (1 + a + ... + a^j)
        sum_lo, sum_hi = _limbs(inc_lo, inc_hi, _SUM_LO[j], _SUM_HI[j], zero, zero)
        lanes_lo[j], lanes_hi[j] = _limbs(lo, hi, _POW_LO[j], _POW_HI[j], sum_lo, sum_hi)
    c_lo, c_hi = _limbs(inc_lo, inc_hi, _SUM_LO[W - 1], _SUM_HI[W - 1], zero, zero)  # c_W
    blocks = m // W
    for t in range(blocks - 1):
        for j in range(W):
            a, b = lanes_lo[j], lanes_hi[j]
            out[t * W + j] = _word(a, b)
            lanes_lo[j], lanes_hi[j] = _lane_jump(a, b, c_lo, c_hi)
    last = (blocks - 1) * W
    for j in range(W):
        out[last + j] = _word(lanes_lo[j], lanes_hi[j])
    lo, hi = lanes_lo[W - 1], lanes_hi[W - 1]
    for j in range(m - blocks * W):  # the rest, one lane further on
        lo, hi = _lane_jump(lanes_lo[j], lanes_hi[j], c_lo, c_hi)
        out[blocks * W + j] = _word(lo, hi)
    state[0], state[1] = lo, hi


if numba is not None:
    _word = numba.njit(inline="always")(_output)
    _limbs = numba.njit(inline="always")(_affine)
    _lane_jump = numba.njit(inline="always")(_jump)
    fill_lanes = numba.njit(nogil=True, cache=True)(_fill_lanes_kernel)
    fill_words = numba.njit(nogil=True, cache=True)(_fill_words_kernel)
    state_at = numba.njit(inline="always")(_state_at_kernel)
else:  # pragma: no cover - depends on the environment
    fill_lanes = fill_words = state_at = None


def _state_view(bit_generator: np.random.BitGenerator) -> np.ndarray:
    """uint64[4] over the generator's (state, increment), as numpy keeps them (see the module docstring)."""
    inner = ctypes.c_void_p.from_address(bit_generator.ctypes.state_address).value
    if not inner:
        raise ValueError(f"{type(bit_generator).__name__} has no PCG64 state behind its state address")
    words = (ctypes.c_uint64 * 4).from_address(inner)
    setattr(words, "owner", bit_generator)  # the view keeps the generator (and so its state's memory) alive
    return np.ctypeslib.as_array(words)


@functools.lru_cache(maxsize=None)
def layout_is_numpys() -> bool:
    """Whether the compiled steps reproduce ``random_raw`` on this numpy build (checked once)."""
    if numba is None:
        return False
    ours, theirs = np.random.PCG64(20261207), np.random.PCG64(20261207)
    short, long = np.empty(9, dtype=np.uint64), np.empty(4 * LANES + 3, dtype=np.uint64)
    view = _state_view(ours)
    fill_words(view, short)  # the scalar steps
    fill_words(view, long)  # the lanes
    return bool(np.array_equal(np.concatenate([short, long]), theirs.random_raw(short.size + long.size))
                and ours.state == theirs.state)


class StateViews:
    """The PCG64 states of some generators for the kernels: ``addresses`` (uint64 [R], where each
    state lies in numpy's memory; a kernel reads state r with ``state_at(addresses, r)``: an array
    index where a typed list's item costs ~35 ns) and, indexed or iterated, uint64[4] views.  It
    keeps the generators, and so the memory the addresses point to, alive."""

    def __init__(self, generators):
        self._views = [_state_view(g.bit_generator) for g in generators]
        self.addresses = np.array([v.ctypes.data for v in self._views], dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._views)

    def __getitem__(self, r: int) -> np.ndarray:
        return self._views[r]

    def __iter__(self):
        return iter(self._views)


def state_views(generators) -> StateViews | None:
    """The generators' states as :class:`StateViews`, or None where they are not all PCG64 or the
    layout is not numpy's."""
    if not layout_is_numpys() or any(type(g.bit_generator) is not np.random.PCG64 for g in generators):
        return None
    return StateViews(generators)
