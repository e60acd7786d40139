"""``byzcomp bounds``: the theorem catalogue of the theory package (theory never reads configs, so
``--at CONFIG.toml`` is turned into constants here)."""
from __future__ import annotations


def load_constants(path: str) -> dict[str, float]:
    """A config's declared constants under the theory symbol names (problem, aggregator, compressor)."""
    from ..config import ExperimentConfig
    from ..constants import declared_constants

    return declared_constants(ExperimentConfig.from_toml(path))


def register(sub) -> None:
    from theory.cli import register as register_theory

    register_theory(sub, load_constants=load_constants)
