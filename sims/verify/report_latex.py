"""The checks as a LaTeX table (booktabs): claims as math from their sympy expressions, the slack
column defined per check type in the caption (:mod:`.report_meta`)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from .checks import Check, _fmt
from .claim_tex import claim_latex
from .report_meta import definitions_for, slack

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
HEADERS = ("theorem", "check", "setting", "claim", "measured", "theory", "slack", "verdict")


def escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


def tex_cell(text: str) -> str:
    """Text with ``$...$`` math spans: the text parts escaped, the math kept."""
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(p if p.startswith("$") and p.endswith("$") and len(p) > 1 else escape(p) for p in parts)


def tex_number(text: str) -> str:
    """A table number (``-4.06 [-4.35, -3.79]``, ``2.83e+03``, ``inf``, ``-``) as math."""
    if text == "-":
        return "--"
    text = re.sub(r"(\d)e([+-]\d+)", lambda m: rf"{m[1]}\times 10^{{{int(m[2])}}}", text)
    return "$" + text.replace("inf", r"\infty").replace("[", "\\,[") + "$"


def latex_table(checks: Sequence[Check], label: str = "tab:byzcomp-verify") -> str:
    """A ``table`` environment (booktabs; needs ``\\usepackage{booktabs}``) with one row per check."""
    body = []
    for c in checks:
        r = c.row()
        cells = [r"\texttt{" + escape(r["theorem"]) + "}", escape(c.check), escape(c.setting),
                 tex_cell(claim_latex(c.claim, c.theorem)), tex_number(r["measured"]), tex_number(r["theory"]),
                 tex_number(_fmt(slack(c))), escape(r["verdict"])]
        body.append(" & ".join(cells) + r" \\")
    by_formula: dict[str, list[str]] = {}
    for d in definitions_for(checks):
        by_formula.setdefault(d.slack, []).append(d.check)
    defs = "; ".join(escape(formula).replace(" - ", " $-$ ") + " for " + ", ".join(escape(k) for k in kinds)
                     for formula, kinds in by_formula.items() if formula != "-")
    return "\n".join([
        r"\begin{table}[t]", r"\centering", r"\small",
        r"\begin{tabular}{llllrrrl}", r"\toprule",
        " & ".join(HEADERS) + r" \\", r"\midrule", *body, r"\bottomrule", r"\end{tabular}",
        r"\caption{Verification checks (byzcomp verify). Measured and theory per check type as defined in "
        r"the report; slack " + defs + r". Floors and bounds are upper bounds: refuted only by data above them.}",
        rf"\label{{{label}}}", r"\end{table}", ""])


def write_latex(checks: Sequence[Check], path: str | Path) -> Path:
    """Write :func:`latex_table` of ``checks`` to ``path`` (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(latex_table(checks))
    return path
