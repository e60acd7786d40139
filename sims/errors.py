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

    def __reduce__(self):
        """Picklable with its three fields: an error raised in a sweep's worker process reaches the
        parent as itself (not as a dead worker)."""
        return _restore, (type(self), self.field, self.value, self.allowed)


    def within(self, path: str) -> "ConfigError":
        """The same error named by its path through an enclosing table: a nested algorithm's
        ``algorithm.lr`` seen through ``algorithm.inner`` is ``algorithm.inner.lr``."""
        _, dot, rest = self.field.partition(".")
        return ConfigError(path + dot + rest, self.value, self.allowed)


def _restore(cls, field, value, allowed):
    """A ConfigError (or subclass, whatever its own constructor) with these three fields."""
    err = cls.__new__(cls)
    ConfigError.__init__(err, field, value, allowed)
    return err


def _one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (``\\n``)."""
    text = str(text)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
