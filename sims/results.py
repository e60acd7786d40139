"""Stored results as tidy pandas frames: ``sims.load(...)``, queries and parquet / csv export.

``load(store, sweep=None)`` gives one row per stored replica (the *summary*: the last recorded
round's metrics, ``diverged``, ``diverged_round``, ``final_round``, ``wall_seconds``) and
``load(..., records=True)`` one row per replica and recorded round.  Every row carries ``digest``,
``replica``, ``seed``, ``version`` and the flattened config (``algorithm.lr``, ``workers.f``,
``aggregator.pre`` as a label, ...).  With a ``sweep`` only its points come back, each with its
coordinates (grid keys, ``variant``) listed in ``frame.attrs["keys"]`` for :mod:`sims.reductions`;
a config shared by two points comes back once per point.

``query`` is a filter in the language of :mod:`sims.query` (data, not code: comparisons, ``in``,
ranges, and / or / not on result columns): ``"algorithm.lr < 0.1 and attack.name == 'alie'"``.
A store given by path is opened read-only.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import ExperimentConfig
from .constants import declared_constants
from .query import parse, select
from .store import Store

if TYPE_CHECKING:
    from .sweep import Point

EXPORT_FORMATS = ("parquet", "csv")
NORMALISED_AWAY = ("run.seeds", "run.progress", "title", "plugins")  # not part of a stored replica's key
def _config_columns(config: dict[str, Any]) -> dict[str, Any]:
    from .sweep import flatten, label

    return {k: label(v) if isinstance(v, (list, tuple)) else v for k, v in flatten(config).items()
            if k not in NORMALISED_AWAY}


def load(store: Store | str | Path | None = None, *, sweep=None, query: str | None = None,
         records: bool = False, version: str | None = None, constants: bool = False) -> pd.DataFrame:
    """Tidy results from the store (see the module docstring); ``version="all"`` keeps every version.

    ``constants=True`` adds the declared constants of every point (:func:`sims.constants.declared_constants`:
    ``const.kappa``, ``const.G_het``, ``const.omega``, ...).
    """
    if query is not None:
        parse(query)  # refuse a query outside the language before reading anything
    store = Store.open(store, read_only=True)
    points: dict[str, list[Point]] | None = None
    if sweep is not None:
        points = {}
        for p in sweep.points():
            points.setdefault(p.digest, []).append(p)
        keys = [(digest, r) for digest, ps in points.items() for r in range(ps[0].config.run.seeds)]
        runs = list(store.runs(keys, version=version))
    else:
        runs = list(store.runs(version=version))
    configs = {d: _config_columns(c) for d, c in store.configs({r.digest for r in runs}).items()}
    if constants:
        for digest, table in store.configs(configs).items():
            declared = declared_constants(ExperimentConfig.from_dict(table))
            configs[digest].update({f"const.{k}": v for k, v in declared.items()})
    pairs = [(run, coords) for run in runs
             for coords in ([p.coords for p in points[run.digest]] if points is not None else [{}])]
    keys = list(sweep.keys) if sweep is not None else []
    front = keys + ["digest", "replica", "seed", "version"]
    if not pairs:
        out = pd.DataFrame(columns=front)
        out.attrs["keys"] = keys
        return out
    meta = pd.DataFrame([{**coords, "digest": run.digest, "replica": run.replica, "seed": run.seed,
                          "version": run.version} for run, coords in pairs])
    config_frame = pd.DataFrame.from_dict(configs, orient="index")
    out = pd.concat([_values(group, records) for group in _by_columns(pairs)], ignore_index=True)
    which = out.pop("_pair").to_numpy()
    meta = meta.iloc[which].reset_index(drop=True)
    config = config_frame.loc[meta["digest"]].reset_index(drop=True)
    config = config[[c for c in config.columns if c not in meta.columns]]
    out = pd.concat([meta, out, config], axis=1)
    out = out[front + [c for c in out.columns if c not in front]]
    out = select(out, query)
    out.attrs["keys"] = keys
    return out


def _by_columns(pairs) -> list[list[tuple[int, object]]]:
    """(pair index, run) grouped by the runs' metric columns (a store may mix engine versions)."""
    groups: dict[tuple, list] = {}
    for i, (run, _) in enumerate(pairs):
        groups.setdefault(run.columns, []).append((i, run))
    return list(groups.values())


def _values(group, records: bool) -> pd.DataFrame:
    """Every recorded row (``records``) or the last one of each run, with ``_pair`` pointing at its run."""
    columns = list(group[0][1].columns)
    if records:
        values = np.concatenate([run.records for _, run in group])
        pair = np.repeat([i for i, _ in group], [run.records.shape[0] for _, run in group])
    else:
        values = np.stack([run.records[-1] for _, run in group])
        pair = np.array([i for i, _ in group])
    table = pd.DataFrame(values, columns=columns)
    if "round" in table:
        table["round"] = table["round"].astype(np.int64)
    if "diverged" in table:
        table["diverged"] = table["diverged"].astype(bool)
    if not records:
        table = table.rename(columns={"round": "final_round"})
        table["diverged"] = [run.diverged_round >= 0 for _, run in group]
        table["diverged_round"] = [run.diverged_round for _, run in group]
        table["wall_seconds"] = [run.wall_seconds for _, run in group]
    table["_pair"] = pair
    return table


def export(frame: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``frame`` as parquet (pyarrow) or csv; ``fmt`` defaults to the path's suffix."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in EXPORT_FORMATS:
        from .errors import ConfigError

        raise ConfigError("export", fmt, "must be one of " + ", ".join(EXPORT_FORMATS))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, float_format="%.17g")
    return path
