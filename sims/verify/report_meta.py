"""What the verification report states once, in its header: the environment that produced it and
one definition of slack (and of the verdict) per check type.

Slack, per check type (:func:`slack`):

* upper-bound checks (``bound``, ``floor_level``, ``implied``): ``theory / measured``; PASS needs
  slack >= 1 (room to spare above 1);
* exponent checks (``rate``, ``floor``): ``measured - theory``, the fitted exponent minus the claimed one.
"""
from __future__ import annotations

import datetime
import math
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .checks import Check, slack_ratio

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Definition:
    """One check type: what its ``measured`` and ``theory`` columns are, its slack and its verdict."""

    check: str
    measured: str
    theory: str
    slack: str
    verdict: str


DEFINITIONS: dict[str, Definition] = {d.check: d for d in (
    Definition("bound", "one-sided upper confidence end over seeds of the theorem's left-hand side, worst attack",
               "the bound at the prescribed hyper-parameters", "theory / measured",
               "PASS iff measured <= theory (slack >= 1) and the theorem's conditions hold"),
    Definition("floor_level", "upper confidence end of the plateau of ‖∇f(x)‖² (worst attack) at the grid point "
               "where it is closest to the floor", "the claimed floor at that point", "theory / measured",
               "floors are upper bounds: PASS (consistent) iff slack >= 1 at every grid point, FAIL (refuted) "
               "only by a plateau above the floor"),
    Definition("implied", "smallest value of the named constant consistent with every run",
               "the record's default value", "theory / measured",
               "PASS iff slack >= 1 (the default suffices); INFO where the constant is not the paper's"),
    Definition("rate", "fitted log-log slope of rounds (or cost) to the criterion against eps, bootstrap interval",
               "the claimed exponent", "measured - theory",
               "an upper bound on the cost: FAIL only when the interval lies below theory - tol (method-"
               "complexity and theorem modes; the zero chains, horizon from the record: PASS iff theory is "
               "within tol of the interval and the slope)"),
    Definition("lower_bound", "smallest ratio over eps and seeds of rounds to the zero chain's lower bound",
               "1", "measured / theory",
               "PASS iff every seed needs at least the lower bound's rounds; a FAIL flags the instance or the counting"),
    Definition("floor", "fitted log-log slope of the plateau against the knob, bootstrap interval",
               "the claim's slope over the same grid", "measured - theory",
               "information (INFO), never a verdict: a plateau flatter than the claim refutes no upper bound"),
)}

RATIO_CHECKS = tuple(k for k, d in DEFINITIONS.items() if d.slack == "theory / measured")
INVERSE_RATIO_CHECKS = tuple(k for k, d in DEFINITIONS.items() if d.slack == "measured / theory")
DIFFERENCE_CHECKS = tuple(k for k, d in DEFINITIONS.items() if d.slack == "measured - theory")
UPPER_BOUND_RULE = ("Floors and bounds are upper bounds: a record is refuted only by data above it; slopes of "
                    "floors against a knob (G^2, d/k) are information.")


def slack(check: Check) -> float:
    """The slack of ``check`` by its type's definition (nan for a type with none)."""
    if check.check in RATIO_CHECKS:
        return slack_ratio(check.theory, check.measured)
    if check.check in INVERSE_RATIO_CHECKS:
        return slack_ratio(check.measured, check.theory)
    if check.check in DIFFERENCE_CHECKS:
        d = check.measured - check.theory
        return d if math.isfinite(d) else float("nan")
    return float("nan")


def definitions_for(checks: Sequence[Check]) -> list[Definition]:
    """The definitions of the check types present, in :data:`DEFINITIONS` order (unknown types last)."""
    present = list(dict.fromkeys(c.check for c in checks))
    known = [DEFINITIONS[k] for k in DEFINITIONS if k in present]
    return known + [Definition(k, "see the check's section", "-", "-", "-") for k in present if k not in DEFINITIONS]


def git_commit(root: Path = ROOT) -> str:
    """HEAD of the git checkout holding the package ("+ uncommitted changes" when dirty), or
    "not a git checkout" (an installed wheel, or a tree inside someone else's repository)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()

    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() != root.resolve():
            return "not a git checkout"
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return head + (" + uncommitted changes" if dirty else "")


def seed_counts(check: Check) -> int | None:
    """Seeds (replicas) behind ``check``, read from its details (None where it records none)."""
    d = check.details
    if "seeds" in d:
        return int(d["seeds"])
    rows = d.get("rows") or []
    if rows and isinstance(rows[0], dict):
        for key in ("plateau", "costs", "rounds"):
            if key in rows[0]:
                return len(rows[0][key])
    return None


def base_seeds(checks: Sequence[Check]) -> list[int]:
    """Base seeds the checks record (``seed`` field, details or extra); empty when none records one."""
    found = [getattr(c, "seed", None) if getattr(c, "seed", None) is not None
             else c.details.get("seed", c.extra.get("seed")) for c in checks]
    return sorted({int(s) for s in found if s is not None})


def header(checks: Sequence[Check], seconds: float | None) -> list[tuple[str, str]]:
    """(field, value) rows of the report header."""
    from ..store import package_version

    counts = sorted({n for n in map(seed_counts, checks) if n is not None})
    bases = base_seeds(checks)
    seeds = (f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}") if counts else "-"
    base = (f"base seed {', '.join(map(str, bases))}" if bases
            else "the setting's base seed (run.seed; 0 throughout the suite, the file's with --at)")
    import sympy
    import scipy

    return [
        ("byzcomp", package_version()),
        ("git commit", git_commit()),
        ("generated", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("platform", f"{platform.platform()} ({platform.machine()})"),
        ("python / numpy / scipy / sympy",
         f"{platform.python_version()} / {np.__version__} / {scipy.__version__} / {sympy.__version__}"),
        ("seeds", f"{seeds} per check (each check's section says how many), independent random streams of {base}"),
        ("runtime", "-" if seconds is None else f"{seconds:.1f} s wall clock, {len(checks)} checks"),
    ]

