"""Strip outputs from the teaching notebooks before committing them.

    python notebooks/strip_outputs.py            # strip every notebooks/*.ipynb in place
    python notebooks/strip_outputs.py --check    # exit 1 (listing them) if any notebook has outputs
    python notebooks/strip_outputs.py A.ipynb    # only these files

Stripped means: no cell outputs, no execution counts, no per-cell execution metadata, and no saved
widget state.  The test suite (tests/notebooks) asserts that the committed notebooks are stripped.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("widgets", "varInspector", "toc")


def strip(nb) -> bool:
    """Strip ``nb`` in place; True if anything changed."""
    changed = False
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            changed |= cell.metadata.pop(key, None) is not None
        if cell.cell_type == "code":
            changed |= bool(cell.outputs) or cell.execution_count is not None
            cell.outputs, cell.execution_count = [], None
    for key in VOLATILE_NOTEBOOK_METADATA:
        changed |= nb.metadata.pop(key, None) is not None
    return changed


def is_stripped(nb) -> bool:
    """True if ``nb`` has nothing to strip (the notebook is not modified)."""
    return not strip(nbformat.reads(nbformat.writes(nb), as_version=4))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"] or sorted(HERE.glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if strip(nb):
            dirty.append(path)
            if not check:
                nbformat.write(nb, path)
    verb = "has outputs" if check else "stripped"
    for path in dirty:
        print(f"{path}: {verb}")
    return 1 if check and dirty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
