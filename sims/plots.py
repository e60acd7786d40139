"""Matplotlib figures in one consistent, paper-ready style (PDF and PNG)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = {
    "figure.figsize": (4.5, 3.2), "figure.dpi": 150, "savefig.bbox": "tight", "font.size": 9,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "legend.frameon": False, "lines.linewidth": 1.4,
}


def save(fig, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf``; return the paths."""
    stem = Path(stem)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    for p in paths:
        fig.savefig(p)
    plt.close(fig)
    return paths


def convergence_plot(result, stem, metric: str = "grad_sq"):
    """||grad f_H||^2 (or another metric) against rounds, median over replicas with a min-max band."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        table = result.records.pivot_table(index="round", columns="replica", values=metric)
        rounds = table.index.to_numpy()
        vals = table.to_numpy()
        with np.errstate(all="ignore"):
            ax.plot(rounds, np.nanmedian(vals, axis=1), label=f"median over {vals.shape[1]} replicas")
            ax.fill_between(rounds, np.nanmin(vals, axis=1), np.nanmax(vals, axis=1), alpha=0.25, label="min-max")
        ax.set_yscale("log")
        ax.set_xlabel("round t")
        ax.set_ylabel({"grad_sq": r"$\|\nabla f_H(x_t)\|^2$", "f_gap": r"$f_H(x_t)-f^\star$"}.get(metric, metric))
        cfg = result.config
        ax.set_title(f"{cfg.algorithm.name}, {cfg.aggregator.name}, {cfg.attack.name}", fontsize=9)
        ax.legend()
        return save(fig, stem)
