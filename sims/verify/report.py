"""The verification report: a header (environment, seeds, runtime, the definitions of slack per
check type), the table, a markdown file with one section and plot per check, checks.json, and
(:func:`write_latex`) a booktabs LaTeX table of the checks."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from theory.console import WIDTH, fit_table
from .checks import Check, _fmt, format_table
from .claim_tex import claim_latex, claim_plain
from .report_latex import write_latex
from .report_meta import UPPER_BOUND_RULE, definitions_for, header, seed_counts, slack
from .rate_plot import slope_panel

#: the table's columns (Check.row keys); claim and slack are the report's (claim_tex, report_meta.slack)
COLUMNS = ("theorem", "check", "setting", "claim", "measured", "theory", "slack", "verdict")
KNOB_LABELS = {"G^2": r"$G^2$", "d/k": r"$d/k$", "kappa": r"$\kappa$", "1/p": r"$1/p$"}
GRAD_SQ = r"$\|\nabla f(x_t)\|^2$"
LOG_SPAN = 3.0  # a y axis is logarithmic only when the plotted values span at least this factor


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_")[:80]


def row(check: Check, claim: str) -> dict[str, str]:
    """The table row of ``check``: :meth:`Check.row` with the report's slack and ``claim``."""
    return {**check.row(), "claim": claim, "slack": _fmt(slack(check))}


def console_table(checks: Sequence[Check], width: int = WIDTH) -> str:
    """The verdict table for the terminal, at most ``width`` columns (long cells wrap)."""
    rows = [row(c, claim_plain(c.claim, c.theorem)) for c in checks]
    return fit_table(COLUMNS, [[r[k] for k in COLUMNS] for r in rows], width,
                     wrap=("theorem", "setting", "claim", "measured"))


def c_mode(check: Check) -> str:
    """A rate check's mode: "method_complexity" or "theorem" (claim-free, sims.verify.rate_verdict) or
    "theorem_horizon" (the zero chains, rate.py)."""
    return str(check.extra.get("mode", "theorem_horizon"))


def claim_free(check: Check) -> bool:
    """A rate check measured without reading any claim (method-complexity or theorem mode)."""
    return c_mode(check) in ("method_complexity", "theorem")


def _rate_series(check: Check) -> tuple[np.ndarray, list[np.ndarray], str, str]:
    rows = check.details["rows"]
    method = claim_free(check)
    ys = [np.asarray(r["costs" if method else "rounds"], float) for r in rows]
    unit = check.extra.get("cost_unit", "rounds") if method else "rounds"
    crit = r"$\mathrm{mean}_{s\leq t}\|\nabla f(x_s)\|^2 \leq \varepsilon^2$" if method else "the criterion"
    if c_mode(check) == "theorem":
        crit = r"$\mathrm{mean}_{t<T}\|\nabla f(x_t)\|^2 \leq \varepsilon^2$ (smallest T)"
    return np.array([r["eps"] for r in rows], float), ys, rf"$\varepsilon$", f"{unit} to {crit}"


def _floor_series(check: Check) -> tuple[np.ndarray, list[np.ndarray], str, str]:
    rows = check.details["rows"]
    knob = check.details["knob"]
    return (np.array([r["knob"] for r in rows], float), [np.asarray(r["plateau"], float) for r in rows],
            KNOB_LABELS.get(knob, knob), f"plateau of {GRAD_SQ} (worst attack)")


def _slope(v: float) -> str:
    """A slope for a legend: 3 significant digits, 0 for round-off (|v| < 1e-9)."""
    return "0" if abs(v) < 1e-9 else f"{v:.3g}"


def _set_yscale(ax: Any, values: np.ndarray) -> None:
    """Log only when the values span a factor >= LOG_SPAN; else linear from 0 (a 0.05 % range stays flat)."""
    import matplotlib.ticker as mt

    v = values[np.isfinite(values) & (values > 0)]
    if v.size and v.max() / v.min() >= LOG_SPAN:
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(mt.LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(1.2, 0.6)))
    else:
        ax.set_ylim(0.0, 1.15 * (v.max() if v.size else 1.0))
        ax.yaxis.set_major_formatter(mt.ScalarFormatter(useOffset=False))


def _floor_extras(ax: Any, check: Check, x: np.ndarray) -> list[np.ndarray]:
    """A floor plot's optional layers: the mean plateau of every attack (when the rows carry more than
    one) and ``details['other_floors']`` ({label: values per grid point}, e.g. a second record's floor)."""
    shown = []
    per = [r.get("per_attack_mean", {}) for r in check.details["rows"]]
    attacks = sorted(per[0]) if per and len(per[0]) > 1 else []
    for i, a in enumerate(attacks):
        y = np.array([p.get(a, np.nan) for p in per], float)
        ax.plot(x, y, marker="x^vsd+"[i % 6], ls=":", lw=0.8, color=f"C{4 + i}", label=f"mean plateau, {a}")
        shown.append(y)
    for i, (label, values) in enumerate(check.details.get("other_floors", {}).items()):
        ax.plot(x, values, "-.", color=f"C{1 + i}", label=f"claimed {label}")
        shown.append(np.asarray(values, float))
    return shown


def plot_check(check: Check, path: Path) -> Path | None:
    """Save :func:`check_figure` of ``check`` to ``path``; None (nothing written) for checks without a plot."""
    import matplotlib.pyplot as plt

    fig = check_figure(check)
    if fig is None:
        return None
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def check_figure(check: Check) -> Any:
    """rate: rounds vs eps (per-seed points, means, fitted slope, the claim's slope through the means);
    floor: plateau vs the knob with the fitted slope and the claimed floor's values (an upper bound).
    Log-log unless a span is small (linear y from 0); ticks at the grid.  None for other checks."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mt

    if check.check not in ("rate", "floor"):
        return None
    x, ys, xlabel, ylabel = (_rate_series if check.check == "rate" else _floor_series)(check)
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    shown = [np.concatenate(ys)]
    for xi, y in zip(x, ys):
        ax.plot(np.full(y.size, xi), y, ".", color="0.6", ms=3)
    means = np.array([np.mean(y) for y in ys])
    ax.plot(x, means, "o", color="C0", label="mean over seeds")
    claim = claim_latex(check.claim, check.theorem)
    lower = [r.get("lower_bound") for r in check.details["rows"]] if check.check == "rate" else []
    if lower and all(v is not None for v in lower):
        ax.plot(x, lower, "k:", label="zero-respecting lower bound $T/q$")
        shown.append(np.asarray(lower, float))
    ok = bool(np.all(np.isfinite(means)) and np.all(means > 0))
    floor = check.details.get("claim_floor") if check.check == "floor" else None
    if ok and math.isfinite(check.measured):
        lx = np.log(x)
        b = np.mean(np.log(means) - check.measured * lx)
        lo, hi = check.interval or (check.measured, check.measured)
        ax.plot(x, np.exp(b + check.measured * lx), "C0-",
                label=f"fit: slope {_slope(check.measured)} [{_slope(lo)}, {_slope(hi)}]")
        if floor is None:
            b2 = np.mean(np.log(means) - check.theory * lx)
            ax.plot(x, np.exp(b2 + check.theory * lx), "C3--", label=f"{claim}: slope {_slope(check.theory)}")
    if floor is not None:
        ax.plot(x, floor, "C3--", label=f"claimed {claim}: slope {_slope(check.theory)}")
        shown.append(np.asarray(floor, float))
        shown += _floor_extras(ax, check, x)
    ax.set_xscale("log")
    ax.set_xticks(x)
    ax.xaxis.set_major_formatter(mt.FuncFormatter(lambda v, _: f"{v:.3g}"))
    ax.xaxis.set_minor_locator(mt.NullLocator())
    _set_yscale(ax, np.concatenate(shown))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{check.theorem}: {check.check}, {check.setting} ({check.verdict.value})", fontsize=8)
    ax.legend(fontsize=7, loc="best", framealpha=0.8)
    fig.tight_layout()
    return fig


def _md(cell: str) -> str:
    return cell.replace("|", r"\|")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)] + \
        ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]


def header_lines(checks: Sequence[Check], seconds: float | None) -> list[str]:
    """The report's header: environment table, then the definitions table and the upper-bound rule."""
    defs = definitions_for(checks)
    return (_md_table(["", ""], header(checks, seconds)) + ["", "## Definitions", "",
            "Each row of the table below compares *measured* with *theory*; *slack* is defined once per check "
            "type:", ""]
            + _md_table(["check", "measured", "theory", "slack", "verdict"],
                        [[d.check, d.measured, d.theory, d.slack, d.verdict] for d in defs])
            + ["", UPPER_BOUND_RULE, ""])


def write_report(checks: Sequence[Check], out: str | Path, title: str = "byzcomp verify",
                 seconds: float | None = None) -> Path:
    """``out``/report.md (header, definitions, table, per-check sections), ``out``/checks.json, ``out``/*.png."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # the finished checks first: a failure while rendering the report or a plot must not lose them
    doc = {"header": dict(header(checks, seconds)),
           "definitions": {d.check: vars(d) for d in definitions_for(checks)},
           "checks": [_jsonable(c) for c in checks]}
    (out / "checks.json").write_text(json.dumps(doc, indent=1, default=_default))
    lines = [f"# {title}", "", *header_lines(checks, seconds), "## Checks", ""]
    rows = [row(c, claim_latex(c.claim, c.theorem)) for c in checks]
    lines += _md_table(list(COLUMNS), [[r[k] for k in COLUMNS] for r in rows]) + [""]
    slopes = slope_panel(checks, out / "rate_slopes.png")  # every rate check's slope side by side
    if slopes is not None:
        lines += ["Measured rate slopes with their 90 % intervals, claimed exponents dashed:", "",
                  f"![rate slopes]({slopes.name})", ""]
    seen: dict[str, int] = {}
    for c in checks:
        base = _slug(f"{c.theorem}_{c.check}_{c.setting}_{c.claim}")
        seen[base] = seen.get(base, 0) + 1
        name = f"{base}_{seen[base]}"
        lines += [f"### {c.theorem} - {c.check} - {c.setting}", "",
                  f"Claim: {claim_latex(c.claim, c.theorem)}. Verdict: **{c.verdict.value}**"
                  + ("" if c.as_expected else f" (expected {c.expected.value if c.expected else '-'})")
                  + f"; slack {_fmt(slack(c))}" + ("" if seed_counts(c) is None else f"; {seed_counts(c)} seeds") + ".", ""]
        lines += _details(c) + _power_lines(c)
        png = plot_check(c, out / f"{name}.png")
        if png is not None:
            lines += ["", f"![{c.theorem} {c.check}]({png.name})"]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines))
    return out / "report.md"


def _power_lines(c: Check) -> list[str]:
    """Provenance of the record and the power matrix (caught / not caught) of a bound / floor check."""
    out = []
    prov = c.extra.get("provenance")
    if prov:
        out += ["", f"Record: {prov['paper']}, {prov['reference']} [{prov['tag']}]."]
    power = c.extra.get("power")
    if power:
        caught = [p["perturbation"] for p in power if p["caught"]]
        missed = [p["perturbation"] for p in power if not p["caught"]]
        out += ["", "Power (same runs): caught " + (", ".join(caught) or "nothing")
                + "; not caught " + (", ".join(missed) or "nothing") + "."]
    return out


def _details(c: Check) -> list[str]:
    d = c.details
    lo, hi = c.interval or (math.nan, math.nan)
    if c.check == "bound":
        rows = [f"Worst attack: {d['worst_attack']}; mean left-hand side {d['mean']:.4g}, one-sided {d['level']:.0%} "
                f"{d['method']}-based upper end {c.measured:.4g}; bound {c.theory:.4g} (floor {d['floor']:.4g}); "
                f"bound / mean = {c.theory / d['mean'] if d['mean'] > 0 else math.inf:.3g}. T = {d['T']}, {d['seeds']} seeds, prescribed "
                + ", ".join(f"{k} = {v:.4g}" for k, v in d["hyper"].items()) + ".", "",
                "| attack | mean | upper end | diverged |", "|---|---|---|---|"]
        rows += [f"| {a} | {v['mean']:.4g} | {v['ucb']:.4g} | {v['diverged']} |" for a, v in d["per_attack"].items()]
        return rows
    if c.check == "rate" and claim_free(c):
        how = ("Method complexity (claim-free grid, smallest mean cost)" if c_mode(c) == "method_complexity" else
               "Theorem mode (the record's prescriptions hyper(T) at the smallest horizon T whose run meets the "
               "target, per seed: doubling, then bisection)")
        rows = [f"{how}: slope {c.measured:.3f}, {d['level']:.0%} "
                f"bootstrap interval [{lo:.3f}, {hi:.3f}]; claim eps^{c.theory:g} is an upper "
                f"bound: refuted only when the interval lies below {c.theory - d['tol']:g}; tight: {d['tight']}.", "",
                f"| eps | mean {c.extra['cost_unit']} | best grid point |", "|---|---|---|"]
        rows += [f"| {r['eps']:g} | {np.mean(r['costs']):.4g} | {r['best']} |" for r in d["rows"]]
        return rows
    if c.check == "rate":
        rows = [f"Fitted slope {c.measured:.3f}, {d['level']:.0%} bootstrap interval [{lo:.3f}, "
                f"{hi:.3f}]; claim {c.theory:g}; tolerance {d['tol']}.", "",
                "| eps | mean rounds | horizon T_h | hyper-parameters | chain T | lower bound |", "|---|---|---|---|---|---|"]
        unreached = [f"eps = {r['eps']:g} ({int(np.sum(~np.isfinite(r['rounds'])))} of {len(r['rounds'])} seeds)"
                     for r in d["rows"] if not np.all(np.isfinite(r["rounds"]))]
        if unreached:
            rows[1:1] = ["", f"Not reached within {d.get('max_rounds', '?')} rounds (or diverged): "
                         + "; ".join(unreached) + ". The slope is undefined and the check FAILs: raise "
                         "RateSetting.max_rounds or start the eps grid higher."]
        for r in d["rows"]:
            hp = ", ".join(f"{k}={v:.3g}" for k, v in r["hyper"].items())
            rows.append(f"| {r['eps']:g} | {np.mean(r['rounds']):.4g} | {r['horizon']:.3g} | {hp} | {r.get('chain', '-')} | "
                        f"{r.get('lower_bound', float('nan')):.4g} |")
        return rows
    if c.check == "floor":
        rows = [f"Fitted slope {c.measured:.4f} [{lo:.4f}, {hi:.4f}] against {d['knob']}; "
                f"claim slope {c.theory:.3f}. Information only: a floor is an upper bound, so a plateau flatter "
                "than the claim refutes nothing; the floor_level checks of the same runs decide.", "",
                "| knob | mean plateau | worst attack |", "|---|---|---|"]
        rows += [f"| {r['knob']:g} | {np.mean(r['plateau']):.4g} | {r['worst_attack']} |" for r in d["rows"]]
        return rows
    if c.check == "floor_level":
        rows = ["| knob | claimed floor | mean plateau | upper end |", "|---|---|---|---|"]
        rows += [f"| {p['knob']:g} | {p['floor']:.4g} | {p['mean']:.4g} | {p['ucb']:.4g} |" for p in d["points"]]
        return rows
    if c.check == "implied":
        rows = [f"Smallest {d['name']} consistent with all runs: {c.measured:.4g} (default {c.theory:g}), bound by "
                f"the run {d['binding_run']}.", "", "| run | implied | measured |", "|---|---|---|"]
        rows += [f"| {r['label']} | {r['implied']:.4g} | {r['measured']:.4g} |" for r in d["runs"]]
        return rows
    return []


def _jsonable(c: Check) -> dict:
    return {"theorem": c.theorem, "check": c.check, "setting": c.setting, "claim": c.claim,
            "claim_latex": claim_latex(c.claim, c.theorem), "measured": c.measured, "theory": c.theory, "slack": slack(c), "verdict": c.verdict.value,
            "expected": None if c.expected is None else c.expected.value, "interval": c.interval,
            "seconds": c.seconds, **dict(c.extra), "details": c.details}


def _default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


__all__ = ["console_table", "format_table", "plot_check", "write_latex", "write_report"]
