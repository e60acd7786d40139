"""The ``byzcomp`` command line.

Each subcommand lives in :mod:`sims.commands` as a module with ``register(subparsers)`` that adds its
parser and sets ``func``; :data:`COMMANDS` lists them explicitly.  Configuration errors print one
line (``error: compressor.k = 200: must be <= d = 100 (problem dimension)``) and exit with status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import plugins
from .errors import ConfigError
from .store import package_version

COMMANDS = ("run", "list", "bounds", "kappa", "sweep", "results", "figs", "verify")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="byzcomp", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"byzcomp {package_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"sims.commands.{name}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        plugins.load(getattr(args, "plugin", []), field="--plugin")
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
