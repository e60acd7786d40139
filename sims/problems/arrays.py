r"""``arrays``: logistic regression on one's own labelled data, read from a ``.npz``, ``.csv`` or
``.parquet`` file.

Features X [N, d] and class labels [N] (``.npz``: the arrays ``features`` and ``labels`` name;
tables: the ``labels`` column, every other column a feature).  Targets are +1 for the class
``positive`` and -1 otherwise; features are standardised with a bias column (as for
``logistic_real``).  Samples go to workers iid, by Dirichlet(alpha) class proportions or sorted by
label (:mod:`sims.problems.splits`); ``test_fraction`` holds some out for ``test_accuracy``.  The
file's contents are part of the store key, so editing the data recomputes.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..params import Rule, param
from ..registry import register
from .logistic import LabelledDataSpec, standardized

FORMATS = (".npz", ".csv", ".parquet")


@dataclass(frozen=True)
class Text(Rule):
    """A non-empty string."""

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def describe(self) -> str:
        return "must be a non-empty string"


@register("problem", "arrays")
@dataclass(frozen=True)
class ArraysSpec(LabelledDataSpec):
    """Logistic regression on the labelled samples of a .npz / .csv / .parquet file."""

    path: str = param("data.npz", Text(), "data file: .npz (arrays), .csv or .parquet (a table)")
    features: str = param("X", Text(), ".npz: the features array [N, d]")
    labels: str = param("y", Text(), ".npz: the labels array [N]; tables: the label column")
    positive: str = param("1", Text(), "the class that is +1 (others -1)")

    def validate(self) -> None:
        if Path(self.path).suffix.lower() not in FORMATS:
            raise ConfigError("problem.path", self.path, "must end in " + ", ".join(FORMATS))

    def data_files(self) -> tuple[str, ...]:
        return (self.path,)

    def load(self):
        return _read(self.path, self.features, self.labels, *_stamp(self.path))

    def signs(self, labels):
        """+1 where the label equals ``positive`` (numerically for numeric labels: "1" matches 1.0)."""
        if np.issubdtype(labels.dtype, np.number):
            try:
                return np.where(labels == float(self.positive), 1.0, -1.0)
            except ValueError:
                return -np.ones(len(labels))
        return np.where(labels.astype(str) == self.positive, 1.0, -1.0)


def _stamp(path: str) -> tuple[int, int]:
    """(mtime, size) of the file: a new version is read again despite the cache."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError("problem.path", path, "no such data file")
    st = p.stat()
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _read(path: str, features: str, labels: str, mtime: int, size: int):
    """Standardised features [N, d + 1] and labels [N] of the file (``mtime``, ``size``: cache key)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            for key in (features, labels):
                if key not in data:
                    raise ConfigError("problem.features" if key == features else "problem.labels", key,
                                      "must name an array of " + path + ": " + ", ".join(data.files))
            X, y = np.asarray(data[features], dtype=float), np.asarray(data[labels])
    else:
        import pandas as pd

        table = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
        if labels not in table:
            raise ConfigError("problem.labels", labels, "must be a column of " + path + ": "
                              + ", ".join(map(str, table.columns)))
        y = table[labels].to_numpy()
        X = table.drop(columns=[labels]).to_numpy(dtype=float)
    if X.ndim != 2 or len(X) != len(y) or y.ndim != 1:
        raise ConfigError("problem.path", path, f"needs features [N, d] and labels [N]; got {X.shape} and {y.shape}")
    if not np.isfinite(X).all():
        raise ConfigError("problem.path", path, "features must be finite numbers")
    return standardized(X), y
