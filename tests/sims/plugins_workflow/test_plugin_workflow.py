"""Own components from the command line, and results that follow the code: a plugin aggregator
runs through `byzcomp run` and a local-process sweep; editing the plugin recomputes; --recompute
recomputes everything; a Dask sweep runs it too; `byzcomp run` without --out writes records, summary
and plot and says where."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = '''
from dataclasses import dataclass

from sims.aggregators.base import AggregatorSpec
from sims.aggregators.geometry import coordinate_median
from sims.backend import namespace
from sims.params import Integer, param
from sims.registry import register

SHIFT = {shift}


@register("aggregator", "median_of_means")
@dataclass(frozen=True)
class MedianOfMeans(AggregatorSpec):
    """Coordinate-wise median of the means of `groups` groups of inputs."""

    groups: int = param(3, Integer(1, None), "number of groups")

    def aggregate(self, x, *, f, state=None, streams=None):
        xp = namespace(x)
        R, n, d = x.shape
        m = n // self.groups
        means = xp.mean(xp.reshape(x[:, : self.groups * m], (R, self.groups, m, d)), axis=2)
        return coordinate_median(means) + SHIFT, state
'''
SWEEP = '''
name = "mom"
[base]
problem = {name = "quadratic", d = 6, G = 1.0, sigma = 0.3}
algorithm = {name = "robust_dshb", lr = 0.1, beta = 0.5}
aggregator = {name = "median_of_means"}
attack = {name = "alie"}
workers = {n = 9, f = 1}
run = {T = 20, seeds = 2, record_every = 5}
[grid]
"aggregator.groups" = [3, 1]
'''


def byzcomp(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "sims.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def project(tmp_path):
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "components.py").write_text(PLUGIN.format(shift=0.0))
    (tmp_path / "mom.toml").write_text(SWEEP)
    return tmp_path


def computed(out: str) -> int:
    return int(re.search(r"(\d+) computed", out).group(1))


def test_editing_a_plugin_recomputes_and_recompute_recomputes_everything(project):
    sweep = ("sweep", "mom.toml", "--plugin", "mypkg.components", "--store", "db.sqlite", "--executor", "local",
             "--workers", "2", "--batch-size", "2", "--no-progress")
    assert computed(byzcomp(project, *sweep)) == 4  # 2 points x 2 seeds, on local worker processes
    assert computed(byzcomp(project, *sweep)) == 0  # same code: reused
    (project / "mypkg" / "components.py").write_text(PLUGIN.format(shift=0.0) + "\n# an edit\n")
    assert computed(byzcomp(project, *sweep)) == 4  # the plugin's source changed: recomputed
    assert computed(byzcomp(project, *sweep, "--recompute")) == 4  # forced
    out = byzcomp(project, "results", "--store", "db.sqlite", "--sweep", "mom.toml", "--plugin", "mypkg.components")
    assert "4 rows" in out


def test_run_with_a_plugin_aggregator_writes_to_the_default_directory(project):
    example = ROOT / "examples" / "quickstart.toml"
    out = byzcomp(project, "run", str(example), "aggregator.name=median_of_means", "run.T=40", "run.seeds=3",
                  "--plugin", "mypkg.components", "--no-progress")
    where = re.search(r"wrote (\S+)/: records.csv", out).group(1)
    folder = project / where
    assert folder.parent == project / "out" / "quickstart"
    for name in ("records.csv", "summary.csv", "config.toml", "plot.png", "plot.pdf"):
        assert (folder / name).stat().st_size > 0, name
    assert 'name = "median_of_means"' in (folder / "config.toml").read_text()
    assert "mean +- 95% CI over 3 of 3 replicas" in out


def test_divergence_is_reported_and_excluded(project):
    out = byzcomp(project, "run", str(ROOT / "examples" / "quickstart.toml"), "algorithm.lr=100", "run.T=30",
                  "run.seeds=4", "--out", "div", "--no-progress")
    assert re.search(r"4/4 replicas diverged \(rounds [\d, ]+\)", out)
    assert "over 0 of 4 replicas" in out


DASK_SWEEP = '''
import sys
import distributed
from sims.cli import main

with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
    address = cluster.scheduler_address.replace("tcp://", "dask://")
    sys.exit(main(["sweep", "mom.toml", "--plugin", "mypkg.components", "--store", "db.sqlite",
                   "--executor", address, "--no-progress"]))
'''


def test_dask_workers_load_the_plugin(project):
    pytest.importorskip("distributed")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", DASK_SWEEP], cwd=project, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert computed(proc.stdout) == 4
