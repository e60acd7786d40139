"""The verification report's output: header, slack definitions, LaTeX claims and table, plots with
honest axes, console width.  Synthetic checks shaped like the quick suite's (no simulation)."""
import json
import re

import numpy as np
import pytest

import theory
from theory.console import fit_table
from sims.verify.checks import Check, Verdict
from sims.verify.claim_tex import claim_latex, claim_plain
from sims.verify.items import Item
from sims.verify.report import check_figure, console_table, write_latex, write_report
from sims.verify.report_latex import latex_table
from sims.verify.report_meta import DEFINITIONS, git_commit, slack

ROSDHB_FLOOR = "theorem floor G_het**2*c3*kappa/(-B_het**2*c_B*kappa + 1)"


def _bound(claim="theorem", measured=0.0536, theory_=8.18, mean=0.0531):
    per = {"alie": {"mean": 0.041, "ucb": 0.0416, "diverged": 0}, "sign_flip": {"mean": mean, "ucb": measured, "diverged": 0}}
    return Check("byz_vr_marina.thm2_1", "bound", "quadratic, zeta^2=0.09", claim, measured, theory_,
                 slack=theory_ / mean, verdict=Verdict.PASS if measured <= theory_ else Verdict.FAIL,
                 expected=Verdict.PASS,
                 details={"worst_attack": "sign_flip", "mean": mean, "level": 0.95, "method": "t", "hyper": {"gamma": 0.03},
                          "per_attack": per, "floor": 8.1, "T": 200, "seeds": 6})


def _floor(plateaus, claim_floor=None, theorem="rosdhb.nc", knob="d/k", claim=ROSDHB_FLOOR):
    xs = [1.0, 2.0, 4.0, 8.0]
    rows = [{"knob": x, "plateau": list(p), "worst_attack": "sign_flip"} for x, p in zip(xs, plateaus)]
    means = [np.mean(p) for p in plateaus]
    s = float(np.polyfit(np.log(xs), np.log(means), 1)[0])
    details = {"knob": knob, "rows": rows, "level": 0.9, "tol": 0.25}
    if claim_floor is not None:
        details["claim_floor"] = claim_floor
    return Check(theorem, "floor", "quadratic PL, cwtm, vs d/k", claim, s, 0.0, slack=s, verdict=Verdict.INFO,
                 expected=Verdict.INFO, interval=(s - 3e-4, s + 3e-4), details=details,
                 extra={"provenance": {"tag": "UNVERIFIED", "paper": "p", "reference": "r"}})


def _floor_level():
    pts = [{"knob": k, "floor": 2.667 * k, "mean": 0.0873, "ucb": 0.0874} for k in (1.0, 2.0)]
    return Check("rosdhb.nc_dk_floor", "floor_level", "quadratic PL, cwtm, vs d/k", "theorem", 0.0874, 2.667,
                 slack=2.667 / 0.0873, verdict=Verdict.PASS, expected=Verdict.PASS,
                 details={"knob": "d/k", "points": pts, "rows": [{"plateau": [0.0873] * 3}]},
                 extra={"provenance": {"tag": "UNVERIFIED", "paper": "p", "reference": "r"}})


def _rate(claim="typed: eps^-3", exponent=-3.0):
    eps = [0.178, 0.212, 0.252, 0.3]
    rows = [{"eps": e, "costs": [1e4 * (e / 0.178) ** -4 * f for f in (0.9, 1.0, 1.1)], "best": {"lr": 0.002}} for e in eps]
    return Check("byz_dm21.nc", "rate", "plateau, f = 0", claim, -4.06, exponent, slack=-4.06 - exponent,
                 verdict=Verdict.FAIL if exponent > -3.5 else Verdict.PASS, interval=(-4.35, -3.79),
                 details={"rows": rows, "level": 0.9, "tol": 0.3, "tight": False},
                 extra={"mode": "method_complexity", "cost_unit": "rounds"})


def _implied():
    runs = [{"label": "d/k=1, sign_flip", "implied": 0.0327, "measured": 0.0873}]
    return Check("rosdhb.nc", "implied", "quadratic PL, cwtm", "c3 (default 1) via floor", 0.0328, 1.0,
                 slack=1 / 0.0328, verdict=Verdict.PASS, details={"name": "c3", "binding_run": runs[0]["label"], "runs": runs})


def quick_like():
    flat = [[0.08725, 0.08729, 0.08733]] * 4
    return [_bound(), _floor(flat, claim_floor=[2.667] * 4), _floor_level(), _implied(), _rate(),
            _rate("theorem exponent", -4.0)]


def test_header_definitions_and_no_development_notes(tmp_path):
    checks = quick_like()
    text = write_report(checks, tmp_path, seconds=12.5).read_text()
    head = text.split("## Checks")[0]
    for field in ("| byzcomp |", "| git commit |", "| platform |", "| python / numpy", "| seeds | 3 to 6 per check",
                  "| runtime | 12.5 s"):
        assert field in head, field
    assert "## Definitions" in head and "upper bounds" in head
    for kind in ("bound", "floor_level", "implied", "rate", "floor"):
        assert f"| {kind} |" in head and DEFINITIONS[kind].slack in head
    assert "specs/" not in text and "Notes." not in text and "this session" not in text
    doc = json.loads((tmp_path / "checks.json").read_text())
    assert set(doc["header"]) >= {"byzcomp", "git commit", "platform", "seeds", "runtime"}
    assert set(doc["definitions"]) == {"bound", "floor_level", "implied", "rate", "floor"}


def test_slack_column_follows_the_definition_of_each_check_type(tmp_path):
    b = _bound(measured=0.06, theory_=0.12, mean=0.03)  # check's own slack bound/mean = 4; definition: 2
    checks = [b, _rate(), _implied(), _floor_level()]
    assert slack(b) == pytest.approx(2.0) and slack(checks[1]) == pytest.approx(-1.06)
    text = write_report(checks, tmp_path).read_text()
    table = text.split("## Checks")[1].split("###")[0]
    row = next(ln for ln in table.splitlines() if "| bound |" in ln).split(" | ")
    assert row[6] == "2"
    for r in json.loads((tmp_path / "checks.json").read_text())["checks"]:
        want = r["theory"] / r["measured"] if DEFINITIONS[r["check"]].slack == "theory / measured" else r["measured"] - r["theory"]
        assert r["slack"] == pytest.approx(want)


def test_claims_are_rendered_from_the_sympy_expression():
    th = theory.get("robust_dgd.nc")
    tex = claim_latex(f"theorem floor {th.floor}", th.key)
    assert tex == r"theorem floor $\frac{G^{2} \kappa}{1 - B^{2} \kappa}$"
    assert claim_plain(f"theorem floor {th.floor}", th.key) == "theorem floor G²·κ/(1 - B²·κ)"
    assert claim_latex("theorem, kappa x 0.01", th.key) == r"theorem, $\kappa \times 0.01$"
    assert claim_latex("typed: eps^-3", "byz_dm21.nc") == r"typed: $\varepsilon^{-3}$"
    assert claim_plain("typed: eps^-3", "byz_dm21.nc") == "typed: ε⁻³"
    assert "**" not in claim_latex(ROSDHB_FLOOR, "rosdhb.nc") and r"\mathsf{c3}" in claim_latex(ROSDHB_FLOOR, "rosdhb.nc")
    assert claim_latex("floor independent of G", th.key) == "floor independent of G"  # prose stays prose


def test_markdown_table_has_no_sympy_repr(tmp_path):
    text = write_report(quick_like(), tmp_path).read_text()
    assert "G_het**2" not in text and "**2" not in text.replace("**PASS**", "").replace("**FAIL**", "").replace("**INFO**", "")
    assert r"$\frac{G^{2} \mathsf{c3} \kappa}{1 - B^{2} \mathsf{c\_B} \kappa}$" in text


def _visible_labels(ax, fig):
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    ticks = [(t, v) for t, v in zip(ax.yaxis.get_ticklabels(minor=False) + ax.yaxis.get_ticklabels(minor=True),
                                    list(ax.yaxis.get_majorticklocs()) + list(ax.yaxis.get_minorticklocs()))]
    return [t.get_text() for t, v in ticks if t.get_text() and lo <= v <= hi]


def test_a_flat_plateau_gets_a_linear_axis_from_zero_with_tick_labels():
    import matplotlib.pyplot as plt

    flat = [[0.08725, 0.08727], [0.08728, 0.08729], [0.08726, 0.08729], [0.08727, 0.08728]]
    fig = check_figure(_floor(flat))  # no claimed floor values: only the data and the fit
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0.0
    assert len(_visible_labels(ax, fig)) >= 2
    assert "$" in ax.get_xlabel() and r"\nabla f" in ax.get_ylabel()
    plt.close(fig)
    # with the claimed floor 30x above, a log axis holds both, still with labelled ticks
    fig = check_figure(_floor(flat, claim_floor=[2.667] * 4))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim()[1] >= 2.667 and len(_visible_labels(ax, fig)) >= 2
    assert any(r"\frac" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_rate_plot_is_log_log_with_math_labels():
    import matplotlib.pyplot as plt

    fig = check_figure(_rate())
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_xlabel() == r"$\varepsilon$" and len(_visible_labels(ax, fig)) >= 1
    assert any(r"\varepsilon^{-3}" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)
    assert check_figure(_bound()) is None


def test_latex_table_is_structurally_sound(tmp_path):
    path = write_latex(quick_like(), tmp_path / "sub" / "t.tex")
    tex = path.read_text()
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack.pop() == env
    assert not stack
    assert all(cmd in tex for cmd in (r"\toprule", r"\midrule", r"\bottomrule", r"\caption{", r"\label{"))
    body = tex.split(r"\midrule")[1].split(r"\bottomrule")[0].strip().splitlines()
    assert len(body) == len(quick_like())
    for line in body:
        assert line.endswith(r"\\") and len(re.findall(r"(?<!\\)&", line)) == 7
        outside = re.sub(r"\$[^$]*\$", "", line)
        assert outside.count("$") == 0 and not re.search(r"(?<!\\)[_^%#]", outside), line
    assert "theory / measured for bound, floor\\_level, implied" in latex_table(quick_like())


def test_console_table_fits_120_columns_and_keeps_every_word():
    checks = quick_like()
    text = console_table(checks)
    assert max(map(len, text.splitlines())) <= 120
    words = set(text.split())
    for w in ("rosdhb.nc_dk_floor", "[UNVERIFIED]", "G²·c3·κ/(1", "ε⁻³", "[-4.35,"):
        assert w in words, w
    wide = fit_table(["a", "b"], [["x " * 80, "y"]], width=40)
    assert max(map(len, wide.splitlines())) <= 40 and wide.split().count("x") == 80


def test_git_commit_outside_a_checkout(tmp_path):
    assert git_commit(tmp_path) == "not a git checkout"
    head = git_commit()
    assert head == "not a git checkout" or re.match(r"^[0-9a-f]{40}( \+ uncommitted changes)?$", head)


def test_verify_command_latex_option_and_width(tmp_path, capsys, monkeypatch):
    from sims import cli
    from sims.verify import suite

    checks = quick_like()
    monkeypatch.setattr(suite, "items", lambda quick=True: [Item("synthetic", ("rosdhb.nc",), lambda: checks)])
    assert cli.main(["verify", "rosdhb.nc", "--quick", "--out", str(tmp_path), "--latex"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert max(len(ln) for ln in out if not ln.startswith(("report: ", "LaTeX table: "))) <= 120
    assert (tmp_path / "checks.tex").read_text().startswith(r"\begin{table}")
    assert f"LaTeX table: {tmp_path / 'checks.tex'}" in out
    assert cli.main(["verify", "rosdhb.nc", "--quick", "--out", str(tmp_path), "--latex", str(tmp_path / "x.tex")]) == 0
    assert (tmp_path / "x.tex").exists()


def test_bounds_tables_fit_120_columns_as_text():
    from theory.cli import list_theorems
    from theory.tables import overview_table

    for text in (list_theorems(fmt="text"), overview_table(fmt="text")):
        assert max(map(len, text.splitlines())) <= 120
    assert "byz_vr_marina.thm2_1" in list_theorems(fmt="text")


def test_the_checks_are_written_before_the_report_is_rendered(tmp_path, monkeypatch):
    from sims.verify import report

    def broken(*a, **k):
        raise RuntimeError("a plot failed")

    monkeypatch.setattr(report, "plot_check", broken)
    checks = quick_like()
    with pytest.raises(RuntimeError):
        report.write_report(checks, tmp_path)
    assert len(json.loads((tmp_path / "checks.json").read_text())["checks"]) == len(checks)
