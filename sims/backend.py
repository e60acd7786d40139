"""Array backends: one implementation, written against the array-API namespace of its inputs.

``Backend("numpy")`` or ``Backend("torch", device="cuda")`` turns host (numpy) arrays into backend
arrays; every numeric routine obtains its namespace with :func:`namespace` (array-api-compat) and
never imports numpy or torch itself.  The dtype is kept end to end (no silent float64 -> float32).
"""
from __future__ import annotations

import ctypes
import functools
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_torch_array, to_device

from .errors import ConfigError

BACKENDS = ("numpy", "torch")
DTYPES = ("float64", "float32")


_NUMPY_NAMESPACE = array_namespace(np.empty(0))  # array_api_compat.numpy


def namespace(*arrays):
    """The array-API namespace of ``arrays`` (array_api_compat.numpy or array_api_compat.torch).
    One numpy array, the hot case (2.3 million calls in the quick verification suite), skips
    array_api_compat's type dispatch (~3 us a call)."""
    if len(arrays) == 1 and type(arrays[0]) is np.ndarray:
        return _NUMPY_NAMESPACE
    return array_namespace(*arrays)


@dataclass(frozen=True)
class Backend:
    name: str = "numpy"
    dtype: str = "float64"
    device: str = "cpu"

    def __post_init__(self):
        if self.name not in BACKENDS:
            raise ConfigError("run.backend", self.name, "must be one of " + ", ".join(BACKENDS))
        if self.dtype not in DTYPES:
            raise ConfigError("run.dtype", self.dtype, "must be one of " + ", ".join(DTYPES))
        if self.name == "numpy" and self.device != "cpu":
            raise ConfigError("run.device", self.device, "must be 'cpu' for the numpy backend")
        if self.name == "torch":
            torch = _torch()
            if self.device.startswith("cuda") and not torch.cuda.is_available():
                raise ConfigError("run.device", self.device, "needs a CUDA device; none is available here")

    @property
    def xp(self):
        if self.name == "numpy":
            import array_api_compat.numpy as xp
        else:
            _torch()
            import array_api_compat.torch as xp
        return xp

    @property
    def float_dtype(self):
        return getattr(self.xp, self.dtype)

    def asarray(self, a: Any, dtype: str | None = None):
        """Host data -> backend array of the run's float dtype (or ``dtype``: 'int64', 'bool'); a
        torch tensor (a device draw) is moved and cast without a host round trip."""
        if is_torch_array(a):
            return a.to(device=self.device, dtype=getattr(_torch(), dtype or self.dtype))
        a = np.asarray(a)
        if dtype is None:
            a = a.astype(self.dtype, copy=False)
        elif dtype in ("int64", "bool"):
            a = a.astype(dtype, copy=False)
        if self.name == "numpy":
            return a
        torch = _torch()
        if not a.flags.writeable:  # a read-only view (broadcast, cached data): torch needs its own copy
            a = a.copy()
        return torch.from_numpy(np.ascontiguousarray(a)).to(self.device)


def to_numpy(a) -> np.ndarray:
    """Backend array -> numpy (a copy only when the data live on another device)."""
    if is_torch_array(a):
        return a.detach().to("cpu").numpy()
    return np.asarray(a)


def like(v, host_array: np.ndarray):
    """A host array (or a device tensor) moved to v's library and device, with v's dtype."""
    if is_torch_array(v):
        import torch

        if is_torch_array(host_array):
            return host_array.to(device=v.device, dtype=v.dtype)
        return torch.from_numpy(np.ascontiguousarray(host_array)).to(device=v.device, dtype=v.dtype)
    return np.asarray(host_array).astype(v.dtype, copy=False)


def host(a):
    """Move an array to the host device, keeping its library."""
    return to_device(a, "cpu")


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError("run.backend", "torch", "needs the optional extra: pip install torch==2.13.0") from exc
    return torch


@functools.cache
def keep_freed_memory() -> bool:
    """Let glibc keep freed blocks for reuse (``mallopt``: mmap and trim thresholds of 1 GiB), once
    per process; True when set.

    A round allocates its [R,n,d] temporaries afresh.  Above glibc's default thresholds (128 KiB,
    raised dynamically to a few MiB) every such block is mmap-ed or trimmed back to the system when
    freed and page-faulted in again on the next use: at d = 1e4 that made a momentum update ten times
    slower than its arithmetic (measured: 1.9 ms -> 0.14 ms per replica).  The freed memory stays in
    the process instead (peak memory is unchanged).  Opt out with ``BYZCOMP_MALLOPT=0``; a no-op off
    glibc.
    """
    if os.environ.get("BYZCOMP_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover - not glibc
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
