"""Per-replica random streams.

Replica ``r`` of a run with seed ``s`` owns independent streams keyed by ``(s, r, purpose)``
(``purpose`` in :data:`PURPOSES`), built from numpy's ``SeedSequence`` (no global seeding, no
arithmetic seed mixing).  A replica's numbers therefore do not depend on which other replicas share
its batch, and separate purposes give common random numbers across methods: two algorithms that make
the same oracle calls see the same gradient noise, whatever their compressor or attack draws.

Normal draws are made in the run's float dtype: float64 normals from numpy's ``standard_normal``,
float32 normals from the same generator's raw words through the project's float32 ziggurat
(:mod:`sims.ziggurat`; with numba 2.3 ns a number on a 2-core EPYC, where the float64 ones take
3.3 ns and numpy's ~8 ns in either dtype), so a float32 run is not paced by float64-priced draws.
With numba the rows of all replicas are drawn in one compiled pass (:mod:`sims.native_rng`:
numba's own binding of the same generators, or their PCG64 states stepped in compiled code
(:mod:`sims.pcg64`), the same numbers and states bit for bit, float64 normals at ~2.3 ns a number
on the 2-core Xeon instead of numpy's ~8.5 ns a call away);
uniform keys, coins and indices stay float64 / int64.  With ``run.rng = "host"`` (the default) every
draw is made on the host and moved to the backend, so numpy and torch runs see the same numbers;
``run.rng = "device"`` (:class:`DeviceStreams`) draws the normals and uniforms on the backend's device
from one ``torch.Generator`` per (seed, replica, purpose).  The loop over replicas here is the one
place where the engine loops over R (one generator call per replica and draw).

Stream versions (:data:`STREAM_VERSION`, part of every store key):

* 1: masks of a coordinated Rand-K from ``Generator.choice``, float64 normals in every run;
* 2: every uniform k-subset from per-replica uniform keys and one batched ``argpartition`` (one
  generator call per replica instead of a ``choice``, whose Python overhead paced the round at
  d = 100); float32 runs draw float32 normals (numpy's float32 ``standard_normal``);
* 3: float32 normals from :func:`sims.ziggurat.standard_normal_float32` over the replica's PCG64 raw
  words (numpy's float32 ziggurat costs nearly its float64 one); float64 draws unchanged.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import native_rng, pcg64
from .ziggurat import standard_normal_float32

#: Version of the streams' numbers: bumped whenever a draw changes (see the module docstring).
STREAM_VERSION = 3

PURPOSES = ("init", "oracle", "compress", "shared", "attack", "aggregate", "sampling")


class ReplicaStreams:
    """Stateful generators, one per (replica, purpose); passed explicitly, never global."""

    def __init__(self, seeds: Sequence[int], replicas: Sequence[int], dtype: str = "float64"):
        self.dtype = np.dtype(dtype)
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self.replicas = np.asarray(replicas, dtype=np.int64)
        if self.seeds.shape != self.replicas.shape:
            raise ValueError("seeds and replicas must have the same length")
        self._gens: dict[str, list[np.random.Generator]] = {}
        self._native: dict[str, object] = {}  # purpose -> the generators as a numba typed list
        self._states: dict[str, object] = {}  # purpose -> their PCG64 states as a numba typed list (or None)

    def __getstate__(self) -> dict:
        """Pickled and copied without the compiled kernels' typed lists (they point into these
        generators' memory, and numba cannot pickle them): a copy rebuilds its own on first use."""
        return {**self.__dict__, "_native": {}, "_states": {}}

    @property
    def R(self) -> int:
        return len(self.replicas)

    def generators(self, purpose: str) -> list[np.random.Generator]:
        if purpose not in PURPOSES:
            raise ValueError(f"purpose {purpose!r} not in {PURPOSES}")
        if purpose not in self._gens:
            code = PURPOSES.index(purpose)
            self._gens[purpose] = [
                np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(s), int(r), code])))
                for s, r in zip(self.seeds, self.replicas)
            ]
        return self._gens[purpose]

    def native_generators(self, purpose: str):
        """The generators of ``purpose`` as the typed list of :mod:`sims.native_rng` (built once)."""
        if purpose not in self._native:
            self._native[purpose] = native_rng.generator_list(self.generators(purpose))
        return self._native[purpose]

    def native_states(self, purpose: str):
        """The PCG64 states of ``purpose``'s generators as :func:`sims.pcg64.state_views` (built
        once; None where the compiled steps do not apply)."""
        if purpose not in self._states:
            self._states[purpose] = pcg64.state_views(self.generators(purpose))
        return self._states[purpose]

    def subset(self, index: np.ndarray) -> "ReplicaStreams":
        """Streams of a subset of replicas (sharing the generator objects)."""
        out = ReplicaStreams(self.seeds[index], self.replicas[index], self.dtype.name)
        for purpose, gens in self._gens.items():
            out._gens[purpose] = [gens[i] for i in np.atleast_1d(index)]
        return out

    # --- draws, each of shape (R, *shape) -------------------------------------------------
    def normal(self, purpose: str, shape: tuple[int, ...]) -> np.ndarray:
        """Standard normals in the run's dtype."""
        return self.normal_into(purpose, np.empty((self.R,) + tuple(shape), dtype=self.dtype))

    def normal_into(self, purpose: str, out: np.ndarray) -> np.ndarray:
        """Fill the C-ordered host array ``out`` [R, ...] of the run's dtype with the numbers of
        :meth:`normal` (the same draws: a caller can compute over them in place, nothing to stack)."""
        if out.dtype != self.dtype or out.shape[:1] != (self.R,) or not out.flags.c_contiguous:
            raise ValueError(f"normal_into: out must be a C-ordered {self.dtype} array [R = {self.R}, ...], "
                             f"got {out.dtype} {out.shape}")
        flat = out.reshape(self.R, -1)
        states = self.native_states(purpose) if self.dtype == np.float32 and native_rng.FLOAT32 else None
        if states is not None:  # the same numbers, one compiled pass
            native_rng.standard_normal_float32_rows(states, flat)
        elif self.dtype == np.float32:
            for g, row in zip(self.generators(purpose), flat):
                standard_normal_float32(g.bit_generator, row)
        elif native_rng.AVAILABLE:
            native_rng.standard_normal_rows(self.native_generators(purpose), flat)
        else:
            for g, row in zip(self.generators(purpose), flat):
                g.standard_normal(out=row)
        return out

    def normal_on(self, purpose: str, shape: tuple[int, int], coords: np.ndarray) -> np.ndarray:
        """The numbers of :meth:`normal` (``purpose``, shape = (h, d)) at the columns ``coords``
        [R, k] of each replica: [R, h, k].  Every normal is drawn (the same draws, the generators
        end where :meth:`normal` leaves them); with numba each replica's h d numbers pass through a
        small buffer instead of an [R, h, d] array."""
        h, d = shape
        coords = np.ascontiguousarray(coords, dtype=np.int64)
        if coords.ndim != 2 or coords.shape[0] != self.R:
            raise ValueError(f"normal_on: coords must be [R = {self.R}, k], got shape {coords.shape}")
        out = np.empty((self.R, h, coords.shape[1]), dtype=self.dtype)
        states = self.native_states(purpose) if self.dtype == np.float32 and native_rng.FLOAT32 else None
        if states is not None:
            return native_rng.standard_normal_float32_rows_on(states, (h, d), coords, out)
        if self.dtype == np.float64 and native_rng.AVAILABLE:
            return native_rng.standard_normal_rows_on(self.native_generators(purpose), (h, d), coords, out)
        if coords.size and (coords.min() < 0 or coords.max() >= d):
            raise native_rng.out_of_range(coords, d)
        return np.take_along_axis(self.normal(purpose, (h, d)), coords[:, None, :], axis=-1)

    def uniform(self, purpose: str, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty((self.R,) + tuple(shape))
        flat = out.reshape(self.R, -1)
        states = self.native_states(purpose) if native_rng.AVAILABLE else None
        if states is not None:  # the same numbers, the words stepped in lanes
            native_rng.uniform_rows_from_states(states, flat)
        elif native_rng.AVAILABLE:
            native_rng.uniform_rows(self.native_generators(purpose), flat)
        else:
            for g, row in zip(self.generators(purpose), flat):
                g.random(out=row)
        return out

    def integers(self, purpose: str, high: int, shape: tuple[int, ...]) -> np.ndarray:
        return np.stack([g.integers(0, high, size=shape) for g in self.generators(purpose)])

    def bernoulli(self, purpose: str, p: float, shape: tuple[int, ...] = ()) -> np.ndarray:
        return np.stack([g.random(shape) < p for g in self.generators(purpose)])

    def subsets(self, purpose: str, d: int, k: int, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform k-subsets of [d] without replacement: int array (R, *shape, k), the indices of
        the k smallest of d uniform keys per subset (float64 keys: ties have probability ~ d^2 2^-54),
        one batched ``argpartition`` over every replica."""
        keys = self.uniform(purpose, tuple(shape) + (d,))
        return native_rng.numpy_smallest_k(keys, k) if k < d else np.argsort(keys, axis=-1)

    def subset_masks(self, purpose: str, d: int, k: int, shape: tuple[int, ...] = ()):
        """The uniform k-subsets of :meth:`subsets` as bool masks (R, *shape, d), on the host."""
        if native_rng.AVAILABLE and 0 < k < d:  # the same sets, one compiled pass over the keys
            keys = self.uniform(purpose, tuple(shape) + (d,))
            return native_rng.smallest_k_masks(keys.reshape(-1, d), k).reshape(keys.shape)
        idx = self.subsets(purpose, d, k, shape)
        mask = np.zeros(idx.shape[:-1] + (d,), dtype=bool)
        np.put_along_axis(mask, idx, True, axis=-1)
        return mask

    def subset_coordinates(self, purpose: str, d: int, k: int) -> np.ndarray:
        """The uniform k-subsets of :meth:`subsets` (the same draws) in ascending order: host int64 (R, k)."""
        if native_rng.AVAILABLE and 0 < k < d:  # listed by the compiled pass over the keys
            return native_rng.smallest_k_coordinates(self.uniform(purpose, (d,)), k)
        return np.sort(self.subsets(purpose, d, k), axis=-1)

    def permutations(self, purpose: str, m: int, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform permutations of [m]: int array (R, *shape, m)."""
        return np.stack([np.argsort(g.random(shape + (m,)), axis=-1) for g in self.generators(purpose)])


class DeviceStreams(ReplicaStreams):
    """``run.rng = "device"``: normals, uniforms and subset masks drawn on the torch device from one
    ``torch.Generator`` per (seed, replica, purpose) (seeded from the same SeedSequence key, so a
    replica's numbers still do not depend on its batch), returned as device tensors; integers,
    coins and permutations (small index draws) stay on the host generators."""

    def __init__(self, seeds: Sequence[int], replicas: Sequence[int], dtype: str = "float64", device: str = "cpu"):
        super().__init__(seeds, replicas, dtype)
        self.device = device
        self._torch_gens: dict[str, list] = {}

    def subset(self, index: np.ndarray) -> "DeviceStreams":
        out = DeviceStreams(self.seeds[index], self.replicas[index], self.dtype.name, self.device)
        for source, target in ((self._gens, out._gens), (self._torch_gens, out._torch_gens)):
            for purpose, gens in source.items():
                target[purpose] = [gens[i] for i in np.atleast_1d(index)]
        return out

    def torch_generators(self, purpose: str) -> list:
        import torch

        if purpose not in PURPOSES:
            raise ValueError(f"purpose {purpose!r} not in {PURPOSES}")
        if purpose not in self._torch_gens:
            code = PURPOSES.index(purpose)
            gens = []
            for s, r in zip(self.seeds, self.replicas):
                key = np.random.SeedSequence([int(s), int(r), code]).generate_state(2, np.uint64)[1]
                gens.append(torch.Generator(device=self.device).manual_seed(int(key) & (2**63 - 1)))
            self._torch_gens[purpose] = gens
        return self._torch_gens[purpose]

    def _fill(self, purpose: str, shape: tuple[int, ...], dtype, method: str):
        import torch

        out = torch.empty((self.R,) + tuple(shape), dtype=dtype, device=self.device)
        for g, row in zip(self.torch_generators(purpose), out):  # each row is drawn in place
            getattr(row, method)(generator=g)
        return out

    def normal(self, purpose: str, shape: tuple[int, ...]):
        import torch

        return self._fill(purpose, shape, getattr(torch, self.dtype.name), "normal_")

    def normal_on(self, purpose: str, shape: tuple[int, int], coords: np.ndarray):
        """:meth:`normal` at the columns ``coords`` [R, k]: a device tensor [R, h, k]."""
        import torch

        z = self.normal(purpose, shape)
        idx = torch.as_tensor(np.asarray(coords, dtype=np.int64), device=z.device)
        return torch.take_along_dim(z, idx[:, None, :].expand(-1, shape[0], -1), dim=-1)

    def uniform(self, purpose: str, shape: tuple[int, ...]):
        import torch

        return self._fill(purpose, shape, torch.float64, "uniform_")

    def subset_masks(self, purpose: str, d: int, k: int, shape: tuple[int, ...] = ()):
        """The k smallest of d float64 uniform keys per subset, as a device bool mask."""
        import torch

        keys = self.uniform(purpose, tuple(shape) + (d,))
        idx = torch.topk(keys, k, dim=-1, largest=False, sorted=False).indices
        return torch.zeros(keys.shape, dtype=torch.bool, device=self.device).scatter_(-1, idx, True)

    def subset_coordinates(self, purpose: str, d: int, k: int) -> np.ndarray:
        return np.sort(self.subsets(purpose, d, k), axis=-1)

    def subsets(self, purpose: str, d: int, k: int, shape: tuple[int, ...] = ()) -> np.ndarray:
        keys = self.uniform(purpose, tuple(shape) + (d,)).cpu().numpy()
        return native_rng.numpy_smallest_k(keys, k) if k < d else np.argsort(keys, axis=-1)
