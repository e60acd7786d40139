"""Provenance tags for every claim a theorem record makes (``specs/README.md`` §2).

A tag is never upgraded when material is copied between records.  ``weakest`` orders the tags from
the most to the least reliable so that a record can report the weakest link of its statement.
"""
from __future__ import annotations

from enum import Enum
from typing import Iterable


class Provenance(str, Enum):
    """Where a formula or a constant comes from."""

    V_TEXT = "V-text"  # the paper's own text
    V_CODE = "V-code"  # the authors' public code
    V_ABS = "V-abs"  # abstract / listing metadata only
    V_SEC = "V-sec"  # a secondary source restating the result
    V_3P = "V-3p"  # third-party material only (weak hint)
    DERIVED = "DERIVED"  # derived from stated definitions (proof sketch in the docstring)
    NUM = "NUM"  # checked numerically (Monte Carlo, PEP, adversarial optimisation)
    RECON = "RECON"  # reconstructed: shape probably right, constants not
    UNVERIFIED = "UNVERIFIED"  # recalled or inferred, a hypothesis

    @property
    def tag(self) -> str:
        return f"[{self.value}]"

    @property
    def rank(self) -> int:
        """0 = most reliable.  DERIVED and NUM are checkable, so they rank above secondary sources."""
        return _RANK[self]


_RANK = {
    Provenance.V_TEXT: 0,
    Provenance.V_CODE: 1,
    Provenance.DERIVED: 2,
    Provenance.NUM: 3,
    Provenance.V_SEC: 4,
    Provenance.V_ABS: 5,
    Provenance.V_3P: 6,
    Provenance.RECON: 7,
    Provenance.UNVERIFIED: 8,
}


def weakest(tags: Iterable[Provenance]) -> Provenance:
    """The least reliable tag among ``tags`` (V_TEXT when empty)."""
    return max(tags, key=lambda t: t.rank, default=Provenance.V_TEXT)
