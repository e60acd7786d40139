"""``byzcomp verify`` wiring: registered, selects by theorem, writes the report, exit status."""
from sims import cli


def test_verify_is_registered_and_writes_a_report(tmp_path, capsys):
    rc = cli.main(["verify", "sgd.nc", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "sgd.nc" in out and "PASS" in out and "verdict" in out
    assert (tmp_path / "report.md").exists() and (tmp_path / "checks.json").exists()
    import json

    text = (tmp_path / "checks.json").read_text()
    rows = json.loads(text)
    rows = rows["checks"] if isinstance(rows, dict) else rows
    (bound,) = [r for r in rows if r["check"] == "bound"]
    assert {"perturbation": "bound x 0.5", "caught": True} in bound["power"]
    assert bound["provenance"]["paper"]


def test_unknown_selection_exits_non_zero(tmp_path, capsys):
    assert cli.main(["verify", "no_such_record", "--quick", "--out", str(tmp_path)]) == 2
