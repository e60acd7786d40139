"""byzcomp's numeric side: problems, compressors, aggregators, attacks, algorithms and the engine.

Quick start::

    from sims import ExperimentConfig, run
    cfg = ExperimentConfig.from_toml("examples/quickstart.toml")
    result = run(cfg)          # result.records: tidy pandas frame
"""
from .config import ExperimentConfig
from .engine import Job, RunResult, run, run_batch
from .errors import ConfigError
from .results import load

__all__ = ["ConfigError", "ExperimentConfig", "Job", "RunResult", "load", "run", "run_batch"]
