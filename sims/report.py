"""Plain-text summaries of runs."""
from __future__ import annotations

import numpy as np


def summary_table(result) -> str:
    """One line per replica: final ||grad||^2, f - f*, ||x - x*||, bits up, divergence."""
    s = result.summary
    cfg = result.config
    head = (f"{cfg.algorithm.name} | {cfg.aggregator.name} | attack {cfg.attack.name} | "
            f"{cfg.compressor.name} | n={cfg.workers.n} f={cfg.workers.f} | T={cfg.run.T} | "
            f"{result.wall_seconds:.2f}s")
    cols = ["replica", "seed", "final_round", "grad_sq", "f_gap", "dist", "bits_up", "diverged_round"]
    lines = [head, "  ".join(f"{c:>12}" for c in cols)]
    for _, row in s.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            cells.append(f"{v:>12.4e}" if isinstance(v, (float, np.floating)) else f"{v!s:>12}")
        lines.append("  ".join(cells))
    return "\n".join(lines)
