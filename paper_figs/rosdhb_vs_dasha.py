"""RoSDHB against Byz-DASHA-PAGE across the compression level k/d (experiments spec 4 and 11.3, in
kind): rounds needed to close 95 % of the initial optimality gap, f_H(x_t) - f* <= 0.05 (f_H(x_0) - f*),
capped at 250 rounds ("no hit" counted as 251, as in the RoSDHB scripts), under FOE (left: -eta times
the honest mean, eta chosen every round from {0.1, 0.2, ..., 5.0} to maximise the aggregate's
deviation; registry attack opt_ipm) and ALIE (right).  Offline stand-in for MNIST: scikit-learn's
digits, logistic regression (digit 0 against the rest, d = 65 with the bias, lambda = 1e-3), 10 honest
workers with a Dirichlet(5) split plus f = 1 Byzantine worker, CWTM.  RoSDHB: one shared Rand-K mask
per round, beta = 0.9, minibatches of 64; Byz-DASHA-PAGE: independent Rand-K masks, p = 1 (full local
gradients every round, as the MNIST baseline), a = 1/(2d/k - 1).  Each method and k/d at its best step
size from {3, 10, 30} (1/L = 34) against the worse of the two attacks (ByzFL's tuning); mean and 95 %
interval over 5 seeds."""
from __future__ import annotations

from sims.commands.figs import figure_main
from sims.plots import floor_plot, panels, styles_for
from sims.reductions import best_step_size, restrict, rounds_to_target
from sims.sweep import Sweep, label

REQUIRES = {"algorithm": ["rosdhb", "byz_dasha_page"], "aggregator": ["cwtm"], "attack": ["opt_ipm", "alie"],
            "compressor": ["coordinated_randk", "randk"]}
FOE = {"name": "opt_ipm", "low": 0.1, "high": 5.0, "candidates": 50, "rounds": 1}  # eta from {0.1, ..., 5.0}
ATTACKS = {"FOE": FOE, "ALIE": {"name": "alie"}}
CAP = 250
METHODS = [
    {"label": "RoSDHB", "algorithm": {"name": "rosdhb", "beta": 0.9}, "compressor.name": "coordinated_randk"},
    {"label": "Byz-DASHA-PAGE", "algorithm": {"name": "byz_dasha_page", "p": 1.0}, "compressor.name": "randk"},
]


def sweeps(small: bool) -> dict:
    base = {"problem": {"name": "logistic_real", "dataset": "digits", "digit": 0, "split": "dirichlet",
                        "dir_alpha": 5.0, "lam": 1e-3, "batch": 64},
            "aggregator": {"name": "cwtm"}, "compressor": {"name": "randk"}, "workers": {"n": 11, "f": 1},
            "run": {"T": 60 if small else CAP, "seeds": 2 if small else 5, "record_every": 2}}
    grid = {"method": METHODS, "compressor.k": [6, 65] if small else [3, 6, 16, 32, 65],
            "attack": list(ATTACKS.values()), "algorithm.lr": [10.0] if small else [3.0, 10.0, 30.0]}
    return {"rounds": Sweep(base, grid, name="rosdhb_vs_dasha")}


def draw(data, small):
    records = data["rounds"].records
    gap0 = records[records["round"] == 0].groupby("digest")["f_gap"].first()
    records = records.assign(rel_gap=records["f_gap"] / records["digest"].map(gap0))
    rounds = rounds_to_target(records, "rel_gap", 0.05, cap=int(records["round"].max()))
    best = best_step_size(rounds, "rounds", param="algorithm.lr", against="attack")
    chosen = restrict(rounds, best)
    chosen["k/d"] = chosen["compressor.k"] / 65
    styles = styles_for(m["label"] for m in METHODS)
    fig, axes = panels(1, len(ATTACKS), width=7.2, height=2.8)
    for ax, (title, table) in zip(axes[0], ATTACKS.items()):
        floor_plot(ax, chosen[chosen["attack"] == label(table)], x="k/d", y="rounds", hue="method", styles=styles)
        ax.axhline(chosen["rounds"].max() if small else CAP + 1, color="0.5", linestyle=":", linewidth=0.8)
        ax.set_xlabel("k/d")
        ax.set_ylabel("rounds to 95 % of the gap")
        ax.set_title(f"{title}, CWTM, 10 honest + 1 Byzantine", fontsize=8)
        ax.legend(fontsize=6)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
