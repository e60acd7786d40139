"""LAD and Com-LAD against the redundancy s (C. Li et al., arXiv 2026; experiments spec 8 and 11.3;
RECONSTRUCTED algorithm, UNVERIFIED set-up): synthetic linear regression, d = 20, N = 50 data subsets of
2 samples each (100 samples), subset heterogeneity sigma_H = 1, lambda = 0.01; n = 50 devices of which
f = 5 Byzantine (ALIE), so every subset is computed by s devices from a fresh random cyclic assignment
each round; gamma = 0.3, T = 600.  Measured floor: the time average of ||grad F||^2 over the second half
of the run (F over all N subsets), geometric mean over seeds with a 95 % interval.  (a) LAD with CWTM and
with CWTM after NNM, against s, with the reconstructed floor kappa beta^2 (N - s)/(s (N - 1)) (theorems
spec 14; beta^2 = (1/N) sum_j ||grad F_j(x*)||^2 and kappa of the rule as declared); s = 1 is robust
D-GD on the honest subsets.  (b) Com-LAD: the same with an unbiased Rand-K compressor (k/d = 0.25), for
which the reconstruction adds a compression term kappa omega (1/|H|) sum_i ||z_i||^2 (not drawn)."""
from __future__ import annotations

from sims.commands.figs import figure_main
from sims.plots import floor_plot, panels, styles_for
from sims.reductions import time_average
from sims.sweep import Sweep

REQUIRES = {"algorithm": ["lad", "com_lad"], "aggregator": ["cwtm"], "preaggregator": ["nnm"],
            "attack": ["alie"], "compressor": ["randk"], "problem": ["least_squares"]}
AGGREGATORS = [{"label": "CWTM", "aggregator": {"name": "cwtm"}},
               {"label": "CWTM after NNM", "aggregator": {"name": "cwtm", "pre": [{"name": "nnm"}]}}]


def sweeps(small: bool) -> dict:
    n = 20 if small else 50
    base = {"problem": {"name": "least_squares", "d": 10 if small else 20, "subsets": n, "m": 2, "sigma_H": 1.0,
                        "lam": 0.01},
            "algorithm": {"name": "lad", "lr": 0.3, "assignment": "random"},
            "attack": {"name": "alie"}, "workers": {"n": n, "f": 2 if small else 5},
            "run": {"T": 100 if small else 600, "seeds": 2 if small else 4, "record_every": 5}}
    s_values = [1, 4, 10] if small else [1, 2, 5, 10, 20, 30, 45]
    k = 3 if small else 5
    variants = [{"label": "LAD", "algorithm.name": "lad", "compressor": {"name": "identity"}},
                {"label": f"Com-LAD, Rand-K (k/d = {k / base['problem']['d']:g})", "algorithm.name": "com_lad",
                 "compressor": {"name": "randk", "k": k}}]
    return {"lad": Sweep(base, {"rule": AGGREGATORS, "algorithm.s": s_values}, variants=variants,
                         name="lad_redundancy")}


def draw(data, small):
    constants = data["lad"].constants
    floors = time_average(data["lad"].records, "grad_sq", start=0.5)
    cols = ["variant", "rule", "algorithm.s", "const.kappa", "const.beta2_star", "workers.n"]
    floors = floors.merge(constants[cols].drop_duplicates(), on=["variant", "rule", "algorithm.s"])
    styles = styles_for(a["label"] for a in AGGREGATORS)
    fig, axes = panels(1, 2, width=7.4, height=2.9)
    for ax, variant in zip(axes[0], [v["label"] for v in data["lad"].sweep.variants]):
        group = floors[floors["variant"] == variant]
        theory = {}
        for rule, g in group.groupby("rule", sort=False):
            kappa, beta2, N = g["const.kappa"].iloc[0], g["const.beta2_star"].iloc[0], g["workers.n"].iloc[0]
            theory[rule] = lambda s, k=kappa, b=beta2, N=N: k * b * (N - s) / (s * (N - 1))
        floor_plot(ax, group, x="algorithm.s", y="grad_sq", hue="rule", theory=theory, styles=styles,
                   theory_label=r"$\kappa\beta^2(N-s)/(s(N-1))$")
        ax.set_xlabel("redundancy s (subsets per device)")
        ax.set_ylabel(r"floor of $\|\nabla F\|^2$")
        ax.set_title(variant, fontsize=8)
        ax.legend(fontsize=6)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
