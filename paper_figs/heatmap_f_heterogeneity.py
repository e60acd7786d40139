"""ByzFL-style robustness map (experiments spec 10): for every number of Byzantine workers f (10
honest workers + f) and heterogeneity G of a quadratic with exact G (B = 0, sigma = 0.5, d = 20), the
final ||grad f_H||^2 of Robust D-SHB (beta = 0.9, T = 300) in the WORST case over the attacks sign
flipping, ALIE and IPM (eps = 2, ByzFL's value), at the step size chosen per cell against that worst
attack from {0.3, 0.1, 0.03} (ByzFL's tuning).  Left: CWTM after NNM; right: geometric median (GM:
nu = 0.1, 3 Weiszfeld steps, as in ByzFL) after NNM; the aggregators are told the true f.  Cells:
geometric mean over seeds; 'div' marks a cell where every step size diverged."""
from __future__ import annotations

import numpy as np

from sims.commands.figs import figure_main
from sims.plots import heatmap, panels
from sims.reductions import best_step_size
from sims.sweep import Sweep, label

REQUIRES = {"algorithm": ["robust_dshb"], "aggregator": ["cwtm", "gm"], "preaggregator": ["nnm"],
            "attack": ["sign_flip", "alie", "ipm"]}
AGGREGATORS = {"CWTM after NNM": {"name": "cwtm", "pre": [{"name": "nnm"}]},
               "GM after NNM": {"name": "gm", "nu": 0.1, "max_iter": 3, "pre": [{"name": "nnm"}]}}


def sweeps(small: bool) -> dict:
    fs = [1, 3] if small else [1, 2, 3, 4]
    base = {"problem": {"name": "quadratic", "d": 8 if small else 20, "L": 1.0, "mu": 0.1, "sigma": 0.5},
            "algorithm": {"name": "robust_dshb", "beta": 0.9},
            "run": {"T": 60 if small else 300, "seeds": 1 if small else 3, "record_every": 20}}
    grid = {
        "workers": [{"n": 10 + f, "f": f} for f in fs],
        "problem.G": [0.0, 1.0] if small else [0.0, 0.5, 1.0, 2.0],
        "attack": [{"name": "sign_flip"}, {"name": "alie"}] if small else
                  [{"name": "sign_flip"}, {"name": "alie"}, {"name": "ipm", "eps": 2.0}],
        "algorithm.lr": [0.3, 0.03] if small else [0.3, 0.1, 0.03],
        "aggregator": list(AGGREGATORS.values()),
    }
    return {"map": Sweep(base, grid, name="heatmap_f_heterogeneity")}


def draw(data, small):
    frame = data["map"].summary
    frame["log_grad_sq"] = np.log10(frame["grad_sq"])  # tune on the geometric mean over seeds
    best = best_step_size(frame, "log_grad_sq", param="algorithm.lr", against="attack")
    best["grad_sq"] = 10.0 ** best["log_grad_sq"]
    best["f"] = best["workers"].str.extract(r"f=(\d+)").astype(int)
    fig, axes = panels(1, 2, width=7.4, height=2.9)
    for ax, (title, table) in zip(axes[0], AGGREGATORS.items()):
        cells = best[best["aggregator"] == label(table)]
        heatmap(ax, cells, row="f", col="problem.G", value="grad_sq",
                colorbar_label=r"worst-case $\|\nabla f_H\|^2$")
        ax.set_xlabel("heterogeneity G")
        ax.set_ylabel("Byzantine workers f (n = 10 + f)")
        ax.set_title(title, fontsize=8)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
