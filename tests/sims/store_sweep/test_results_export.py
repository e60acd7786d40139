"""``sims.load`` frames, parquet / csv export without loss, and the ``sweep`` / ``results`` commands."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sims
from sims.cli import main
from sims.results import export

from store_sweep_helpers import tiny_sweep


@pytest.fixture
def filled(store):
    tiny_sweep().run(store, executor="serial", progress=False)
    return store


def test_sims_load_without_a_sweep_flattens_every_config(filled):
    frame = sims.load(filled)
    assert len(frame) == 24 and frame.attrs["keys"] == []
    assert {"algorithm.lr", "attack.name", "workers.f", "problem.d", "run.T"} <= set(frame.columns)
    assert "run.seeds" not in frame  # normalised away: not part of a stored replica's key
    one = sims.load(filled, query="algorithm.lr == 0.1 and attack.name == 'alie' and workers.f == 2")
    assert len(one) == 2 and set(one.replica) == {0, 1}


def test_load_can_add_the_declared_constants(filled):
    frame = sims.load(filled, constants=True)
    kappa = frame.groupby("workers.f")["const.kappa"].first()
    assert kappa[2] > kappa[1] > 0  # CWTM's kappa grows with f


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trips_full_float64(filled, tmp_path, fmt):
    frame = sims.load(filled, records=True)
    path = export(frame, tmp_path / f"r.{fmt}")
    back = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    assert np.array_equal(back["grad_sq"].to_numpy(), frame["grad_sq"].to_numpy())  # bit for bit
    with pytest.raises(sims.ConfigError, match="export"):
        export(frame, tmp_path / "r.xlsx")


def test_sweep_and_results_commands(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text(tiny_sweep().to_toml())
    db = str(tmp_path / "r.sqlite")
    assert main(["sweep", str(path), "--store", db, "--executor", "serial", "--no-progress"]) == 0
    assert "24 runs: 0 already stored, 24 computed" in capsys.readouterr().out
    assert main(["sweep", str(path), "--store", db, "--dry-run"]) == 0
    assert "12 points, 24 runs (24 stored)" in capsys.readouterr().out
    assert main(["results", "--store", db, "--sweep", str(path), "--query", "workers.f == 2 and attack == 'alie'"]) == 0
    out = capsys.readouterr().out
    assert "6 rows" in out and "algorithm.lr" in out
    assert main(["results", "--store", db, "--export", "csv", "--out", str(tmp_path / "x.csv"), "--records"]) == 0
    assert len(pd.read_csv(tmp_path / "x.csv")) == 24 * 5


def test_a_failing_sweep_exits_1_and_keeps_what_finished(tmp_path, capsys, monkeypatch):
    import sims.sweep as sweep_module

    real = sweep_module.execute

    def broken(task):
        if task.jobs[0].config.workers.f == 2:
            raise RuntimeError("boom")
        return real(task)

    monkeypatch.setattr(sweep_module, "execute", broken)
    path = tmp_path / "tiny.toml"
    path.write_text(tiny_sweep().to_toml())
    db = tmp_path / "r.sqlite"
    assert main(["sweep", str(path), "--store", str(db), "--executor", "serial", "--no-progress"]) == 1
    assert "boom" in capsys.readouterr().err
    assert len(sims.load(db)) == 12  # the f = 1 half was stored
