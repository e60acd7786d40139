"""Comparison tables derived from the theorem objects (never typed in).

* ``overview_table``: every theorem with its criterion, the derived leading exponent (own criterion
  and under E||grad||^2 <= eps^2), the leading term of T(eps), the floor and the weakest provenance
  (``provenance_label``); records without a sims implementation say "(not simulated)".  The other
  tables mark RECON / UNVERIFIED records and unsimulated ones beside the key (``record_label``).
* ``order_table``: the O(.) terms of T(eps) (floor 0) and of the bits to eps, as the papers print them
  (``order.py``: smoothness constants and Delta0 set to 1, omega >= 1, p <= 1) — for Byz-VR-MARINA this
  regenerates Table 2 of Gorbunov et al. (``MARINA_TABLE2`` is the printed row it is tested against).
* ``comparison_table``: rounds and bits to eps (numbers, from ``Theorem.iterations_to``) for several
  methods as one constant (omega, c_delta, p, n, ...) varies, at documented baseline constants.

Formats: ``fmt="markdown"``, ``"latex"`` or ``"text"`` (a console table within 120 columns, long cells wrapped).
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import math

import sympy as sp

from .console import fit_table

from . import criteria
from .constants import rand_k_constants
from .order import order_expr, table_substitutions
from .registry import THEOREMS, get
from .symbols import b, c_delta, eps, n, omega, p
from .theorem import Theorem

#: Byz-VR-MARINA, Table 2 (submission), row "heterogeneous data, compression" (best reading, V-text):
#: K = O((1 + sqrt(c delta (1+omega)(1+1/b))/p)/eps^2 + sqrt((1+omega)(1+1/b))/(sqrt(p n) eps^2)).
MARINA_TABLE2 = (1 + sp.sqrt(c_delta * (1 + omega) * (1 + 1 / b)) / p) / eps**2 + sp.sqrt((1 + omega) * (1 + 1 / b)) / (
    sp.sqrt(p * n) * eps**2
)

#: compressed Byzantine-robust methods compared in ``comparison_table`` by default
COMPRESSED = (
    "byz_vr_marina.thm2_1",
    "byz_dasha_page.nc",
    "byz_ef21.nc",
    "byz_vr_marina_pp.thm4_2",
    "byz_ef21_sgdm.nc",
    "byz_dm21.nc",
    "byz_vr_dm21.nc",
    "rosdhb.nc",
)

#: baseline problem for ``comparison_table`` (documented; override with ``base=``).  Rand-K with
#: k = d/(1+omega) fixes k_sp, alpha and D_Q from omega; PP samples C = C_hat = n clients.
BASELINE: dict[str, float] = {
    "L": 1.0, "L_tilde": 1.0, "L_pm": 1.0, "Lcal_pm": 1.0, "L_max": 1.0, "Lmax_ij": 1.0, "L_imax": 1.0, "ell": 1.0,
    "Delta0": 1.0, "sigma": 1.0, "zeta2": 0.0, "G_het": 0.0, "B_z": 0.0, "B_het": 0.0,
    "n": 20, "f": 2, "c_delta": 0.1, "kappa": 0.2, "d": 1000, "m": 100, "b": 1, "p": 0.1,
    "omega": 9.0, "F_A": 1.0,
}  # PP: C = C_hat = n (full participation) unless given


def _fmt_row(cells: Sequence[str], fmt: str) -> str:
    if fmt == "latex":
        return " & ".join(cells) + r" \\"
    return "| " + " | ".join(cells) + " |"


def render(headers: Sequence[str], rows: Iterable[Sequence[str]], fmt: str = "markdown") -> str:
    """A markdown, LaTeX (tabular) or console text (:func:`theory.console.fit_table`) table."""
    if fmt not in ("markdown", "latex", "text"):
        raise ValueError(f"fmt must be 'markdown', 'latex' or 'text', got {fmt!r}")
    rows = [list(r) for r in rows]
    if fmt == "text":
        return fit_table(headers, rows)
    if fmt == "latex":
        esc = [h.replace("_", r"\_") for h in headers]
        body = [_fmt_row(esc, fmt), r"\hline"] + [_fmt_row(r, fmt) for r in rows]
        return "\\begin{tabular}{" + "l" * len(headers) + "}\n" + "\n".join(body) + "\n\\end{tabular}"
    return "\n".join([_fmt_row(headers, fmt), _fmt_row(["---"] * len(headers), fmt)] + [_fmt_row(r, fmt) for r in rows])


#: the weakest-provenance tags that mark a record as not read from its paper (issue 16, item 5)
MARKED = ("RECON", "UNVERIFIED")
NOT_SIMULATED = "(not simulated)"


def provenance_label(th: Theorem) -> str:
    """The weakest tag, with the statement's own tag where it is stronger:
    "UNVERIFIED (statement V-sec)" for a complexity restated by a comparison table."""
    weak = th.weakest_provenance
    stmt = th.provenance.get("statement")
    return weak.value if stmt is None or stmt.rank >= weak.rank else f"{weak.value} (statement {stmt.value})"


def record_label(th: Theorem) -> str:
    """The key, marked "[RECON]" / "[UNVERIFIED]" and "(not simulated)" where that applies."""
    weak = th.weakest_provenance.value
    return th.key + (f" [{weak}]" if weak in MARKED else "") + ("" if th.simulated else f" {NOT_SIMULATED}")


def _expr(th: Theorem, e: sp.Expr | None, fmt: str) -> str:
    if e is None:
        return "-"
    return f"${th.tex(e)}$" if fmt == "latex" else str(e)


def _text(s: str, fmt: str) -> str:
    return s.replace("_", r"\_") if fmt == "latex" else s


def overview_table(theorems: Iterable[Theorem] | None = None, fmt: str = "markdown") -> str:
    """Every theorem: criterion, derived exponents, leading term of T(eps), floor, provenance."""
    headers = ["theorem", "algorithm", "setting", "criterion", "exponent", "exponent (E||g||^2<=eps^2)", "leading T(eps)", "floor", "provenance"]
    rows = []
    for th in theorems if theorems is not None else THEOREMS.values():
        sq = criteria.criterion(th.criterion).quantity == "sqnorm"
        subs = table_substitutions()
        lead = th.leading_term.xreplace(subs) if th.leading_term is not None else None
        rows.append([
            _text(th.key, fmt), _text(th.algorithm + ("" if th.simulated else f" {NOT_SIMULATED}"), fmt),
            th.setting, _text(th.criterion, fmt),
            _text(th.exponent_str(), fmt), _text(th.exponent_str("sqnorm_le_eps2") if sq else "-", fmt),
            _expr(th, order_expr(lead) if lead is not None else None, fmt),
            _expr(th, th.floor, fmt), provenance_label(th),
        ])
    return render(headers, rows, fmt)


def order_row(th: Theorem) -> tuple[sp.Expr | None, sp.Expr | None]:
    """(O-terms of T(eps), O-terms of bits to eps) with the floor set to 0 (``order.py``)."""
    if th.complexity_floorless is None:
        return None, None
    subs = table_substitutions()
    rounds = order_expr(th.complexity_floorless.xreplace(subs))
    bits = None
    if th.bits_per_round is not None:
        bits = order_expr((th.complexity_floorless * th.substituted(th.bits_per_round)).xreplace(subs))
    return rounds, bits


def order_table(keys: Iterable[str] | None = None, fmt: str = "markdown") -> str:
    """Rounds and bits to eps in O(.) form, the papers' comparison-table format."""
    headers = ["theorem", "criterion", "rounds T(eps)", "uplink bits per worker to eps"]
    rows = []
    for key in keys if keys is not None else THEOREMS:
        th = get(key)
        if th.setting != "nonconvex" or th.kind != "rate":
            continue
        rounds, bits = order_row(th)
        rows.append([_text(record_label(th), fmt), _text(th.criterion, fmt), _expr(th, rounds, fmt), _expr(th, bits, fmt)])
    return render(headers, rows, fmt)


def _number(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x:.3g}"


def comparison_table(
    keys: Sequence[str] = COMPRESSED,
    vary: str = "omega",
    values: Sequence[float] = (1.0, 9.0, 99.0),
    eps_value: float = 0.1,
    base: Mapping[str, float] | None = None,
    fmt: str = "markdown",
) -> str:
    """Rounds and uplink bits per worker to reach eps for each method as ``vary`` takes ``values``.

    Each theorem is evaluated at ``base`` (default ``BASELINE``) restricted to its own inputs; when
    omega varies, k_sp, alpha and D_Q follow the Rand-K family (``constants.rand_k_constants``).
    A method whose floor is above the target shows "inf".
    """
    base = dict(BASELINE if base is None else base)
    headers = ["theorem", "criterion"] + [f"{vary}={v:g}: rounds / bits" for v in values]
    rows = []
    for key in keys:
        th = get(key)
        allowed = set(th.allowed_names)
        cells = [_text(record_label(th), fmt), _text(th.criterion, fmt)]
        for v in values:
            consts = {**base, vary: v}
            consts.update(rand_k_constants(consts["d"], consts["omega"]))
            consts.setdefault("C", consts["n"])
            consts.setdefault("C_hat", consts["n"])
            out = th.evaluate({k: x for k, x in consts.items() if k in allowed}, eps=eps_value)
            cells.append(f"{_number(out['iterations'])} / {_number(out.get('bits_to_eps', math.nan))}")
        rows.append(cells)
    return render(headers, rows, fmt)
