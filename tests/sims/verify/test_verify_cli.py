"""``byzcomp verify`` wiring: registered, selects by theorem, writes the report, exit status."""
from sims import cli


def test_verify_is_registered_and_writes_a_report(tmp_path, capsys):
    rc = cli.main(["verify", "sgd.nc", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "sgd.nc" in out and "FAIL" in out and "verdict" in out
    assert (tmp_path / "report.md").exists() and (tmp_path / "checks.json").exists()


def test_unknown_selection_exits_non_zero(tmp_path, capsys):
    assert cli.main(["verify", "lad.nc", "--quick", "--out", str(tmp_path)]) == 2
