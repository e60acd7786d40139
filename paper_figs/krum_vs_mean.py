"""Krum against averaging under attack (Blanchard et al., NeurIPS 2017, Figures 4-6; experiments spec 9
and 11.3, in kind, spambase replaced by scikit-learn's breast_cancer and the MLP by logistic regression
with lambda = 0.01): n = 20 workers, constant step size 1 (L = 0.12), f_H(x) - f* of the training loss.
(a) Minibatches of 3: averaging (SGD) with no Byzantine worker and with f = 6 (30 %) Gaussian Byzantine
vectors N(0, 200^2 I); Krum with none and with the same f = 6 Gaussians; Multi-Krum (m = n - f) with
them.  (b) The loss gap averaged over the last fifth of 500 rounds against the batch size: averaging and
Krum without Byzantines, and Krum with f = 8 (40 %) "omniscient" workers sending -100 times the honest
mean (the paper's 45 %, f = 9, breaks 2f + 2 < n and Krum refuses it).  Geometric means over seeds with
a 95 % band / interval.  The paper's claims: averaging breaks under the Gaussian workers, Krum does
not, and Multi-Krum converges like averaging without attack; with larger batches Krum under attack
approaches averaging without attack (here it approaches Krum without attack, which keeps the variance
of a single selected gradient)."""
from __future__ import annotations

from sims.commands.figs import figure_main
from sims.plots import band_plot, floor_plot, panels, styles_for
from sims.reductions import time_average
from sims.sweep import Sweep

REQUIRES = {"algorithm": ["krum_sgd", "multi_krum_sgd", "br_csgd"], "aggregator": ["krum", "multi_krum", "mean"],
            "attack": ["gaussian", "large_norm", "none"]}
GAUSSIAN = {"name": "gaussian", "std": 200.0}
AVERAGING = {"algorithm": {"name": "br_csgd", "lr": 1.0}, "aggregator": {"name": "mean"}}
KRUM = {"algorithm": {"name": "krum_sgd", "lr": 1.0}, "aggregator": {"name": "krum"}}
CURVES = [
    {"label": "averaging, 0 %", **AVERAGING, "workers.f": 0, "attack": {"name": "none"}},
    {"label": "averaging, 30 % Gaussian", **AVERAGING, "workers.f": 6, "attack": GAUSSIAN},
    {"label": "Krum, 0 %", **KRUM, "workers.f": 0, "attack": {"name": "none"}},
    {"label": "Krum, 30 % Gaussian", **KRUM, "workers.f": 6, "attack": GAUSSIAN},
    {"label": "Multi-Krum, 30 % Gaussian", "algorithm": {"name": "multi_krum_sgd", "lr": 1.0},
     "aggregator": {"name": "multi_krum"}, "workers.f": 6, "attack": GAUSSIAN},
]
BATCH = [
    {"label": "averaging, 0 %", **AVERAGING, "workers.f": 0, "attack": {"name": "none"}},
    {"label": "Krum, 0 %", **KRUM, "workers.f": 0, "attack": {"name": "none"}},
    {"label": "Krum, 40 % omniscient", **KRUM, "workers.f": 8, "attack": {"name": "large_norm", "scale": 100.0}},
]


def sweeps(small: bool) -> dict:
    base = {"problem": {"name": "logistic_real", "dataset": "breast_cancer", "lam": 0.01, "batch": 3},
            "compressor": {"name": "identity"}, "workers": {"n": 20},
            "run": {"T": 100 if small else 500, "seeds": 2 if small else 5, "record_every": 5}}
    batches = [1, 10] if small else [1, 3, 10, 30, 100]
    return {"curves": Sweep(base, {"setting": CURVES}, name="krum_curves"),
            "batch": Sweep(base, {"setting": BATCH, "problem.batch": batches}, name="krum_batch")}


def draw(data, small):
    styles = styles_for([c["label"] for c in CURVES] + [BATCH[-1]["label"]])
    fig, axes = panels(1, 2, width=7.6, height=2.9)
    band_plot(axes[0, 0], data["curves"].records, y="f_gap", hue="setting", styles=styles)
    axes[0, 0].set_title("(a) batch 3, n = 20", fontsize=8)
    axes[0, 0].legend(fontsize=6)
    tail = time_average(data["batch"].records, "f_gap", start=0.8)
    floor_plot(axes[0, 1], tail, x="problem.batch", y="f_gap", hue="setting", styles=styles)
    axes[0, 1].set_xlabel("batch size")
    axes[0, 1].set_ylabel(r"$f_H - f^\star$, last fifth of the run")
    axes[0, 1].set_title("(b) n = 20", fontsize=8)
    axes[0, 1].legend(fontsize=6)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
