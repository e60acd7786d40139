"""Rate check for Robust D-SHB (Allouah et al., AISTATS 2023; theorems spec 4.3): the time-averaged
squared gradient norm (1/T) sum_t ||grad f_H(x_t)||^2 against the horizon T, on log-log axes, with the
least-squares slope and the theorem's O(T^(-1/2)) line.  Quadratic with sigma > 0 and G = 0 (no
heterogeneity floor), step size gamma = 0.5/sqrt(T), momentum 1 - beta = 2/sqrt(T) (1 - beta = Theta(gamma L)),
n = 20 workers, mean with f = 0 and CWTM with f = 3 under ALIE; mean and 95 % interval over seeds.
The fitted slopes should sit near -1/2 with or without Byzantine workers."""
from __future__ import annotations

import math

from sims.commands.figs import figure_main
from sims.plots import panels, rate_plot
from sims.reductions import time_average
from sims.sweep import Sweep

REQUIRES = {"algorithm": ["robust_dshb"], "aggregator": ["cwtm", "mean"], "attack": ["alie", "none"]}


def horizon(T: int) -> dict:
    """gamma = 1/sqrt(T), 1 - beta = 2 gamma L: the theorem's coupling of step, momentum and horizon."""
    return {"label": f"T={T}", "run.T": T, "run.record_every": 1,  # every round: the exact time average
            "algorithm.lr": 1 / math.sqrt(T), "algorithm.beta": 1 - 2 / math.sqrt(T)}


METHODS = [
    {"label": "mean, f = 0", "aggregator": {"name": "mean"}, "attack": {"name": "none"}, "workers.f": 0},
    {"label": "CWTM, f = 3 (ALIE)", "aggregator": {"name": "cwtm"}, "attack": {"name": "alie"}, "workers.f": 3},
]


def sweeps(small: bool) -> dict:
    horizons = [64, 128, 256] if small else [100, 200, 400, 800, 1600, 3200, 6400]
    base = {
        "problem": {"name": "quadratic", "d": 10 if small else 20, "L": 1.0, "mu": 0.5, "G": 0.0, "sigma": 1.0},
        "algorithm": {"name": "robust_dshb"},
        "workers": {"n": 20},
        "run": {"seeds": 2 if small else 8},
    }
    return {"rate": Sweep(base, grid={"method": METHODS}, variants=[horizon(T) for T in horizons],
                          name="rate_robust_dshb")}


def draw(data, small):
    rec = data["rate"].records
    avg = time_average(rec, "grad_sq").merge(rec[["variant", "run.T"]].drop_duplicates(), on="variant")
    fig, axes = panels(1, 1, width=3.6, height=2.8)
    ax = axes[0, 0]
    slopes = rate_plot(ax, avg, x="run.T", y="grad_sq", hue="method", theory_slope=-0.5)
    ax.set_xlabel("horizon T")
    ax.set_ylabel(r"$\frac{1}{T}\sum_t \|\nabla f_H(x_t)\|^2$")
    ax.set_title("Robust D-SHB: fitted slopes " + ", ".join(f"{s:.2f}" for s in slopes.values()), fontsize=8)
    ax.legend(fontsize=6)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
