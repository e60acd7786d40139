"""Error against communication: ||grad f_H||^2 against the bits each honest worker sent (left) and
against rounds (right), for methods with and without compression on one quadratic (d = 100, G = 0.3,
B = 0, finite-sum oracle with sigma = 0.1), n = 20 with f = 3 ALIE workers and CWTM: Robust D-SHB
without compression; RoSDHB (one shared Rand-K mask, k/d = 0.1, no index bits); Robust D-SHB with
independent Rand-K masks (k/d = 0.1, indices cost ceil(log2 d) bits each); Byz-VR-MARINA and
Byz-DASHA-PAGE with independent Rand-K (k/d = 0.1, p = 0.1).  b_f = 32 bits per float.  Compressed
methods run 10x the rounds of the uncompressed one (about the same bit budget).  Each method at its
best step size from {0.5, 0.2, 0.1, 0.05, 0.02, 0.01} (smallest final error); geometric mean over
seeds with a 95 % band."""
from __future__ import annotations

from sims.commands.figs import figure_main
from sims.plots import band_plot, bits_plot, panels, styles_for
from sims.reductions import best_step_size, restrict
from sims.sweep import Sweep

REQUIRES = {"algorithm": ["robust_dshb", "rosdhb", "byz_vr_marina", "byz_dasha_page"], "aggregator": ["cwtm"],
            "attack": ["alie"], "compressor": ["identity", "randk", "coordinated_randk"]}


def methods(k: int, T: int) -> list[dict]:
    compressed = {"run.T": 10 * T, "run.record_every": T // 5}
    return [
        {"label": "Robust D-SHB, no compression", "algorithm": {"name": "robust_dshb", "beta": 0.9},
         "compressor": {"name": "identity"}, "run.T": T, "run.record_every": max(1, T // 50)},
        {"label": "RoSDHB, shared mask", "algorithm": {"name": "rosdhb", "beta": 0.9},
         "compressor": {"name": "coordinated_randk", "k": k}, **compressed},
        {"label": "Robust D-SHB, independent masks", "algorithm": {"name": "robust_dshb", "beta": 0.9},
         "compressor": {"name": "randk", "k": k}, **compressed},
        {"label": "Byz-VR-MARINA", "algorithm": {"name": "byz_vr_marina", "p": 0.1},
         "compressor": {"name": "randk", "k": k}, **compressed},
        {"label": "Byz-DASHA-PAGE", "algorithm": {"name": "byz_dasha_page", "p": 0.1},
         "compressor": {"name": "randk", "k": k}, **compressed},
    ]


def sweeps(small: bool) -> dict:
    d = 20 if small else 100
    T = 30 if small else 300
    base = {"problem": {"name": "quadratic", "d": d, "L": 1.0, "mu": 0.1, "G": 0.3, "sigma": 0.1,
                        "oracle": "finite_sum", "m": 16, "batch": 1},
            "aggregator": {"name": "cwtm"}, "attack": {"name": "alie"}, "workers": {"n": 20, "f": 3},
            "run": {"seeds": 2 if small else 5}}
    lrs = [0.2, 0.05] if small else [0.5, 0.2, 0.1, 0.05, 0.02, 0.01]
    return {"bits": Sweep(base, {"algorithm.lr": lrs}, variants=methods(d // 10, T), name="bits_compressors")}


def draw(data, small):
    best = best_step_size(data["bits"].summary, "grad_sq", param="algorithm.lr", against="attack.name")
    records = restrict(data["bits"].records, best)
    styles = styles_for(m["label"] for m in methods(1, 50))
    fig, axes = panels(1, 2, width=7.4, height=2.9)
    bits_plot(axes[0, 0], records[records["round"] > 0], hue="variant", styles=styles)
    band_plot(axes[0, 1], records, hue="variant", styles=styles, logx=False)
    axes[0, 0].legend(fontsize=6)
    axes[0, 0].set_title("ALIE, CWTM, n = 20, f = 3, k/d = 0.1", fontsize=8)
    axes[0, 1].set_title("same runs against rounds", fontsize=8)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
