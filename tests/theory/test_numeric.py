"""The lambdified evaluator against sympy substitution, error messages, floors, complexities and the
reductions between records (delta = 0, k = d, small-p PL floor)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from theory import registry
from theory.constants import complete, pp_probabilities
from theory.symbols import SYMBOLS
from theory.theorem import ConstantError

ALL = list(registry.THEOREMS.values())


def _sympy_value(th, expr, vals):
    full = th.substituted(expr)
    repl = {s: vals[s.name] for s in full.free_symbols}
    return complex(sp.N(full.xreplace(repl))).real


@pytest.mark.parametrize("th", ALL, ids=lambda t: t.key)
def test_lambdify_equals_sympy_subs(th, generic):
    vals = th.values(generic)
    out = th.evaluate(generic, T=50)
    v = {**vals, "T": 50}
    assert out["bound"] == pytest.approx(_sympy_value(th, th.bound, v), rel=1e-10)
    assert out["floor"] == pytest.approx(_sympy_value(th, th.floor, v), rel=1e-10, abs=1e-15)
    for name in th.hyper:
        assert out[name] == pytest.approx(_sympy_value(th, SYMBOLS[name].symbol, v), rel=1e-10)


@pytest.mark.parametrize("th", ALL, ids=lambda t: t.key)
def test_floor_is_the_T_free_part_of_the_rate(th, generic):
    vals = th.values(generic)
    a = th.numeric(th.substituted(th.floor_from_rate), vals)
    b = th.numeric(th.substituted(th.floor), vals)
    assert a == pytest.approx(b, rel=1e-10, abs=1e-15)


def test_evaluator_vectorises_over_T(generic):
    th = registry.get("byz_vr_marina.thm2_1")
    Ts = np.array([1.0, 10.0, 100.0])
    out = th.evaluate(generic, T=Ts)
    assert out["bound"].shape == (3,) and np.all(np.diff(out["bound"]) < 0)


def test_missing_and_unknown_constants_are_named(generic):
    th = registry.get("byz_vr_marina.thm2_1")
    partial = {k: v for k, v in generic.items() if k != "Lcal_pm"}
    with pytest.raises(ConstantError, match="Lcal_pm") as err:
        th.evaluate(partial, T=10)
    assert "inputs" in str(err.value)
    with pytest.raises(ConstantError, match="unknown constant.*'Lcal'") as err:
        th.evaluate({**generic, "Lcal": 1.0}, T=10)
    assert "Lcal_pm" in str(err.value)  # the allowed names are listed


def test_named_constant_override_changes_the_floor(generic):
    th = registry.get("byz_dasha_page.nc")
    base = th.evaluate(generic)["floor"]
    assert th.evaluate({**generic, "dp_C2": 48.0})["floor"] == pytest.approx(2 * base)


def test_overriding_a_prescribed_step_size(generic):
    th = registry.get("byz_vr_marina.thm2_1")
    prescribed = th.evaluate(generic, T=100)
    smaller = th.evaluate(generic, T=100, overrides={"gamma": prescribed["gamma"] / 2})
    assert smaller["gamma"] == prescribed["gamma"] / 2 and smaller["bound"] > prescribed["bound"]


def test_marina_complexity_is_exact(generic):
    """Thm 2.1: K + 1 = 2 Phi0 (L + sqrt(A))/(eps^2 - 24 c delta zeta^2/p); the bound at that K equals eps^2."""
    th = registry.get("byz_vr_marina.thm2_1")
    assert th.complexity_is_exact
    generic = dict(generic, zeta2=0.01)  # floor 0.09 < eps^2
    e = 0.9
    K = th.evaluate(generic, eps=e)["complexity"]
    assert th.evaluate(generic, T=K)["bound"] == pytest.approx(e**2, rel=1e-10)
    assert th.evaluate(generic, T=0.5 * K)["bound"] > e**2  # twin: fewer rounds do not suffice


@pytest.mark.parametrize("key", ["sgd.nc", "byz_dm21.nc", "byz_vr_dm21.nc", "rosdhb.nc", "byz_vr_marina_pp.d14", "robust_dgd.pl"])
def test_iterations_and_sufficient_complexity(key, generic):
    th = registry.get(key)
    vals = dict(generic, zeta2=0.0, G_het=0.0, kappa=0.0 if key == "robust_dgd.pl" else generic["kappa"])
    e = 0.5
    out = th.evaluate(vals, eps=e)
    tau = e**2 if th.criterion == "sqnorm_le_eps2" else e
    n_it = out["iterations"]
    assert th.evaluate(vals, T=n_it)["bound"] <= tau
    if n_it > 1:
        assert th.evaluate(vals, T=n_it - 1)["bound"] > tau
    assert math.ceil(out["complexity"] - 1e-9) >= n_it  # the closed form is sufficient, never optimistic


def test_iterations_infinite_below_the_floor(generic):
    th = registry.get("byz_vr_marina.thm2_1")
    floor = th.evaluate(generic)["floor"]
    assert th.iterations_to(math.sqrt(floor) * 0.9, generic) == math.inf


def test_byz_ef21_reduces_to_ef21_at_delta_zero():
    """Spec §8.2: at delta = 0 the Byz-EF21 bound, as a function of gamma, is EF21's (weight ef_w = 1/2)."""
    byz, ef21 = registry.get("byz_ef21.nc"), registry.get("ef21.nc")
    zero = {SYMBOLS["c_delta"].symbol: 0}
    ef_w = sp.Symbol("ef_w", positive=True)
    assert sp.simplify(byz.bound.xreplace(zero).xreplace({ef_w: sp.Rational(1, 2)}) - ef21.bound) == 0
    assert sp.simplify(byz.bound.xreplace(zero).xreplace({ef_w: 1}) - ef21.bound) != 0  # twin: the spec's weight 1
    # the notebook step size is no larger than EF21's (sqrt(beta/theta) <= 2/alpha - 1)
    for al in (0.01, 0.1, 0.5, 0.9):
        c = {"L": 1.0, "L_tilde": 1.0, "alpha": al, "c_delta": 0.0, "B_z": 0.0, "zeta2": 0.0}
        assert byz.evaluate(c)["gamma"] <= ef21.evaluate(c)["gamma"]


def test_rosdhb_at_k_equals_d_has_the_dshb_shape(generic):
    th = registry.get("rosdhb.nc")
    r = th.rate.xreplace({SYMBOLS["k_sp"].symbol: SYMBOLS["d"].symbol})
    assert SYMBOLS["d"].symbol not in r.free_symbols


def test_marina_pl_floor_restored_vs_printed_differ_at_small_p(generic):
    """Pitfall 12: the small-p floor tells 24 c delta zeta^2/(p mu) from the printed /mu."""
    restored, printed = registry.get("byz_vr_marina.thm2_2"), registry.get("byz_vr_marina.thm2_2_printed")
    c = dict(generic, p=0.01)
    assert restored.evaluate(c)["floor"] == pytest.approx(printed.evaluate(c)["floor"] / 0.01)


def test_complete_constants():
    c = complete({"n": 20, "f": 5, "c": 2.0, "G_het": 0.5, "B_het": 2.0, "d": 1000})
    assert c["n_good"] == 15 and c["delta"] == 0.25 and c["c_delta"] == 0.5
    assert c["zeta2"] == 0.25 and c["B_z"] == 4.0 and c["b_idx"] == 10
    c = complete({"n": 20, "f": 5, "delta": 0.25, "C": 4, "C_hat": 20})
    assert c["pG"] == pytest.approx(3640 / 4845) and c["P_Chat"] == pytest.approx(1.0)  # >= 3 good of 4
    # spec §11.1 worked number: P(strict Byzantine majority) = 155/4845, i.e. pG(delta = 1/2) = 1 - 155/4845
    assert float(pp_probabilities(20, 15, 4, 0.5)[0]) == pytest.approx(1 - 155 / 4845)
    assert complete({"zeta2": 4.0, "c_delta": 0.1, "delta": 0.2})["G_het"] == 2.0
    assert complete({"zeta2": 4.0, "c_delta": 0.1, "delta": 0.2})["c"] == pytest.approx(0.5)


@pytest.mark.parametrize("n, g, C, delta, pG, P", [
    (20, 15, 1, 0.25, "15/20", "1/15"), (20, 15, 2, 0.25, "15*14/(20*19)", "2/15"), (20, 15, 20, 0.25, "1", "1"),
])
def test_pp_probabilities_paper_checks(n, g, C, delta, pG, P):
    pg, pc = pp_probabilities(n, g, C, delta)
    assert float(pg) == pytest.approx(float(sp.sympify(pG)))
    assert float(pc) == pytest.approx(float(sp.sympify(P)))


def test_pp_probabilities_when_pG_is_one():
    """With a good majority guaranteed, P_C = P(i in S) = C/n under uniform sampling from [n].

    (The spec's remark "if pG = 1 then P_C = min(1, C/n_good)" disagrees with its own formula and with
    uniform sampling; C/n_good would be the rate of sampling from the good clients only.)"""
    pg, pc = pp_probabilities(20, 18, 6, 0.5)  # at most 2 Byzantine among 6: always a good majority
    assert pg == 1 and float(pc) == pytest.approx(6 / 20)
    assert float(pc) != pytest.approx(6 / 18)


def test_pp_probability_twin_binomial_n_denominator_fails():
    """The appendix typo binom(n, C) in P_C's denominator violates the paper's C = 1 check."""
    from math import comb
    n, g, C = 20, 15, 1
    pg, _ = pp_probabilities(n, g, C, 0.25)
    typo = C / (n * float(pg)) * sum(comb(g - 1, t - 1) * comb(n - g, C - t) for t in range(1, C + 1)) / comb(n, C)
    assert typo != pytest.approx(1 / g)


def test_latex_renders_every_record():
    for th in registry.THEOREMS.values():
        tex = th.latex()
        assert th.key in tex and r"\le" in tex
    tex = registry.get("byz_dm21.nc").latex()
    assert r"\varepsilon^{-4}" in tex and r"c\delta" in tex


@pytest.mark.parametrize("n, g, C, delta", [(8, 6, 3, 0.34), (8, 6, 3, 0.5), (7, 5, 4, 0.25), (6, 4, 2, 0.4)])
def test_pp_probabilities_against_enumeration(n, g, C, delta):
    from itertools import combinations
    good = set(range(g))
    lo = math.ceil((1 - delta) * C - 1e-12)
    subsets = list(combinations(range(n), C))
    ok = [s for s in subsets if len(good & set(s)) >= lo]
    pg, pc = pp_probabilities(n, g, C, delta)
    assert float(pg) == pytest.approx(len(ok) / len(subsets))
    assert float(pc) == pytest.approx(sum(0 in s for s in ok) / len(ok))
