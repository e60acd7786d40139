"""Small helpers shared by the teaching notebooks (kept out of the library on purpose).

* :func:`config`: an :class:`~sims.config.ExperimentConfig` from a base table, with some sections
  updated key by key (``config(BASE, attack={"name": "alie"}, workers={"f": 2})``);
* :func:`plateau`: per replica, the mean of a metric over the last part of a run (an error floor);
* :func:`inline_plots`: inline figures inside Jupyter, and no "IProgress not found" warning from the
  progress bars when ipywidgets is absent (a no-op outside IPython).
"""
from __future__ import annotations

import copy
import warnings

import numpy as np
from tqdm import TqdmWarning

from sims import ExperimentConfig, RunResult


def config(base: dict, **sections) -> ExperimentConfig:
    """``base`` with each given section's keys updated (a section's ``name`` may change too)."""
    table = copy.deepcopy(base)
    for name, values in sections.items():
        table[name] = {**table.get(name, {}), **values}
    return ExperimentConfig.from_dict(table)


def plateau(result: RunResult, metric: str = "grad_sq", start: float = 0.5) -> np.ndarray:
    """Per replica (in job order), the mean of ``metric`` over the recorded rounds t >= start * T."""
    rec = result.records
    window = rec[rec["round"] >= start * rec["round"].max()]
    return window.groupby("replica", sort=True)[metric].mean().to_numpy()


def inline_plots() -> None:
    """Show figures inline in Jupyter and silence tqdm's missing-ipywidgets warning."""
    try:
        ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821
    except NameError:
        return
    if ip is not None:
        ip.run_line_magic("matplotlib", "inline")
        warnings.filterwarnings("ignore", category=TqdmWarning)  # "IProgress not found" (no ipywidgets)
