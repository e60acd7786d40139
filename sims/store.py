"""The result store: one embedded SQLite file per project, results in full float64.

A stored result is one replica of one experiment, keyed by ``(digest, replica, version)``:

* ``digest`` = sha256 of the normalised config (:func:`point_digest`: the config with
  ``run.seeds = 1``, ``run.progress = false`` and no title, so that replica r of a 4-seed config and
  replica r of a 2-seed config are the same stored result) and of the contents of the data files
  it reads (a problem's ``data_files()``): the same path with other contents is another point;
* ``replica`` = r (the replica draws from streams keyed (run.seed, r), :mod:`sims.rng`);
* ``version`` = the byzcomp package version and the code fingerprint
  (:func:`sims.plugins.code_fingerprint`: the sources of ``sims/``, ``theory/`` and the loaded
  plugins), and the random streams' version (``sims.rng.STREAM_VERSION``), ``0.1.0+code.<16 hex>+streams2``: a new release, an edited source file or an edited plugin
  recomputes instead of reusing.  ``put(..., replace=True)`` (``--recompute``) overwrites.

Tables::

    configs(digest PK, config JSON)                       the normalised config of every digest
    results(digest, replica, version PK, seed, ...,       one row per stored replica; ``records`` is
            columns JSON, records BLOB, final_x BLOB)     a little-endian float64 [rows, columns] array
    computations(id, digest, replica, version,            one row per finished computation, written in
                 inserted, host, pid, finished)           the transaction that stores it (an audit log)
    failures(digest, replica, version PK, seed,           the replicas whose computation raised, with the
             error, host, pid, finished)                  error; cleared when the replica is stored

``Store(path, read_only=True)`` opens an existing store for reading only (SQLite ``mode=ro`` and
``query_only``): what reads results (``byzcomp results``, :func:`sims.results.load`) cannot change it.

Durability and concurrency: the database runs in WAL mode with a busy timeout; each
:meth:`Store.put` is one ``BEGIN IMMEDIATE`` transaction, so a process killed with ``SIGKILL``
loses nothing committed and parallel writers queue instead of failing.  Inserts are idempotent
(``INSERT OR IGNORE`` on the key): a result delivered twice is stored once, and the computation log
records ``inserted = 0`` for the second delivery.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from .config import ExperimentConfig
from .errors import ConfigError
from .rng import STREAM_VERSION

DEFAULT_NAME = "byzcomp.sqlite"
ENV_STORE = "BYZCOMP_STORE"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 120_000
IDENTITY_COLUMNS = ("replica", "seed")  # engine record columns the key already holds


def package_version() -> str:
    try:
        return metadata.version("byzcomp")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "0+unknown"


def code_version() -> str:
    """The store's version of this process's code: package version + code fingerprint + stream
    version (a change of random streams recomputes even where no source file of ours changed)."""
    from .plugins import code_fingerprint

    return f"{package_version()}+code.{code_fingerprint()}+streams{STREAM_VERSION}"


def normalized(config: ExperimentConfig) -> ExperimentConfig:
    """The config without what does not change a replica's trajectory (seeds count, progress, title;
    the plugins, whose code is in the store's version)."""
    return config.replace(run=config.run.replace(seeds=1, progress=False), title="", plugins=())


def point_digest(config: ExperimentConfig) -> str:
    """sha256 of the normalised config and of the contents of the data files its problem reads."""
    digest = normalized(config).digest()
    files = config.problem.data_files() if hasattr(config.problem, "data_files") else ()
    if not files:
        return digest
    from .plugins import file_fingerprint

    return hashlib.sha256(" ".join([digest, *map(file_fingerprint, files)]).encode()).hexdigest()


def error_line(error: BaseException) -> str:
    """``"LinAlgError: SVD did not converge"``: an exception on one line."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def default_path() -> Path:
    """``$BYZCOMP_STORE`` if set, else ``./byzcomp.sqlite``."""
    return Path(os.environ.get(ENV_STORE, DEFAULT_NAME))


@dataclass(frozen=True)
class StoredRun:
    """One replica's results as they travel from a worker to the store (all float64)."""

    digest: str
    replica: int
    seed: int
    config: str  # normalised config JSON
    columns: tuple[str, ...]
    records: np.ndarray  # [rows, len(columns)] float64
    final_x: np.ndarray  # [d] float64
    diverged_round: int
    wall_seconds: float
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)

    @property
    def key(self) -> tuple[str, int]:
        return self.digest, self.replica


def pack(result) -> list[StoredRun]:
    """Split an engine :class:`~sims.engine.RunResult` into one :class:`StoredRun` per replica."""
    records = result.records
    hp = [c for c in records.columns if "." in c]  # batched hyper-parameters: the config holds them
    columns = tuple(c for c in records.columns if c not in IDENTITY_COLUMNS and c not in hp)
    summary = result.summary  # one row per job, in job order
    per_job = len(records) // len(result.jobs)
    out = []
    for i, job in enumerate(result.jobs):
        cfg = normalized(job.config)
        mine = np.ones(len(records), dtype=bool)  # (replica, seed, batched fields) identify a job in its batch
        for c in IDENTITY_COLUMNS + tuple(hp):
            mine &= records[c].to_numpy() == summary[c].iloc[i]
        rows = records[mine]
        if len(rows) != per_job:
            raise ValueError("the jobs of a batch must be distinct (config, replica) pairs")
        out.append(StoredRun(
            digest=point_digest(job.config), replica=job.replica, seed=job.config.run.seed,
            config=json.dumps(cfg.to_dict(), sort_keys=True), columns=columns,
            records=rows[list(columns)].to_numpy(dtype=np.float64),
            final_x=np.asarray(result.final_x[i], dtype=np.float64),
            diverged_round=int(summary["diverged_round"].iloc[i]),
            wall_seconds=result.wall_seconds / len(result.jobs)))
    return out


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS configs (digest TEXT PRIMARY KEY, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    digest TEXT NOT NULL, replica INTEGER NOT NULL, version TEXT NOT NULL,
    seed INTEGER NOT NULL, diverged_round INTEGER NOT NULL, wall_seconds REAL NOT NULL,
    columns TEXT NOT NULL, n_rows INTEGER NOT NULL, records BLOB NOT NULL, final_x BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (digest, replica, version)
);
CREATE TABLE IF NOT EXISTS failures (
    digest TEXT NOT NULL, replica INTEGER NOT NULL, version TEXT NOT NULL, seed INTEGER NOT NULL,
    error TEXT NOT NULL, host TEXT, pid INTEGER, finished REAL NOT NULL,
    PRIMARY KEY (digest, replica, version)
);
CREATE TABLE IF NOT EXISTS computations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, digest TEXT NOT NULL, replica INTEGER NOT NULL,
    version TEXT NOT NULL, inserted INTEGER NOT NULL, host TEXT, pid INTEGER, finished REAL NOT NULL
);
"""


def _f64(blob: bytes, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f8").reshape(shape)


class Store:
    """An SQLite result store (see the module docstring); ``Store(path)`` creates the file if needed,
    ``Store(path, read_only=True)`` refuses a missing one and every write."""

    def __init__(self, path: str | Path | None = None, version: str | None = None, read_only: bool = False):
        self.path = Path(path) if path is not None else default_path()
        self.version = version or code_version()
        self.read_only = read_only
        if read_only and not self.path.is_file():
            raise ConfigError("store", str(self.path), "no such result store (run a sweep into it first, "
                              f"or name one with --store or ${ENV_STORE})")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        where = f"{self.path.resolve().as_uri()}?mode=ro" if read_only else str(self.path)
        self._conn = sqlite3.connect(where, uri=read_only, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if read_only:
            self._conn.execute("PRAGMA query_only = ON")
            return
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable across process kills
        with self._transaction() as c:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                c.execute(statement)
            c.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))

    @classmethod
    def open(cls, store: "Store | str | Path | None" = None, read_only: bool = False) -> "Store":
        return store if isinstance(store, Store) else cls(store, read_only=read_only)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, version={self.version!r})"

    # --- writing -----------------------------------------------------------------------------
    @contextmanager
    def _transaction(self):
        """One write transaction: the write lock is taken up front (BEGIN IMMEDIATE), so concurrent
        writers wait for it (busy timeout) instead of failing on an upgrade."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def put(self, runs: Iterable[StoredRun], replace: bool = False) -> int:
        """Store ``runs`` in one transaction; returns how many were new (the rest were already stored).
        ``replace``: overwrite stored results with the same key (a forced recompute)."""
        now = time.time()
        inserted = 0
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self._transaction() as c:
            for r in runs:
                c.execute("INSERT OR IGNORE INTO configs VALUES (?, ?)", (r.digest, r.config))
                cur = c.execute(
                    f"{verb} INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (r.digest, r.replica, self.version, r.seed, r.diverged_round, r.wall_seconds,
                     json.dumps(list(r.columns)), r.records.shape[0],
                     np.ascontiguousarray(r.records, dtype="<f8").tobytes(),
                     np.ascontiguousarray(r.final_x, dtype="<f8").tobytes(), now))
                c.execute("INSERT INTO computations (digest, replica, version, inserted, host, pid, finished) "
                          "VALUES (?,?,?,?,?,?,?)",
                          (r.digest, r.replica, self.version, cur.rowcount, r.host, r.pid, now))
                c.execute("DELETE FROM failures WHERE digest = ? AND replica = ? AND version = ?",
                          (r.digest, r.replica, self.version))
                inserted += cur.rowcount
        return inserted

    def put_failure(self, config: ExperimentConfig, replica: int, error: BaseException) -> None:
        """Record that replica ``replica`` of ``config`` raised ``error`` (replacing an older record)."""
        cfg = normalized(config)
        digest = cfg.digest()
        with self._transaction() as c:
            config_json = json.dumps(cfg.to_dict(), sort_keys=True)
            c.execute("INSERT OR IGNORE INTO configs VALUES (?, ?)", (digest, config_json))
            c.execute("INSERT OR REPLACE INTO failures VALUES (?,?,?,?,?,?,?,?)",
                      (digest, replica, self.version, config.run.seed, error_line(error), socket.gethostname(),
                       os.getpid(), time.time()))

    # --- reading -----------------------------------------------------------------------------
    def stored_keys(self, version: str | None = None) -> set[tuple[str, int]]:
        rows = self._conn.execute("SELECT digest, replica FROM results WHERE version = ?", (version or self.version,))
        return {(d, int(r)) for d, r in rows}

    def missing(self, keys: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
        """The keys among ``keys`` (order kept, duplicates dropped) not stored under this version."""
        have = self.stored_keys()
        seen: set[tuple[str, int]] = set()
        out = []
        for k in keys:
            if k not in have and k not in seen:
                seen.add(k)
                out.append(k)
        return out

    def failures(self, version: str | None = None):
        """The recorded failures (:meth:`put_failure`) of this version (``"all"``: every version) as a
        pandas frame: digest, replica, version, seed, error, host, pid, finished."""
        import pandas as pd

        where, args = ("", ()) if version == "all" else (" WHERE version = ?", (version or self.version,))
        if not self._has_table("failures"):  # a store written before failures were recorded
            return pd.DataFrame(columns=["digest", "replica", "version", "seed", "error", "host", "pid", "finished"])
        return pd.read_sql_query(f"SELECT * FROM failures{where} ORDER BY finished", self._conn, params=args)

    def _has_table(self, name: str) -> bool:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self._conn.execute(query, (name,)).fetchone() is not None

    def count(self, table: str = "results") -> int:
        if table not in ("results", "computations", "configs", "failures"):
            raise ValueError(f"unknown table {table!r}")
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def computations(self):
        """The computation log as a pandas frame (one row per finished computation)."""
        import pandas as pd

        return pd.read_sql_query("SELECT * FROM computations ORDER BY id", self._conn)

    def configs(self, digests: Iterable[str] | None = None) -> dict[str, dict]:
        rows = self._conn.execute("SELECT digest, config FROM configs")
        wanted = None if digests is None else set(digests)
        return {d: json.loads(c) for d, c in rows if wanted is None or d in wanted}

    def runs(self, keys: Iterable[tuple[str, int]] | None = None, version: str | None = None
             ) -> Iterator["StoredRow"]:
        """Stored replicas (all of this version, or those with the given keys), decoded."""
        wanted = None if keys is None else set(keys)
        digests: Sequence[str | None] = [None] if wanted is None else sorted({d for d, _ in wanted})
        for start in range(0, len(digests), 500):  # SQLite's bound-parameter limit
            chunk = digests[start:start + 500]
            where: list[str] = []
            args: list[str | None] = []
            if version != "all":
                where.append("version = ?")
                args.append(version or self.version)
            if wanted is not None:
                where.append(f"digest IN ({', '.join('?' * len(chunk))})")
                args.extend(chunk)
            query = ("SELECT digest, replica, version, seed, diverged_round, wall_seconds, columns, n_rows, "
                     "records, final_x FROM results" + (" WHERE " + " AND ".join(where) if where else "")
                     + " ORDER BY digest, replica, version")
            for d, rep, ver, seed, div, wall, cols, n_rows, rec, fx in self._conn.execute(query, args):
                if wanted is not None and (d, rep) not in wanted:
                    continue
                columns = tuple(json.loads(cols))
                yield StoredRow(d, int(rep), ver, int(seed), int(div), float(wall), columns,
                                _f64(rec, (n_rows, len(columns))), _f64(fx, (-1,)))


@dataclass(frozen=True)
class StoredRow:
    """A stored replica read back: its key, its float64 records and its last iterate."""

    digest: str
    replica: int
    version: str
    seed: int
    diverged_round: int
    wall_seconds: float
    columns: tuple[str, ...]
    records: np.ndarray
    final_x: np.ndarray
