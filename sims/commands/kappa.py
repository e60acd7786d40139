"""``byzcomp kappa [AGG ...] --n N --f F``: best lower estimates of (f, kappa) beside the theory.

Each AGG is a registered aggregator name, or pre-aggregators and an aggregator joined by '+'
(``nnm+cwtm``: NNM first, then CWTM), with fields in brackets (``krum[variant=byzfl]``).  Default:
every registered aggregator and a few chains.  For each rule :func:`sims.kappa.search` maximises
||F(x) - mean_S||^2 / disp_S over adversarial inputs (constructions, L-BFGS-B, hill climbing); the
table shows the best value found (a certified lower estimate of the true kappa), the declared upper
bound with its provenance, and the universal lower bound f/(n - 2f); then the input attaining each
value (``--save FILE.json`` writes them all).  Progress goes to stderr.  Exit status 1 if a declared
upper bound is exceeded (the claim is falsified).
"""
from __future__ import annotations

import json
import sys

from ..errors import ConfigError
from ..kappa import default_rules, format_input, format_table, search


def register(sub) -> None:
    p = sub.add_parser("kappa", help="search adversarial inputs for each aggregator's empirical (f, kappa)")
    p.add_argument("rules", nargs="*", metavar="AGG", help="aggregator names, or chains like nnm+cwtm (default: all)")
    p.add_argument("--n", type=int, default=20, help="inputs (workers)")
    p.add_argument("--f", type=int, default=4, help="Byzantine inputs tolerated")
    p.add_argument("--d", type=int, default=2, help="dimension of the inputs searched")
    p.add_argument("--restarts", type=int, default=32, help="batched restarts of the local search (the replica axis)")
    p.add_argument("--iters", type=int, default=200, help="hill-climbing moves per restart")
    p.add_argument("--lbfgs", type=int, default=10, help="L-BFGS-B evaluations (each one gradient) per search")
    p.add_argument("--seed", type=int, default=0, help="seed of the search")
    p.add_argument("--save", metavar="FILE.json", help="write every result with its attaining input")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=main)


def main(args) -> int:
    rules = args.rules or default_rules()
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    results, skipped = [], []
    for i, rule in enumerate(rules, 1):
        say(f"[{i}/{len(rules)}] {rule}")
        try:
            results.append(search(rule, args.n, args.f, d=args.d, restarts=args.restarts, iters=args.iters,
                                  seed=args.seed, lbfgs_steps=args.lbfgs, progress=say))
        except ConfigError as exc:
            if args.rules:
                raise
            skipped.append(f"{rule}: {exc}")
    print(f"(f, kappa) best lower estimates at n = {args.n}, f = {args.f}, d = {args.d} "
          f"({args.restarts} restarts, {args.lbfgs} L-BFGS-B steps, {args.iters} moves; S = the first n - f inputs)")
    print(format_table(results))
    for line in skipped:
        print(f"skipped {line}")
    print("\nattaining inputs:")
    for r in results:
        print(format_input(r))
    if args.save:
        with open(args.save, "w") as fh:
            json.dump([r.to_dict() for r in results], fh, indent=1)
        print(f"saved {len(results)} results with their inputs to {args.save}")
    return 0 if all(r.within_upper is not False for r in results) else 1
