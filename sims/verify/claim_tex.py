"""Readable claims for the verification report: a check's claim string, with the sympy expression it
names rendered by ``sympy.latex`` (markdown, LaTeX, matplotlib mathtext) or as unicode (console).

Claim strings come from :mod:`sims.verify.claims`: ``theorem floor <sympy expr>``, ``theorem:
eps^-4``, ``theorem, kappa x 0.01``, ``bound x 0.5``, ``c3 = 0.1``, ``c3 (default 1) via floor``.
The expression of ``theorem floor ...`` is the record's own ``floor`` (or, when the text differs,
the text parsed with the record's symbols); symbol names become the record's LaTeX names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp

_NUM = r"[-+]?\d[\d.]*(?:e[-+]?\d+)?"
_GREEK = {r"\varepsilon": "ε", r"\kappa": "κ", r"\delta": "δ", r"\zeta": "ζ", r"\sigma": "σ", r"\omega": "ω",
          r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\eta": "η", r"\mu": "μ", r"\ell": "ℓ", r"\Delta": "Δ"}
_SUPER = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def _theorem(key: str) -> Any:
    import theory

    try:
        return theory.get(key.split(" ")[0])
    except Exception:  # a check of no record (e.g. a typed claim): symbols of theory.symbols only
        return None


def _names(th: Any) -> dict[str, tuple[sp.Symbol, str]]:
    """Code name -> (sympy symbol, LaTeX) of the record's constants and the shared symbol table."""
    from theory.symbols import SYMBOLS

    out = {name: (spec.symbol, spec.latex) for name, spec in SYMBOLS.items()}
    if th is not None:
        out.update({s.name: (s, tex) for s, tex in th._latex_names().items()})
    return out


def unicode_of(tex: str) -> str:
    """A LaTeX symbol name as plain unicode (``\\kappa`` -> κ, ``\\mathsf{c\\_B}`` -> c_B)."""
    text = re.sub(r"\\math(?:sf|rm|cal)\{([^}]*)\}", r"\1", tex).replace(r"\_", "_").replace(r"\rm ", "")
    for k, v in _GREEK.items():
        text = text.replace(k, v)
    text = re.sub(r"\^\{?(\d+)\}?", lambda m: m.group(1).translate(_SUPER), text)
    return text.replace("{", "").replace("}", "").replace("\\", "")


def _expr(text: str, names: dict[str, tuple[sp.Symbol, str]], th: Any) -> sp.Expr | None:
    if th is not None and text == str(th.floor):
        return th.floor
    try:
        return sp.sympify(text, locals={k: s for k, (s, _) in names.items()})
    except (sp.SympifyError, SyntaxError, TypeError):
        return None


@dataclass(frozen=True)
class _Style:
    """How one output format writes math: a math span, a symbol, a power of eps, an expression."""

    math: Callable[[str], str]
    symbol: Callable[[str], str]  # a symbol's LaTeX name -> this format
    power: Callable[[str, str], str]  # (base, exponent)
    times: str
    expr: Callable[[sp.Expr, dict], str]


def _latex_expr(e: sp.Expr, names: dict) -> str:
    return sp.latex(e, symbol_names={s: t for s, t in names.values()}, order="rev-lex")


def _plain_expr(e: sp.Expr, names: dict) -> str:
    sub = {s: sp.Symbol(unicode_of(t), positive=True) for s, t in names.values() if s in e.free_symbols}
    text = sp.sstr(e.xreplace(sub), order="rev-lex")
    return re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(_SUPER), text).replace("*", "·")


LATEX = _Style(lambda s: f"${s}$", lambda t: t, lambda b, x: f"{b}^{{{x}}}", r" \times ", _latex_expr)
PLAIN = _Style(lambda s: s, unicode_of, lambda b, x: b + x.translate(_SUPER), " × ", _plain_expr)


def render_claim(claim: str, theorem: str, style: _Style) -> str:
    """``claim`` (a check's claim string) of the record ``theorem`` in ``style``."""
    th = _theorem(theorem)
    names = _names(th)

    def sym(w: str) -> str:
        return style.symbol(names[w][1]) if w in names else w

    m = re.match(r"^(theorem floor )(.+)$", claim)
    if m:
        e = _expr(m.group(2), names, th)
        if e is not None:
            return m.group(1) + style.math(style.expr(e, names))

    def factor(g: re.Match) -> str:
        name, op, value = g.groups()
        if name in names:
            return style.math(sym(name) + (style.times if op == "x" else " = ") + value)
        return name + style.math(style.times + value) if op == "x" else g.group(0)  # "bound x 0.5"

    out = re.sub(r"\beps\^(" + _NUM + ")", lambda g: style.math(style.power(sym("eps"), g.group(1))), claim)
    out = re.sub(r"\b(\w+) (x|=) (" + _NUM + r")(?![\w.])", factor, out)
    return re.sub(r"^(\w+)(?= \(default)", lambda g: style.math(sym(g.group(1))) if g.group(1) in names else g.group(1), out)


def claim_latex(claim: str, theorem: str = "") -> str:
    """The claim as text with ``$...$`` LaTeX math (markdown, LaTeX tables, matplotlib mathtext)."""
    return render_claim(claim, theorem, LATEX)


def claim_plain(claim: str, theorem: str = "") -> str:
    """The claim as plain unicode text (console): ``G²·κ/(1 - B²·κ)``, ``ε⁻⁴``, ``κ × 0.01``."""
    return render_claim(claim, theorem, PLAIN)
