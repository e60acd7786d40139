"""Claim-free rate measurement on the plateau: upper-bound verdicts, claim independence, and a
false claim refuted.  A small instance (3 eps values, short runs) keeps this fast."""
import numpy as np
import pytest

from sims.verify.checks import Verdict
from sims.verify.rate_attain import attain, grid, measure_complexity
from sims.verify.rate_verdict import method_rate_check, upper_bound_verdict
from sims.verify.runner import Setting

PL = {"name": "plateau", "d": 16, "L": 1.0, "delta": 0.25, "sigma": 4.0}
EPS = (0.2, 0.25, 0.3)


@pytest.fixture(scope="module")
def sgd_data():
    s = Setting("plateau", PL, {"name": "br_csgd"}, aggregator={"name": "mean"}, n=3, f=0, seeds=4)
    return measure_complexity(s, "none", grid(lr=tuple(2.0**-k for k in range(3, 10))), EPS, 20_000)


def test_upper_bound_verdict_logic():
    assert upper_bound_verdict(-4.0, -4.2, -3.8, -3.0, 0.3) == (Verdict.FAIL, False)  # steeper: refuted
    assert upper_bound_verdict(-3.0, -3.2, -2.8, -4.0, 0.3) == (Verdict.PASS, False)  # flatter: consistent, loose
    assert upper_bound_verdict(-3.1, -3.4, -2.8, -3.0, 0.3) == (Verdict.PASS, True)
    assert upper_bound_verdict(float("nan"), -np.inf, np.inf, -3.0, 0.3)[0] == Verdict.FAIL


def test_sgd_on_the_plateau_refutes_a_false_eps_minus_2_claim(sgd_data):
    true = method_rate_check("sgd.nc", "eps^-4", -4.0, sgd_data, "plateau", "br_csgd", "s")
    false = method_rate_check("sgd.nc", "eps^-2", -2.0, sgd_data, "plateau", "br_csgd", "s")
    assert true.verdict == Verdict.PASS and false.verdict == Verdict.FAIL
    assert true.measured < -3.0
    for key in ("instance", "algorithm", "mode", "measured", "interval", "claim_exponent", "verdict", "cost_unit"):
        assert key in true.extra


def test_swapping_the_claim_leaves_the_measurement_bit_identical(sgd_data):
    a = method_rate_check("sgd.nc", "eps^-4", -4.0, sgd_data, "plateau", "br_csgd", "s")
    b = method_rate_check("sgd.nc", "eps^-3", -3.0, sgd_data, "plateau", "br_csgd", "s")
    assert a.measured == b.measured and a.interval == b.interval and a.details["rows"] == b.details["rows"]


def test_suite_measurement_is_claim_free(monkeypatch):
    """plateau_checks measures once whatever the claims: two claim lists give the same measurement."""
    from sims.verify import suite_rate

    m = suite_rate.MethodRate("p", {"name": "br_csgd"}, grid(lr=(2.0**-5, 2.0**-7)))
    monkeypatch.setattr(suite_rate, "PLATEAU_EPS", {True: (0.25, 0.3), False: (0.25, 0.3)})
    monkeypatch.setattr(suite_rate, "PLATEAU", PL)
    one = suite_rate.plateau_checks("sgd.nc", m, [("a", -4.0, Verdict.PASS)], True)[0]
    two = suite_rate.plateau_checks("sgd.nc", m, [("b", -2.0, Verdict.FAIL)], True)[0]
    assert one.measured == two.measured and one.details["rows"] == two.details["rows"]
    assert np.isfinite(one.measured)


def test_attainment_counts_oracle_calls_and_a_replica_ignores_its_batch():
    s = Setting("plateau", {**PL, "eps": 0.3}, {"name": "byz_vr_dm21", "eta": 0.01}, aggregator={"name": "mean"},
                n=3, f=0, seeds=2)
    both = attain(s, "none", grid(lr=(0.25, 0.125)), 0.3, 5000)
    alone = attain(s, "none", grid(lr=(0.25,)), 0.3, 5000)
    r = both.costs["rounds"][0]
    done = np.isfinite(r)  # the batch may stop early once the minimum is settled (exact early stop)
    assert done.any() and np.array_equal(r[done], alone.costs["rounds"][0][done])
    assert np.isfinite(both.best_costs()).all()
    # two oracle calls per round (same-sample pair of STORM), plus the dense start
    assert np.all(both.costs["oracle_calls"] >= 2 * both.costs["rounds"] - 2)
