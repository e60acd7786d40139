"""``byzcomp figs [NAME ...] [--small] [--list] [--out DIR | --in-place]``: regenerate the paper figures.

The scripts are those of the clone's ``paper_figs/``; the figures go to ``out/figs/`` (``--out``)
unless ``--in-place`` writes them next to the scripts.

Each ``paper_figs/<name>.py`` is one figure.  Its module docstring is the caption (what the figure
shows); it defines

* ``REQUIRES``: ``{kind: [registry names]}`` of the components it needs;
* ``sweeps(small: bool) -> {label: Sweep}``: the experiments, from scratch (``small`` = seconds-sized
  versions for the tests);
* ``draw(data: {label: FigureData}, small: bool) -> matplotlib Figure``;

and ends with ``if __name__ == "__main__": figure_main(__file__)``.  :func:`make` runs the sweeps
through the store (what is stored is not recomputed), draws, writes ``<name>.png`` and ``<name>.pdf``
(``<name>_small.*`` in small mode) and ``<name>.caption.md``: the caption, then each sweep as TOML.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType

from .sweep import add_execution_options

FIGS_DIR = Path(__file__).resolve().parents[2] / "paper_figs"
DEFAULT_OUT = "out/figs"


def discover(directory: Path = FIGS_DIR) -> dict[str, Path]:
    """``{name: path}`` of the figure scripts (``*.py`` not starting with an underscore), sorted."""
    return {p.stem: p for p in sorted(directory.glob("*.py")) if not p.name.startswith("_")}


def load_script(path: str | Path) -> ModuleType:
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"paper_figs.{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not a Python script")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def missing_components(module: ModuleType) -> list[str]:
    """The ``kind:name`` entries of ``module.REQUIRES`` that are not registered."""
    from .. import registry

    return [f"{kind}:{name}" for kind, names in getattr(module, "REQUIRES", {}).items()
            for name in names if name not in registry.names(kind)]


@dataclass
class FigureData:
    """A sweep and its stored results, loaded on first use."""

    sweep: object
    store: object

    @cached_property
    def summary(self):
        return self.sweep.load(self.store)

    @cached_property
    def records(self):
        return self.sweep.load(self.store, records=True)

    @cached_property
    def constants(self):
        """The summary with the declared constants of every point (``const.kappa``, ...)."""
        from ..results import load

        return load(self.store, sweep=self.sweep, constants=True)


def make(script: str | Path | ModuleType, small: bool = False, store=None, out: str | Path | None = None,
         executor="local", workers: int | None = None, batch_size: int = 64, progress: bool = True) -> list[Path]:
    """Run one figure's sweeps, draw it, write the PNG, the PDF and the caption; returns the paths."""
    from ..errors import ConfigError
    from ..plots import save
    from ..store import Store

    module = script if isinstance(script, ModuleType) else load_script(script)
    if module.__file__ is None:
        raise ConfigError("figure", module.__name__, "must be a script file (its name and folder name the output)")
    script_file = Path(module.__file__)
    name = script_file.stem
    missing = missing_components(module)
    if missing:
        raise ConfigError(f"figure {name}", ", ".join(missing), "needs these registered components")
    store = Store.open(store)
    sweeps = module.sweeps(small)
    for label, sweep in sweeps.items():
        sweep.run(store, executor=executor, workers=workers, batch_size=batch_size, progress=progress)
    fig = module.draw({label: FigureData(sweep, store) for label, sweep in sweeps.items()}, small)
    out = Path(out) if out is not None else script_file.parent
    out.mkdir(parents=True, exist_ok=True)
    stem = out / (f"{name}_small" if small else name)
    paths = save(fig, stem)
    caption = stem.parent / f"{stem.name}.caption.md"
    caption.write_text(caption_text(module, name, sweeps, small))
    return paths + [caption]


def caption_text(module: ModuleType, name: str, sweeps: dict, small: bool) -> str:
    doc = (module.__doc__ or "").strip()
    parts = [f"# {name}{' (small)' if small else ''}", "", doc, "",
             f"Regenerate: `byzcomp figs {name}{' --small' if small else ''}` "
             f"(or `python paper_figs/{name}.py`).", "", "## Configuration", ""]
    for label, sweep in sweeps.items():
        parts += [f"### sweep `{label}`", "", "```toml", sweep.to_toml().strip(), "```", ""]
    return "\n".join(parts)


def register(sub) -> None:
    p = sub.add_parser("figs", help="regenerate the figures of paper_figs/ through the sweep store")
    p.add_argument("names", nargs="*", help="figure names (default: all)")
    p.add_argument("--small", action="store_true", help="seconds-sized versions (used by the tests)")
    p.add_argument("--out", default=None, help=f"output directory (default: {DEFAULT_OUT}/)")
    p.add_argument("--in-place", action="store_true", help="write into the clone's paper_figs/ (next to the scripts)")
    p.add_argument("--list", action="store_true", help="list the figures and their missing components")
    add_execution_options(p)
    p.set_defaults(func=main)


def main(args) -> int:
    scripts = discover() if FIGS_DIR.is_dir() else {}
    if not scripts:
        print(f"no figure scripts: {FIGS_DIR} is missing (an installed wheel ships no paper_figs/; "
              "run byzcomp figs from a clone of the repository)", file=sys.stderr)
        return 1
    unknown = [n for n in args.names if n not in scripts]
    if unknown:
        from ..errors import ConfigError

        raise ConfigError("figs", unknown[0], "must be one of " + ", ".join(scripts))
    names = args.names or list(scripts)
    if args.list:
        for n in names:
            missing = missing_components(load_script(scripts[n]))
            print(f"{n:28s} {'ready' if not missing else 'needs ' + ', '.join(missing)}")
        return 0
    from ..sweep import SweepFailed

    failed = 0
    for n in names:
        start = time.perf_counter()
        try:
            out = None if args.in_place else (args.out or DEFAULT_OUT)
            paths = make(scripts[n], small=args.small, store=args.store, out=out, executor=args.executor,
                         workers=args.workers, batch_size=args.batch_size, progress=not args.no_progress)
        except SweepFailed as exc:
            print(f"{n}: {exc.report}", file=sys.stderr)
            failed += 1
            continue
        print(f"{n}: wrote {', '.join(str(p) for p in paths)} ({time.perf_counter() - start:.1f}s)")
    return 1 if failed else 0


def figure_main(script_file: str, argv: list[str] | None = None) -> int:
    """``python paper_figs/<name>.py [--small] [--store ...]``: the same as ``byzcomp figs <name>``."""
    p = argparse.ArgumentParser(prog=Path(script_file).name)
    p.add_argument("--small", action="store_true")
    p.add_argument("--out", default=None)
    add_execution_options(p)
    args = p.parse_args(argv)
    paths = make(script_file, small=args.small, store=args.store, out=args.out, executor=args.executor,
                 workers=args.workers, batch_size=args.batch_size, progress=not args.no_progress)
    print("wrote " + ", ".join(map(str, paths)))
    return 0

