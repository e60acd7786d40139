"""Result queries as data: a small filter language parsed here and evaluated as a boolean mask.

A query selects rows of a tidy results frame (:func:`sims.results.load`); it cannot call, import,
assign or look anything up but the frame's own columns::

    query   := or
    or      := and (("or" | "|") and)*
    and     := not (("and" | "&") not)*
    not     := ("not" | "~") not | "(" query ")" | test
    test    := COLUMN OP VALUE | VALUE OP COLUMN | VALUE OP COLUMN OP VALUE     (a range: 0.01 <= algorithm.lr < 1)
             | COLUMN ["not"] "in" "[" VALUE ("," VALUE)* "]"                   (also with "(" ")")
             | COLUMN                                                           (a true/false column: diverged)
    OP      := "==" | "!=" | "<" | "<=" | ">" | ">="
    VALUE   := number | 'string' | "string" | true | false | inf
    COLUMN  := a result column, dotted names bare (algorithm.lr) or in backticks (`algorithm.lr`)

Anything else (``@``, calls, attribute access on a value, unknown columns) is refused with a
one-line :class:`QueryError`.  A string equals only strings, a number only numbers; ``!=`` and
``not in`` are the exact negations of ``==`` and ``in`` (rows where the column is missing match them).
"""
from __future__ import annotations

import difflib
import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from .errors import ConfigError

OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
KEYWORDS = {"and": "and", "&": "and", "or": "or", "|": "or", "not": "not", "~": "not", "in": "in"}
LITERALS = {"true": True, "false": False, "inf": math.inf}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]+`)
  | (?P<call>(?!(?i:and|or|not|in)\b)[A-Za-z_][\w.]*\s*\()
  | (?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?![\w.]))
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],&|~])
""", re.VERBOSE)


class QueryError(ConfigError):
    """A query that is not in the language, or names a column the results do not have."""

    def __init__(self, query: str, problem: str):
        super().__init__("query", query, problem)


@dataclass(frozen=True)
class Token:
    kind: str  # number | string | column | op | keyword | literal | punct | end
    value: Any
    at: int  # character offset in the query


def tokens(query: str) -> list[Token]:
    out, at = [], 0
    while at < len(query):
        m = _TOKEN.match(query, at)
        if m is None:
            raise QueryError(query, f"unexpected {query[at]!r} at character {at + 1}; " + _ALLOWED)
        kind, text = m.lastgroup, m.group()
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind == "call":
            raise QueryError(query, f"calls ({text.strip()}...) are not part of the language; " + _ALLOWED)
        if kind == "number":
            out.append(Token("literal", float(text) if any(c in text for c in ".eE") else int(text), at))
        elif kind == "string":
            out.append(Token("literal", re.sub(r"\\(.)", r"\1", text[1:-1]), at))
        elif kind == "quoted":
            out.append(Token("column", text[1:-1], at))
        elif kind == "name":
            low = text.lower()
            if low in KEYWORDS:
                out.append(Token("keyword", KEYWORDS[low], at))
            elif low in LITERALS:
                out.append(Token("literal", LITERALS[low], at))
            else:
                out.append(Token("column", text, at))
        elif kind == "punct" and text in KEYWORDS:
            out.append(Token("keyword", KEYWORDS[text], at))
        elif kind != "space":
            out.append(Token(kind, text, at))
        at = m.end()
    return out + [Token("end", None, len(query))]


_ALLOWED = ("a query compares result columns with numbers, 'strings' or true/false "
            "(== != < <= > >=, in [...]) joined by and / or / not")


# --- the syntax tree: each node gives a boolean mask over a frame ----------------------------------
@dataclass(frozen=True)
class Compare:
    column: str
    op: str
    value: Any

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        if self.op == "!=":
            return ~Compare(self.column, "==", self.value).mask(frame)
        return _compare(frame[self.column], OPS[self.op], self.value)

    def columns(self) -> set[str]:
        return {self.column}


@dataclass(frozen=True)
class In:
    column: str
    values: tuple

    def mask(self, frame):
        out = np.zeros(len(frame), dtype=bool)
        for v in self.values:
            out |= Compare(self.column, "==", v).mask(frame)
        return out

    def columns(self):
        return {self.column}


@dataclass(frozen=True)
class Not:
    part: Any

    def mask(self, frame):
        return ~self.part.mask(frame)

    def columns(self):
        return self.part.columns()


@dataclass(frozen=True)
class _Junction:
    """The rows every part selects (:class:`AllOf`) or any part selects (:class:`AnyOf`)."""

    parts: tuple

    def mask(self, frame):
        return self.reduce([p.mask(frame) for p in self.parts])

    def columns(self):
        return set().union(*(p.columns() for p in self.parts))


class AllOf(_Junction):
    reduce = staticmethod(np.logical_and.reduce)


class AnyOf(_Junction):
    reduce = staticmethod(np.logical_or.reduce)


def _compare(values: pd.Series, op, literal) -> np.ndarray:
    """``op(value, literal)`` per row; values of another type than the literal never match."""
    if isinstance(literal, str):
        return np.array([isinstance(v, str) and bool(op(v, literal)) for v in values], dtype=bool)
    if isinstance(literal, bool):
        if values.dtype == bool:
            return np.asarray(op(values.to_numpy(), literal), dtype=bool)
        return np.array([isinstance(v, (bool, np.bool_)) and bool(op(bool(v), literal)) for v in values], dtype=bool)
    if values.dtype == bool:
        return np.zeros(len(values), dtype=bool)
    numbers = pd.to_numeric(values.map(lambda v: np.nan if isinstance(v, (str, bool, np.bool_)) else v)
                            if values.dtype == object else values, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(op(numbers, literal), dtype=bool)


# --- the parser ------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, query: str):
        self.query, self.toks, self.i = query, tokens(query), 0

    def peek(self, kind: str | None = None, value: Any = None) -> bool:
        t = self.toks[self.i]
        return (kind is None or t.kind == kind) and (value is None or t.value == value)

    def take(self, kind: str, value: Any = None, what: str = "") -> Token:
        if not self.peek(kind, value):
            self.fail(what or (value if value is not None else kind))
        self.i += 1
        return self.toks[self.i - 1]

    def fail(self, expected: str):
        t = self.toks[self.i]
        got = "the end" if t.kind == "end" else repr(self.query[t.at:].split()[0])
        raise QueryError(self.query, f"expected {expected} at character {t.at + 1}, got {got}; " + _ALLOWED)

    def parse(self):
        if self.peek("end"):
            raise QueryError(self.query, "empty query; " + _ALLOWED)
        node = self.disjunction()
        self.take("end", what="and / or or the end of the query")
        return node

    def disjunction(self):
        parts = [self.conjunction()]
        while self.peek("keyword", "or"):
            self.i += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self):
        parts = [self.negation()]
        while self.peek("keyword", "and"):
            self.i += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def negation(self):
        if self.peek("keyword", "not"):
            self.i += 1
            return Not(self.negation())
        if self.peek("punct", "("):
            self.i += 1
            node = self.disjunction()
            self.take("punct", ")", "')'")
            return node
        return self.test()

    def test(self):
        if self.peek("literal"):  # VALUE OP COLUMN [OP VALUE]
            low = self.take("literal").value
            op = self.take("op", what="a comparison operator").value
            column = self.take("column", what="a column name").value
            first = Compare(column, FLIPPED[op], low)
            if not self.peek("op"):
                return first
            op2 = self.take("op").value
            if {op, op2} - {"<", "<="} and {op, op2} - {">", ">="}:
                self.i -= 1
                self.fail("a range written with < / <= (or > / >=) on both sides")
            return AllOf((first, Compare(column, op2, self.take("literal", what="a value").value)))
        column = self.take("column", what="a column name, 'not' or '('").value
        if self.peek("op"):
            op = self.take("op").value
            return Compare(column, op, self.take("literal", what="a number, 'string' or true/false").value)
        negated = self.peek("keyword", "not")
        if negated:
            self.i += 1
            if not self.peek("keyword", "in"):
                self.fail("'in' after 'not'")
        if self.peek("keyword", "in"):
            self.i += 1
            node = In(column, self.values())
            return Not(node) if negated else node
        return Compare(column, "==", True)  # a bare true/false column

    def values(self) -> tuple:
        close = {"[": "]", "(": ")"}
        opening = self.toks[self.i]
        if not (opening.kind == "punct" and opening.value in close):
            self.fail("a list [value, ...]")
        self.i += 1
        values = [self.take("literal", what="a value").value]
        while self.peek("punct", ","):
            self.i += 1
            values.append(self.take("literal", what="a value").value)
        self.take("punct", close[opening.value], repr(close[opening.value]))
        return tuple(values)


def parse(query: str):
    """The syntax tree of ``query`` (see the module docstring); :class:`QueryError` if not in the language."""
    if not isinstance(query, str):
        raise QueryError(repr(query), "a query is a string; " + _ALLOWED)
    return _Parser(query).parse()


def select(frame: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """The rows of ``frame`` matching ``query`` (all of them for ``None``); a column the frame lacks is
    refused, unless the frame is empty (nothing stored matches anything)."""
    if query is None:
        return frame
    tree = parse(query)
    if not len(frame):
        return frame
    missing = sorted(tree.columns() - set(frame.columns))
    if missing:
        raise QueryError(query, _unknown(missing[0], frame.columns))
    out = frame[tree.mask(frame)].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def _unknown(name: str, columns: Iterable[object]) -> str:
    close = difflib.get_close_matches(name, [str(c) for c in columns], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"{name!r} is not a column of these results{hint}"
