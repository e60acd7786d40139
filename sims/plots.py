"""Matplotlib figures in one consistent, paper-ready style (PDF and PNG).

Building blocks (each draws on a given axes, in :data:`STYLE`, with the Okabe-Ito colours of
:func:`style_of`; :func:`panels` makes the figure, :func:`save` writes ``.png`` and ``.pdf``):

* :func:`band_plot` / :func:`bits_plot`: a metric against rounds, bits sent per worker or gradient
  computations, one line per group with a confidence band over seeds (:func:`center_band`: mean and
  Student-t interval, on log10 values for log axes, i.e. a geometric mean);
* :func:`rate_plot`: log-log points with intervals, the least-squares slope and the theorem's line;
* :func:`floor_plot`: an error floor against a constant (G^2, kappa, k/d, ...) with the theorem's floor;
* :func:`heatmap`: a reduced value (e.g. the worst case over attacks) on an f x heterogeneity grid;
* :func:`convergence_plot`: one run's replicas (``byzcomp run --out``).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt  # no backend forced: headless runs fall back to Agg, Jupyter stays inline
import numpy as np

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

STYLE: dict[RcKeyType, Any] = {
    "figure.figsize": (4.5, 3.2), "figure.dpi": 150, "savefig.bbox": "tight", "font.size": 9,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "legend.frameon": False, "lines.linewidth": 1.4,
}


def save(fig, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf``; return the paths."""
    stem = Path(stem)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    laid_out = fig.get_layout_engine() is not None  # constrained layout already fits the labels
    with plt.rc_context(STYLE):
        for p in paths:
            fig.savefig(p, bbox_inches=None if laid_out else "tight")
    plt.close(fig)
    return paths


def convergence_plot(result, stem, metric: str = "grad_sq"):
    """||grad f_H||^2 (or another metric) against rounds: median and min-max band over the replicas
    that did not diverge; each diverged replica as a thin line ending in an x at its divergence round
    (at its last finite value), with "k/R replicas diverged" in the legend."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        table = result.records.pivot_table(index="round", columns="replica", values=metric, dropna=False)
        summary = result.summary.set_index("replica")
        diverged = [r for r in table.columns if summary.loc[r, "diverged"]]
        kept = [r for r in table.columns if r not in diverged]
        rounds = table.index.to_numpy()
        if kept:
            vals = table[kept].to_numpy()
            with np.errstate(all="ignore"):
                ax.plot(rounds, np.nanmedian(vals, axis=1), color=COLORS[0], label=f"median over {len(kept)} replicas")
                ax.fill_between(rounds, np.nanmin(vals, axis=1), np.nanmax(vals, axis=1), color=COLORS[0],
                                alpha=0.25, label="min-max")
        for i, r in enumerate(diverged):
            v = table[r].to_numpy()
            finite = np.flatnonzero(np.isfinite(v))
            label = f"{len(diverged)}/{table.shape[1]} replicas diverged (x)" if i == 0 else None
            ax.plot(rounds, v, color=COLORS[1], linewidth=0.6, alpha=0.6)
            if finite.size:
                ax.plot([summary.loc[r, "diverged_round"]], [v[finite[-1]]], "x", color=COLORS[1], label=label)
            elif label:
                ax.plot([], [], "x", color=COLORS[1], label=label)
        ax.set_yscale("log")
        ax.set_xlabel("round t")
        ax.set_ylabel(LABELS.get(metric, metric))
        cfg = result.config
        ax.set_title(f"{cfg.algorithm.name}, {cfg.aggregator.name}, {cfg.attack.name}", fontsize=9)
        ax.legend()
        return save(fig, stem)


# --- figure building blocks shared by the sweeps and paper_figs/ -------------------------------------
LABELS = {
    "grad_sq": r"$\|\nabla f_H(x_t)\|^2$", "f_gap": r"$f_H(x_t)-f^\star$", "dist": r"$\|x_t-x^\star\|$",
    "round": "round t", "bits_up": "bits sent per worker", "bits_down": "bits received per worker",
    "grad_evals": "gradient computations per worker",
    "participation": "rounds taken part in per honest worker",
}
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")  # Okabe-Ito
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def paper_style():
    """``with paper_style(): ...`` draws in the module's style (the plotting helpers apply it themselves)."""
    return plt.rc_context(STYLE)


def panels(nrows: int = 1, ncols: int = 1, width: float | None = None, height: float | None = None, **kw):
    """A figure with ``nrows x ncols`` axes (a 2-d array, ``squeeze=False``) in the paper style."""
    with paper_style():
        size = (width or 3.1 * ncols + 0.4, height or 2.5 * nrows + 0.3)
        fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False, constrained_layout=True, **kw)
    return fig, axes


def legends(axes, fontsize: float = 6) -> None:
    """A small legend on every axes of ``axes`` (one axes or an array of them) that has labelled artists."""
    for ax in np.ravel(axes):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=fontsize)


def style_of(i: int) -> dict:
    """Colour and marker of the i-th series, the same in every figure."""
    return {"color": COLORS[i % len(COLORS)], "marker": MARKERS[i % len(MARKERS)]}


def styles_for(labels) -> dict:
    """``{label: style}`` for series labels in a fixed order (the same look in every panel)."""
    return {label: style_of(i) for i, label in enumerate(labels)}


def center_band(values: np.ndarray, band: str = "ci", log: bool = True, level: float = 0.95):
    """Centre and band of ``values[points, replicas]`` over replicas (NaN = diverged, ignored).

    ``ci``: mean with a ``level`` Student-t interval; ``minmax``; ``quantile`` (10 %-90 %) around the
    median; ``none``.  With ``log`` the statistics are taken on log10 values (geometric mean and
    interval), as suits errors plotted on log axes.
    """
    from scipy import stats

    import warnings

    v = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows and single replicas: handled below
        v = np.where(np.isfinite(v) & ((v > 0) if log else True), v, np.nan)
        x = np.log10(v) if log else v
        n = np.sum(np.isfinite(x), axis=1)
        if band == "quantile":
            center, lo, hi = (np.nanquantile(x, q, axis=1) for q in (0.5, 0.1, 0.9))
        else:
            center = np.nanmean(x, axis=1)
            if band == "minmax":
                lo, hi = np.nanmin(x, axis=1), np.nanmax(x, axis=1)
            elif band == "ci":
                half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * np.nanstd(x, axis=1, ddof=1) / np.sqrt(n)
                half = np.where(n > 1, half, 0.0)
                lo, hi = center - half, center + half
            elif band == "none":
                lo = hi = center
            else:
                raise ValueError(f"band = {band!r}: must be one of 'ci', 'minmax', 'quantile', 'none'")
    back = (lambda y: 10.0**y) if log else (lambda y: y)
    return back(center), back(lo), back(hi)


def _groups(frame, hue):
    if hue is None:
        return [(None, frame)]
    return list(frame.groupby(hue, sort=False, dropna=False))


def _label(key, fmt=None) -> str:
    if fmt is not None:
        return fmt(key)
    return ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def band_plot(ax, records, y: str = "grad_sq", x: str = "round", hue=None, band: str = "ci", logy: bool = True,
              logx: bool = False, level: float = 0.95, label_fmt=None, styles=None):
    """``y`` against ``x`` per recorded round, one line per ``hue`` group, with a band over replicas.

    ``x`` may be ``round``, ``bits_up`` (error against bits sent per worker) or ``grad_evals``; its
    value at a round is the mean over the group's replicas.  ``records`` is a stored sweep's
    (:func:`sims.results.load` with ``records=True``) or a ``run()`` result's ``records``.  ``styles`` maps hue values to
    :func:`style_of` entries (the same series, the same look, in every panel).  Returns the axes.
    """
    with paper_style():
        for i, (key, g) in enumerate(_groups(records, hue)):
            replica = (g["digest"].astype(str) + "/" if "digest" in g else "") + g["replica"].astype(str)
            ys = g.assign(_r=replica).pivot_table(index="round", columns="_r", values=y, aggfunc="first", dropna=False)
            xs = g.groupby("round")[x].mean().reindex(ys.index).to_numpy() if x != "round" else ys.index.to_numpy()
            c, lo, hi = center_band(ys.to_numpy(), band, logy, level)
            st = (styles or {}).get(key, style_of(i))
            ax.plot(xs, c, color=st["color"], label=_label(key, label_fmt) if key is not None else None)
            if band != "none":
                ax.fill_between(xs, lo, hi, color=st["color"], alpha=0.2, linewidth=0)
        ax.set_yscale("log" if logy else "linear")
        ax.set_xscale("log" if logx else "linear")
        ax.set_xlabel(LABELS.get(x, x))
        ax.set_ylabel(LABELS.get(y, y))
    return ax


def bits_plot(ax, records, y: str = "grad_sq", hue=None, **kw):
    """Error against cumulative bits sent per honest worker (log-log)."""
    return band_plot(ax, records, y=y, x="bits_up", hue=hue, logx=True, **kw)


def _points(ax, frame, x, y, hue, level, label_fmt, styles=None, log=True):
    """Per hue group: seed-mean (geometric) of ``y`` at each ``x`` with its interval, as markers."""
    out = []
    for i, (key, g) in enumerate(_groups(frame, hue)):
        table = g.pivot_table(index=x, columns=g.groupby(x).cumcount(), values=y, aggfunc="first", dropna=False)
        xs = table.index.to_numpy(dtype=float)
        c, lo, hi = center_band(table.to_numpy(), "ci", log, level)
        st = (styles or {}).get(key, style_of(i))
        ax.errorbar(xs, c, yerr=[c - lo, hi - c], linestyle="none", capsize=2, markersize=4,
                    label=_label(key, label_fmt) if key is not None else None, **st)
        out.append((key, xs, c, st))
    return out


def rate_plot(ax, frame, x: str, y: str, hue=None, theory_slope: float | None = None, theory=None,
              level: float = 0.95, label_fmt=None, styles=None) -> dict:
    """Log-log rate plot: seed means with intervals, the least-squares slope of log y on log x, and the
    theorem's line (``theory_slope`` through the data's centre, or ``theory(x)`` in absolute terms).

    Returns ``{hue value: fitted slope}``.
    """
    slopes = {}
    with paper_style():
        for key, xs, c, st in _points(ax, frame, x, y, hue, level, label_fmt, styles):
            ok = np.isfinite(c) & (c > 0) & (xs > 0)
            if ok.sum() < 2:
                continue
            slope, intercept = np.polyfit(np.log10(xs[ok]), np.log10(c[ok]), 1)
            slopes[key] = slope
            grid = np.geomspace(xs[ok].min(), xs[ok].max(), 50)
            ax.plot(grid, 10**intercept * grid**slope, color=st["color"], linestyle="-", linewidth=1,
                    label=f"fit: slope {slope:.2f}")
            if theory_slope is not None:
                x_mid, y_mid = np.exp(np.mean(np.log(xs[ok]))), np.exp(np.mean(np.log(c[ok])))
                ax.plot(grid, y_mid * (grid / x_mid) ** theory_slope, color="0.4", linestyle=":",
                        label=f"theorem: slope {theory_slope:g}" if key == next(iter(slopes)) else None)
            if theory is not None:
                ax.plot(grid, theory(grid), color="0.4", linestyle="--",
                        label="theorem bound" if key == next(iter(slopes)) else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(LABELS.get(x, x))
        ax.set_ylabel(LABELS.get(y, y))
    return slopes


def floor_plot(ax, frame, x: str, y: str, hue=None, theory=None, theory_label: str = "theorem",
               logx: bool = True, level: float = 0.95, label_fmt=None, styles=None):
    """The error floor (a final metric) against a problem constant such as G^2, kappa or k/d, with the
    seed interval and the theorem's floor ``theory(x)`` (one callable, or one per hue value)."""
    with paper_style():
        for key, xs, c, st in _points(ax, frame, x, y, hue, level, label_fmt, styles):
            ax.plot(xs, c, color=st["color"], linewidth=0.8, alpha=0.6)
            fn = theory.get(key) if isinstance(theory, dict) else theory
            if fn is not None:
                spaced = np.geomspace if logx and xs.min() > 0 else np.linspace
                grid = spaced(xs.min(), xs.max(), 50)
                per_group = isinstance(theory, dict) and key is not None
                ax.plot(grid, fn(grid), color=st["color"], linestyle="--", linewidth=1,
                        label=f"{theory_label} ({_label(key, label_fmt)})" if per_group else theory_label)
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log")
        ax.set_xlabel(LABELS.get(x, x))
        ax.set_ylabel(LABELS.get(y, y))
    return ax


def heatmap(ax, frame, row: str, col: str, value: str, log: bool = True, fmt: str = "{:.1e}", cmap: str = "magma_r",
            colorbar_label: str | None = None):
    """A ``row x col`` grid of ``value`` (e.g. the worst case over attacks per (f, heterogeneity) cell);
    diverged cells (inf / NaN) are hatched and marked 'div'."""
    from matplotlib.colors import LogNorm, Normalize

    with paper_style():
        table = frame.pivot_table(index=row, columns=col, values=value, aggfunc="first", dropna=False)
        v = table.to_numpy(dtype=float)
        ok = np.isfinite(v) & ((v > 0) if log else True)
        lo, hi = (v[ok].min(), v[ok].max()) if ok.any() else (1.0, 10.0)
        norm = LogNorm(lo, max(hi, lo * 1.0001)) if log else Normalize(lo, hi)
        image = ax.imshow(np.where(ok, v, np.nan), cmap=cmap, norm=norm, origin="lower", aspect="auto")
        ax.set_facecolor("0.85")
        for (i, j), val in np.ndenumerate(v):
            text = fmt.format(val) if ok[i, j] else "div"
            shade = norm(val) if ok[i, j] else 0.0
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if shade > 0.6 else "black")
            if not ok[i, j]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.5"))
        ax.set_xticks(range(v.shape[1]), [f"{c:g}" if isinstance(c, float) else str(c) for c in table.columns])
        ax.set_yticks(range(v.shape[0]), [f"{r:g}" if isinstance(r, float) else str(r) for r in table.index])
        ax.set_xlabel(LABELS.get(col, col))
        ax.set_ylabel(LABELS.get(row, row))
        ax.grid(False)
        ax.figure.colorbar(image, ax=ax, label=colorbar_label or LABELS.get(value, value))
    return ax
