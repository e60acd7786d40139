"""Splitting a labelled dataset across honest workers, with equal worker sizes (vectorizable).

* ``iid``: a uniform random partition;
* ``dirichlet``: per worker class proportions ~ Dir(alpha), filled without replacement from the
  remaining pool (the RoSDHB code's equal-size Dirichlet split); small alpha -> label-skewed workers;
* ``label_sorted``: sort by label and cut contiguous chunks (ByzFL's "extreme non-iid").
"""
from __future__ import annotations

import numpy as np


def split_indices(labels: np.ndarray, n_workers: int, how: str, rng: np.random.Generator,
                  alpha: float = 1.0) -> np.ndarray:
    """Index array (n_workers, m) with m = len(labels) // n_workers."""
    N = len(labels)
    m = N // n_workers
    if m < 1:
        raise ValueError(f"{N} samples cannot be split over {n_workers} workers")
    if how == "iid":
        return rng.permutation(N)[: n_workers * m].reshape(n_workers, m)
    if how == "label_sorted":
        order = np.argsort(labels, kind="stable")
        return order[: n_workers * m].reshape(n_workers, m)
    if how != "dirichlet":
        raise ValueError(f"split {how!r} not in ('iid', 'dirichlet', 'label_sorted')")
    classes = np.unique(labels)
    pools = {c: list(rng.permutation(np.flatnonzero(labels == c))) for c in classes}
    out = np.empty((n_workers, m), dtype=np.int64)
    for w in range(n_workers):
        props = rng.dirichlet(alpha * np.ones(len(classes)))
        for j in range(m):
            avail = np.array([len(pools[c]) > 0 for c in classes], dtype=float)
            p = props * avail
            p = p / p.sum() if p.sum() > 0 else avail / avail.sum()
            c = classes[rng.choice(len(classes), p=p)]
            out[w, j] = pools[c].pop()
    return out
