"""The side-by-side slope panel: one marker per measurement (claims checked against it share it),
one reference line per claimed exponent, a file written; nothing without rate checks."""
import matplotlib

matplotlib.use("Agg")

from sims.verify.checks import Check, Verdict  # noqa: E402
from sims.verify.rate_plot import slope_figure, slope_panel, slope_rows  # noqa: E402


def rate(algorithm: str, setting: str, claim: float, slope: float) -> Check:
    return Check(theorem=f"{algorithm}.nc", check="rate", setting=setting, claim=f"eps^{claim:g}", measured=slope,
                 theory=claim, slack=slope - claim, verdict=Verdict.PASS, interval=(slope - 0.2, slope + 0.2),
                 extra={"instance": "plateau", "algorithm": algorithm, "cost_unit": "rounds"})


CHECKS = [rate("byz_dm21", "f = 0", -4.0, -4.1), rate("byz_dm21", "f = 0", -3.0, -4.1),
          rate("byz_dm21", "f = 1", -4.0, -3.9), rate("byz_vr_dm21", "f = 0", -3.0, -3.1),
          Check(theorem="x", check="bound", setting="s", claim="c", measured=1.0, theory=2.0, slack=2.0,
                verdict=Verdict.PASS)]


def test_one_marker_per_measurement_and_a_line_per_claimed_exponent(tmp_path):
    rows = slope_rows(CHECKS)
    assert [r.slope for r in rows] == [-4.1, -3.9, -3.1]
    assert rows[0].claims == (-4.0, -3.0)
    fig = slope_figure(CHECKS)
    ax = fig.axes[0]
    markers = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert len(markers) == 1 and len(markers[0].get_xdata()) == 3
    assert sorted(ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == "--") == [-4.0, -3.0]
    at = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())))
    assert [at[y] for y in sorted(at, reverse=True)] == [r.label for r in rows]  # first row on top
    path = slope_panel(CHECKS, tmp_path / "slopes.png")
    assert path is not None and path.stat().st_size > 1000


def test_no_rate_check_no_file(tmp_path):
    assert slope_panel(CHECKS[-1:], tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_zero_width_and_off_centre_intervals_are_drawn(tmp_path):
    """A deterministic run's interval is the point up to rounding (hi - slope = -9e-16 from
    Byz-EF21 on the sigma = 0 plateau), and a bootstrap interval may miss the estimate: clamped at 0."""
    from dataclasses import replace

    from sims.verify.rate_plot import error_bars

    s = -2.0805068273246614
    zero = replace(rate("byz_ef21", "sigma = 0", -2.0, s), interval=(-2.0805068273246623, -2.0805068273246623))
    off = replace(rate("byz_ef21", "off centre", -2.0, -1.9), interval=(-2.1, -1.95))
    assert zero.interval[1] - s < 0  # the input matplotlib rejected
    lo, hi = error_bars(slope_rows([zero, off]))
    assert lo[0] == s - zero.interval[0] and abs(lo[1] - 0.2) < 1e-12
    assert hi == [0.0, 0.0]  # -9e-16 and -0.05 clamped
    assert slope_panel([zero, off], tmp_path / "z.png").stat().st_size > 1000
