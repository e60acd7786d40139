"""``byzcomp bounds`` through ``theory.cli`` (standalone main and the register() hook)."""
from __future__ import annotations

import argparse

import pytest

from theory import cli, registry


def test_list_every_theorem_with_criterion_and_exponent(capsys):
    assert cli.main(["bounds"]) == 0
    out = capsys.readouterr().out
    for th in registry.THEOREMS.values():
        assert f"| {th.key} | {th.algorithm} | {th.setting} | {th.criterion} |" in out
    assert "| byz_dm21.nc | byz_dm21 | nonconvex | sqnorm_le_eps2 | eps^-4 | eps^-4 |" in out
    assert "| byz_vr_dm21.nc | byz_vr_dm21 | nonconvex | sqnorm_le_eps2 | eps^-3 | eps^-3 |" in out
    assert "| sgd.nc | sgd | nonconvex | sqnorm_le_eps2 | eps^-4 | eps^-4 |" in out
    assert "| storm.nc | storm | nonconvex | sqnorm_le_eps2 | eps^-3 | eps^-3 |" in out
    assert "| rosdhb.nc | rosdhb | nonconvex | sqnorm_le_eps | eps^-2 | eps^-4 |" in out


def test_table(tmp_path, capsys):
    out_file = tmp_path / "t.md"
    assert cli.main(["bounds", "--table", "--out", str(out_file)]) == 0
    text = out_file.read_text()
    assert "## Rounds and bits to eps" in text and "byz_vr_marina.thm2_1" in text and "c_delta=0.3" in text
    assert cli.main(["bounds", "--table", "--latex"]) == 0
    assert r"\begin{tabular}" in capsys.readouterr().out


def test_one_theorem_latex_and_evaluated_at_a_config(tmp_path, capsys):
    assert cli.main(["bounds", "byz_vr_marina.thm2_1", "--latex"]) == 0
    assert r"\mathbb{E}\|\nabla f(\hat x^K)\|^2 \le" in capsys.readouterr().out
    cfg = tmp_path / "p.toml"
    cfg.write_text("[constants]\nL = 1.0\nL_pm = 0.5\nLcal_pm = 0.5\nDelta0 = 1.0\nc_delta = 0.01\nzeta2 = 0.0\n"
                   "omega = 9.0\np = 0.1\nb = 1\nn_good = 18\nd = 100\nk_sp = 10\n")
    assert cli.main(["bounds", "byz_vr_marina", "--at", str(cfg), "--eps", "0.5", "--T", "10"]) == 0
    out = capsys.readouterr().out
    assert "T=10: bound=" in out and "eps=0.5: iterations=" in out and "bits_to_eps=" in out


def test_register_uses_the_callers_loader(capsys):
    seen = []

    def loader(path):
        seen.append(path)
        return {"L": 1.0, "Delta0": 1.0, "sigma": 1.0, "n": 4, "config_only_key": 3.0}

    parser = argparse.ArgumentParser(prog="byzcomp")
    sub = parser.add_subparsers(dest="command")
    cli.register(sub, load_constants=loader)
    args = parser.parse_args(["bounds", "sgd.nc", "--at", "exp.toml", "--T", "100"])
    assert args.func(args) == 0 and seen == ["exp.toml"]
    assert "T=100: bound=" in capsys.readouterr().out


def test_errors_exit_2_with_a_message(capsys):
    assert cli.main(["bounds", "nope"]) == 2
    assert "allowed" in capsys.readouterr().err
    assert cli.main(["bounds", "sgd.nc", "--set", "L=1"]) == 2  # missing Delta0 ...
    assert "Delta0" in capsys.readouterr().err
    assert cli.main(["bounds", "sgd.nc", "--set", "L"]) == 2
    with pytest.raises(SystemExit):
        cli.main(["bounds", "--criterion", "bad"])
