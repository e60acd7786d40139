"""PEP cross-check: every encoded bound that specialises to GD / heavy ball / inexact GD (no Byzantine
workers, no compression) is >= the exact worst case over L-smooth functions; a deliberately wrong
bound is caught."""
from __future__ import annotations

import importlib.util

import pytest
import sympy as sp

from theory import registry
from theory.pep import SPECIALISATIONS, check_theorem, with_bound, worst_case, worst_case_pepit
from theory.symbols import G_het, B_het, L, T, Delta0, kappa

Ts = (1, 2, 4)


@pytest.mark.parametrize("T_", [1, 2, 5])
def test_gd_worst_case_is_two_L_Delta_over_T(T_):
    """Descent lemma bound 2 L Delta0/T is attained (f = L x^2/2 reaches 0 in one step)."""
    assert worst_case("gd", T_, gamma=1.0).value == pytest.approx(2 / T_, rel=1e-5)
    assert worst_case("gd", T_, gamma=1.0, average="all").value == pytest.approx(2 / (T_ + 1), rel=1e-5)
    assert worst_case("gd", T_, gamma=0.5, L=2.0, Delta0=3.0).value == pytest.approx(12 / T_, rel=1e-5)


@pytest.mark.parametrize("key", list(SPECIALISATIONS))
def test_encoded_bounds_dominate_the_pep_worst_case(key):
    checks = check_theorem(key, Ts)
    assert all(c.ok for c in checks), [(c.T, c.bound, c.worst_case) for c in checks]


def test_wrong_bound_is_caught():
    """Twin: half of the Robust D-GD bound, or its floor without 1/(1 - kappa B^2), is below the worst case."""
    th = registry.get("robust_dgd.nc")
    half = with_bound(th, (kappa * G_het**2 + L * Delta0 / T) / (1 - kappa * B_het**2))
    no_den = with_bound(th, kappa * G_het**2 + 2 * L * Delta0 / T)
    spec = SPECIALISATIONS["robust_dgd.nc"]
    assert not all(c.ok for c in check_theorem(half, Ts, spec=spec))
    assert not all(c.ok for c in check_theorem(no_den, Ts, spec=spec))
    sgd = registry.get("sgd.nc")
    assert not all(c.ok for c in check_theorem(with_bound(sgd, sp.Rational(9, 10) * sgd.bound), Ts, spec=SPECIALISATIONS["sgd.nc"]))


def test_spec_placeholder_constants_are_caught():
    """The spec's placeholders C_s2 = 1 (Robust D-SHB) and c2 = 1 (RoSDHB) make the bounds false; the
    records' defaults (48 and 46400, see their docstrings) do not."""
    assert not all(c.ok for c in check_theorem("robust_dshb.nc", Ts, constants={"C_s2": 1.0}))
    assert not all(c.ok for c in check_theorem("rosdhb.nc", (1,), constants={"c2": 1.0}))


def test_inexact_gd_worst_case_grows_with_the_error():
    a = worst_case("inexact_gd", 3, gamma=1.0, rel2=0.0, abs2=0.0).value
    b = worst_case("inexact_gd", 3, gamma=1.0, rel2=0.2, abs2=0.1).value
    assert a == pytest.approx(2 / 3, rel=1e-5) and b > a


@pytest.mark.skipif(importlib.util.find_spec("PEPit") is None, reason="PEPit not installed (optional)")
def test_direct_sdp_agrees_with_pepit():
    for T_ in (1, 3):
        ours = worst_case("gd", T_, gamma=1.0, lower_points=False).value
        assert worst_case_pepit(T_, 1.0) == pytest.approx(ours, rel=1e-4)
