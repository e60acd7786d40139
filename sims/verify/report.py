"""The verification report: the table, a markdown file and one plot per rate / floor check."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from .checks import Check, format_table


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_")[:80]


def plot_check(check: Check, path: Path) -> Path | None:
    """rate: rounds vs eps (log-log, per-seed points, fitted slope, the claim's slope);
    floor: plateau vs knob with the claim's floor shape.  None for other checks."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    if check.check not in ("rate", "floor"):
        return None
    fig, ax = plt.subplots(figsize=(5, 3.6))
    if check.check == "rate":
        rows = check.details["rows"]
        x = np.array([r["eps"] for r in rows])
        method = c_mode(check) == "method_complexity"
        ys = [np.asarray(r["costs" if method else "rounds"], float) for r in rows]
        ylabel = f"{check.extra['cost_unit']} to criterion (best of the grid)" if method else "rounds to criterion"
        xlabel = "eps"
        lower = [r.get("lower_bound") for r in rows]
        if all(v is not None for v in lower):
            ax.plot(x, lower, "k:", label="zero-respecting lower bound T/q")
    else:
        rows = check.details["rows"]
        x = np.array([r["knob"] for r in rows])
        ys = [np.asarray(r["plateau"], float) for r in rows]
        ylabel, xlabel = "plateau of ||grad f||^2 (worst attack)", check.details["knob"]
    for xi, y in zip(x, ys):
        ax.plot(np.full(y.size, xi), y, ".", color="0.6", ms=3)
    means = np.array([np.mean(y) for y in ys])
    ax.plot(x, means, "o", color="C0", label="mean over seeds")
    ok = np.all(np.isfinite(means)) and np.all(means > 0)
    if ok and math.isfinite(check.measured):
        lx = np.log(x)
        b = np.mean(np.log(means) - check.measured * lx)
        lo, hi = check.interval or (check.measured, check.measured)
        ax.plot(x, np.exp(b + check.measured * lx), "C0-",
                label=f"fit: slope {check.measured:.2f} [{lo:.2f}, {hi:.2f}]")
        b2 = np.mean(np.log(means) - check.theory * lx)
        claim = check.claim if len(check.claim) <= 40 else check.claim[:37] + "..."
        ax.plot(x, np.exp(b2 + check.theory * lx), "C3--", label=f"{claim}: slope {check.theory:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if check.check == "floor":  # plateaus within a few per cent: plain tick labels read better
        ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{check.theorem}: {check.check} ({check.verdict.value})", fontsize=9)
    ax.legend(fontsize=7, loc="best", framealpha=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def c_mode(check: Check) -> str:
    """A rate check's mode: "method_complexity" (sims.verify.rate_verdict) or "theorem_horizon" (rate.py)."""
    return check.extra.get("mode", "theorem_horizon")


def write_report(checks: Sequence[Check], out: str | Path, title: str = "byzcomp verify", seconds: float | None = None,
                 notes: Sequence[str] = ()) -> Path:
    """``out``/report.md (table + per-check sections), ``out``/checks.json, ``out``/*.png."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", ""]
    if seconds is not None:
        lines += [f"Runtime: {seconds:.1f} s.", ""]
    lines += ["| " + " | ".join(["theorem", "check", "setting", "claim", "measured", "theory", "slack", "verdict"]) + " |",
              "|" + "---|" * 8]
    for c in checks:
        r = c.row()
        lines.append("| " + " | ".join(r[k].replace("|", "/") for k in r) + " |")
    lines += ["", *notes, ""]
    seen: dict[str, int] = {}
    for c in checks:
        base = _slug(f"{c.theorem}_{c.check}_{c.setting}_{c.claim}")
        seen[base] = seen.get(base, 0) + 1
        name = f"{base}_{seen[base]}"
        lines += [f"## {c.theorem} - {c.check} - {c.setting}", "", f"Claim: {c.claim}. Verdict: **{c.verdict.value}**"
                  + ("" if c.as_expected else f" (expected {c.expected.value})") + ".", ""]
        lines += _details(c) + _power_lines(c)
        png = plot_check(c, out / f"{name}.png")
        if png is not None:
            lines += ["", f"![{c.theorem} {c.check}]({png.name})"]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines))
    (out / "checks.json").write_text(json.dumps([_jsonable(c) for c in checks], indent=1, default=_default))
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
    if c.check == "bound":
        rows = [f"Worst attack: {d['worst_attack']}; mean left-hand side {d['mean']:.4g}, one-sided {d['level']:.0%} "
                f"{d['method']}-based upper end {c.measured:.4g}; bound {c.theory:.4g} (floor {d['floor']:.4g}); "
                f"slack bound/mean = {c.slack:.3g}. T = {d['T']}, {d['seeds']} seeds, prescribed "
                + ", ".join(f"{k} = {v:.4g}" for k, v in d["hyper"].items()) + ".", "",
                "| attack | mean | upper end | diverged |", "|---|---|---|---|"]
        rows += [f"| {a} | {v['mean']:.4g} | {v['ucb']:.4g} | {v['diverged']} |" for a, v in d["per_attack"].items()]
        return rows
    if c.check == "rate" and c_mode(c) == "method_complexity":
        rows = [f"Method complexity (claim-free grid, smallest mean cost): slope {c.measured:.3f}, {d['level']:.0%} "
                f"bootstrap interval [{c.interval[0]:.3f}, {c.interval[1]:.3f}]; claim eps^{c.theory:g} is an upper "
                f"bound: refuted only when the interval lies below {c.theory - d['tol']:g}; tight: {d['tight']}.", "",
                f"| eps | mean {c.extra['cost_unit']} | best grid point |", "|---|---|---|"]
        rows += [f"| {r['eps']:g} | {np.mean(r['costs']):.4g} | {r['best']} |" for r in d["rows"]]
        return rows
    if c.check == "rate":
        rows = [f"Fitted slope {c.measured:.3f}, {d['level']:.0%} bootstrap interval [{c.interval[0]:.3f}, "
                f"{c.interval[1]:.3f}]; claim {c.theory:g}; tolerance {d['tol']}.", "",
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
        rows = [f"Fitted slope {c.measured:.4f} [{c.interval[0]:.4f}, {c.interval[1]:.4f}] against {d['knob']}; "
                f"claim slope {c.theory:.3f}.", "", "| knob | mean plateau | worst attack |", "|---|---|---|"]
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
    return {"theorem": c.theorem, "check": c.check, "setting": c.setting, "claim": c.claim, "measured": c.measured,
            "theory": c.theory, "slack": c.slack, "verdict": c.verdict.value,
            "expected": None if c.expected is None else c.expected.value, "interval": c.interval,
            "seconds": c.seconds, **dict(c.extra), "details": c.details}


def _default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


__all__ = ["format_table", "plot_check", "write_report"]
