"""The rate items of the verification suites (``sims.verify.suite`` assembles them)."""
from __future__ import annotations

import theory

from .checks import Verdict
from .claims import exponent_claim, typed_exponent
from .items import Item, _size
from .rate import RateSetting, measure_rates, rate_check
from .runner import Setting

PASS, FAIL = Verdict.PASS, Verdict.FAIL


def rate_settings(quick: bool) -> dict[str, RateSetting]:
    seeds = _size(quick, 4, 12)
    zc = {"name": "zero_chain", "L": 1.0, "delta": 3000.0, "sigma": 3.0}
    common = dict(aggregator={"name": "mean"}, n=3, f=0, seeds=seeds)
    # Full grids stop where the slowest seed still traverses the chain within RateSetting.max_rounds
    # (2e5): Byz-DM21 needs ~1.03e5 rounds at eps = 0.042 and ~2.1e5 at 0.035, which would be censored.
    dm_grid = _size(quick, (0.05, 0.0595, 0.0707, 0.0841, 0.1), (0.042, 0.05, 0.0595, 0.0707, 0.0841, 0.1))
    vr_grid = _size(quick, (0.05, 0.0595, 0.0707, 0.0841, 0.1), (0.035, 0.042, 0.05, 0.0595, 0.0707, 0.0841, 0.1, 0.12))
    return {
        "byz_dm21.nc": RateSetting(Setting("zero chain, bounded variance", {**zc, "regime": "bounded_variance"},
                                           {"name": "byz_dm21"}, **common), dm_grid, horizon_scale=1e-5, attack="none"),
        "byz_vr_dm21.nc": RateSetting(Setting("zero chain, mean-squared smooth", {**zc, "regime": "mean_squared_smooth"},
                                              {"name": "byz_vr_dm21"}, **common), vr_grid, horizon_scale=1e-3,
                                      attack="none"),
        # SGD's rounds grow like sqrt(T_h) (gamma ~ 1/sqrt(T_h)): at 1e-3 eps = 0.0595 already needed
        # 2.4e5 rounds; 1e-5 brings eps = 0.042 to ~1e5.
        "sgd.nc": RateSetting(Setting("zero chain, bounded variance", {**zc, "regime": "bounded_variance"},
                                      {"name": "br_csgd"}, **common), dm_grid, horizon_scale=1e-5, attack="none"),
    }


def rate_item(key: str, quick: bool, wrong: float | None) -> Item:
    th = theory.get(key)
    rs = rate_settings(quick)[key]

    def run():
        data = measure_rates(th, rs)
        out = [rate_check(exponent_claim(th), rs, th, measured=data).with_expected(PASS)]
        if wrong is not None:
            out.append(rate_check(typed_exponent(wrong, th), rs, th, measured=data).with_expected(FAIL))
        return out

    return Item(f"{key} rate on the hard instance", (key,), run)
