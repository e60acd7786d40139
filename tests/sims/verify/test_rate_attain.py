"""The pruned, compacted attainment run equals the plain engine run to the end: same minimising
variant, same per-seed costs in every unit (f > 0: cwtm, ALIE and Top-K in the loop)."""
import numpy as np
import pytest

from sims.verify.rate_attain import attain, grid
from sims.verify.runner import Setting, run_variants

EPS = 0.3
SETTING = Setting("plateau", {"name": "plateau", "d": 16, "L": 1.0, "delta": 0.25, "sigma": 4.0, "eps": EPS},
                  {"name": "byz_vr_dm21"}, aggregator={"name": "cwtm"}, compressor={"name": "topk", "k": 8},
                  n=5, f=1, seeds=3)
VARIANTS = grid(lr=(1.0, 0.25, 2.0**-4, 2.0**-6), eta=(0.1, 0.01))
T = 3000


@pytest.fixture(scope="module")
def want() -> dict:
    """First round of the running-average criterion from the engine's per-round records, [V, S] per unit."""
    rec = run_variants(SETTING, "alie", VARIANTS, T=T).records.sort_values(["replica", "round"])
    out = {u: np.full(len(VARIANTS) * SETTING.seeds, np.inf) for u in ("rounds", "oracle_calls", "bits")}
    for r, g in rec.groupby("replica"):
        avg = np.cumsum(g["grad_sq"].to_numpy()) / np.arange(1, len(g) + 1)
        hits = np.flatnonzero(avg <= EPS**2)
        for unit, col in (("rounds", "round"), ("oracle_calls", "grad_evals"), ("bits", "bits_up")):
            if hits.size:
                out[unit][r] = g[col].to_numpy()[hits[0]]
    return {u: c.reshape(len(VARIANTS), SETTING.seeds) for u, c in out.items()}


@pytest.mark.parametrize("first", [(), (3,)])
def test_pruned_attainment_equals_the_full_run(want, first):
    got = attain(SETTING, "alie", VARIANTS, EPS, T, first=first)
    best = int(np.argmin(want["rounds"].mean(axis=1)))
    assert np.isfinite(want["rounds"][best]).all()
    assert got.best == best
    for unit in want:
        np.testing.assert_array_equal(got.best_costs(unit), want[unit][best])
    # every cost it did settle is the true one (pruned replicas stay +inf)
    seen = np.isfinite(got.costs["rounds"])
    np.testing.assert_array_equal(got.costs["rounds"][seen], want["rounds"][seen])
    assert not seen.all()  # something was pruned
    assert len({float(c) for c in want["rounds"].mean(axis=1)}) > 2  # the variants differ
