r"""numpy's PCG64 stepped inside compiled code, on the generator's own state (numba, optional).

PCG64 (O'Neill 2014; numpy's default bit generator) is the 128-bit linear congruential generator
:math:`s \leftarrow a s + c \pmod{2^{128}}` whose 64-bit word is the XSL-RR output of the new state,
:math:`\operatorname{rotr}_{64}(s_{hi} \oplus s_{lo},\; s_{hi} \gg 58)`.  numpy's ``next_uint64``
reaches it through a function pointer, one dependent 128-bit multiply after another (about 2 ns a
word on a 2-core EPYC).  Here the step is inlined (LLVM's 128-bit integers) and :func:`fill_words4`
steps four replicas' generators in one loop, so that their multiplies overlap (about 1.25 ns a word).

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


def _fill_words_kernel(state, out):  # pragma: no cover - compiled by numba
    """out[:] = the generator's next len(out) 64-bit words (``random_raw``), its state moved on."""
    lo, hi, inc_lo, inc_hi = state[0], state[1], state[2], state[3]
    for k in range(out.shape[0]):
        lo, hi = _step(lo, hi, inc_lo, inc_hi)
        out[k] = _word(lo, hi)
    state[0], state[1] = lo, hi


def _fill_words4_kernel(s0, s1, s2, s3, out):  # pragma: no cover - compiled by numba
    """out[i] = the next out.shape[1] words of generator i, for four generators in one loop."""
    a0, b0, a1, b1, a2, b2, a3, b3 = s0[0], s0[1], s1[0], s1[1], s2[0], s2[1], s3[0], s3[1]
    for k in range(out.shape[1]):
        a0, b0 = _step(a0, b0, s0[2], s0[3])
        a1, b1 = _step(a1, b1, s1[2], s1[3])
        a2, b2 = _step(a2, b2, s2[2], s2[3])
        a3, b3 = _step(a3, b3, s3[2], s3[3])
        out[0, k], out[1, k], out[2, k], out[3, k] = _word(a0, b0), _word(a1, b1), _word(a2, b2), _word(a3, b3)
    s0[0], s0[1], s1[0], s1[1], s2[0], s2[1], s3[0], s3[1] = a0, b0, a1, b1, a2, b2, a3, b3


if numba is not None:
    _word = numba.njit(inline="always")(_output)
    fill_words = numba.njit(nogil=True, cache=True)(_fill_words_kernel)
    fill_words4 = numba.njit(nogil=True, cache=True)(_fill_words4_kernel)
else:  # pragma: no cover - depends on the environment
    fill_words = fill_words4 = None


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
    ours, theirs = ([np.random.PCG64(20261207 + i) for i in range(4)] for _ in range(2))
    one, four = np.empty(9, dtype=np.uint64), np.empty((4, 3), dtype=np.uint64)
    fill_words(_state_view(ours[0]), one)
    s0, s1, s2, s3 = (_state_view(g) for g in ours)
    fill_words4(s0, s1, s2, s3, four)
    expected = [g.random_raw(12 if i == 0 else 3) for i, g in enumerate(theirs)]
    return bool(np.array_equal(one, expected[0][:9]) and np.array_equal(four[0], expected[0][9:])
                and all(np.array_equal(four[i], expected[i]) for i in range(1, 4))
                and all(a.state == b.state for a, b in zip(ours, theirs)))


def state_views(generators):
    """The generators' states as the kernels' typed list of uint64[4] views (each keeps its
    generator alive), or None where they are not all PCG64 or the layout is not numpy's."""
    if not layout_is_numpys() or any(type(g.bit_generator) is not np.random.PCG64 for g in generators):
        return None
    return List([_state_view(g.bit_generator) for g in generators])
