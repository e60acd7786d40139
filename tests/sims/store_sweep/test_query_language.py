"""``--query`` is data, not code: hostile queries are refused and leave the store as it was; the language
(comparisons, in, ranges, and / or / not) selects what a boolean mask over the frame selects."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

import sims
from sims.cli import main
from sims.query import QueryError, parse, select
from sims.store import Store

from store_sweep_helpers import stored_records, tiny_sweep

HOSTILE = [
    "replica >= (@Path('x').write_text('owned') * 0)",
    "@pd.io.common.os.system('id > f')",
    "@store._conn.execute('DROP TABLE results')",
    "__import__('os').system('id > f')",
    "replica.__class__.__mro__ == 1",
    "replica == replica",
    "`replica` >= 0 ; DROP TABLE results",
    "algorithm.lr < 1 or exec('x')",
]


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    path = tmp_path_factory.mktemp("q") / "r.sqlite"
    with Store(path) as store:
        tiny_sweep().run(store, executor="serial", progress=False)
    return path


def snapshot(path):
    with Store(path, read_only=True) as store:
        return stored_records(store), {t: store.count(t) for t in ("results", "configs", "computations")}


@pytest.mark.parametrize("query", HOSTILE)
def test_a_hostile_query_is_refused_and_changes_nothing(filled, query, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    before_records, before_counts = snapshot(filled)
    with pytest.raises(QueryError):
        sims.load(filled, query=query)
    assert main(["results", "--store", str(filled), "--query", query]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: query = ") and err.count("\n") == 1  # one line, no traceback
    after_records, after_counts = snapshot(filled)
    assert after_counts == before_counts and after_counts["results"] == 24
    assert all(np.array_equal(before_records[k], after_records[k]) for k in before_records)
    assert list(tmp_path.iterdir()) == []  # no file written (x, f)


def test_the_language_selects_what_the_equivalent_mask_selects(filled):
    frame = sims.load(filled)
    lr, name, f = frame["algorithm.lr"], frame["attack.name"], frame["workers.f"]
    cases = {
        "algorithm.lr < 0.1 and attack.name == 'alie'": (lr < 0.1) & (name == "alie"),
        "0.03 <= algorithm.lr < 0.3": (lr >= 0.03) & (lr < 0.3),
        "0.3 > `algorithm.lr`": lr < 0.3,
        "attack.name in ['alie', \"nothing\"] or not workers.f != 2": (name == "alie") | (f == 2),
        "attack.name not in ('alie') & ~(replica == 1)": (name != "alie") & (frame.replica != 1),
        "not diverged and grad_sq >= 0": ~frame.diverged & (frame.grad_sq >= 0),
        "workers.f == 'two' or attack.name > 1": np.zeros(len(frame), bool),  # types never cross
        "diverged": frame.diverged,
    }
    for query, mask in cases.items():
        picked = select(frame, query)
        assert picked.equals(frame[np.asarray(mask)].reset_index(drop=True)), query
    assert 0 < len(select(frame, "0.03 <= algorithm.lr < 0.3")) < len(frame)  # the cases are not trivial


def test_unknown_columns_and_broken_syntax_are_refused_on_one_line(filled):
    with pytest.raises(QueryError, match=r"'algoritm\.lr' is not a column of these results \(did you mean algorithm"):
        sims.load(filled, query="algoritm.lr < 1")
    for bad in ["", "a <", "a < 1 > 2", "a = 1", "a in b", "(a == 1", "a == 1 b", "1 < 2"]:
        with pytest.raises(QueryError) as info:
            parse(bad)
        assert "\n" not in str(info.value) and str(info.value).startswith("query = ")


def test_results_opens_the_store_read_only(filled, tmp_path, capsys):
    with Store(filled, read_only=True) as store:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store._conn.execute("DROP TABLE results")
        assert store.count() == 24
    missing = tmp_path / "nowhere.sqlite"
    assert main(["results", "--store", str(missing)]) == 2
    assert "no such result store" in capsys.readouterr().err and not missing.exists()
