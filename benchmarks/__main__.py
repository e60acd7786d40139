"""``python -m benchmarks [--quick] [--backend numpy|torch] [--dtype float32|float64] [--device cpu|cuda]
[--out DIR]``: the throughput suite of issue 10, measured side by side in one run.

Prints one table (replica-rounds per second of every way, the batched engine's speed-up over the
plain per-call baseline and over the per-replica engine, the roofline ratio and the peak memory), the
scaling fit, and writes ``bench_<backend>_<dtype>[_quick].json`` and ``scaling_<...>.png`` under
``--out`` (default benchmarks/results).  See benchmarks/README.md for the measured figures.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from .suite import CASES, CUDA_CASES, fit_slope, measure, scaling_grid
from .timing import copy_bandwidth


def plot(rows, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, agg in zip(axes, ("cwtm", "multi_krum")):
        slope, label = fit_slope(rows, agg)
        power = 1 if agg == "cwtm" else 2
        for vary, marker in (("R", "o"), ("n", "s"), ("d", "^")):
            pts = [r for r in rows if r["aggregator"] == agg and _varies(r, vary)]
            ax.loglog([r["R"] * r["n"] ** power * r["d"] for r in pts], [1e3 * r["round_seconds"] for r in pts],
                      marker, label=f"vary {vary}")
        pts = [r for r in rows if r["aggregator"] == agg]
        w = np.array([r["R"] * r["n"] ** power * r["d"] for r in pts], float)
        s = np.array([1e3 * r["round_seconds"] for r in pts])
        grid = np.geomspace(w.min(), w.max(), 10)
        ax.loglog(grid, s[np.argmin(abs(w - np.median(w)))] * grid / np.median(w), "k--", lw=0.8, label="slope 1")
        ax.set(xlabel=label, ylabel="ms per round (all R)", title=f"{agg}: fitted slope {slope:.2f}")
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _varies(row, which) -> bool:
    base = {"R": 16, "n": 20, "d": 1000}
    return all(row[k] == v for k, v in base.items() if k != which) and (row[which] != base[which] or which == "R")


def table(results) -> str:
    ways = ["batched", "batched x2", "engine/replica", "lean", "lean lib", "plain"]
    head = (f"{'case':<8}{'setting':<27}{'T':>5}{'chunk':>6}{'timed R':>8}" + "".join(f"{w:>15}" for w in ways)
            + f"{'vs lean':>9}{'vs lean lib':>12}{'vs plain':>10}{'x2 vs plain':>12}{'vs eng/rep':>11}{'vs draws':>9}{'vs floor':>9}{'vs np floor':>12}{'roofline':>9}"
            f"{'peak MB':>9}")
    lines = [head, "-" * len(head)]
    for r in results:
        tp, sp = r["throughput"], r["speedup_vs_plain"]
        cells = "".join(f"{tp[w]:>15.0f}" if w in tp else f"{'-':>15}" for w in ways)
        ratio = lambda key: f"{sp[key]:.2f}x" if key in sp else "-"  # noqa: E731
        er = r["speedup_vs_engine_replica"].get("batched")
        lean, lean_lib = r["speedup_vs_lean"].get("batched"), r["speedup_vs_lean_lib"].get("batched")
        lines.append(f"{r['case']:<8}{r['title']:<27}{r['T']:>5}{r['chunk']:>6}{r['timed_R']:>8}{cells}"
                     f"{(f'{lean:.2f}x' if lean else '-'):>9}{(f'{lean_lib:.2f}x' if lean_lib else '-'):>12}{ratio('batched'):>10}{ratio('batched x2'):>12}"
                     f"{(f'{er:.1f}x' if er else '-'):>11}{r.get('round_vs_draws', float('nan')):>8.2f}x{r['round_vs_rng_floor']:>8.2f}x{r.get('round_vs_numpy_floor', float('nan')):>11.2f}x{r['roofline']:>8.1f}x"
                     f"{r['peak_MB']:>9.0f}")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs (< 3 min on a 2-core machine)")
    ap.add_argument("--backend", default="numpy", choices=("numpy", "torch"))
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    ap.add_argument("--device", default="cpu", help="torch device (cuda adds the GPU cases e and g)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--cases", nargs="*", default=None,
                    help="subset of " + ", ".join(c.key for c in CASES + CUDA_CASES) + " (e, g: with --device cuda)")
    ap.add_argument("--no-grid", action="store_true", help="skip the scaling grid and its plot")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    bandwidth = copy_bandwidth()
    cases = [c for c in CASES if args.cases is None or c.key in args.cases]
    if args.device.startswith("cuda"):  # the GPU cases, e and g, unless --cases leaves them out
        cases += [c for c in CUDA_CASES if args.cases is None or c.key in args.cases]
    print(f"byzcomp benchmarks: backend={args.backend} dtype={args.dtype} device={args.device} "
          f"quick={args.quick}; {platform.processor() or platform.machine()}, copy bandwidth {bandwidth / 1e9:.1f} GB/s")
    print("throughput in replica-rounds/s; 'vs lean' / 'vs lean lib' / 'vs plain' = batched / that way (same "
          "process, same streams); 'vs draws' = round time / time of the generator calls that make the round's random numbers, alone (issue 18's floor); 'vs floor' = the same with what the components compute on them (the mask's selection, the oracle's scaling); 'vs np floor' = 'vs floor' with numpy's per-replica calls; roofline = round time / (compulsory bytes / copy bandwidth)")
    results = []
    for case in cases:
        results.append(measure(case, args.quick, args.backend, args.dtype, args.device, bandwidth,
                               baselines=case not in CUDA_CASES))
        print(f"  done {case.key} ({time.perf_counter() - start:.0f} s): " + ", ".join(f"{w} {v:.0f}" for w, v in results[-1]["throughput"].items()), flush=True)
    print(table(results))
    dtypes = {r["case"]: r["float32_vs_float64"] for r in results if r.get("float32_vs_float64")}
    if dtypes:
        print("float32 / float64 batched throughput (the float64 run timed in the same interleaved loop):",
              ", ".join(f"{k} {v:.2f}x" for k, v in dtypes.items()))
    agree = {r["case"]: r.get("plain_vs_engine_max_abs_diff") for r in results if "plain_vs_engine_max_abs_diff" in r}
    if agree:
        print("plain baseline vs engine, max |x difference| after 20 rounds (same streams):",
              ", ".join(f"{k} {v:.1e}" for k, v in agree.items()))
    if args.device.startswith("cpu") and args.backend == "torch":
        print("cases e (d = 1e6, R = 16) and g (CNN, 64 channels): not run, no GPU here (--backend torch --device cuda "
              "runs them)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.backend}_{args.dtype}" + ("_quick" if args.quick else "")
    payload = {"argv": vars(args), "copy_bandwidth_GBps": bandwidth / 1e9, "results": results}
    if not args.no_grid:
        grid = scaling_grid(args.quick, args.backend, args.dtype, args.device)
        payload["scaling"] = grid
        fits = {agg: fit_slope(grid, agg) for agg in ("cwtm", "multi_krum")}
        payload["scaling_slopes"] = {k: v[0] for k, v in fits.items()}
        print("scaling (seconds per round against work, log-log slope; 1 = linear): "
              + ", ".join(f"{k} vs {v[1]}: {v[0]:.2f}" for k, v in fits.items()))
        plot(grid, out / f"scaling_{stem}.png", f"batched engine, {args.backend} {args.dtype}, T per point "
             f"{5 if args.quick else 20}; grid around R=16, n=20, d=1000")
        print(f"plot: {out / f'scaling_{stem}.png'}")
    (out / f"bench_{stem}.json").write_text(json.dumps(payload, indent=1))
    print(f"json: {out / f'bench_{stem}.json'}; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
