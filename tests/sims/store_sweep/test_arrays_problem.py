"""The built-in ``arrays`` problem: one's own labelled data from .npz / .csv / .parquet, split iid or
by Dirichlet labels, with train and held-out accuracy; results follow the file's contents."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sims import ExperimentConfig, run
from sims.errors import ConfigError
from sims.store import point_digest


def blobs(seed=0, N=240, d=4):
    """Two Gaussian classes with labels 'a' / 'b' (separable in expectation along the first axis)."""
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(N) < 0.5, "a", "b")
    X = rng.standard_normal((N, d)) + np.where(labels == "a", 1.5, -1.5)[:, None] * np.eye(d)[0]
    return X, labels


def write(tmp_path, fmt, X, labels):
    path = tmp_path / f"data.{fmt}"
    table = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(label=labels)
    if fmt == "npz":
        np.savez(path, X=X, y=labels)
    elif fmt == "csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path)
    return path


def config(path, **problem):
    return ExperimentConfig.from_dict({
        "problem": {"name": "arrays", "path": str(path), "labels": "y" if str(path).endswith(".npz") else "label",
                    "positive": "a", "lam": 0.01, **problem},
        "algorithm": {"name": "robust_dshb", "lr": 0.5, "beta": 0.5}, "workers": {"n": 6, "f": 0},
        "run": {"T": 60, "seeds": 2, "record_every": 30, "progress": False}})


def test_the_three_formats_give_the_same_workers_and_training_raises_both_accuracies(tmp_path):
    X, labels = blobs()
    data = [config(write(tmp_path, fmt, X, labels), split="dirichlet", dir_alpha=0.3, test_fraction=0.25)
            .problem.worker_data(6) for fmt in ("npz", "csv", "parquet")]
    for A, y in data[1:]:
        np.testing.assert_allclose(A, data[0][0], atol=1e-12)
        np.testing.assert_array_equal(y, data[0][1])
    A, y = data[0]
    assert A.shape == (6, 180 // 6, 5) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.ptp((y > 0).mean(axis=1)) > 0.3  # Dirichlet(0.3): label-skewed workers
    result = run(config(tmp_path / "data.csv", test_fraction=0.25))
    first = result.records[result.records["round"] == 0]
    for column in ("accuracy", "test_accuracy"):
        assert result.summary[column].min() > 0.8 > first[column].mean()


def test_results_follow_the_file_contents_and_bad_input_is_one_line(tmp_path):
    X, labels = blobs()
    path = write(tmp_path, "npz", X, labels)
    before = point_digest(config(path))
    assert point_digest(config(path)) == before
    write(tmp_path, "npz", X + 1e-3, labels)
    assert point_digest(config(path)) != before  # same path, other contents: another point
    with pytest.raises(ConfigError, match="problem.path"):
        config(tmp_path / "data.txt")
    with pytest.raises(ConfigError, match="problem.labels"):
        config(path, labels="target").problem.dimension()
    with pytest.raises(ConfigError, match="no such data file"):
        config(tmp_path / "missing.npz").problem.dimension()
