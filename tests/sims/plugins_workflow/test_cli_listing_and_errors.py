"""`byzcomp list KIND NAME` shows field metadata; `run` overrides are validated like the file; user
errors of run / results / list / sweep are one line, not a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from sims.cli import main

ROOT = Path(__file__).resolve().parents[3]


def test_list_one_component_and_the_run_section(capsys):
    assert main(["list", "compressor", "randk"]) == 0
    out = capsys.readouterr().out
    assert "k = " in out and "must be an integer" in out
    assert main(["list", "workers"]) == 0
    assert "declared_f = None" in capsys.readouterr().out
    assert main(["list", "run"]) == 0
    assert "seeds = 1: must be an integer in [1, inf]" in capsys.readouterr().out


@pytest.mark.parametrize("argv, names", [
    (["run", "nonexistent.toml"], "nonexistent.toml"),
    (["run", str(ROOT / "examples/quickstart.toml"), "compressor.k=500"], "compressor.k"),
    (["run", str(ROOT / "examples/quickstart.toml"), "run.seeds"], "KEY=VALUE"),
    (["run", str(ROOT / "examples/quickstart.toml"), "--plugin", "no_such_module_xyz"], "no_such_module_xyz"),
    (["results", "--sweep", "no_such_sweep"], "no_such_sweep"),
    (["results", "--dir", "no_such_dir"], "no_such_dir"),
    (["list", "aggregator", "nope"], "nope"),
    (["verify", "foo.bar"], "foo.bar"),
])
def test_user_errors_are_one_line(argv, names, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and names in err


def test_results_on_a_run_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(ROOT / "examples/quickstart.toml"), "run.T=20", "run.seeds=3", "--out", "r",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["results", "--dir", "r", "--stat", "median", "--by", "seed"]) == 0
    assert "median" in capsys.readouterr().out
    assert main(["results", "--dir", "r", "--plot", "grad_sq", "--out", "band"]) == 0
    assert (tmp_path / "band.png").stat().st_size > 0

