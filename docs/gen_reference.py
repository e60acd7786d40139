"""Write the config reference: every field of every registered component, from the field metadata."""
from __future__ import annotations

import dataclasses
from pathlib import Path


_RST_INLINE = str.maketrans({c: "\\" + c for c in "\\|*`_"})


def rst_text(text: str) -> str:
    """Free text as literal reST: ``|u|`` would otherwise be read as a substitution, ``a*b`` as emphasis."""
    return text.translate(_RST_INLINE)


def field_rows(cls):
    for f in dataclasses.fields(cls):
        rule = f.metadata.get("rule")
        default = f.default if f.default is not dataclasses.MISSING else "(required)"
        yield f.name, repr(default), rst_text(rule.describe()) if rule else "", rst_text(f.metadata.get("doc", ""))


def section(title: str, cls) -> list[str]:
    doc = (cls.__doc__ or "").strip().splitlines()
    lines = [title, "~" * len(title), "", rst_text(doc[0]) if doc else "", ""]
    rows = list(field_rows(cls))
    if not rows:
        return lines + ["No fields.", ""]
    lines += [".. list-table::", "   :header-rows: 1", "", "   * - field", "     - default", "     - allowed",
              "     - meaning"]
    for name, default, allowed, help_ in rows:
        lines += [f"   * - ``{name}``", f"     - ``{default}``", f"     - {allowed or '-'}", f"     - {help_ or '-'}"]
    return lines + [""]


def write(path: Path) -> None:
    from sims import registry
    from sims.config import RunSpec, WorkersSpec

    lines = ["Config reference", "================", "",
             "Generated from the field metadata at build time (``docs/gen_reference.py``); "
             "``byzcomp list KIND [NAME]`` prints the same.", ""]
    for title, cls in (("[workers]", WorkersSpec), ("[run]", RunSpec)):
        lines += section(title, cls)
    for kind in registry.KINDS:
        heading = f"{kind} components"
        lines += [heading, "-" * len(heading), ""]
        for name in registry.names(kind):
            lines += section(f"{kind} ``{name}``", registry.lookup(kind, name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
