"""Plugins: modules of your own that ``@register`` components, loaded by name wherever runs happen.

A plugin is an importable module (``mypkg.components``) or a Python file (``./components.py``)
whose import registers components with :func:`sims.registry.register`.  Plugins are loaded

* from the ``byzcomp.plugins`` entry-point group of every installed distribution (once, on the
  first registry lookup), e.g. in your ``pyproject.toml``::

      [project.entry-points."byzcomp.plugins"]
      mypkg = "mypkg.components"

* from ``--plugin MODULE`` on the command line (``run``, ``sweep``, ``results``, ``list``, ``figs``);
* from ``plugins = ["mypkg.components"]`` at the top of an experiment config or a sweep's ``[base]``.

Sweep workers (local processes, Dask) load the same plugins before they unpickle a task
(:class:`WithPlugins`).  A plugin's source is part of the code fingerprint of stored results
(:func:`code_fingerprint`): edit it and the next sweep recomputes.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import pickle
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import ConfigError

ENTRY_POINT_GROUP = "byzcomp.plugins"
PACKAGES = ("sims", "theory")  # the code whose sources are fingerprinted

#: plugin name (as given) -> the imported module's name, in load order
_LOADED: dict[str, str] = {}
_ENTRY_POINTS_LOADED = False


def _import(name: str, field: str) -> str:
    """Import one plugin (a dotted module name or a ``.py`` path); returns the module's name."""
    if name.endswith(".py") or os.sep in name:
        path = Path(name).resolve()
        if not path.is_file():
            raise ConfigError(field, name, "is not a Python file (a plugin is a module name or a .py path)")
        folder = str(path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # importable by its stem, also when a worker unpickles its classes
        module_name = path.stem
    else:
        module_name = name
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.append(os.getcwd())  # `byzcomp` (a console script) does not put the cwd on the path
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ConfigError(field, name, f"cannot be imported: no module named {exc.name!r}") from None
        raise
    return module_name


def load(names: Iterable[str] = (), field: str = "plugins") -> list[str]:
    """Import the plugins ``names`` (once each) and the entry-point plugins; returns the module names."""
    load_entry_points()
    out = []
    for name in names:
        if not isinstance(name, str) or not name:
            raise ConfigError(field, name, "must be a list of module names or .py paths")
        if name.endswith(".py") or os.sep in name:
            name = str(Path(name).resolve())  # the same file from any working directory
        if name not in _LOADED:
            _LOADED[name] = _import(name, field)
        out.append(_LOADED[name])
    return out


def load_entry_points() -> None:
    """Import every module of the ``byzcomp.plugins`` entry-point group (once per process)."""
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        _LOADED.setdefault(f"entry-point:{ep.name}", ep.load().__name__)


def loaded() -> list[str]:
    """Names of the loaded plugin modules, in load order."""
    return list(dict.fromkeys(_LOADED.values()))


def add_option(parser) -> None:
    """``--plugin MODULE`` (repeatable) on a command's parser; :func:`sims.cli.main` loads them."""
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import MODULE (or a .py file) first: it registers components of your own")


# --- the code fingerprint ------------------------------------------------------------------------
_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def _file_hash(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _FILE_HASHES:
        _FILE_HASHES[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _FILE_HASHES[key]


def module_files(module_name: str) -> list[Path]:
    """The source files of a module: its file, or every ``.py`` under a package's folder."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return []
    origin = Path(spec.origin)
    if spec.submodule_search_locations:  # a package: all its sources
        return sorted(p for p in origin.parent.rglob("*.py") if "__pycache__" not in p.parts)
    return [origin]


def code_fingerprint(modules: Iterable[str] | None = None) -> str:
    """sha256 (16 hex digits) over the sources of byzcomp's packages and of the loaded plugins.

    A stored result is reused only under the same fingerprint (:mod:`sims.store`), so editing any
    ``.py`` file of ``sims/`` or ``theory/`` (editable installs) or of a plugin recomputes."""
    names = list(PACKAGES) + (loaded() if modules is None else list(modules))
    h = hashlib.sha256()
    for name in names:
        for path in module_files(name):
            h.update(f"{name}:{path.name}:{_file_hash(path)}\n".encode())
    return h.hexdigest()[:16]


def file_fingerprint(path: str | Path) -> str:
    """sha256 of a data file's contents (part of the key of results computed from it)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("data file", str(path), "does not exist")
    return _file_hash(path.resolve())


# --- workers -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WithPlugins:
    """A task function that loads the caller's plugins in the worker before it unpickles the task
    (whose configs refer to plugin classes by module name) and runs ``fn`` on it."""

    fn: Callable
    plugins: tuple[str, ...]
    path: tuple[str, ...]

    def __call__(self, payload: bytes) -> Any:
        for folder in self.path:
            if folder not in sys.path:
                sys.path.append(folder)
        load(self.plugins)
        return self.fn(pickle.loads(payload))


def for_workers(fn: Callable, tasks) -> tuple[Callable, list]:
    """``fn`` and ``tasks`` as a worker process runs them: with this process's plugins loaded first."""
    wrapped = WithPlugins(fn, tuple(n for n in _LOADED if not n.startswith("entry-point:")), tuple(sys.path))
    return wrapped, [pickle.dumps(t) for t in tasks]
