"""Errors raised by byzcomp's numeric side.

Every validation error names the field, the offending value and what is allowed,
on one line, so a CLI user can fix a config without reading a traceback.
"""
from __future__ import annotations


class ConfigError(ValueError):
    """An invalid configuration value: ``ConfigError("compressor.k = 200: must be <= d = 100")``."""

    def __init__(self, field: str, value: object, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{_one_line(field)} = {value!r}: {_one_line(allowed)}")

    def within(self, path: str) -> "ConfigError":
        """The same error named by its path through an enclosing table: a nested algorithm's
        ``algorithm.lr`` seen through ``algorithm.inner`` is ``algorithm.inner.lr``."""
        _, dot, rest = self.field.partition(".")
        return ConfigError(path + dot + rest, self.value, self.allowed)


def _one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (``\\n``)."""
    text = str(text)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
