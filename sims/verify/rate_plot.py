r"""Side-by-side slopes of every rate check: one row per measurement (instance, algorithm, setting:
f, variant), its measured slope of log cost against :math:`\log\epsilon` (a cost
:math:`\propto\epsilon^{-4}` reads -4) with its interval, and the claimed exponents as reference lines."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .checks import Check


@dataclass(frozen=True)
class SlopeRow:
    """One measurement (several claims checked against it share the row)."""

    label: str
    slope: float
    lo: float
    hi: float
    claims: tuple[float, ...]


def slope_rows(checks: Sequence[Check]) -> list[SlopeRow]:
    """The rate checks' measurements, one row per (instance, algorithm, setting, cost unit), in order."""
    rows: dict[tuple, dict[str, Any]] = {}
    for c in checks:
        if c.check != "rate":
            continue
        key = (c.extra.get("instance", ""), c.extra.get("algorithm", c.theorem), c.setting, c.extra.get("cost_unit", ""))
        lo, hi = c.interval or (c.measured, c.measured)
        row = rows.setdefault(key, {"label": f"{key[1]} ({key[2]})", "slope": c.measured, "lo": lo, "hi": hi,
                                    "claims": []})
        row["claims"].append(c.theory)
    return [SlopeRow(r["label"], r["slope"], r["lo"], r["hi"], tuple(r["claims"])) for r in rows.values()]


def error_bars(rows: Sequence[SlopeRow]) -> list[list[float]]:
    """[[slope - lo], [hi - slope]] clamped at 0: a zero-width interval (deterministic runs: every seed
    costs the same) reads slope = lo = hi up to rounding, and a bootstrap interval need not contain
    the point estimate; matplotlib refuses negative error bars."""
    return [[max(0.0, r.slope - r.lo) for r in rows], [max(0.0, r.hi - r.slope) for r in rows]]


def slope_figure(checks: Sequence[Check]):
    """The matplotlib figure of :func:`slope_rows` (None when there is no rate check)."""
    import matplotlib.pyplot as plt

    rows = slope_rows(checks)
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.6))
    y = list(range(len(rows)))[::-1]
    ax.errorbar([r.slope for r in rows], y, xerr=error_bars(rows),
                fmt="o", color="C0", ecolor="C0", capsize=3, label="measured slope, 90% interval")
    for i, a in enumerate(sorted({a for r in rows for a in r.claims})):
        ax.axvline(a, color=f"C{i + 1}", ls="--", lw=1, label=rf"claim $\epsilon^{{{a:g}}}$")
    ax.set_yticks(y)
    ax.set_yticklabels([r.label for r in rows], fontsize=7)
    ax.set_xlabel(r"measured slope of cost vs $\epsilon$ (log-log): $\epsilon^{-4}$ reads $-4$")
    ax.tick_params(axis="x", labelbottom=True)
    ax.legend(fontsize=7, loc="best", framealpha=0.8)
    ax.set_title("rate checks side by side", fontsize=9)
    fig.tight_layout()
    return fig


def slope_panel(checks: Sequence[Check], path: str | Path) -> Path | None:
    """Write :func:`slope_figure` to ``path``; None (nothing written) when there is no rate check."""
    import matplotlib.pyplot as plt

    fig = slope_figure(checks)
    if fig is None:
        return None
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
