"""The ``byzcomp`` command line.

Each subcommand lives in :mod:`sims.commands` as a module with ``register(subparsers)`` that adds its
parser and sets ``func``; :data:`COMMANDS` lists them explicitly.  Every expected failure is one line
on stderr, never a traceback: configuration errors (``error: compressor.k = 200: must be <= d = 100
(problem dimension)``), unknown theorem names and missing or unreadable files exit with status 2;
Ctrl-C prints ``interrupted`` (for a sweep ``interrupted, N of M stored``) and exits with 130; a
closed pipe (``byzcomp results | head``) ends quietly with 141, as a process killed by SIGPIPE would.
"""
from __future__ import annotations

import argparse
import importlib
import os
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
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return status
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away: point stdout at /dev/null so that the interpreter's final flush is quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a missing config, sweep or output directory
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(str(exc) if str(exc) else "interrupted", file=sys.stderr)
        return 130
    except LookupError as exc:  # an unknown theorem (verify, bounds): theory is imported by then
        registry = sys.modules.get("theory.registry")
        if registry is None or not isinstance(exc, registry.UnknownTheoremError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
