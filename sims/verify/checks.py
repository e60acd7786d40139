"""Frozen records of the verification suite: verdicts and check results."""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Mapping


class Verdict(str, enum.Enum):
    """PASS / FAIL from data; INFO for reported quantities that are not a claim (implied constants)."""

    PASS = "PASS"
    FAIL = "FAIL"
    INFO = "INFO"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Check:
    """One check's outcome.

    ``measured`` and ``theory`` are the two numbers compared (bound check: upper confidence end of
    the left-hand side vs the claimed bound; rate / floor check: fitted exponent vs the claimed
    exponent); ``slack`` = theory / measured for bound-type checks (> 1: room to spare) and
    ``measured - theory`` for exponent-type checks; ``interval`` the confidence/bootstrap interval
    of ``measured`` where one exists; ``details`` the numbers behind it (per attack, per grid
    point, per run) for the report and the plots.
    """

    theorem: str
    check: str  # "bound" | "rate" | "floor" | "floor_level" | "implied"
    setting: str
    claim: str
    measured: float
    theory: float
    slack: float
    verdict: Verdict
    expected: Verdict | None = None
    interval: tuple[float, float] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: top-level fields of the check's checks.json row (e.g. rate checks' "instance", "mode",
    #: "cost_unit"; bound / floor checks' "power" and "provenance")
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def as_expected(self) -> bool:
        return self.expected is None or self.verdict == self.expected

    def with_expected(self, expected: Verdict | str | None) -> "Check":
        from dataclasses import replace

        return replace(self, expected=None if expected is None else Verdict(expected))

    def row(self) -> dict[str, str]:
        """The table row: theorem, check, setting, measured, theory, slack, verdict (expected)."""
        meas = _fmt(self.measured)
        if self.interval is not None:
            meas += f" [{_fmt(self.interval[0])}, {_fmt(self.interval[1])}]"
        verdict = self.verdict.value
        if self.expected is not None:
            verdict += "" if self.as_expected else f" (expected {self.expected.value})"
        tag = (self.extra.get("provenance") or {}).get("tag")
        theorem = self.theorem + (f" [{tag}]" if tag in ("RECON", "UNVERIFIED") else "")
        return {"theorem": theorem, "check": self.check, "setting": self.setting, "claim": self.claim,
                "measured": meas, "theory": _fmt(self.theory), "slack": _fmt(self.slack), "verdict": verdict}


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.3g}"


def slack_ratio(bound: float, measured: float) -> float:
    """bound / measured (inf when measured is 0, nan when the bound is not finite)."""
    if not math.isfinite(bound):
        return float("nan")
    if measured <= 0:
        return float("inf")
    return bound / measured


def format_table(checks) -> str:
    """A plain-text table of ``checks`` (columns of :meth:`Check.row`)."""
    rows = [c.row() for c in checks]
    cols = ["theorem", "check", "setting", "claim", "measured", "theory", "slack", "verdict"]
    width = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in cols}
    line = "  ".join(c.ljust(width[c]) for c in cols)
    out = [line, "-" * len(line)]
    out += ["  ".join(r[c].ljust(width[c]) for c in cols) for r in rows]
    return "\n".join(out)
