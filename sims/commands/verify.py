"""``byzcomp verify [THEOREM ...] [--quick] [--out DIR]``: run the verification suite."""
from __future__ import annotations

import sys
import time


def register(sub) -> None:
    p = sub.add_parser("verify", help="hold simulations against the theorems: bound, rate, floor, implied constants",
                       description=__doc__)
    p.add_argument("theorems", nargs="*", help="theorem keys or algorithm names (default: the whole suite)")
    p.add_argument("--quick", action="store_true", help="the quick suite (a few minutes on 2 cores)")
    p.add_argument("--out", default="verify_report", help="report directory (markdown, plots, checks.json)")
    p.set_defaults(func=main)


def main(args) -> int:
    from tqdm.auto import tqdm

    from ..verify import format_table, suite, write_report

    items = suite.select(suite.items(quick=args.quick), args.theorems)
    if not items:
        print("error: no check of the suite covers " + ", ".join(args.theorems), file=sys.stderr)
        return 2
    start = time.perf_counter()
    checks = []
    with tqdm(items, desc="verify", unit="item", disable=not sys.stderr.isatty()) as bar:
        for it in bar:
            bar.set_postfix_str(it.name)
            checks += it.run()
    seconds = time.perf_counter() - start
    print(format_table(checks))
    path = write_report(checks, args.out, title="byzcomp verify" + (" --quick" if args.quick else ""), seconds=seconds,
                        notes=suite.NOTES)
    bad = [c for c in checks if not c.as_expected]
    print(f"\n{len(checks)} checks in {seconds:.1f} s; {len(bad)} differ from the expected verdict; report: {path}")
    return 1 if bad else 0
