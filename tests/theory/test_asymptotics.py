"""The asymptotic helpers against sympy limits and numbers (with must-fail twins)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theory.asymptotics import dominant_power, split_rate, upper_min
from theory.symbols import L, T, alpha, eps, n, omega, p, sigma

x = sp.Symbol("x", positive=True)


@pytest.mark.parametrize("expr, at", [
    (x**2 + 3 * x + sp.sqrt(x), sp.oo), (x**2 + 3 * x + sp.sqrt(x), 0), ((1 + x) ** sp.Rational(3, 2) / x, sp.oo),
    (1 - sp.sqrt(1 - x), 0), ((x + 1 / x) ** -2, 0), (sp.log(1 / x) / x**2, 0),
])
def test_dominant_power_matches_limit(expr, at):
    ref = sp.limit(sp.log(expr) / sp.log(x), x, at, "+" if at == 0 else "-")
    assert dominant_power(expr, x, at) == ref


@pytest.mark.parametrize("expr, at, power", [
    (sp.Min(x, x**2), sp.oo, 1), (sp.Min(x, x**2), 0, 2), (sp.Max(1 / x, x**3), 0, -1), (sp.Max(1 / x, x**3), sp.oo, 3),
])
def test_dominant_power_of_min_max(expr, at, power):
    """sympy's limit cannot take Min/Max; the structural rule can (min picks the smaller value)."""
    assert dominant_power(expr, x, at) == power
    assert dominant_power(expr, x, at) != -power  # twin


def test_upper_min_is_an_upper_bound_free_of_T_minima():
    rate = 2 / (T * sp.Min(1 / L, sp.sqrt(n / (sigma**2 * T)))) + sp.Min(1 / L, sp.sqrt(n / (sigma**2 * T))) * sigma**2
    up = upper_min(rate)
    assert not any(m.has(T) for m in up.atoms(sp.Min, sp.Max))
    f, g = sp.lambdify((T, L, n, sigma), rate), sp.lambdify((T, L, n, sigma), up)
    rng = np.random.default_rng(0)
    for _ in range(200):
        args = rng.uniform(0.1, 10, size=4) * np.array([100, 1, 1, 1])
        assert g(*args) >= f(*args) * (1 - 1e-12)
    # twin: replacing 1/min by 1/(the decaying argument) alone would not be an upper bound
    wrong = 2 * sp.sqrt(sigma**2 * T / n) / T + sp.sqrt(n / (sigma**2 * T)) * sigma**2
    h = sp.lambdify((T, L, n, sigma), wrong)
    assert any(h(T_, 1.0, 1.0, 0.01) < f(T_, 1.0, 1.0, 0.01) for T_ in (1.0, 10.0))


def test_split_rate_groups_and_refuses_growing_terms():
    groups, const = split_rate(3 / T + omega / T + 1 / sp.sqrt(T) + 5 + (1 - p) ** T * alpha)
    assert const == 5 and len(groups) == 3
    assert sorted(str(g.power) for g in groups if not g.geometric) == ["-1", "-1/2"]
    assert any(g.geometric for g in groups)
    with pytest.raises(ValueError, match="does not decay"):
        split_rate(T / eps + 1 / T)
