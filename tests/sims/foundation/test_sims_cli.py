"""The byzcomp command line: run, list, one-line errors."""
from __future__ import annotations

import pandas as pd
import pytest

from sims.cli import main


def test_run_writes_tidy_results_and_a_plot(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text((pytest.importorskip("pathlib").Path(__file__).parents[3] / "examples" / "quickstart.toml")
                   .read_text().replace("T = 2000", "T = 40").replace("seeds = 8", "seeds = 2"))
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    records = pd.read_csv(tmp_path / "out" / "records.csv")
    assert set(records.replica) == {0, 1} and records["round"].max() == 40
    assert {"grad_sq", "f_gap", "dist", "bits_up", "bits_down"} <= set(records.columns)
    for name in ("summary.csv", "config.toml", "plot.png", "plot.pdf"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert "robust_dshb | cwtm" in capsys.readouterr().out


def test_list_shows_declared_constants(capsys):
    assert main(["list", "aggregators", "--n", "20", "--f", "4"]) == 0
    out = capsys.readouterr().out
    assert "cwtm" in out and "kappa(n=20, f=4) = 2.667" in out
    assert main(["list", "compressors", "--d", "100"]) == 0
    assert "omega(d=100) = 99" in capsys.readouterr().out


def test_a_bad_config_prints_one_line_and_exits_2(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[problem]\nname = "quadratic"\nd = 5\n[algorithm]\nname = "robust_dshb"\n'
                   '[compressor]\nname = "randk"\nk = 7\n')
    assert main(["run", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: compressor.k = 7: must be <= d = 5 (problem dimension)"
