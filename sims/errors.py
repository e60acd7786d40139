"""Errors raised by byzcomp's numeric side.

Every validation error names the field, the offending value and what is allowed,
on one line, so a CLI user can fix a config without reading a traceback.
"""
from __future__ import annotations


class ConfigError(ValueError):
    """An invalid configuration value: ``ConfigError("compressor.k = 200: must be <= d = 100")``."""

    def __init__(self, field: str, value: object, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field} = {value!r}: {allowed}")
