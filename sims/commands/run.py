"""``byzcomp run CONFIG.toml [--out DIR]``: one experiment, all its replicas."""
from __future__ import annotations

from pathlib import Path

from ..config import ExperimentConfig
from ..engine import run
from ..report import summary_table


def register(sub) -> None:
    p = sub.add_parser("run", help="run one experiment (all its replicas) and write tidy results")
    p.add_argument("config", help="experiment TOML file")
    p.add_argument("--out", default=None, help="directory for records.csv, summary.csv, config.toml, plot.png/pdf")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=main)


def main(args) -> int:
    cfg = ExperimentConfig.from_toml(args.config)
    result = run(cfg, progress=False if args.no_progress else None)
    print(summary_table(result))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        result.records.to_csv(out / "records.csv", index=False)
        result.summary.to_csv(out / "summary.csv", index=False)
        (out / "config.toml").write_text(cfg.to_toml())
        from ..plots import convergence_plot

        convergence_plot(result, out / "plot")
        print(f"wrote {out}/records.csv, summary.csv, config.toml, plot.png, plot.pdf")
    return 0
