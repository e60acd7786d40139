"""The explicit registry of theorem records: ``THEOREMS[key]``, keys ``"<algorithm>.<result>"``.

Every record is listed here through its catalog module (no getattr discovery); duplicates are refused.
Look-ups of unknown names raise ``UnknownTheoremError`` listing the allowed keys and algorithms.
"""
from __future__ import annotations

from .catalog import anchors, lad, liu_li, marina, pp, rammal, robust, rosdhb, table2
from .theorem import Theorem

_MODULES = (anchors, robust, marina, rammal, pp, rosdhb, liu_li, lad, table2)


class UnknownTheoremError(LookupError):
    """An unknown theorem key or algorithm name; the message lists what is allowed."""


def _collect() -> dict[str, Theorem]:
    out: dict[str, Theorem] = {}
    for module in _MODULES:
        for th in module.THEOREMS:
            if th.key in out:
                raise ValueError(f"theorem {th.key!r} registered twice")
            out[th.key] = th
    return out


THEOREMS: dict[str, Theorem] = _collect()

#: sanity anchors (non-Byzantine parents) as opposed to Byzantine-robust methods
ANCHORS = frozenset(th.key for th in anchors.THEOREMS)


def keys() -> list[str]:
    return list(THEOREMS)


def algorithms() -> list[str]:
    return sorted({th.algorithm for th in THEOREMS.values()})


def get(key: str) -> Theorem:
    """The theorem with registry name ``key``."""
    try:
        return THEOREMS[key]
    except KeyError:
        raise UnknownTheoremError(
            f"unknown theorem {key!r}; allowed keys: {', '.join(THEOREMS)}"
        ) from None


def for_algorithm(algorithm: str) -> list[Theorem]:
    """All records of a sims algorithm name (e.g. ``"byz_vr_marina"``)."""
    out = [th for th in THEOREMS.values() if th.algorithm == algorithm]
    if not out:
        raise UnknownTheoremError(f"no theorem for algorithm {algorithm!r}; allowed: {', '.join(algorithms())}")
    return out


def resolve(name: str) -> list[Theorem]:
    """A theorem key or an algorithm name -> the matching records."""
    if name in THEOREMS:
        return [THEOREMS[name]]
    if name in algorithms():
        return for_algorithm(name)
    raise UnknownTheoremError(
        f"unknown theorem or algorithm {name!r}; allowed algorithms: {', '.join(algorithms())}; "
        f"allowed keys: {', '.join(THEOREMS)}"
    )
