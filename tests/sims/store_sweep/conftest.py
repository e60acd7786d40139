"""Fixtures for the store / sweep / executor tests."""
from __future__ import annotations

import pytest

from sims.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "results.sqlite") as s:
        yield s
