"""Byz-VR-MARINA-PP with and without clipping under the shift-back attack (Malinovsky et al., NeurIPS
2024, Figure 1; experiments spec 7.1, in kind).  Homogeneous workers (zeta = 0 exactly): a quadratic
with G = B = 0 (d = 20, L = 1, mu = 0.1) and a finite-sum oracle (m = 16 samples per worker, batch 2),
15 good + 5 Byzantine workers, coordinate-wise median after bucketing (s = 2; declared f = 4, the most
a median of 10 buckets tolerates), no compression, p = 0.1, gamma = 0.1.  Shift-back: whenever the
Byzantines are a strict majority of the sampled clients they send (x - x0)/gamma (back to the start),
otherwise the honest mean.  (a) 20 % participation (C = 4 clients in compressed rounds, all 20 in the
full-gradient rounds) with clipping (lambda_k = clip_coef ||x_k+1 - x_k||, clip_coef = 1) and without;
(b) clipping with 20 % and with full participation, against gradient computations per worker; (c) the
clip multiplier over {0.01, 0.1, 1, 10, 100}.  f_H(x) - f* on a log scale; geometric mean over 5 seeds
with a 95 % band.  The paper's claims: linear convergence with clipping, none without; partial
participation faster per computation; every finite multiplier converges, a poor one more slowly."""
from __future__ import annotations

from sims.commands.figs import figure_main
from sims.plots import band_plot, legends, panels
from sims.sweep import Sweep

REQUIRES = {"algorithm": ["byz_vr_marina_pp"], "aggregator": ["cwmed"], "preaggregator": ["bucketing"],
            "attack": ["shift_back"]}


def base(small: bool) -> dict:
    return {"problem": {"name": "quadratic", "d": 10 if small else 20, "L": 1.0, "mu": 0.1, "G": 0.0, "B": 0.0,
                        "sigma": 0.1, "oracle": "finite_sum", "m": 16, "batch": 2},
            "algorithm": {"name": "byz_vr_marina_pp", "lr": 0.1, "p": 0.1, "C": 4, "C_hat": 20,
                          "clip_rule": "coef", "clip_coef": 1.0},
            "aggregator": {"name": "cwmed", "pre": [{"name": "bucketing", "s": 2}]},
            "attack": {"name": "shift_back", "scale": 10.0},
            "workers": {"n": 20, "f": 5, "declared_f": 4},  # a median of 10 buckets tolerates 4
            "run": {"T": 100 if small else 1500, "seeds": 2 if small else 5, "record_every": 5 if small else 15}}


def sweeps(small: bool) -> dict:
    clip = [{"label": "with clipping", "algorithm.clip_rule": "coef"},
            {"label": "without clipping", "algorithm.clip_rule": "none"}]
    clients = [{"label": "20 % participation (C = 4)", "algorithm.C": 4},
                {"label": "full participation (C = 20)", "algorithm.C": 20}]
    multipliers = [0.1, 10.0] if small else [0.01, 0.1, 1.0, 10.0, 100.0]
    return {"clip": Sweep(base(small), {"clipping": clip}, name="pp_clipping"),
            "participation": Sweep(base(small), {"clients": clients}, name="pp_participation"),
            "multiplier": Sweep(base(small), {"algorithm.clip_coef": multipliers}, name="pp_multiplier")}


def draw(data, small):
    fig, axes = panels(1, 3, width=9.6, height=2.8)
    band_plot(axes[0, 0], data["clip"].records, y="f_gap", hue="clipping")
    axes[0, 0].set_title("(a) shift-back, C = 4 of 20", fontsize=8)
    band_plot(axes[0, 1], data["participation"].records, y="f_gap", x="grad_evals", hue="clients")
    axes[0, 1].set_title("(b) with clipping", fontsize=8)
    band_plot(axes[0, 2], data["multiplier"].records.sort_values("algorithm.clip_coef", kind="stable"),
              y="f_gap", hue="algorithm.clip_coef",
              label_fmt=lambda c: f"clip multiplier {c:g}")
    axes[0, 2].set_title("(c) clip multiplier, C = 4", fontsize=8)
    legends(axes)
    return fig


if __name__ == "__main__":
    figure_main(__file__)
