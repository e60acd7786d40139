"""Performance estimation (PEP) as a direct cvxpy SDP, to cross-check encoded bounds.

For the specialisations without Byzantine workers and without compression, a method is a fixed
first-order scheme on an L-smooth (not necessarily convex) function, and its exact worst case over
that class is an SDP in the Gram matrix of the gradients (Drori & Teboulle; Taylor, Hendrickx &
Glineur 2017, Thm 3.10 with mu = -L: f is L-smooth iff for all pairs
    f_i >= f_j - L/4 ||x_i - x_j||^2 + 1/2 <g_i + g_j, x_i - x_j> + 1/(4L) ||g_i - g_j||^2,
the interpolation conditions PEPit's ``SmoothFunction`` uses).  Methods:

* ``gd``:          x_{t+1} = x_t - gamma g_t;
* ``heavy_ball``:  m_t = beta m_{t-1} + (1 - beta) g_t, m_{-1} = 0, x_{t+1} = x_t - gamma m_t (EMA form
                   of Robust D-SHB / RoSDHB at f = 0, k = d);
* ``inexact_gd``:  x_{t+1} = x_t - gamma d_t with ||d_t - g_t||^2 <= rel2 ||g_t||^2 + abs2 — what
                   (f,kappa)-robust aggregation under (G,B) gives: rel2 = kappa B^2, abs2 = kappa G^2.

Performance measure: the average of ||grad f(x_t)||^2 over t < T ("first") or t <= T ("all"), with
f(x_0) - inf f <= Delta0.  ``inf f >= f_star`` is imposed at the iterates and at the auxiliary points
y_t = x_t - g_t/L (each with its own gradient): constraints every L-smooth function with that infimum
satisfies (without them, ``lower_points=False``, the SDP can be numerically unbounded for tiny steps).
The value is therefore an upper bound on the true worst case (exact up to this
finite description of "inf f", and attained in our tests by the quadratic L x^2/2); a bound below it
is flagged as wrong.  Translation invariance lets us fix x_0 = 0 and f_star = 0.

PEPit is an optional extra; ``worst_case_pepit`` reproduces the gd case with it when installed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .registry import get
from .theorem import Theorem

METHODS = ("gd", "heavy_ball", "inexact_gd")


@dataclass(frozen=True)
class PEPResult:
    value: float
    status: str
    method: str
    T: int
    params: Mapping[str, float] = field(default_factory=dict)


def _sym_outer(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return 0.5 * (np.outer(u, v) + np.outer(v, u))


def _solve(prob, what: str) -> None:
    """Clarabel (interior point) first, SCS at tight tolerance if Clarabel fails or is inaccurate."""
    import warnings

    import cvxpy as cp

    attempts = [(cp.CLARABEL, {}), (cp.SCS, {"eps": 1e-9, "max_iters": 200_000})]
    attempts = [(s, kw) for s, kw in attempts if s in cp.installed_solvers()]
    for solver, kw in attempts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                prob.solve(solver=solver, **kw)
        except cp.error.SolverError:
            continue
        if prob.status == "optimal":
            return
    if prob.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"{what}: solver status {prob.status}")


def worst_case(
    method: str,
    T: int,
    gamma: float,
    L: float = 1.0,
    Delta0: float = 1.0,
    beta: float = 0.0,
    rel2: float = 0.0,
    abs2: float = 0.0,
    average: str = "first",
    lower_points: bool = True,
) -> PEPResult:
    """Exact worst case (see module doc) of the average squared gradient norm after T steps."""
    import cvxpy as cp

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if average not in ("first", "all"):
        raise ValueError(f"average must be 'first' (t < T) or 'all' (t <= T), got {average!r}")
    if T < 1:
        raise ValueError("T must be >= 1")
    n_dir = T if method == "inexact_gd" else 0
    n_aux = T + 1 if lower_points else 0
    D = (T + 1) + n_aux + n_dir  # basis: g_0..g_T, aux gradients, inexact directions
    e = np.eye(D)
    g = [e[t] for t in range(T + 1)]
    dirs = [e[T + 1 + n_aux + t] for t in range(n_dir)]

    xs = [np.zeros(D)]
    mom = np.zeros(D)
    for t in range(T):
        if method == "gd":
            step = g[t]
        elif method == "heavy_ball":
            mom = beta * mom + (1 - beta) * g[t]
            step = mom
        else:
            step = dirs[t]
        xs.append(xs[-1] - gamma * step)
    points = [(xs[t], g[t]) for t in range(T + 1)]
    if lower_points:
        points += [(xs[t] - g[t] / L, e[T + 1 + t]) for t in range(T + 1)]
    nF = len(points)

    rows_G, rows_F, consts = [], [], []
    for i, (xi, gi) in enumerate(points):
        for j, (xj, gj) in enumerate(points):
            if i == j:
                continue
            dx, dg = xi - xj, gi - gj
            rows_G.append(L / 4 * np.outer(dx, dx) - _sym_outer(gi + gj, dx) / 2 - np.outer(dg, dg) / (4 * L))
            rf = np.zeros(nF)
            rf[i], rf[j] = 1.0, -1.0
            rows_F.append(rf)
            consts.append(0.0)
    for t in range(n_dir):  # ||d_t - g_t||^2 <= rel2 ||g_t||^2 + abs2
        dd = dirs[t] - g[t]
        rows_G.append(rel2 * np.outer(g[t], g[t]) - np.outer(dd, dd))
        rows_F.append(np.zeros(nF))
        consts.append(abs2)

    Gram = cp.Variable((D, D), PSD=True)
    F = cp.Variable(nF)
    A_G = np.array([r.ravel() for r in rows_G])
    A_F = np.array(rows_F)
    vecG = cp.vec(Gram, order="C")
    cons = [A_G @ vecG + A_F @ F + np.array(consts) >= 0, F >= 0, F[0] <= Delta0]
    idx = range(T) if average == "first" else range(T + 1)
    obj = sum((np.outer(g[t], g[t]) for t in idx), np.zeros((D, D))).ravel() / len(idx)
    prob = cp.Problem(cp.Maximize(obj @ vecG), cons)
    _solve(prob, f"PEP {method} T={T}")
    params = dict(gamma=gamma, L=L, Delta0=Delta0, beta=beta, rel2=rel2, abs2=abs2)
    return PEPResult(float(prob.value), prob.status, method, T, params)


def worst_case_pepit(T: int, gamma: float, L: float = 1.0, Delta0: float = 1.0) -> float:
    """The ``gd`` / average-over-t<T worst case computed with PEPit (optional dependency).

    PEPit's relaxation of ``inf f`` is f(x_0) - f(x_T) <= Delta0; ours is at least as tight, so
    ``worst_case`` <= this value (equal in the tested cases)."""
    from PEPit import PEP
    from PEPit.functions import SmoothFunction

    problem = PEP()
    func = problem.declare_function(SmoothFunction, L=L)
    x = problem.set_initial_point()
    x0 = x
    sq = []
    for _ in range(T):
        gx = func.gradient(x)
        sq.append(gx**2)
        x = x - gamma * gx
    problem.set_initial_condition(func(x0) - func(x) <= Delta0)
    problem.set_performance_metric(sum(sq[1:], sq[0]) / T)
    return float(problem.solve(wrapper="cvxpy", verbose=0))


# ------------------------------------------------------------------------------ theorem checks
@dataclass(frozen=True)
class Specialisation:
    """How a theorem reduces to a PEP method at f = 0 and no compression."""

    method: str
    constants: Mapping[str, float]
    average: str = "first"
    params: Callable[[Mapping[str, Any], Mapping[str, float]], dict] = lambda out, c: {}


def _gb(out, c):
    return {"rel2": c["kappa"] * c["B_het"] ** 2, "abs2": c["kappa"] * c["G_het"] ** 2}


def _hb(out, c):
    return {"beta": out["beta"]}


_UNIT = {"L": 1.0, "Delta0": 1.0}

#: theorem key -> its non-Byzantine, uncompressed, deterministic specialisation
SPECIALISATIONS: dict[str, Specialisation] = {
    "sgd.nc": Specialisation("gd", {**_UNIT, "sigma": 0.0, "n": 1}),
    "marina.nc": Specialisation("gd", {**_UNIT, "omega": 0.0, "p": 1.0, "n": 1}),
    "ef21.nc": Specialisation("gd", {**_UNIT, "L_tilde": 1.0, "alpha": 1.0}),
    "byz_vr_marina.thm2_1": Specialisation(
        "gd", {**_UNIT, "L_pm": 0.0, "Lcal_pm": 0.0, "c_delta": 0.0, "omega": 0.0, "p": 1.0, "b": 1, "n_good": 1, "zeta2": 0.0},
        average="all",
    ),
    "byz_dasha_page.nc": Specialisation(
        "gd", {**_UNIT, "L_tilde": 0.0, "L_max": 0.0, "omega": 0.0, "m": 1, "b": 1, "n_good": 1, "c_delta": 0.0, "B_z": 0.0, "zeta2": 0.0}
    ),
    "byz_ef21.nc": Specialisation("gd", {**_UNIT, "L_tilde": 1.0, "alpha": 1.0, "c_delta": 0.0, "B_z": 0.0, "zeta2": 0.0}),
    "lad.nc": Specialisation("gd", {**_UNIT, "kappa": 0.0, "beta2_lad": 0.0, "N_lad": 4, "s_lad": 2, "lad_bias2": 0.0}),
    "robust_dgd.nc": Specialisation("inexact_gd", {**_UNIT, "kappa": 0.2, "G_het": 1.0, "B_het": 1.5}, params=_gb),
    "robust_dshb.nc": Specialisation("heavy_ball", {**_UNIT, "sigma": 0.0, "kappa": 0.0, "G_het": 0.0, "n": 10, "f": 0}, params=_hb),
    "robust_dshb.nc_beta_sqrt": Specialisation("heavy_ball", {**_UNIT, "sigma": 0.0, "kappa": 0.0, "G_het": 0.0, "n": 10, "f": 0}, params=_hb),
    "rosdhb.nc": Specialisation(
        "heavy_ball", {**_UNIT, "sigma": 0.0, "kappa": 0.0, "G_het": 0.0, "B_het": 0.0, "n": 10, "f": 0, "d": 10, "k_sp": 10}, params=_hb
    ),
}


@dataclass(frozen=True)
class PEPCheck:
    key: str
    T: int
    bound: float
    worst_case: float
    ok: bool

    @property
    def slack(self) -> float:
        return self.bound - self.worst_case


def check_theorem(theorem: Theorem | str, Ts: Sequence[int] = (1, 2, 4), spec: Specialisation | None = None,
                  constants: Mapping[str, float] | None = None, rtol: float = 1e-6) -> list[PEPCheck]:
    """For each T: the encoded bound at the specialisation vs the PEP worst case (ok iff bound >= worst case)."""
    th = get(theorem) if isinstance(theorem, str) else theorem
    spec = spec or SPECIALISATIONS.get(th.key.split("#")[0])
    if spec is None:
        raise KeyError(f"no PEP specialisation for {th.key!r}; known: {', '.join(SPECIALISATIONS)}")
    consts = {**spec.constants, **(constants or {})}
    out = []
    for T in Ts:
        ev = th.evaluate(consts, T=T)
        pep = worst_case(spec.method, T, gamma=float(ev["gamma"]), L=consts["L"], Delta0=consts["Delta0"],
                         average=spec.average, **spec.params(ev, consts))
        bound = float(ev["bound"])
        out.append(PEPCheck(th.key, T, bound, pep.value, bound >= pep.value * (1 - rtol) - rtol))
    return out


def with_bound(theorem: Theorem, bound) -> Theorem:
    """A copy of ``theorem`` with another bound (for must-fail fixtures); floor kept."""
    return replace(theorem, key=theorem.key + "#modified", bound=bound)
