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


ROOT = TESTS.parent


def readme_blocks(lang: str = "bash") -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [b.split("```", 1)[0].strip() for b in text.split(f"```{lang}\n")[1:]]


def test_ci_runs_the_readme_test_command_verbatim():
    """The README's second set-up command is the test command, and .ci/run runs exactly it."""
    test_command = readme_blocks()[1]
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_files_the_readme_points_to_exist():
    import re

    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)\)", text) + re.findall(r'src="([^"]+)"', text)
    targets += re.findall(r"\b((?:examples|notebooks|paper_figs|benchmarks)/[\w./-]+\.(?:toml|ipynb|png|md|py))", text)
    local = [t for t in targets if not t.startswith(("http://", "https://"))]
    assert len(local) > 10
    assert [t for t in local if not (ROOT / t).exists()] == []
