"""Lower bounds and breakdown points, Krum's eta(n,f), the LAD dispersion identity."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theory.catalog.lad import lad_dispersion, lad_dispersion_enumerated
from theory.catalog.robust import eta_nf, krum_sin_alpha
from theory.lower_bounds import (
    LOWER_BOUNDS, breakdown_fraction, kappa_g2_floor, kappa_lower_bound, lower_bound,
)
from theory.symbols import G_het, B_het, f, n


@pytest.mark.parametrize("n_, f_", [(10, 2), (13, 4), (31, 3)])
def test_kappa_lower_bound_construction(n_, f_):
    """components §2.2: (n-f) zeros and f ones; any finite-kappa rule outputs 0, so kappa >= f/(n-2f)."""
    S2 = np.array([0.0] * (n_ - 2 * f_) + [1.0] * f_)
    mean, disp = S2.mean(), S2.var()
    assert mean**2 / disp == pytest.approx(kappa_lower_bound(n_, f_))
    assert kappa_lower_bound(n_, f_) == pytest.approx(float(LOWER_BOUNDS["kappa_lower"].expr.subs({n: n_, f: f_})))
    # spec [NUM]: CWTM attains 0.3333 at (10,2), 0.8 at (13,4), 0.12 at (31,3)
    assert round(kappa_lower_bound(n_, f_), 4) in (0.3333, 0.8, 0.12)


def test_kappa_claimed_too_small_is_caught():
    claimed = 0.2  # a rule claiming kappa = 0.2 at n = 10, f = 2
    assert claimed < kappa_lower_bound(10, 2)
    with pytest.raises(ValueError, match="n > 2f"):
        kappa_lower_bound(4, 2)


def test_gb_upper_and_lower_bounds_meet():
    """theorems §3.8: Robust D-GD's floor at kappa* = f/(n-2f) is f G^2/(n - (2 + B^2) f) (§3.7)."""
    assert sp.simplify(kappa_g2_floor() - f * G_het**2 / (n - (2 + B_het**2) * f)) == 0
    assert sp.simplify(kappa_g2_floor() - f * G_het**2 / (n - 2 * f)) != 0  # twin: B dropped
    # condition kappa* B^2 < 1  <=>  f/n < 1/(2 + B^2): the breakdown point
    for B in (0.0, 0.5, 1.0, 2.0):
        frac = breakdown_fraction(B)
        nn, ff = 1000, int(frac * 1000) - 1
        assert kappa_lower_bound(nn, ff) * B**2 < 1
    assert breakdown_fraction(0.0) == 0.5 and breakdown_fraction(1.0) == pytest.approx(1 / 3)


def test_oracle_lower_bound_exponents_and_lookup():
    assert lower_bound("arjevani_bv").exponent == -4
    assert lower_bound("arjevani_mss").exponent == -3
    assert lower_bound("gb_floor").exponent is None
    with pytest.raises(KeyError, match="allowed"):
        lower_bound("nope")


def test_krum_eta_values_and_condition():
    # theorems §5: n = 20
    expected = {1: 6.51, 3: 8.09, 5: 11.57, 6: 14.42, 7: 18.93, 8: 28.43}
    for f_, v in expected.items():
        assert eta_nf(20, f_) == pytest.approx(v, abs=5e-3)
    with pytest.raises(ValueError, match="2f \\+ 2 < n"):
        eta_nf(20, 9)  # the paper's 45 % experiment is outside its own condition
    assert krum_sin_alpha(20, 1, 100, 0.01, 10.0) == pytest.approx(6.51 * 10 * 0.01 / 10, rel=1e-3)


@pytest.mark.parametrize("N, s", [(6, 1), (6, 2), (6, 3), (6, 6), (7, 4)])
def test_lad_dispersion_identity_is_exact(N, s):
    rng = np.random.default_rng(N * 10 + s)
    g = rng.normal(size=(N, 3))
    beta2 = float(np.mean(np.sum((g - g.mean(0)) ** 2, axis=1)))
    assert lad_dispersion_enumerated(g, s) == pytest.approx(lad_dispersion(beta2, N, s), rel=1e-12)
    assert lad_dispersion_enumerated(g, s) != pytest.approx(beta2 / s) or s in (1, N) or N == 1  # twin: not beta^2/s
