"""Theorem mode: the record's prescriptions hyper(T) at the smallest horizon T that meets the target,
found by doubling then bisection (never a horizon computed from the claimed T(eps))."""
import numpy as np
import pytest

import theory
from sims.verify import suite
from sims.verify.checks import Verdict
from sims.verify.rate_theorem import lhs_at_horizon, smallest_horizon
from sims.verify.suite_rate import MethodRate

SGD = theory.get("sgd.nc")
EPS = 0.3


@pytest.fixture(scope="module")
def setting():
    s = MethodRate("plateau", {"name": "br_csgd"}, ()).setting(seeds=2)
    return s.replace(problem={**s.problem, "eps": EPS})


def test_the_found_horizon_meets_the_target_and_a_shorter_one_does_not(setting):
    T = smallest_horizon(SGD, setting, "none", EPS, rtol=0.05)
    assert np.all(np.isfinite(T))
    seeds = np.arange(setting.seeds)
    assert np.all(lhs_at_horizon(SGD, setting, "none", T.astype(int), seeds) <= EPS**2)
    shorter = np.floor(0.9 * T).astype(int)
    assert np.all(lhs_at_horizon(SGD, setting, "none", shorter, seeds) > EPS**2)


def test_a_seed_at_its_horizon_does_not_depend_on_its_batch(setting):
    alone = lhs_at_horizon(SGD, setting, "none", [500], [1])
    together = lhs_at_horizon(SGD, setting, "none", [300, 500, 900], [0, 1, 1])
    assert alone[0] == together[1]


def test_a_target_out_of_reach_costs_inf(setting):
    assert np.all(np.isinf(smallest_horizon(SGD, setting, "none", 1e-3, max_rounds=64)))


@pytest.mark.slow
def test_sgd_in_theorem_mode_is_eps_minus_4_and_refutes_eps_minus_3():
    (item,) = [it for it in suite.items(quick=True) if it.name.startswith("sgd.nc rate in theorem mode")]
    own, eps3 = item.run()
    assert own.verdict == Verdict.PASS == own.expected and eps3.verdict == Verdict.FAIL == eps3.expected
    assert own.extra["mode"] == "theorem" and abs(own.measured + 4) <= 0.3


def test_a_first_horizon_below_one_is_refused_by_name(setting):
    from sims.errors import ConfigError

    with pytest.raises(ConfigError, match=r"T0 = 0: the first horizon"):
        smallest_horizon(SGD, setting, "none", EPS, T0=0)
