r"""Reductions of tidy sweep frames (:func:`sims.results.load`).

A frame's ``attrs["keys"]`` lists its point coordinates (the sweep's grid keys and ``variant``); a
*setting* is a point without the coordinate being reduced over.  Diverged replicas carry NaN metrics;
every reduction treats them as the worst possible value, so a step size that diverges under one
attack is never chosen.

* :func:`seed_stats`: per point, the mean over seeds with a 95 % Student-t interval (on log10 values,
  i.e. a geometric mean, with ``log=True``, :func:`mean_ci`) over the replicas that did not diverge,
  and the number of diverged replicas (excluded from the mean, counted in ``n_diverged``).
* :func:`worst_case`: per setting, :math:`\max_{a}\ \overline{m}(a)` over attacks a (or any key) of
  the seed mean :math:`\overline m`, and the attack attaining it.
* :func:`best_step_size`: ByzFL's tuning (LPD-EPFL/byzfl, experiments spec 10): per setting, the step
  size :math:`\gamma^\star = \arg\min_\gamma \max_a \overline m(\gamma, a)`.
* :func:`restrict`: the rows of a frame at the chosen step sizes (for plotting every attack at them).
* :func:`rounds_to_target`: per replica, the first recorded round with metric <= target, ``cap + 1``
  when never reached ("no hit" as in the RoSDHB scripts, experiments spec 4).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def _related(a: str, b: str) -> bool:
    """``attack`` and ``attack.name`` name the same coordinate."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def setting_keys(frame: pd.DataFrame, exclude: Sequence[str] = (), by: Sequence[str] | None = None) -> list[str]:
    """The columns that identify a setting: ``by``, else the frame's keys minus ``exclude``."""
    if by is not None:
        return list(by)
    keys = frame.attrs.get("keys")
    if keys is None:
        raise ValueError("the frame has no attrs['keys'] (load it with sweep=...); pass by=[...] explicitly")
    return [k for k in keys if not any(_related(k, e) for e in exclude)]


def _with_keys(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    frame.attrs["keys"] = list(keys)
    return frame


def mean_ci(values, level: float = 0.95, log: bool = False) -> dict:
    r"""Mean of the finite ``values`` with its ``level`` Student-t interval,
    :math:`\bar v \pm t_{n-1}\, s/\sqrt n` (on log10 values, i.e. a geometric mean, with ``log``):
    ``{"mean", "lo", "hi", "n"}``; no interval (lo = hi = mean) with one value, NaN with none."""
    v = np.asarray(values, dtype=float)
    x = v[np.isfinite(v) & ((v > 0) if log else True)]
    x = np.log10(x) if log else x
    n = x.size
    mean = x.mean() if n else np.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
    back = (lambda y: 10.0**y) if log else (lambda y: y)
    return {"mean": back(mean), "lo": back(mean - half), "hi": back(mean + half), "n": n}


def diverged_mask(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """Rows of diverged replicas: flagged ``diverged`` or with a non-finite ``metric``."""
    bad = ~np.isfinite(frame[metric].to_numpy(dtype=float))
    if "diverged" in frame:
        bad |= frame["diverged"].to_numpy(dtype=bool)
    return bad


def seed_stats(frame: pd.DataFrame, metric: str, by: Sequence[str] | None = None, log: bool = False,
               level: float = 0.95, stat: str = "mean") -> pd.DataFrame:
    """Per point: ``mean``, ``lo``, ``hi`` (``level`` t-interval over the replicas that did not diverge),
    ``n`` (those replicas) and ``n_diverged``; ``stat = "median"`` adds the median over those replicas,
    ``stat = "worst"`` the largest value over all replicas (inf when one diverged)."""
    if stat not in STATS:
        from .errors import ConfigError

        raise ConfigError("stat", stat, "must be one of " + ", ".join(STATS))
    keys = setting_keys(frame, by=by)
    bad = diverged_mask(frame, metric)
    rows = []
    for key, g in frame.assign(_bad=bad).groupby(keys, sort=False, dropna=False) if keys else [((), frame.assign(_bad=bad))]:
        ok = g.loc[~g["_bad"], metric].to_numpy(dtype=float)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(mean_ci(ok, level, log))
        if stat == "median":
            row["median"] = float(np.median(ok)) if ok.size else np.nan
        elif stat == "worst":
            row["worst"] = float(np.max(ok)) if ok.size and not g["_bad"].any() else np.inf
        row["n_diverged"] = int(g["_bad"].sum())
        rows.append(row)
    return _with_keys(pd.DataFrame(rows), keys)


STATS = ("mean", "median", "worst")


def _point_means(frame: pd.DataFrame, metric: str, keys: list[str], worst: float) -> pd.DataFrame:
    """Seed mean per point; a point with a diverged replica gets ``worst``."""
    values = frame[metric].where(~diverged_mask(frame, metric), worst)
    return frame.assign(**{metric: values}).groupby(keys, sort=False, dropna=False)[metric].mean().reset_index()


def worst_case(frame: pd.DataFrame, metric: str, over: str = "attack", by: Sequence[str] | None = None,
               higher_is_worse: bool = True) -> pd.DataFrame:
    """Per setting, the worst seed-mean ``metric`` over ``over`` and which value of ``over`` attains it."""
    over_col = _column(frame, over)
    keys = setting_keys(frame, exclude=[over], by=by)
    worst = np.inf if higher_is_worse else -np.inf
    means = _point_means(frame, metric, keys + [over_col], worst)
    rows = _extreme_rows(means, keys, metric, largest=higher_is_worse)
    out = means.loc[rows].rename(columns={over_col: f"worst_{over_col}"}).reset_index(drop=True)
    return _with_keys(out, keys)


def best_step_size(frame: pd.DataFrame, metric: str, param: str = "algorithm.lr", against: str | None = "attack",
                   by: Sequence[str] | None = None, lower_is_better: bool = True) -> pd.DataFrame:
    """Per setting, the ``param`` value whose worst case over ``against`` is best (ByzFL's tuning);
    ``against=None``: the best seed mean."""
    keys = setting_keys(frame, exclude=[param] + ([against] if against else []), by=by)
    if against is None:
        worst = _point_means(frame, metric, keys + [param], np.inf if lower_is_better else -np.inf)
    else:
        worst = worst_case(frame, metric, over=against, by=keys + [param], higher_is_worse=lower_is_better)
    out = worst.loc[_extreme_rows(worst, keys, metric, largest=not lower_is_better)].reset_index(drop=True)
    out.attrs["keys"] = keys
    out.attrs["on"] = keys + [param]
    return out


def restrict(frame: pd.DataFrame, choice: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` at the settings and parameter values of ``choice`` (:func:`best_step_size`)."""
    on = choice.attrs.get("on") or [c for c in choice.columns if c in frame.columns]
    out = frame.merge(choice[on].drop_duplicates(), on=on, how="inner")
    out.attrs = dict(frame.attrs)
    return out


def rounds_to_target(records: pd.DataFrame, metric: str, target: float, cap: int | None = None,
                     by: Sequence[str] | None = None) -> pd.DataFrame:
    """Per point and replica, the first recorded round with ``metric <= target`` (else ``cap + 1``)."""
    keys = setting_keys(records, by=by) + ["replica"]
    cap = int(records["round"].max()) if cap is None else cap
    hit = records[(records[metric] <= target) & (records["round"] <= cap)]
    first = hit.groupby(keys, sort=False, dropna=False)["round"].min()
    every = records[keys].drop_duplicates().set_index(keys)
    out = every.join(first.rename("rounds")).reset_index()
    out["hit"] = out["rounds"].notna()
    out["rounds"] = out["rounds"].fillna(cap + 1).astype(int)
    return _with_keys(out, keys[:-1])


def _extreme_rows(frame: pd.DataFrame, keys: list[str], metric: str, largest: bool) -> list:
    """Index labels of the row with the largest (or smallest) ``metric`` in every group of ``keys``."""
    if not keys:
        return [frame[metric].idxmax() if largest else frame[metric].idxmin()]
    pick = frame.groupby(keys, sort=False, dropna=False)[metric]
    return list((pick.idxmax() if largest else pick.idxmin()).to_numpy())


def _column(frame: pd.DataFrame, name: str) -> str:
    if name in frame.columns:
        return name
    raise KeyError(f"{name!r} is not a column of the frame (columns: {', '.join(map(str, frame.columns))})")


def time_average(records: pd.DataFrame, metric: str, start: float = 0.0, by: Sequence[str] | None = None
                 ) -> pd.DataFrame:
    r"""Per point and replica, the mean of ``metric`` over the recorded rounds t >= ``start`` * T:
    :math:`\frac1{|S|}\sum_{t\in S} m_t`, the left-hand side of the averaged-iterate theorems
    (``start = 0``) or a plateau estimate (e.g. ``start = 0.5``).  Diverged replicas give NaN."""
    keys = setting_keys(records, by=by) + ["replica"]
    T = records.groupby(keys, sort=False, dropna=False)["round"].transform("max")
    window = records[records["round"] >= start * T]
    out = window.groupby(keys, sort=False, dropna=False)[metric].agg(lambda v: v.mean(skipna=False)).reset_index()
    return _with_keys(out, keys[:-1])
