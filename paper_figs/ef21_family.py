"""Byz-DM21, Byz-VR-DM21, Byz-EF21-SGDM, Byz-EF21 and BR-CSGD under four attacks and three robust
aggregators, each after NNM (Liu et al., TNNLS 2026 and Li et al., AISTATS 2026; experiments specs 5,
6 and 11.3, in kind, a9a replaced by scikit-learn's breast_cancer).  Logistic regression with
(0.01/2)||x||^2 (d = 31 with the bias), n = 20 workers of which f = 8 Byzantine, strided iid shards,
minibatches of one sample, momentum eta = 0.01 (beta = 0.99) where there is one.  Compressors as the
papers intended: Top-1 (alpha = 1/d) for the EF21 family, Rand-1 scaled by d for BR-CSGD.  Rows: RFA,
coordinate-wise median, coordinate-wise trimmed mean, each after NNM; columns: sign flipping, label
flipping, IPM (eps = 0.1) and ALIE.  Curves: f_H(x_t) - f* (raw training loss gap; no accuracy offset)
at each method's best step size from {0.5, 0.05, 0.005} per panel (smallest mean final gap),
geometric mean over seeds with a 95 % band."""
from __future__ import annotations

from sims.commands.figs import figure_main
from sims.plots import band_plot, panels, styles_for
from sims.reductions import best_step_size, restrict
from sims.sweep import Sweep

REQUIRES = {"algorithm": ["byz_dm21", "byz_vr_dm21", "byz_ef21_sgdm", "byz_ef21", "br_csgd"],
            "aggregator": ["rfa", "cwmed", "cwtm"], "preaggregator": ["nnm"],
            "attack": ["sign_flip", "label_flip", "ipm", "alie"], "compressor": ["topk", "randk"]}
ATTACKS = {"sign_flip": "SF", "label_flip": "LF", "ipm": "IPM", "alie": "ALIE"}
AGGREGATORS = {"rfa": "RFA", "cwmed": "CWMed", "cwtm": "CWTM"}
TOP1 = {"name": "topk", "k": 1}
METHODS = [
    {"label": "Byz-DM21", "algorithm": {"name": "byz_dm21", "eta": 0.01}, "compressor": TOP1},
    {"label": "Byz-VR-DM21", "algorithm": {"name": "byz_vr_dm21", "eta": 0.01}, "compressor": TOP1},
    {"label": "Byz-EF21-SGDM", "algorithm": {"name": "byz_ef21_sgdm", "eta": 0.01}, "compressor": TOP1},
    {"label": "Byz-EF21", "algorithm": {"name": "byz_ef21"}, "compressor": TOP1},
    {"label": "BR-CSGD", "algorithm": {"name": "br_csgd"}, "compressor": {"name": "randk", "k": 1}},
]


def sweeps(small: bool) -> dict:
    base = {"problem": {"name": "logistic_real", "dataset": "breast_cancer", "lam": 0.01, "batch": 1},
            "workers": {"n": 20, "f": 8},
            "run": {"T": 40 if small else 1200, "seeds": 1 if small else 3, "record_every": 4 if small else 24}}
    grid = {"method": METHODS,
            "aggregator": [{"name": a, "pre": [{"name": "nnm"}]} for a in (["cwtm"] if small else AGGREGATORS)],
            "attack": [{"name": a} for a in (["sign_flip", "alie"] if small else ATTACKS)],
            "algorithm.lr": [0.5] if small else [0.5, 0.05, 0.005]}
    return {"family": Sweep(base, grid, name="ef21_family")}


def draw(data, small):
    summary = data["family"].summary
    best = best_step_size(summary, "f_gap", param="algorithm.lr", against=None, by=["method", "aggregator", "attack"])
    records = restrict(data["family"].records, best)
    aggregators = [a for a in AGGREGATORS if a in set(records["aggregator.name"])]
    attacks = [a for a in ATTACKS if a in set(records["attack.name"])]
    styles = styles_for(m["label"] for m in METHODS)
    fig, axes = panels(len(aggregators), len(attacks), width=2.5 * len(attacks) + 0.6, height=2.1 * len(aggregators))
    for i, agg in enumerate(aggregators):
        for j, attack in enumerate(attacks):
            ax = axes[i, j]
            cell = records[(records["aggregator.name"] == agg) & (records["attack.name"] == attack)]
            band_plot(ax, cell, y="f_gap", hue="method", styles=styles)
            ax.set_title(f"{AGGREGATORS[agg]} after NNM, {ATTACKS[attack]}", fontsize=8)
            if j:
                ax.set_ylabel("")
            if i < len(aggregators) - 1:
                ax.set_xlabel("")
    axes[0, 0].legend(fontsize=6)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
