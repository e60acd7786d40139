"""`byzcomp results` reduces a stored sweep from the command line: the README's
`--sweep examples/sweeps/dshb_lr_attacks.toml --worst-over attack --best-step` prints one row per
setting (here f), the sweep found by its name as well as its path; --stat / --by over seeds."""
from __future__ import annotations

from pathlib import Path

from sims.cli import main

ROOT = Path(__file__).resolve().parents[3]
SWEEP = ROOT / "examples" / "sweeps" / "dshb_lr_attacks.toml"


def table(capsys) -> list[list[str]]:
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == f"{len(lines) - 2} rows"
    return [line.split() for line in lines[:-1]]


def test_results_reductions_on_the_shipped_sweep(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(SWEEP), "--store", "db.sqlite", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["results", "--store", "db.sqlite", "--sweep", str(SWEEP), "--worst-over", "attack", "--best-step"]) == 0
    header, *rows = table(capsys)
    assert header[:3] == ["workers.f", "algorithm.lr", "worst_attack"]
    assert [r[0] for r in rows] == ["1", "2", "4"]  # one row per setting, sorted
    assert all(float(r[1]) in (0.3, 0.1, 0.03) and r[2] in ("alie", "sign_flip") for r in rows)
    worst = {r[0]: float(r[3]) for r in rows}
    assert worst["1"] < worst["2"] < worst["4"]  # more Byzantine workers, a worse best worst case

    monkeypatch.chdir(ROOT)  # by name: examples/sweeps/<NAME>.toml
    assert main(["results", "--store", str(tmp_path / "db.sqlite"), "--sweep", "dshb_lr_attacks",
                 "--stat", "median", "--by", "workers.f,attack.name"]) == 0
    header, *rows = table(capsys)
    assert header[:2] == ["workers.f", "attack.name"] and len(rows) == 6

    # after a code change the stored rows are another version's: hidden, with a hint, unless asked for
    monkeypatch.setattr("sims.store.code_version", lambda: "0.0+code.edited")
    assert main(["results", "--store", str(tmp_path / "db.sqlite"), "--sweep", "dshb_lr_attacks"]) == 0
    captured = capsys.readouterr()
    assert "0 rows" in captured.out and "54 matching rows were computed by other code versions" in captured.err
    assert main(["results", "--store", str(tmp_path / "db.sqlite"), "--sweep", "dshb_lr_attacks",
                 "--code-version", "all"]) == 0
    assert "54 rows" in capsys.readouterr().out
