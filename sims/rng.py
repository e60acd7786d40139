"""Per-replica random streams.

Replica ``r`` of a run with seed ``s`` owns independent streams keyed by ``(s, r, purpose)``
(``purpose`` in :data:`PURPOSES`), built from numpy's ``SeedSequence`` (no global seeding, no
arithmetic seed mixing).  A replica's numbers therefore do not depend on which other replicas share
its batch, and separate purposes give common random numbers across methods: two algorithms that make
the same oracle calls see the same gradient noise, whatever their compressor or attack draws.

Draws are made on the host in float64 and moved to the backend, so numpy and torch runs see the
same numbers.  The loop over replicas here is the one place where the engine loops over R.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

PURPOSES = ("init", "oracle", "compress", "shared", "attack", "aggregate", "sampling")


class ReplicaStreams:
    """Stateful generators, one per (replica, purpose); passed explicitly, never global."""

    def __init__(self, seeds: Sequence[int], replicas: Sequence[int]):
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self.replicas = np.asarray(replicas, dtype=np.int64)
        if self.seeds.shape != self.replicas.shape:
            raise ValueError("seeds and replicas must have the same length")
        self._gens: dict[str, list[np.random.Generator]] = {}

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

    def subset(self, index: np.ndarray) -> "ReplicaStreams":
        """Streams of a subset of replicas (sharing the generator objects)."""
        out = ReplicaStreams(self.seeds[index], self.replicas[index])
        for purpose, gens in self._gens.items():
            out._gens[purpose] = [gens[i] for i in np.atleast_1d(index)]
        return out

    # --- draws, each of shape (R, *shape) -------------------------------------------------
    def normal(self, purpose: str, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty((self.R,) + tuple(shape))  # filled in place: no per-replica arrays to stack
        for g, row in zip(self.generators(purpose), out.reshape(self.R, -1)):
            g.standard_normal(out=row)
        return out

    def uniform(self, purpose: str, shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty((self.R,) + tuple(shape))
        for g, row in zip(self.generators(purpose), out.reshape(self.R, -1)):
            g.random(out=row)
        return out

    def integers(self, purpose: str, high: int, shape: tuple[int, ...]) -> np.ndarray:
        return np.stack([g.integers(0, high, size=shape) for g in self.generators(purpose)])

    def bernoulli(self, purpose: str, p: float, shape: tuple[int, ...] = ()) -> np.ndarray:
        return np.stack([g.random(shape) < p for g in self.generators(purpose)])

    def subsets(self, purpose: str, d: int, k: int, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform k-subsets of [d] without replacement: int array (R, *shape, k)."""
        out = []
        for g in self.generators(purpose):
            if shape:
                keys = g.random(shape + (d,))
                out.append(np.argpartition(keys, k - 1, axis=-1)[..., :k] if k < d else np.argsort(keys, axis=-1))
            else:
                out.append(g.choice(d, size=k, replace=False))
        return np.stack(out)

    def permutations(self, purpose: str, m: int, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform permutations of [m]: int array (R, *shape, m)."""
        return np.stack([np.argsort(g.random(shape + (m,)), axis=-1) for g in self.generators(purpose)])
