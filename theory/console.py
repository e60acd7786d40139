"""Plain-text tables that fit a terminal (``byzcomp verify``, ``byzcomp bounds`` on a terminal): the
widest columns wrap until the table fits ``width``."""
from __future__ import annotations

import textwrap
from itertools import zip_longest
from typing import Sequence

WIDTH = 120  # columns of every console table of the command line


def fit_table(headers: Sequence[str], rows: Sequence[Sequence[object]], width: int = WIDTH,
              wrap: Sequence[str] | None = None, sep: str = "  ", min_width: int = 8, max_word: int = 30) -> str:
    """Left-aligned columns separated by ``sep``, at most ``width`` characters a line: the widest
    of the ``wrap`` columns (default: all) narrows one character at a time (not below
    ``min_width`` nor below its longest word, cut at ``max_word`` and lower while the table is still
    too wide) and its cells wrap onto continuation lines at spaces (inside longer words where needed);
    nothing is cut off."""
    cells = [[str(v) for v in r] for r in rows]
    natural = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    w = list(natural)
    may = [i for i, h in enumerate(headers) if wrap is None or h in wrap]
    words = [max(len(t) for r in [headers, *cells] for t in r[i].split() or [""]) for i in range(len(headers))]

    def least(cap: int) -> list[int]:  # a column narrows to its longest word (cut at cap), not below min_width
        return [max(min(min_width, natural[i]), min(words[i], cap)) for i in range(len(headers))]

    cap, floor = max_word, least(max_word)
    while sum(w) + len(sep) * (len(w) - 1) > width:
        narrowable = [i for i in may if w[i] > floor[i]]
        if not narrowable:
            if cap <= min_width:
                break
            cap -= 1  # still too wide: split the longest words further
            floor = least(cap)
            continue
        w[max(narrowable, key=lambda i: w[i])] -= 1

    def lines(row: Sequence[str]) -> list[str]:
        parts = [textwrap.wrap(v, w[i], break_on_hyphens=False) or [""] for i, v in enumerate(row)]
        return [sep.join(p.ljust(w[i]) for i, p in enumerate(ps)).rstrip()
                for ps in zip_longest(*parts, fillvalue="")]

    head = lines(list(headers))
    rule = "-" * min(width, sum(w) + len(sep) * (len(w) - 1))
    return "\n".join(head + [rule] + [ln for r in cells for ln in lines(r)])
