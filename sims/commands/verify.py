"""``byzcomp verify [THEOREM ...] [--quick] [--out DIR] [--latex [FILE.tex]] [--backend B] [--dtype T]
[--device D] [--rng R]``: run the verification suite (every run on the given backend, dtype, device
and random streams; by default each setting's numpy float64 host runs)."""
from __future__ import annotations

import sys
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("verify", help="hold simulations against the theorems: bound, rate, floor, implied constants",
                       description=__doc__)
    p.add_argument("theorems", nargs="*", help="theorem keys or algorithm names (default: the whole suite)")
    p.add_argument("--quick", action="store_true", help="the quick suite (a few minutes on 2 cores)")
    p.add_argument("--at", metavar="FILE.toml", default=None,
                   help="check the named records at this experiment setting (default: the suite, and each "
                        "record's examples/<algorithm>.toml for records the suite does not cover)")
    p.add_argument("--out", default="verify_report", help="report directory (markdown, plots, checks.json)")
    p.add_argument("--latex", nargs="?", const="", default=None, metavar="FILE.tex",
                   help="also write the checks as a LaTeX table (booktabs; default file: OUT/checks.tex)")
    runs = p.add_argument_group("runs", "where every run of the checks computes (default: each setting's, numpy float64 "
                                "on the host); the expected verdicts stay the suite's")
    for name, help_text in (("backend", "array backend: numpy or torch"), ("dtype", "float64 or float32"),
                            ("device", "torch device: cpu or cuda"),
                            ("rng", "where the random numbers are drawn: host (numpy = torch) or device (torch)")):
        runs.add_argument(f"--{name}", default=None, help=help_text)
    p.set_defaults(func=main)


def main(args) -> int:
    from tqdm.auto import tqdm

    import theory

    from ..errors import ConfigError
    from ..verify import suite, write_report
    from ..verify.report import console_table, write_latex
    from ..verify.at import at_item, not_simulated
    from ..verify.runner import RUN_OPTION_FIELDS, checked_run_options, run_options

    if args.at is not None and not args.theorems:
        print("error: --at needs the record(s) to check: byzcomp verify NAME --at FILE.toml", file=sys.stderr)
        return 2
    try:
        for name in args.theorems:
            theory.resolve(name)
    except Exception as e:  # unknown record name
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name in args.theorems:
        why = not_simulated(name)
        if why is not None:  # a record only: no run can check it (not "no example")
            print(f"error: {why}", file=sys.stderr)
            return 2
    if args.at is not None:
        items = [at_item(name, args.at, args.quick) for name in args.theorems]
    else:
        all_items = suite.items(quick=args.quick)
        items = suite.select(all_items, args.theorems)
        items += [at_item(name, None, args.quick) for name in args.theorems if not suite.select(all_items, [name])]
    if not items:
        print("error: no check of the suite covers " + ", ".join(args.theorems), file=sys.stderr)
        return 2
    try:  # a bad --backend / --dtype / --device / --rng is refused, named, before any run
        chosen = checked_run_options(**{name: getattr(args, name) for name in RUN_OPTION_FIELDS})
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    checks = []
    with run_options(**chosen), tqdm(items, desc="verify", unit="item", disable=not sys.stderr.isatty()) as bar:
        for it in bar:
            bar.set_postfix_str(it.name)
            checks += it.run()
    seconds = time.perf_counter() - start
    print(console_table(checks))
    title = "byzcomp verify" + (" --quick" if args.quick else "") + "".join(f" --{k} {v}" for k, v in chosen.items())
    path = write_report(checks, args.out, title=title, seconds=seconds)
    bad = [c for c in checks if not c.as_expected]
    print(f"\n{len(checks)} checks in {seconds:.1f} s; {len(bad)} differ from the expected verdict")
    print(f"report: {path}")
    if args.latex is not None:
        print(f"LaTeX table: {write_latex(checks, args.latex or Path(args.out) / 'checks.tex')}")
    return 1 if bad else 0
