"""Plot helpers: fitted slopes, bands over seeds, floors, heatmaps; PNG and PDF written."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sims import plots


def rate_frame(exponent: float, seeds: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    T = np.array([100, 200, 400, 800, 1600])
    rows = [{"run.T": t, "replica": r, "err": 3.0 * t**exponent * np.exp(0.05 * rng.standard_normal())}
            for t in T for r in range(seeds)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("exponent", [-0.5, -1.0])
def test_rate_plot_fits_the_slope_of_the_data(exponent, tmp_path):
    fig, axes = plots.panels(1, 1)
    slopes = plots.rate_plot(axes[0, 0], rate_frame(exponent), x="run.T", y="err", theory_slope=-0.5)
    assert slopes[None] == pytest.approx(exponent, abs=0.05)
    assert (abs(slopes[None] + 0.5) < 0.05) == (exponent == -0.5)  # the twin: a T^-1 decay is told apart
    assert axes[0, 0].get_xscale() == "log" and axes[0, 0].get_yscale() == "log"
    paths = plots.save(fig, tmp_path / "rate")
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in paths)


def test_center_band_on_log_values_is_a_geometric_interval():
    values = np.array([[1.0, 100.0], [np.nan, 4.0]])
    c, lo, hi = plots.center_band(values, "ci", log=True)
    assert c[0] == pytest.approx(10.0) and lo[0] < 10.0 < hi[0]
    assert c[1] == pytest.approx(4.0) and lo[1] == hi[1] == pytest.approx(4.0)  # one finite replica: no band
    c, lo, hi = plots.center_band(values, "minmax", log=False)
    assert (lo[0], hi[0]) == (1.0, 100.0)
    with pytest.raises(ValueError, match="band"):
        plots.center_band(values, "sd")


def records_frame() -> pd.DataFrame:
    rows = []
    for method, rate in (("a", 0.9), ("b", 0.5)):
        for r in range(3):
            for t in range(0, 50, 10):
                rows.append({"method": method, "digest": method, "replica": r, "round": t,
                             "bits_up": 32.0 * t * (1 if method == "a" else 0.1), "grad_sq": rate**t * (1 + 0.1 * r)})
    return pd.DataFrame(rows)


def test_band_and_bits_plots_draw_one_line_per_group(tmp_path):
    fig, axes = plots.panels(1, 2)
    plots.band_plot(axes[0, 0], records_frame(), y="grad_sq", hue="method")
    plots.bits_plot(axes[0, 1], records_frame()[lambda f: f["round"] > 0], hue="method")
    assert len(axes[0, 0].get_lines()) == 2 and axes[0, 1].get_xscale() == "log"
    x_b = axes[0, 1].get_lines()[1].get_xdata()
    assert np.allclose(x_b, [32.0, 64.0, 96.0, 128.0])  # bits of method b: 3.2 per round
    plots.save(fig, tmp_path / "bands")


def test_floor_plot_and_heatmap(tmp_path):
    floor = pd.DataFrame({"G2": np.repeat([0.1, 1.0, 10.0], 3), "floor": np.repeat([0.05, 0.5, 5.0], 3)})
    fig, axes = plots.panels(1, 2)
    plots.floor_plot(axes[0, 0], floor, x="G2", y="floor", theory=lambda g: 0.8 * g)
    assert len(axes[0, 0].get_lines()) >= 2
    cells = pd.DataFrame({"workers.f": [1, 1, 2, 2], "problem.G": [0.5, 1.0, 0.5, 1.0],
                          "worst": [0.1, 0.2, 0.4, np.inf]})
    plots.heatmap(axes[0, 1], cells, row="workers.f", col="problem.G", value="worst")
    texts = [t.get_text() for t in axes[0, 1].texts]
    assert "div" in texts and "1.0e-01" in texts
    plots.save(fig, tmp_path / "floor")
