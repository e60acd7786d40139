"""Experiment configs: typed, validated, round-tripping through TOML.

A config is one experiment: problem, algorithm, aggregator (with optional pre-aggregators),
attack, compressor, the workers (n, f) and the run (T, seeds, backend).  Unknown keys and invalid
values are refused with a one-line message naming the field, the value and what is allowed::

    [problem]    name = "quadratic"   d = 20  L = 1.0  mu = 0.1  G = 1.0
    [algorithm]  name = "robust_dshb" lr = 0.1 beta = 0.9
    [aggregator] name = "cwtm"        pre = [{name = "nnm"}]
    [attack]     name = "alie"
    [compressor] name = "identity"
    [workers]    n = 20  f = 4
    [run]        T = 500 seeds = 4
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Protocol, cast

from .aggregators.base import Chain
from .backend import BACKENDS, DTYPES
from .errors import ConfigError
from .params import Boolean, Integer, OneOf, Optional, Real, Setting, Spec, param, require, unknown_keys
from .registry import build

if TYPE_CHECKING:
    from .algorithms.base import AlgorithmSpec
    from .attacks.base import AttackSpec
    from .compressors.base import CompressorSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class WorkersSpec(Spec):
    """n workers of which f are Byzantine; the aggregator is told ``declared_f`` (default f)."""

    kind = "workers"
    n: int = param(10, Integer(1, None), "number of workers")
    f: int = param(0, Integer(0, None), "number of Byzantine workers")
    declared_f: int | None = param(None, Optional(Integer(0, None)), "f the aggregator tolerates (default f)")

    def validate(self):
        require(self.f < self.n, "workers.f", self.f, f"must be < workers.n = {self.n}")
        if self.declared_f is not None:
            require(self.declared_f < self.n, "workers.declared_f", self.declared_f, f"must be < workers.n = {self.n}")

    @property
    def tolerated(self) -> int:
        return self.f if self.declared_f is None else self.declared_f


@dataclass(frozen=True)
class RunSpec(Spec):
    """How long, how many replicas, on which backend."""

    kind = "run"
    T: int = param(100, Integer(1, None), "rounds")
    seeds: int = param(1, Integer(1, None), "replicas (seeds 0..seeds-1 under the base seed)")
    seed: int = param(0, Integer(0, None), "base seed: replica r draws from streams keyed (seed, r)")
    record_every: int = param(10, Integer(1, None), "rounds between recorded metrics")
    backend: str = param("numpy", OneOf(BACKENDS), "array backend")
    dtype: str = param("float64", OneOf(DTYPES), "floating dtype, kept end to end")
    device: str = param("cpu", OneOf(("cpu", "cuda")), "torch device")
    rng: str = param("host", OneOf(("host", "device")), "where random numbers are drawn: host numpy generators "
                     "(numpy = torch), or torch generators on the device (torch only)")
    bits_per_float: int = param(32, Integer(1, 128), "b_f, bits per transmitted float")
    init: str = param("problem", OneOf(("problem", "random")), "x0: the problem's, or x0 + N(0, I/d) per replica")
    divergence_factor: float = param(1e6, Real(1, None, "neither"),
                                     "diverged when ||x - x0|| > factor * (1 + ||x0 - x*||) or non-finite")
    progress: bool = param(True, Boolean(), "show a progress bar")
    enforce_density: bool | None = param(
        None, Optional(Boolean()), "cut Byzantine messages to the compressor's number of coordinates "
        "(K of independent Rand-K / Top-K); default: as the method's paper's server does")

    def validate(self):
        require(self.rng == "host" or self.backend == "torch", "run.rng", self.rng,
                f"needs run.backend = 'torch' (got {self.backend!r}); use 'host'")

    def density_enforced(self, algorithm, compressor) -> bool:
        """``enforce_density``; by default on where the compressor's messages are counted pairs and
        the method's paper has its server count them (``server_counts_coordinates``)."""
        if self.enforce_density is not None:
            return self.enforce_density
        return bool(getattr(algorithm, "server_counts_coordinates", False)) and compressor.counts_coordinates


SECTIONS = ("problem", "algorithm", "aggregator", "attack", "compressor", "workers", "run")
DEFAULTS: dict[str, dict[str, Any]] = {
    "aggregator": {"name": "mean"}, "attack": {"name": "none"}, "compressor": {"name": "identity"},
}


@dataclass(frozen=True)
class ExperimentConfig:
    problem: Spec
    algorithm: AlgorithmSpec
    aggregator: Chain
    attack: AttackSpec
    compressor: CompressorSpec
    workers: WorkersSpec = field(default_factory=WorkersSpec)
    run: RunSpec = field(default_factory=RunSpec)
    title: str = ""
    plugins: tuple[str, ...] = ()  # modules registering components of one's own (sims.plugins)

    def __post_init__(self):
        self.check()

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> "ExperimentConfig":
        if not isinstance(table, Mapping):
            raise ConfigError("config", table, "must be a table of sections")
        unknown_keys("config", table, SECTIONS + ("title", "plugins"))
        plugins = table.get("plugins", [])
        if not isinstance(plugins, (list, tuple)):
            raise ConfigError("plugins", plugins, "must be a list of module names or .py paths")
        from .plugins import load

        load(plugins)  # before the names are looked up
        for required in ("problem", "algorithm"):
            if required not in table:
                raise ConfigError(required, "<missing>", f"a [{required}] table with a 'name' is required")
        for name in SECTIONS:
            if name in table and not isinstance(table[name], Mapping if name == "aggregator" else (Mapping, Spec)):
                raise ConfigError(name, table[name], "must be a table" + ("" if name in ("workers", "run") else
                                                                          " with a 'name' key"))
        if not isinstance(table.get("title", ""), str):
            raise ConfigError("title", table["title"], "must be a string")
        get = lambda k: table.get(k, DEFAULTS.get(k))  # noqa: E731
        chain = Chain.from_dict(get("aggregator"))
        return cls(
            problem=build("problem", table["problem"]), algorithm=build("algorithm", table["algorithm"]),
            aggregator=chain, attack=build("attack", get("attack")), compressor=build("compressor", get("compressor")),
            workers=_section(WorkersSpec, table.get("workers", {})), run=_section(RunSpec, table.get("run", {})),
            title=str(table.get("title", "")), plugins=tuple(plugins),
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> "ExperimentConfig":
        try:
            with open(path, "rb") as fh:
                return cls.from_dict(tomllib.load(fh))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), "<unparsable>", f"is not valid TOML: {exc}") from None

    @classmethod
    def from_toml_string(cls, text: str) -> "ExperimentConfig":
        return cls.from_dict(tomllib.loads(text))

    # --- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title} if self.title else {}
        if self.plugins:
            out["plugins"] = list(self.plugins)
        for name in SECTIONS:
            value = getattr(self, name)
            table = value.to_dict()
            if name in ("workers", "run"):
                table.pop("name")
            out[name] = {k: v for k, v in table.items() if v is not None}
        return out

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    def digest(self) -> str:
        """sha256 of the normalised config (sorted JSON of to_dict)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def replace(self, **sections) -> "ExperimentConfig":
        return dataclasses.replace(self, **sections)

    # --- checks ---------------------------------------------------------------------------
    def setting(self) -> Setting:
        return Setting(n=self.workers.n, f=self.workers.f, d=problem_dimension(self.problem),
                       declared_f=self.workers.tolerated)

    def check(self) -> None:
        setting = self.setting()
        for spec in (self.problem, self.algorithm, self.aggregator, self.attack, self.compressor):
            spec.check_setting(setting)

    def batch_key(self) -> tuple:
        """Configs with equal keys run as one replica batch (they differ in batched fields and seed)."""
        run = dataclasses.replace(self.run, seed=0, seeds=1, progress=True)
        return (self.problem.shape_key(), self.algorithm.shape_key(), self.aggregator.shape_key(),
                self.attack.shape_key(), self.compressor.shape_key(), self.workers.shape_key(), run.shape_key())


class _FixedDimension(Protocol):
    d: int


def problem_dimension(problem: Spec) -> int:
    """d of a problem spec: its ``dimension()`` where the data decide it, else its field ``d``."""
    return problem.dimension() if hasattr(problem, "dimension") else cast(_FixedDimension, problem).d


def _section(cls, table):
    if isinstance(table, Spec):
        return table
    if not isinstance(table, Mapping):
        raise ConfigError(cls.kind, table, "must be a table")
    unknown_keys(cls.kind, table, cls.field_names())
    return cls(**table)
