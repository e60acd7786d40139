"""Seed records the bound / floor items of :mod:`.suite` do not cover, each at a setting where one of
its terms binds: the record's shipped example (``examples/<algorithm>.toml``) with the problem
changed so that the measured left-hand side is not covered by the transient alone.

* the error-feedback and momentum records (Byz-EF21, -BC, Byz-DM21, Byz-VR-DM21, Byz-EF21-SGDM,
  Byz-DASHA-PAGE): a heterogeneous quadratic (zeta^2 = G^2 = 4, B = 0) started at distance 0.1 from
  x*, so Delta0 is small and the plateau (the attack's bias) dominates the left-hand side: the floor's
  constant is implied by the data instead of covered by the transient; sigma = 0 for the momentum
  records (their eta sigma^2 terms would cover any run otherwise);
* Krum: started far outside the flat region (the proposition's condition ``eta(n,f) sqrt(d) sigma <
  ||grad f(x^0)||`` holds), the region measured over the last quarter of the rounds;
* LAD / Com-LAD, Byz-VR-MARINA Thm 2.2 (derived and printed) and its camera-ready version,
  Byz-VR-MARINA-PP Thm 4.1 / 4.2 (non-convex and PL): their examples (the LAD
  constants at x* from :func:`sims.constants.lad_constants`; PP's pG, P_C from C, C_hat).

Records with unknown constants (RECON / UNVERIFIED) report implied constants (INFO, never a PASS);
the others a bound check (PASS) with its power matrix.
"""
from __future__ import annotations

from typing import Any, Mapping

import theory

from .at import EXAMPLES, record_checks, setting_from_toml
from .checks import Check, Verdict
from .items import Item, _size
from .runner import Setting

PASS, INFO = Verdict.PASS, Verdict.INFO

#: the heterogeneous quadratic started near x* (floor-binding)
NEAR_STAR = {"name": "quadratic", "d": 20, "L": 1.0, "mu": 0.1, "G": 2.0, "B": 0.0, "x0_dist": 0.1}

#: algorithm -> (problem overrides or a whole problem, setting overrides); None: the example as is
RECORD_SETTINGS: dict[str, tuple[Mapping[str, Any] | None, Mapping[str, Any]]] = {
    "byz_ef21": (NEAR_STAR, {}),
    "byz_ef21_bc": (NEAR_STAR, {}),
    "byz_dm21": ({**NEAR_STAR, "sigma": 0.0}, {}),
    "byz_vr_dm21": ({**NEAR_STAR, "sigma": 0.0}, {}),
    "byz_ef21_sgdm": ({**NEAR_STAR, "sigma": 0.0}, {}),
    "byz_dasha_page": ({**NEAR_STAR, "oracle": "finite_sum", "m": 16, "batch": 4}, {}),
    "krum_sgd": ({"name": "quadratic", "d": 10, "L": 1.0, "mu": 0.1, "G": 0.0, "B": 0.0, "sigma": 0.05,
                  "x0_dist": 100.0}, {"T": 300}),
    "lad": (None, {}),
    "com_lad": (None, {}),
    "byz_vr_marina": (None, {}),
    "byz_vr_marina_pp": (None, {"T": 100}),
}

#: records checked here (the suite's other items cover the rest of their algorithm's records)
RECORDS = ("byz_ef21.nc", "byz_ef21.pl", "byz_ef21_bc.nc", "byz_ef21_bc.pl", "byz_dm21.nc", "byz_dm21.pl",
           "byz_vr_dm21.nc", "byz_vr_dm21.pl", "byz_ef21_sgdm.nc", "byz_dasha_page.nc", "byz_dasha_page.pl",
           "krum_sgd.prop2", "lad.nc", "com_lad.nc", "byz_vr_marina.thm2_2", "byz_vr_marina.thm2_2_printed",
           "byz_vr_marina.camera_ready", "byz_vr_marina_pp.thm4_1", "byz_vr_marina_pp.thm4_1_pl",
           "byz_vr_marina_pp.thm4_2", "byz_vr_marina_pp.thm4_2_pl")


def record_setting(algorithm: str, quick: bool = True) -> Setting:
    """The example of ``algorithm`` with the overrides of :data:`RECORD_SETTINGS`."""
    problem, over = RECORD_SETTINGS[algorithm]
    s = setting_from_toml(EXAMPLES / f"{algorithm}.toml", quick=quick)
    label = s.label if problem is None else f"{s.label}, {_describe(problem)}"
    kw = {"seeds": _size(quick, 3, 8), **over}
    if problem is not None:
        kw["problem"] = dict(problem)
    return s.replace(label=label, **kw)


def _describe(problem: Mapping[str, Any]) -> str:
    keys = ("G", "B", "sigma", "x0_dist", "oracle")
    return f"{problem['name']} " + ", ".join(f"{k}={problem[k]}" for k in keys if k in problem)


def expected(th) -> Verdict:
    """INFO for records whose constants are unknown (implied constants), PASS for bound checks."""
    return INFO if any(c.provenance.value in ("RECON", "UNVERIFIED") for c in th.constants) else PASS


def record_item(algorithm: str, quick: bool = True) -> Item:
    """Every record of :data:`RECORDS` of ``algorithm`` at :func:`record_setting`."""
    ths = [theory.get(k) for k in RECORDS if theory.get(k).algorithm == algorithm]

    def run() -> list[Check]:
        s = record_setting(algorithm, quick)
        return [c.with_expected(expected(th)) for th in ths for c in record_checks(th, s)]

    return Item(f"{algorithm} records at a binding setting", tuple(th.key for th in ths), run)


def record_items(quick: bool = True) -> list[Item]:
    return [record_item(a, quick) for a in RECORD_SETTINGS]
