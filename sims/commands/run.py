"""``byzcomp run CONFIG.toml [key=value ...] [--out DIR] [--plugin MODULE]``: one experiment, all its replicas.

``key=value`` overrides a dotted field before validation (``run.seeds=16``,
``aggregator.name=cwmed``, ``attack='{name = "ipm", eps = 0.5}'``); the value is read as TOML (a
bare word is a string) and checked like the file.  Without ``--out`` the results go to
``out/<config stem>/<timestamp>``; the command prints where.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Sequence

from ..config import ExperimentConfig
from ..errors import ConfigError
from ..plugins import add_option

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SUMMARY_METRICS = ("grad_sq", "f_gap", "dist", "accuracy", "test_accuracy")


def register(sub) -> None:
    p = sub.add_parser("run", help="run one experiment (all its replicas) and write tidy results")
    p.add_argument("config", help="experiment TOML file")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="dotted field overrides, e.g. run.seeds=16")
    p.add_argument("--out", default=None,
                   help="directory for records.csv, summary.csv, config.toml, plot.png/pdf "
                        "(default: out/<config stem>/<timestamp>)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_option(p)
    p.set_defaults(func=main)


def parse_value(text: str):
    """A TOML value (``16``, ``0.1``, ``true``, ``[1, 2]``, ``{name = "x"}``); anything else is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(table: dict, overrides: Sequence[str]) -> dict:
    """``table`` with every ``key=value`` of ``overrides`` set (keys as in a sweep grid)."""
    from ..sweep import set_dotted

    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("override", item, "must be KEY=VALUE with a dotted KEY, e.g. run.seeds=16")
        set_dotted(table, key.strip(), parse_value(value.strip()))
    return table


def load_config(path: str, overrides: Sequence[str] = ()) -> ExperimentConfig:
    """The config of a TOML file with ``overrides`` applied, validated as one."""
    if not Path(path).is_file():
        raise ConfigError("config", path, "no such file (an experiment TOML, e.g. examples/quickstart.toml)")
    try:
        table = tomllib.loads(Path(path).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "<unparsable>", f"is not valid TOML: {exc}") from None
    return ExperimentConfig.from_dict(apply_overrides(table, list(overrides)))


def default_out(config_path: str) -> Path:
    return Path("out") / Path(config_path).stem / time.strftime("%Y%m%d-%H%M%S")


def replica_lines(summary, level: float = 0.95) -> list[str]:
    """``mean +- half-width`` per metric over the replicas that did not diverge, and the diverged count."""
    from ..reductions import mean_ci

    R = len(summary)
    diverged = summary[summary["diverged"]]
    ok = summary[~summary["diverged"]]
    lines = [f"mean +- {level:.0%} CI over {len(ok)} of {R} replicas (diverged ones excluded):"]
    for metric in SUMMARY_METRICS:
        if metric not in ok or not ok[metric].notna().any():
            continue
        s = mean_ci(ok[metric], level)
        lines.append(f"  {metric:<14} {s['mean']:.4g} +- {s['hi'] - s['mean']:.2g}")
    if len(diverged):
        rounds = ", ".join(str(int(r)) for r in sorted(diverged["diverged_round"]))
        lines.append(f"{len(diverged)}/{R} replicas diverged (rounds {rounds})")
    return lines


def main(args) -> int:
    cfg = load_config(args.config, args.overrides)
    from ..engine import run
    from ..report import summary_table

    result = run(cfg, progress=False if args.no_progress else None)
    print(summary_table(result))
    print("\n".join(replica_lines(result.summary)))
    out = Path(args.out) if args.out else default_out(args.config)
    out.mkdir(parents=True, exist_ok=True)
    result.records.to_csv(out / "records.csv", index=False)
    result.summary.to_csv(out / "summary.csv", index=False)
    (out / "config.toml").write_text(cfg.to_toml())
    from ..plots import convergence_plot

    convergence_plot(result, out / "plot")
    print(f"wrote {out}/: records.csv, summary.csv, config.toml, plot.png, plot.pdf")
    return 0
