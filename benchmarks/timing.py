"""Timing, bandwidth and memory helpers shared by the benchmarks (no timed assertions anywhere)."""
from __future__ import annotations

import time
import tracemalloc
from typing import Callable

import numpy as np


def best_times(fns, repeat: int = 5, budget: float = float("inf")) -> list[float]:
    """The best of up to ``repeat`` timings of each function, interleaved (a load spike hits every
    way), repeated while they have taken less than ``budget`` seconds in all (a run of a few seconds
    is timed once): the minimum, as ``timeit`` takes it, since a shared machine's load only ever adds time."""
    best, spent = [float("inf")] * len(fns), 0.0
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            best[i], spent = min(best[i], elapsed), spent + elapsed
        if spent >= budget:
            break
    return best


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def copy_bandwidth(mbytes: int = 256, repeat: int = 5) -> float:
    """The machine's measured copy bandwidth in bytes/s (read + write of an out-of-cache array)."""
    src = np.ones(mbytes * 2**20 // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    return 2 * src.nbytes / best_times([lambda: np.copyto(dst, src)], repeat)[0]


def peak_bytes(fn: Callable[[], object]) -> int:
    """Peak traced memory (numpy and torch-from-numpy allocations included) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
