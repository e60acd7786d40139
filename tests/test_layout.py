"""Repository hygiene that pytest's default (rootdir-less, ``prepend``) import mode relies on."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_module_basenames_are_unique():
    # Test folders have no __init__.py, so pytest imports each module by its basename:
    # two ``test_cli.py`` in different folders abort collection ("import file mismatch").
    names = Counter(p.name for p in TESTS.rglob("*.py") if p.name != "conftest.py")
    assert [n for n, c in names.items() if c > 1] == []
