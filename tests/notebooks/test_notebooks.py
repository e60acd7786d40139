"""The teaching notebooks (notebooks/*.ipynb): each runs top to bottom, and is committed stripped.

Every notebook ends with a cell asserting its key claim, so executing it is a regression test of the
library behind the claim.  Executed with nbclient on a python3 kernel in notebooks/ (so that
``_common`` imports), in memory: the files on disk are never written.  A cell that errors or runs
past ``CELL_TIMEOUT`` seconds fails the test.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = ("01_byzantine_aggregation", "02_heterogeneity", "03_compression", "04_momentum_variance_reduction",
            "05_partial_participation", "06_checking_a_theorem")
CELL_TIMEOUT = 240  # seconds per cell: generous for a loaded 2-core CI machine (a whole notebook takes ~10 s)
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _strip_module():
    spec = importlib.util.spec_from_file_location("strip_outputs", NOTEBOOKS / "strip_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_is_there():
    assert tuple(p.stem for p in PATHS) == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert _strip_module().is_stripped(nb), f"{path.name} has outputs: run python notebooks/strip_outputs.py"


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_runs_top_to_bottom(path, monkeypatch):
    pytest.importorskip("ipykernel")
    # the kernel is a subprocess: make it import this working tree's sims/theory, whatever
    # (if anything) is installed in site-packages
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError (with the failing cell and traceback) on any error
    # errors raised while *displaying* a result (e.g. a figure whose mathtext does not parse) do not
    # stop the kernel; they leave an error output behind
    shown = [(i, o.get("ename"), o.get("evalue", "")[:200]) for i, cell in enumerate(nb.cells)
             for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not shown, f"errors while displaying outputs: {shown}"
    last = nb.cells[-1]
    assert last.cell_type == "code" and "assert" in last.source, "the last cell must assert the notebook's claim"
    printed = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    assert "all claims hold" in printed
