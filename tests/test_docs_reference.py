"""The generated config reference is valid reST (the CI's ``sphinx -W`` step fails on any warning)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

docutils_core = pytest.importorskip("docutils.core")
ROOT = Path(__file__).parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_free_text_is_escaped():
    gen = load_generator()
    assert gen.rst_text("curvature inside |u| <= a, a*b, f_") == r"curvature inside \|u\| <= a, a\*b, f\_"


def test_generated_reference_parses_without_warnings(tmp_path):
    gen = load_generator()
    out = tmp_path / "config.rst"
    gen.write(out)
    # halt_level 2: any warning (undefined substitution, unbalanced emphasis, ...) raises.
    docutils_core.publish_doctree(out.read_text(), settings_overrides={"halt_level": 2, "report_level": 2})
