r"""numpy's PCG64 stepped inside compiled code, on the generator's own state (numba, optional).

PCG64 (O'Neill 2014; numpy's default bit generator) is the 128-bit linear congruential generator
:math:`s \leftarrow a s + c \pmod{2^{128}}` whose 64-bit word is the XSL-RR output of the new state,
:math:`\operatorname{rotr}_{64}(s_{hi} \oplus s_{lo},\; s_{hi} \gg 58)`.  numpy's ``next_uint64``
reaches it through a function pointer, one dependent 128-bit multiply after another (about 2 ns a
word on a 2-core EPYC).  Here the words of one generator are stepped in :data:`LANES` lanes side by
side (jump-ahead): lane j holds the state of word ``LANES t + j`` and moves on by
:math:`s \leftarrow a^{W} s + c_W`, :math:`c_W = c (1 + a + \dots + a^{W-1})`, W = :data:`LANES`,
written in 32-bit limbs so that LLVM vectorises it (0.6 ns a word on that EPYC with AVX-512,
against 1.35 ns for four generators' 128-bit steps interleaved and 2 ns for numpy's call).

The kernels read and write the memory numpy keeps the state in, through :func:`state_views`: per
generator a uint64 view ``(s_lo, s_hi, c_lo, c_hi)`` (``BitGenerator.ctypes.state_address`` points to
a struct whose first member points to the 128-bit state and increment).  A numpy call after them
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
    from numba.typed import List  # type: ignore[import-not-found,import-untyped,unused-ignore]
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


def _output(lo, hi):  # pragma: no cover - compiled by numba (inlined)
    """XSL-RR: the 64-bit word of the state (lo, hi)."""
    x, r = hi ^ lo, hi >> np.uint64(58)
    return (x >> r) | (x << ((np.uint64(64) - r) & np.uint64(63)))


LANES = 16  # words stepped side by side; 16 fills two 8-lane AVX-512 registers (8 lanes did not vectorise)
_JUMP = pow(MULTIPLIER, LANES, 1 << 128)  # a^W mod 2^128
_JUMP_LO, _JUMP_HI = np.uint64(_JUMP & (2**64 - 1)), np.uint64(_JUMP >> 64)
_JUMP_LO0, _JUMP_LO1 = np.uint64(_JUMP & 0xFFFFFFFF), np.uint64((_JUMP >> 32) & 0xFFFFFFFF)
_LOW32, _32 = np.uint64(0xFFFFFFFF), np.uint64(32)


def _jump(lo, hi, c_lo, c_hi):  # pragma: no cover - compiled by numba (inlined)
    """(lo, hi) of a^W s + c_W mod 2^128 in uint64 ops only (the high half of lo * a^W_lo from four
    32-bit products), so that the lanes' loop vectorises."""
    x0, x1 = lo & _LOW32, lo >> _32
    p00, p01, p10, p11 = x0 * _JUMP_LO0, x0 * _JUMP_LO1, x1 * _JUMP_LO0, x1 * _JUMP_LO1
    middle = (p00 >> _32) + (p01 & _LOW32) + (p10 & _LOW32)
    product_hi = p11 + (p01 >> _32) + (p10 >> _32) + (middle >> _32)
    product_lo = lo * _JUMP_LO
    new_lo = product_lo + c_lo
    carry = np.uint64(new_lo < product_lo)
    return new_lo, product_hi + lo * _JUMP_HI + hi * _JUMP_LO + c_hi + carry


def _fill_words_kernel(state, out):  # pragma: no cover - compiled by numba
    """out[:] = the generator's next len(out) 64-bit words (``random_raw``), its state moved on."""
    m, W = out.shape[0], LANES
    lo, hi, inc_lo, inc_hi = state[0], state[1], state[2], state[3]
    if m < 2 * W:
        for k in range(m):
            lo, hi = _step(lo, hi, inc_lo, inc_hi)
            out[k] = _word(lo, hi)
        state[0], state[1] = lo, hi
        return
    c_lo, c_hi = np.uint64(0), np.uint64(0)  # c_W: W steps from the zero state
    lanes_lo, lanes_hi = np.empty(W, dtype=np.uint64), np.empty(W, dtype=np.uint64)
    for j in range(W):
        c_lo, c_hi = _step(c_lo, c_hi, inc_lo, inc_hi)
        lo, hi = _step(lo, hi, inc_lo, inc_hi)
        lanes_lo[j], lanes_hi[j] = lo, hi  # the states of words 0..W-1
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
    _lane_jump = numba.njit(inline="always")(_jump)
    fill_words = numba.njit(nogil=True, cache=True)(_fill_words_kernel)
else:  # pragma: no cover - depends on the environment
    fill_words = None


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


def state_views(generators):
    """The generators' states as the kernels' typed list of uint64[4] views (each keeps its
    generator alive), or None where they are not all PCG64 or the layout is not numpy's."""
    if not layout_is_numpys() or any(type(g.bit_generator) is not np.random.PCG64 for g in generators):
        return None
    return List([_state_view(g.bit_generator) for g in generators])
