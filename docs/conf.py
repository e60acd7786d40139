"""Sphinx configuration: the API from docstrings (autodoc), the config reference generated at build time."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import gen_reference  # noqa: E402

gen_reference.write(Path(__file__).parent / "reference" / "config.rst")

project = "byzcomp"
copyright = "byzcomp authors, MIT licence"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax"]
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
exclude_patterns = ["_build"]
html_theme = "alabaster"
suppress_warnings = ["ref.python"]
