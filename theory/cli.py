"""``byzcomp bounds``: list, print and evaluate the theorem records; print the derived tables.

    byzcomp bounds                               every theorem with its criterion and derived exponent
    byzcomp bounds --table [--latex] [--out F]   overview, O(.) comparison and numeric comparison tables
                                                 (markdown into a file or pipe, 120 columns on a terminal)
    byzcomp bounds ALG [--latex] [--at CONFIG.toml] [--T 100 ...] [--eps 0.1] [--set name=value ...]
                                                 one theorem (key) or all of an algorithm, evaluated at
                                                 a problem's constants when --at/--set are given

``register(subparsers, load_constants=None)`` adds the ``bounds`` sub-command to the sims CLI; the
sims side passes ``load_constants(path) -> dict[str, float]`` to turn an experiment config into
constants (theory never reads sims configs).  Standalone (``python -m theory.cli bounds ...``) the
default loader reads a flat TOML of constants, or its ``[constants]`` table.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Mapping, Sequence

from . import criteria
from .registry import THEOREMS, UnknownTheoremError, resolve
from .tables import NOT_SIMULATED, comparison_table, order_table, overview_table, provenance_label, render
from .theorem import ConstantError

LoadConstants = Callable[[str], Mapping[str, float]]


def load_constants_toml(path: str) -> dict[str, float]:
    """A flat TOML ``name = value`` file (or its ``[constants]`` table) -> constants."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    table = data.get("constants", data)
    return {k: float(v) for k, v in table.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _parse_set(items: Sequence[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set expects name=value, got {item!r}")
        out[name.strip()] = float(value)
    return out


def list_theorems(criterion: str = "sqnorm_le_eps2", fmt: str = "markdown") -> str:
    headers = ["theorem", "algorithm", "setting", "criterion", "exponent", f"exponent ({criterion})", "provenance"]
    rows = []
    for th in THEOREMS.values():
        same = criteria.criterion(th.criterion).quantity == criteria.criterion(criterion).quantity
        rows.append([th.key, th.algorithm, th.setting, th.criterion, th.exponent_str(),
                     th.exponent_str(criterion) if same else "-",
                     provenance_label(th) + ("" if th.simulated else f" {NOT_SIMULATED}")])
    return render(headers, rows, fmt)


def _table_format(args: argparse.Namespace, stream) -> str:
    """latex with --latex; markdown into a file or a pipe; a console table (120 columns) on a terminal."""
    if args.latex:
        return "latex"
    return "text" if not args.out and getattr(stream, "isatty", lambda: False)() else "markdown"


def _show(th, args, constants: Mapping[str, float] | None) -> str:
    text = th.latex() if args.latex else th.describe()
    if constants is None:
        return text
    usable = {k: v for k, v in constants.items() if k in set(th.allowed_names)}
    lines = [text, f"  evaluated at {len(usable)} constants:"]
    for T in args.T:
        out = th.evaluate(usable, T=T)
        hyper = ", ".join(f"{k}={out[k]:.4g}" for k in th.hyper if out.get(k) is not None)
        lines.append(f"    T={T:g}: bound={out['bound']:.6g}  floor={out['floor']:.6g}  {hyper}  conditions={out['conditions']}")
    if args.eps is not None and th.kind == "rate":
        out = th.evaluate(usable, eps=args.eps)
        bits = f"  bits_to_eps={out['bits_to_eps']:.4g}" if "bits_to_eps" in out else ""
        lines.append(f"    eps={args.eps:g}: iterations={out['iterations']:.6g}  sufficient T(eps)={out['complexity']:.6g}{bits}")
    return "\n".join(lines)


def run_bounds(args: argparse.Namespace, load_constants: LoadConstants | None = None) -> int:
    """Handler of ``bounds``; returns the exit code (2 for a usage or constant error)."""
    out = sys.stdout
    try:
        if args.table:
            fmt = _table_format(args, out)
            parts = [
                "## Theorems\n\n" + overview_table(fmt=fmt),
                "## Rounds and bits to eps (O-terms, floor 0)\n\n" + order_table(fmt=fmt),
                "## Rounds / bits to eps=0.1 as omega varies\n\n" + comparison_table(fmt=fmt),
                "## Rounds / bits to eps=0.1 as c*delta varies\n\n" + comparison_table(vary="c_delta", values=(0.01, 0.1, 0.3), fmt=fmt),
                "## Rounds / bits to eps=0.1 as p varies\n\n" + comparison_table(vary="p", values=(0.01, 0.1, 0.5), fmt=fmt),
                "## Rounds / bits to eps=0.1 as n varies\n\n" + comparison_table(vary="n", values=(10, 20, 100), fmt=fmt),
            ]
            text = "\n\n".join(parts) + "\n"
            if args.out:
                with open(args.out, "w") as fh:
                    fh.write(text)
            else:
                out.write(text)
            return 0
        if args.name is None:
            out.write(list_theorems(args.criterion, _table_format(args, out)) + "\n")
            return 0
        constants: dict[str, float] | None = None
        if args.at:
            constants = dict((load_constants or load_constants_toml)(args.at))
        if args.set:
            constants = {**(constants or {}), **_parse_set(args.set)}
        theorems = resolve(args.name)
        failed = 0
        for th in theorems:
            try:
                out.write(_show(th, args, constants) + "\n\n")
            except ConstantError as err:
                if len(theorems) == 1:
                    raise
                failed += 1
                out.write(f"{th.key}: not evaluated: {err}\n\n")
        return 2 if failed == len(theorems) else 0
    except (UnknownTheoremError, ConstantError, ValueError, OSError) as err:
        print(f"byzcomp bounds: {err}", file=sys.stderr)
        return 2


def register(subparsers, load_constants: LoadConstants | None = None) -> argparse.ArgumentParser:
    """Add ``bounds`` to an argparse sub-parser collection; sets ``func(args) -> int`` as its handler."""
    p = subparsers.add_parser("bounds", help="theorem records: list, print, evaluate, tables",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", help="theorem key (e.g. byz_vr_marina.thm2_1) or algorithm (e.g. byz_dm21)")
    p.add_argument("--table", action="store_true", help="print the comparison tables derived from the records")
    p.add_argument("--latex", action="store_true", help="LaTeX instead of text / markdown")
    p.add_argument("--out", help="write the tables to this file")
    p.add_argument("--at", metavar="CONFIG.toml", help="evaluate at the constants of this config")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="set or override a constant")
    p.add_argument("--T", type=float, nargs="+", default=[100.0, 1000.0], help="rounds at which to evaluate the bound")
    p.add_argument("--eps", type=float, default=None, help="accuracy at which to evaluate T(eps)")
    p.add_argument("--criterion", default="sqnorm_le_eps2", choices=list(criteria.CRITERIA),
                   help="criterion for the converted exponent column of the listing")
    p.set_defaults(func=lambda args: run_bounds(args, load_constants))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m theory.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
