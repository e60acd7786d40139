"""The engine's long table of recorded rounds, built once (``records_frame``), is the frame that
``pd.concat`` of one DataFrame per round gives: same columns in the same order, same dtypes, same
values; rows whose keys differ still concatenate with NaN fill."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sims.engine import records_frame


def _reference(columns, rows):
    return pd.concat([pd.DataFrame({**columns, **row}) for row in rows], ignore_index=True)


def _rows(R=3, rounds=(0, 5, 10)):
    rng = np.random.default_rng(0)
    return [{"round": np.full(R, t), "grad_sq": np.where(rng.random(R) < 0.3, np.nan, rng.random(R)),
             "bits_up": rng.integers(0, 9, R).astype(float), "diverged": rng.random(R) < 0.5} for t in rounds]


COLUMNS = {"replica": np.arange(3), "seed": np.array([7, 7, 8]), "algorithm.lr": np.array([0.1, 0.2, 0.3]),
           "attack.name": np.array(["alie", "ipm", "alie"])}


def test_one_frame_equals_the_concatenation_of_per_round_frames():
    rows = _rows()
    pd.testing.assert_frame_equal(records_frame(COLUMNS, rows), _reference(COLUMNS, rows))


def test_a_row_key_overriding_a_job_column_keeps_its_place():
    rows = [{**r, "seed": np.array([1, 2, 3])} for r in _rows()]
    got = records_frame(COLUMNS, rows)
    pd.testing.assert_frame_equal(got, _reference(COLUMNS, rows))
    assert list(got.columns)[:2] == ["replica", "seed"]


def test_rows_with_other_keys_fall_back_to_the_concatenation():
    rows = _rows()
    rows[1] = {**rows[1], "acc": np.array([0.5, 0.6, 0.7])}
    pd.testing.assert_frame_equal(records_frame(COLUMNS, rows), _reference(COLUMNS, rows))


def test_an_order_sorts_the_rows_as_a_stable_sort_values():
    """Replicas out of order and repeated (two seeds of one replica): numpy's stable lexsort gives
    sort_values' rows, on both paths."""
    columns = {**COLUMNS, "replica": np.array([2, 0, 2])}
    order = ("replica", "round")
    for rows in (_rows(), [*_rows()[:1], {**_rows()[1], "acc": np.array([0.5, 0.6, 0.7])}]):
        want = _reference(columns, rows).sort_values(list(order), kind="stable", ignore_index=True)
        got = records_frame(columns, rows, order=order)
        pd.testing.assert_frame_equal(got, want)
        assert list(got["replica"]) == sorted(got["replica"])
