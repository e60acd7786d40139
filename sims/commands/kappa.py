"""``byzcomp kappa [AGG ...] --n N --f F``: empirical (f, kappa) lower estimates beside the theory.

Each AGG is a registered aggregator name, or pre-aggregators and an aggregator joined by '+'
(``nnm+cwtm``: NNM first, then CWTM).  Default: every registered aggregator and a few chains.  For
each rule :func:`sims.kappa.search` maximises ||F(x) - mean_S||^2 / disp_S over adversarial inputs;
the table shows the value found (a certified lower estimate of the true kappa), the declared upper
bound with its provenance, and the universal lower bound f/(n - 2f).  Exit status 1 if a declared
upper bound is exceeded (the claim is falsified).
"""
from __future__ import annotations

from ..errors import ConfigError
from ..kappa import default_rules, format_table, search


def register(sub) -> None:
    p = sub.add_parser("kappa", help="search adversarial inputs for each aggregator's empirical (f, kappa)")
    p.add_argument("rules", nargs="*", metavar="AGG", help="aggregator names, or chains like nnm+cwtm (default: all)")
    p.add_argument("--n", type=int, default=20, help="inputs (workers)")
    p.add_argument("--f", type=int, default=4, help="Byzantine inputs tolerated")
    p.add_argument("--d", type=int, default=2, help="dimension of the inputs searched")
    p.add_argument("--restarts", type=int, default=32, help="batched restarts (the replica axis)")
    p.add_argument("--iters", type=int, default=200, help="hill-climbing moves per restart")
    p.add_argument("--seed", type=int, default=0, help="seed of the search")
    p.set_defaults(func=main)


def main(args) -> int:
    results, skipped = [], []
    for rule in args.rules or default_rules():
        try:
            results.append(search(rule, args.n, args.f, d=args.d, restarts=args.restarts, iters=args.iters,
                                  seed=args.seed))
        except ConfigError as exc:
            if args.rules:
                raise
            skipped.append(f"{rule}: {exc}")
    print(f"empirical (f, kappa) at n = {args.n}, f = {args.f}, d = {args.d} "
          f"({args.restarts} restarts x {args.iters} moves; S = the first n - f inputs)")
    print(format_table(results))
    for line in skipped:
        print(f"skipped {line}")
    return 0 if all(r.within_upper is not False for r in results) else 1
