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


def test_run_options_reach_every_settings_runs_and_end_with_the_block():
    from sims.verify.runner import Setting, run_options

    setting = Setting("s", {"name": "quadratic", "d": 4}, {"name": "robust_dgd", "lr": 0.1})
    with run_options(backend="torch", dtype="float32", rng="device", device=None) as chosen:
        run = setting.config("none").run
        with run_options(dtype="float64"):  # nested: the inner block's fields alone
            inner = setting.config("none").run
        assert setting.config("none").run == run
    assert chosen == {"backend": "torch", "dtype": "float32", "rng": "device"}
    assert (run.backend, run.dtype, run.rng, run.device) == ("torch", "float32", "device", "cpu")
    assert (inner.backend, inner.dtype) == ("numpy", "float64")
    assert setting.config("none").run.backend == "numpy"


def test_run_options_refuse_an_unknown_field_and_a_bad_value_or_pair():
    import pytest

    from sims.errors import ConfigError
    from sims.verify.runner import run_options

    with pytest.raises(ValueError, match=r"unknown field\(s\) \['speed'\]; allowed: backend, dtype, device, rng"):
        with run_options(speed="fast"):
            pass
    for bad, field in (({"rng": "device"}, "run.rng"), ({"dtype": "float16"}, "run.dtype"),
                       ({"device": "cuda"}, "run.device"), ({"backend": "jax"}, "run.backend")):
        with pytest.raises(ConfigError, match=field):
            with run_options(**bad):
                pass


def test_verify_refuses_bad_run_options_before_any_run(tmp_path, capsys, monkeypatch):
    from sims.verify import runner

    monkeypatch.setattr(runner, "run_batch", lambda *a, **k: (_ for _ in ()).throw(AssertionError("a run")))
    assert cli.main(["verify", "robust_dgd.nc", "--quick", "--rng", "device", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: run.rng = 'device': needs run.backend = 'torch'") and err.count("\n") == 1


def test_verify_runs_its_checks_on_torch_with_device_streams(tmp_path, capsys, monkeypatch):
    """Every run of the selected checks is a torch run with device streams, the verdicts are the
    expected ones and the report's title names the options."""
    import pytest

    pytest.importorskip("torch")
    from sims.verify import runner

    seen = []
    real = runner.run_batch
    monkeypatch.setattr(runner, "run_batch", lambda jobs, **kw: seen.append(jobs[0].config.run) or real(jobs, **kw))
    rc = cli.main(["verify", "robust_dgd.nc", "--quick", "--backend", "torch", "--rng", "device", "--out", str(tmp_path)])
    assert rc == 0, capsys.readouterr().out
    assert seen and {(r.backend, r.rng) for r in seen} == {("torch", "device")}
    assert "byzcomp verify --quick --backend torch --rng device" in (tmp_path / "report.md").read_text()
