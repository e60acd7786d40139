"""Settings (a problem with declared constants, an algorithm, aggregator, compressor, workers,
attacks) and their batched runs: seeds x hyper-parameter variants as one replica batch."""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence, cast

import numpy as np

from ..backend import Backend
from ..config import ExperimentConfig, RunSpec
from ..constants import declared_constants
from ..engine import Job, RunResult, run_batch

#: theory hyper-parameter symbol -> algorithm field
HYPER_TO_FIELD = {"gamma": "lr", "eta": "eta", "beta": "beta", "p": "p"}

#: the run fields a verification may set for every run it makes (``byzcomp verify --backend ...``)
RUN_OPTION_FIELDS = ("backend", "dtype", "device", "rng")
_run_options: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("run_options", default={})


def checked_run_options(**options: str | None) -> dict[str, str]:
    """The run fields given (None: the setting's own), validated as a config's run section and its
    backend would be (a ConfigError names the field: ``run.rng = 'device'`` without torch, a CUDA
    device where there is none)."""
    unknown = sorted(set(options) - set(RUN_OPTION_FIELDS))
    if unknown:
        raise ValueError(f"run_options: unknown field(s) {unknown}; allowed: {', '.join(RUN_OPTION_FIELDS)}")
    chosen = {k: v for k, v in options.items() if v is not None}
    run = RunSpec(**cast(dict[str, Any], chosen))  # each value, and rng = 'device' only on torch
    Backend(run.backend, run.dtype, run.device)  # torch installed, a CUDA device there, cpu for numpy
    return chosen


@contextlib.contextmanager
def run_options(**options: str | None) -> Iterator[dict[str, str]]:
    """Within the block every setting's runs use these run fields (:func:`checked_run_options`),
    e.g. ``run_options(backend="torch", device="cuda", rng="device")``: the same checks on another
    backend, device, dtype or random streams; the expected verdicts stay the suite's.  A nested
    block replaces the outer one's fields."""
    chosen = checked_run_options(**options)
    token = _run_options.set(chosen)
    try:
        yield chosen
    finally:
        _run_options.reset(token)


QUICK_ATTACKS = ("alie", "ipm", "sign_flip")
FULL_ATTACKS = ("alie", "ipm", "sign_flip", "opt_alie", "opt_ipm", "large_norm", "mimic")


@dataclass(frozen=True)
class Setting:
    """One experimental setting; ``attacks`` are tried in turn and the worst one is kept."""

    label: str
    problem: Mapping[str, Any]
    algorithm: Mapping[str, Any]
    aggregator: Mapping[str, Any] = field(default_factory=lambda: {"name": "cwtm"})
    compressor: Mapping[str, Any] = field(default_factory=lambda: {"name": "identity"})
    n: int = 10
    f: int = 2
    T: int = 200
    seeds: int = 8
    attacks: Sequence[str] = QUICK_ATTACKS
    seed: int = 0

    def config(self, attack: str = "none", T: int | None = None, **algorithm: Any) -> ExperimentConfig:
        return ExperimentConfig.from_dict({
            "problem": dict(self.problem), "algorithm": {**self.algorithm, **algorithm},
            "aggregator": dict(self.aggregator), "compressor": dict(self.compressor),
            "attack": {"name": attack if self.f > 0 else "none"},
            "workers": {"n": self.n, "f": self.f},
            "run": {"T": self.T if T is None else T, "seeds": self.seeds, "seed": self.seed, "record_every": 1,
                    "progress": False, **_run_options.get()},
        })

    def declared(self) -> dict[str, float]:
        """The declared constants (sims.constants.declared_constants) plus the algorithm's fixed
        hyper-parameters that are theory inputs (MARINA's p, Byz-DM21's eta where its record does
        not prescribe it; the step gamma never: records prescribe it)."""
        declared = declared_constants(self.config(), hyper=True)
        declared.pop("gamma", None)
        return declared | _fixed_hyper(self.algorithm)

    def replace(self, **kw) -> "Setting":
        return dataclasses.replace(self, **kw)

    @property
    def attack_list(self) -> tuple[str, ...]:
        return tuple(self.attacks) if self.f > 0 else ("none",)


def _fixed_hyper(algorithm: Mapping[str, Any]) -> dict[str, float]:
    return {sym: float(algorithm[fld]) for sym, fld in HYPER_TO_FIELD.items() if fld in algorithm and sym == "p"}


def algorithm_fields(hyper: Mapping[str, float]) -> dict[str, float]:
    """Theory hyper-parameters -> algorithm fields (gamma -> lr, ...)."""
    return {HYPER_TO_FIELD[k]: float(v) for k, v in hyper.items() if k in HYPER_TO_FIELD}


def run_variants(setting: Setting, attack: str, variants: Sequence[Mapping[str, Any]], T: int | None = None,
                 problems: Sequence[Mapping[str, Any]] | None = None) -> RunResult:
    """One batch: every variant (algorithm fields) x ``setting.seeds`` seeds.  Job v*seeds + j is
    replica v*seeds + j under the base seed ``setting.seed`` (its own stream, engine contract)."""
    jobs = []
    for v, fields in enumerate(variants):
        cfg = setting.config(attack, T=T, **fields)
        jobs += [Job(cfg, v * setting.seeds + j) for j in range(setting.seeds)]
    return run_batch(jobs, progress=False)


def per_replica(result: RunResult, column: str = "grad_sq", rounds: tuple[int, int] | None = None,
                how: str = "mean") -> np.ndarray:
    """Per job (in job order): the mean (or last value) of ``column`` over recorded rounds in
    [rounds[0], rounds[1]] (inclusive); +inf for diverged jobs."""
    rec = result.records
    if rounds is not None:
        rec = rec[(rec["round"] >= rounds[0]) & (rec["round"] <= rounds[1])]
    R = len(result.jobs)
    # records are sorted by replica then round, and job i is replica i (run_variants)
    rounds_per = len(rec) // R
    if rounds_per * R != len(rec):  # pragma: no cover - defensive: uneven records
        raise ValueError("uneven records per replica")
    values = rec[column].to_numpy(dtype=float).reshape(R, rounds_per)
    out = values.mean(axis=1) if how == "mean" else values[:, -1]
    diverged = result.summary["diverged"].to_numpy(bool)
    out = np.where(diverged | ~np.isfinite(out), np.inf, out)
    return out
