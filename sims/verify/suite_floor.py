"""The RoSDHB floor under the record's own coupling (``rosdhb.nc``, ``rosdhb.nc_dk_floor``).

Both records state the floor ``c3 kappa G^2 / (1 - c_B kappa B^2)``, the second with an extra factor
d/k, for the prescribed step ``gamma = min(k/(c_gamma d L), ...)`` and ``beta = sqrt(1 - c_beta gamma L)``:
the step shrinks with k/d and the momentum weight follows it.  The runs use that prescription at every
grid point (:attr:`FloorSetting.prescribed`), with stochastic gradients (sigma > 0), a rule that is not
coordinate-wise (NNM then CWTM by default) and the scale-searched attacks ``opt_ipm`` / ``opt_alie``
(the scale maximises the aggregate's distance from the honest mean of the round's compressed
messages; the server's momenta are not in the attack's context).

* The time to stationarity is about ``1/(gamma mu) = c_gamma (d/k) L/mu`` rounds, so the problem is
  isotropic (mu = L) and starts near x*; the plateau is the last quarter of the rounds and its
  ``drift`` against the quarter before is reported (positive: still rising, a lower bound).
* At the record's c_gamma = 23200 that is 23,200 d/k rounds per 1/(gamma mu), so the suites run the
  record with c_gamma divided by ``QUICK_STEP_SCALE`` (a larger step than the record allows: the
  claim checked is named "c_gamma = 232") for ``T = 5 c_gamma d/k``, and the full suite adds the
  record's own c_gamma at d/k = 1, 2 for 2.5 c_gamma d/k rounds (:func:`record_step_setting`).
* Coordinated masks (``rosdhb``) are the records' setting: floor levels are PASS (consistent) /
  FAIL (refuted), implied c3 with its binding run.  Independent Rand-K masks (``robust_dshb`` with
  ``randk``, the same server-momentum update) lie outside the records' assumptions: INFO, with the
  finding beside it.  Slopes against d/k are INFO (a flat plateau refutes neither upper bound).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import theory

from .checks import Check, Verdict
from .claims import BoundClaim, FloorClaim
from .floor import FloorSetting, floor_check, floor_level_check, measure_floor
from .implied import implied_constant
from .items import Item, _size
from .runner import Setting

PASS, INFO = Verdict.PASS, Verdict.INFO

#: the quick suite's prescribed step uses c_gamma / QUICK_STEP_SCALE (the record's 23200 -> 232)
QUICK_STEP_SCALE = 100.0
#: honest heterogeneity, oracle noise, dimension, starting distance of the coupled experiment
G, SIGMA, D, X0_DIST = 1.0, 0.5, 8, 0.3
#: (algorithm, compressor) per mask kind
MASKS = {"coordinated": ("rosdhb", "coordinated_randk"), "independent": ("robust_dshb", "randk")}
DK_LABEL = r"$c_3\kappa (d/k) G^2$ (rosdhb.nc_dk_floor; B = 0 here)"
OUTSIDE = "independent Rand-K masks: the records assume one coordinated mask"


def rule(name: str) -> dict[str, Any]:
    """Aggregator config from "pre+...+agg", e.g. "nnm+cwtm" -> CWTM after NNM."""
    *pre, agg = name.split("+")
    return {"name": agg, **({"pre": [{"name": p} for p in pre]} if pre else {})}


def coupled_setting(masks: str, dks: Sequence[int], c_gamma: float, aggregator: str = "nnm+cwtm",
                    seeds: int = 3, attacks: Sequence[str] = ("opt_ipm", "mimic"), rounds_per: float = 5.0,
                    x0_dist: float = X0_DIST) -> FloorSetting:
    """RoSDHB's floor vs d/k at the prescription of ``rosdhb.nc`` with ``c_gamma``: grid point d/k runs
    ``rounds_per * c_gamma * d/k`` rounds (about that many times 1/(gamma mu)) from ``x0_dist`` off x*
    (large enough that the first term of the step's min binds: Delta0 >= rounds_per sigma^2 (kappa +
    1/(n-f)) / c_gamma)."""
    nc = theory.get("rosdhb.nc")
    default = next(c.default for c in nc.constants if c.name == "c_gamma")
    algorithm, compressor = MASKS[masks]
    scale = " (record's)" if c_gamma == default else f" (record's / {default / c_gamma:g})"
    label = f"quadratic mu=L d={D} sigma={SIGMA:g}, {aggregator}, {masks} masks, c_gamma={c_gamma:g}{scale}"
    base = Setting(label, {"name": "quadratic", "d": D, "L": 1.0, "mu": 1.0, "G": G, "sigma": SIGMA,
                           "x0_dist": x0_dist},
                   {"name": algorithm}, aggregator=rule(aggregator), n=10, f=2, seeds=seeds, attacks=tuple(attacks))
    points = [{"compressor": {"name": compressor, "k": D // dk}, "T": int(rounds_per * c_gamma * dk)} for dk in dks]
    return FloorSetting(base, "d/k", points, window=0.25, prescribed=BoundClaim(nc, named={"c_gamma": c_gamma}))


def coupled_checks(fs: FloorSetting, outside: str = "") -> list[Check]:
    """Slopes (INFO, one plot per record's floor), floor levels and implied c3 of both records on the
    runs of ``fs`` (INFO throughout when ``outside`` the records' assumptions)."""
    assert fs.prescribed is not None, "coupled_checks: the setting has no prescription"
    m = measure_floor(fs)
    named = dict(fs.prescribed.named)
    runs = [{"constants": r["constants"], "T": r["T"], "hyper": {}, "measured": max(r["plateau"]),
             "label": f"d/k={r['knob']:g}, {r['worst_attack']}, drift {r['drift']:+.3f}"} for r in m["rows"]]
    dk_floor = FloorClaim.of(theory.get("rosdhb.nc_dk_floor"), named)
    others = {"rosdhb.nc": {DK_LABEL: [dk_floor.floor(r["constants"]) for r in m["rows"]]}}  # both floors, one plot
    out = []
    for key in ("rosdhb.nc", "rosdhb.nc_dk_floor"):
        th = theory.get(key)
        claim = BoundClaim(th, named=named)
        implied = implied_constant(claim, "c3", runs, target="floor", setting=fs.base.label)
        if outside:
            implied = replace(implied, verdict=INFO, details={**implied.details, "outside": outside})
        slope = floor_check(FloorClaim.of(th, named), fs, measured=m)
        slope = replace(slope, details={**slope.details, "other_floors": others.get(key, {})})
        out += [slope.with_expected(INFO),
                floor_level_check(claim, fs, measured=m, outside=outside).with_expected(INFO if outside else PASS),
                implied.with_expected(INFO if outside else PASS)]
    return out


def record_step_setting(aggregator: str = "nnm+cwtm") -> FloorSetting:
    """The record's own c_gamma at d/k = 1, 2: 58,000 and 116,000 rounds (2.5 / (gamma mu)) from
    0.05 off x*, so the plateau is approached from below (a lower bound on the floor; ~5 min)."""
    nc = theory.get("rosdhb.nc")
    c_gamma = next(c.default for c in nc.constants if c.name == "c_gamma")
    return coupled_setting("coordinated", (1, 2), c_gamma, aggregator, 3, ("opt_ipm",), rounds_per=2.5,
                           x0_dist=0.05)


def rosdhb_floor(quick: bool, aggregator: str = "nnm+cwtm", record_step: bool | None = None,
                 independent: bool | None = None) -> Item:
    """The coupled experiment (quick: d/k = 1, 2, 4, ~18 s a mask layout on one core); ``record_step``
    (default: the full suite with the default rule) adds :func:`record_step_setting`; ``independent``
    (default: the full suite) adds the independent-mask runs, INFO (outside the records), which the
    quick suite leaves out to stay near 2 minutes."""
    nc = theory.get("rosdhb.nc")
    c_gamma = next(c.default for c in nc.constants if c.name == "c_gamma")
    dks = _size(quick, (1, 2, 4), (1, 2, 4, 8))
    attacks = _size(quick, ("opt_ipm", "mimic"), ("opt_ipm", "opt_alie", "mimic", "sign_flip"))
    seeds = _size(quick, 3, 6)
    if record_step is None:
        record_step = not quick and aggregator == "nnm+cwtm"
    if independent is None:
        independent = not quick

    def run():
        scaled = c_gamma / QUICK_STEP_SCALE
        out = coupled_checks(coupled_setting("coordinated", dks, scaled, aggregator, seeds, attacks))
        if independent:
            out += coupled_checks(coupled_setting("independent", dks, scaled, aggregator, seeds, attacks), OUTSIDE)
        if record_step:
            out += coupled_checks(record_step_setting(aggregator))
        return out

    return Item(f"RoSDHB floor vs d/k at the record's coupling ({aggregator})", (nc.key, "rosdhb.nc_dk_floor"), run)
