"""A suite item: one set of simulations and the checks that share them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .checks import Check


@dataclass(frozen=True)
class Item:
    name: str
    theorems: tuple[str, ...]
    run: Callable[[], list[Check]]


def _size(quick: bool, q, f):
    """``q`` in the quick suite, ``f`` in the full one."""
    return q if quick else f
