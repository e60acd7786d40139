"""Checks of any record at a user's setting (``byzcomp verify NAME --at FILE.toml``) and at each
record's shipped example (``examples/<algorithm>.toml``): the bound check with the record's own
prescribed hyper-parameters (power matrix included), or, for records whose absolute constants are
unknown (a named constant not read from the paper), the implied value of each named constant that
enters the bound (reported, never a PASS; vacuous ones say so, and where all are vacuous their implied
common factor is added).  A RECON / UNVERIFIED statement without named constants is reported with its
slack (INFO) where it holds; a FAIL stays a FAIL."""
from __future__ import annotations

import tomllib
from pathlib import Path

import theory

from .bound import bound_check, lhs_rounds, measure
from .checks import Check, Verdict
from .claims import BoundClaim
from .implied import implied_constant
from .items import Item
from .power import provenance
from .runner import QUICK_ATTACKS, Setting, per_replica, run_variants
from .stats import upper_confidence
from theory.theorem import ConstantError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def setting_from_toml(path: str | Path, quick: bool = True) -> Setting:
    """A :class:`Setting` from an experiment TOML (problem, algorithm, aggregator, compressor,
    workers, run); the attack of the file plus the quick attacks are tried, the worst kept."""
    path = Path(path)
    try:
        cfg = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SystemExit(f"error: --at {path}: {e}")
    for key in ("problem", "algorithm"):
        if key not in cfg:
            raise SystemExit(f"error: --at {path}: missing [{key}] table (needs problem and algorithm)")
    workers, run = cfg.get("workers", {}), cfg.get("run", {})
    attack = cfg.get("attack", {}).get("name", "none")
    attacks = tuple(dict.fromkeys([a for a in (attack, *QUICK_ATTACKS) if a != "none"])) or QUICK_ATTACKS
    T = int(run.get("T", 200))
    return Setting(path.stem, dict(cfg["problem"]), dict(cfg["algorithm"]),
                   aggregator=dict(cfg.get("aggregator", {"name": "cwtm"})),
                   compressor=dict(cfg.get("compressor", {"name": "identity"})),
                   n=int(workers.get("n", 10)), f=int(workers.get("f", 0)),
                   T=min(T, 300) if quick else T, seeds=min(int(run.get("seeds", 4)), 4) if quick else int(run.get("seeds", 8)),
                   attacks=attacks[:2] if quick else attacks, seed=int(run.get("seed", 0)))


def _unknown_constants(th) -> list[str]:
    """Named constants whose value is not the paper's (provenance RECON / UNVERIFIED)."""
    return [c.name for c in th.constants if c.provenance.value in ("RECON", "UNVERIFIED")]


def _in_bound(th, name: str) -> bool:
    """Whether constant ``name`` enters the bound at a fixed step (a constant of the prescribed
    step only cannot be implied from one run's bound: the power matrix's step rerun tests it)."""
    return name in {s.name for s in th.bound.free_symbols}


def record_checks(th, setting: Setting) -> list[Check]:
    """The bound check of ``th`` at ``setting``; implied constants where its constants are unknown."""
    claim = BoundClaim(th)
    try:
        m = measure(claim, setting)
    except ConstantError as e:
        return [_not_evaluable(th, setting, str(e))]
    unknown = _unknown_constants(th)
    if not unknown:
        check = bound_check(claim, setting, measured=m)
        if th.weakest_provenance.value in ("RECON", "UNVERIFIED") and check.verdict == Verdict.PASS:
            # a reconstructed statement is reported with its slack, never a PASS (a FAIL stays: data above it)
            return [_info(check, label=f"[{th.weakest_provenance.value} statement: reported, not a PASS]")]
        return [check]
    step_only = [name for name in unknown if not _in_bound(th, name)]
    in_bound = [name for name in unknown if name not in step_only]
    if not in_bound:  # the unknown constants shape the prescribed step only: the bound at that step
        return [_info(bound_check(claim, setting, measured=m), step_only,
                      label=f"[step constant {', '.join(step_only)} at its default: reported, not a verdict]")]
    declared, hyper, per_attack = m
    worst = max(per_attack, key=lambda a: per_attack[a]["ucb"])
    runs = [{"constants": declared, "T": setting.T, "hyper": hyper, "measured": per_attack[worst]["ucb"],
             "label": f"{setting.label}, {worst}"}]
    out = [_info(implied_constant(claim, name, runs, target="bound", setting=setting.label), step_only)
           for name in in_bound]
    if len(in_bound) > 1 and all("vacuous" in c.details for c in out):
        # each term alone covers the runs: the implied common factor of all of them is still informative
        out.append(_info(implied_constant(claim, tuple(in_bound), runs, target="bound", setting=setting.label),
                         step_only))
    return out


def _not_evaluable(th, setting: Setting, why: str) -> Check:
    """The record needs inputs the setting does not declare: the measured left-hand side (run with
    the file's own hyper-parameters) is reported, no verdict on the record."""
    metric, rounds, how = lhs_rounds(th, setting.T)
    ucb = max(upper_confidence(per_replica(run_variants(setting, a, [{}]), metric, rounds, how), 0.95)
              for a in setting.attack_list)
    needs = why.split("needs ", 1)[-1].split(";")[0]
    return Check(theorem=th.key, check="lhs", setting=setting.label,
                 claim=f"not evaluable here: the record needs {needs}", measured=ucb, theory=float("nan"),
                 slack=float("nan"), verdict=Verdict.INFO, details={"why": why},
                 extra={"provenance": provenance(th)})


def _info(check: Check, step_only: list[str] | None = None, label: str = "[unknown constant: implied value]") -> Check:
    from dataclasses import replace

    details = {**check.details, **({"step_constants": step_only} if step_only else {})}
    return replace(check, verdict=Verdict.INFO, claim=f"{check.claim} {label}",
                   details=details, extra={**check.extra, "provenance": provenance(theory.get(check.theorem))})


def not_simulated(name: str) -> str | None:
    """The message for a name whose records are all records only (``Theorem.simulated`` False: sims
    has no implementation of the method, e.g. BR-MVR of Table 2 of Byz-VR-MARINA); None otherwise."""
    if any(th.simulated for th in theory.resolve(name)):
        return None
    return f"{name} is not simulated by byzcomp (record only)"


def at_item(name: str, path: str | Path | None, quick: bool) -> Item:
    """An item checking every simulated record of ``name`` at the TOML ``path`` (default: the
    record's shipped example); a name with records only is refused by name."""
    why = not_simulated(name)
    if why is not None:
        raise SystemExit(f"error: {why}")
    ths = [th for th in theory.resolve(name) if th.simulated]

    def run():
        out = []
        for th in ths:
            p = Path(path) if path is not None else EXAMPLES / f"{th.algorithm}.toml"
            if not p.exists():
                raise SystemExit(f"error: {th.key}: no example {p}; pass --at FILE.toml")
            s = setting_from_toml(p, quick)
            out += record_checks(th, s)
        return out

    return Item(f"{name} at {Path(path).name if path else 'its example'}", tuple(th.key for th in ths), run)
