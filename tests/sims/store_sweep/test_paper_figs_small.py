"""Every paper_figs/ script regenerates its figure from scratch in --small mode, through the sweep
store, with a caption that holds each sweep's configuration; the ``figs`` command lists and runs them."""
from __future__ import annotations

import tomllib

import pytest

from sims.cli import main
from sims.commands.figs import FIGS_DIR, discover, load_script, make, missing_components
from sims.store import Store

FIGURES = sorted(discover())
EXPECTED = {"rosdhb_vs_dasha", "marina_pp_clipping", "ef21_family", "lad_redundancy", "krum_vs_mean",
            "rate_robust_dshb", "floor_constants", "heatmap_f_heterogeneity", "bits_compressors"}


def test_every_listed_figure_has_a_script():
    assert EXPECTED <= set(FIGURES)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_regenerates_in_small_mode(name, tmp_path):
    module = load_script(FIGS_DIR / f"{name}.py")
    assert not missing_components(module), f"{name} needs unregistered components"
    store = Store(tmp_path / "figs.sqlite")
    paths = make(module, small=True, store=store, out=tmp_path, executor="serial", progress=False)
    png, pdf, caption = paths
    assert png.name == f"{name}_small.png" and png.stat().st_size > 5_000 and pdf.stat().st_size > 0
    text = caption.read_text()
    assert text.startswith(f"# {name} (small)") and "## Configuration" in text
    sweeps = module.sweeps(True)
    for label, sweep in sweeps.items():
        block = text.split(f"### sweep `{label}`")[1].split("```toml")[1].split("```")[0]
        assert tomllib.loads(block) == tomllib.loads(sweep.to_toml())  # the caption holds the exact config
    stored = store.count()
    keys = {(p.digest, r) for s in sweeps.values() for p in s.points() for r in range(p.config.run.seeds)}
    assert stored == len(keys)  # sweeps of one figure may share points: stored once
    make(module, small=True, store=store, out=tmp_path, executor="serial", progress=False)
    assert store.count() == stored and store.count("computations") == stored  # cached: nothing recomputed


def test_figs_command_lists_and_refuses_unknown_names(capsys):
    assert main(["figs", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in FIGURES)
    assert main(["figs", "no_such_figure"]) == 2
    assert "figs = 'no_such_figure': must be one of" in capsys.readouterr().err


def test_a_script_runs_on_its_own(tmp_path, capsys):
    from sims.commands.figs import figure_main

    args = ["--small", "--store", str(tmp_path / "s.sqlite"), "--out", str(tmp_path), "--executor", "serial",
            "--no-progress"]
    assert figure_main(str(FIGS_DIR / "krum_vs_mean.py"), args) == 0
    assert (tmp_path / "krum_vs_mean_small.png").exists() and "wrote" in capsys.readouterr().out
