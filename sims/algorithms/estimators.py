r"""Estimators and server-side operations of the variance-reduced, partial-participation methods.

* The PAGE / MARINA coin :math:`c_k \sim \mathrm{Be}(p)`: ONE coin per replica per round, shared by
  every worker (Gorbunov et al., ICLR 2023, Alg. 1 line 2; Rammal et al., AISTATS 2024; specs/
  algorithms.md 14.5), drawn from the ``shared`` stream; or deterministic resets every ``period``
  rounds (the per-epoch full gradients of the authors' codes).  It varies per replica, so updates
  branch with ``xp.where`` on a per-replica mask, never with a Python ``if``.
* The PAGE oracle at :math:`x^{k+1}`: the full local gradients :math:`\nabla f_i(x^{k+1})` and the
  same-sample minibatch differences
  :math:`\hat\Delta_i = \frac1b\sum_{j\in I_i}[\nabla f_{ij}(x^{k+1}) - \nabla f_{ij}(x^k)]`.
* Clipping :math:`\mathrm{clip}_\lambda(v) = \min\{1, \lambda/\|v\|\}\,v`, :math:`\mathrm{clip}_\lambda(0)=0`
  (Malinovsky et al., NeurIPS 2024, Alg. 1) and its threshold rules (specs/algorithms.md 7).
* Client sampling without replacement (Malinovsky et al., Alg. 1 line 3).

Both branches of a coin are computed every round (their draws too), so the streams a replica
consumes do not depend on its coins: the order of draws in a round is fixed by each algorithm.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import namespace, to_numpy
from ..params import OneOf, param
from .base import Setup

RESETS = ("bernoulli", "periodic")
CLIP_RULES = ("coef", "code", "theorem_4_1", "theorem_4_2", "none")

#: oracle calls per honest worker: one full local gradient (c_k = 1) or a same-sample difference
FULL_CALLS, DIFFERENCE_CALLS = 1.0, 2.0


def reset_field():
    return param("bernoulli", OneOf(RESETS),
                 "full-gradient rounds: a shared Bernoulli(p) coin (paper) or every `period` rounds (code)")


def clip_rule_field(default: str = "coef"):
    return param(default, OneOf(CLIP_RULES),
                 "clipping level: coef = clip_coef*||x^{k+1}-x^k|| (paper), code = clip_coef*||g^k|| "
                 "(authors' code: clip_mult = lambda*gamma), theorem_4_1 = 2L||dx||, "
                 "theorem_4_2 = D_Q L ||dx||, none = no clipping")


def coin(setup: Setup, t: int, reset: str = "bernoulli", period: int = 1) -> np.ndarray:
    """Host (R,) bool: c_k = 1 (full gradients) per replica.  ``bernoulli`` draws u ~ U[0,1) from
    the ``shared`` stream and compares it with the batched ``p``; ``periodic`` is t % period == 0."""
    if reset == "periodic":
        return np.full(setup.R, t % period == 0)
    return setup.streams.uniform("shared", ()) < to_numpy(setup.hp["p"])


def oracle_calls(c: np.ndarray) -> np.ndarray:
    """Calls per honest worker of a PAGE round: 1 on c_k = 1, 2 (same-sample difference) otherwise."""
    return np.where(c, FULL_CALLS, DIFFERENCE_CALLS)


def page_oracle(problem, streams, x_new, x_old):
    """(full local gradients at x_new, same-sample minibatch differences x_new vs x_old): [R,h,d] each.

    The difference evaluates the oracle twice on ONE draw (same minibatch / noise at both points)."""
    full = problem.full_grad(x_new)
    sample = problem.draw(streams)
    return full, problem.stochastic_grad(x_new, sample) - problem.stochastic_grad(x_old, sample)


def clip(v, lam):
    """clip_lambda(v) = min{1, lambda/||v||} v row by row: v [R,m,d], lam [R] (may be inf)."""
    xp = namespace(v)
    norm = xp.linalg.vector_norm(v, axis=-1, keepdims=True)
    lam = xp.reshape(lam, (lam.shape[0],) + (1,) * (v.ndim - 1))
    over = norm > lam
    return v * xp.where(over, lam / xp.where(over, norm, xp.ones_like(norm)), xp.ones_like(norm))


def function_smoothness(problem) -> float:
    """L with every f_ij L-smooth (the assumption of Byz-VR-MARINA-PP's Theorems 4.1 / 4.2, not the
    smoothness of the honest average): the quadratic's max_i |1 + s_i| L (its samples differ in linear
    terms only), logistic's max_ij ||a_ij||^2 / 4 + L_reg (a per-sample bound), a problem's own
    ``ell`` where it declares one, else its L (sims.constants.problem_extras)."""
    extras = problem.constants.extras
    if "L_max_i" in extras:
        return float(extras["L_max_i"])
    spec = getattr(problem, "spec", None)
    if getattr(spec, "name", "") in ("logistic", "logistic_real"):
        from ..constants import problem_extras

        return problem_extras(spec, problem)["ell"]
    return float(extras.get("ell", problem.constants.L))


def clip_threshold(setup: Setup, rule: str, step_norm, agg_norm):
    """lambda per replica [R] for ``rule`` (specs/algorithms.md 7): ``step_norm`` = ||x^{k+1}-x^k||,
    ``agg_norm`` = ||g^k|| (the previous aggregate), both [R]; batched ``clip_coef`` where used."""
    xp = setup.xp
    if rule == "none":
        return xp.full_like(step_norm, math.inf)
    if rule == "coef":
        return setup.hp["clip_coef"] * step_norm
    if rule == "code":
        return setup.hp["clip_coef"] * agg_norm
    L = function_smoothness(setup.problem)
    if rule == "theorem_4_1":
        return 2.0 * L * step_norm
    return setup.compressor.norm_bound(setup.d) * L * step_norm  # theorem_4_2: D_Q L ||dx||


def sample_clients(setup: Setup, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """Uniform samples without replacement of the senders, one per size, nested (the first ``s``
    entries of ONE permutation from the ``sampling`` stream), sorted so honest workers stay first:
    host int arrays [R, s].  When every size covers all senders nothing is drawn (so a wrapped
    method that draws from ``sampling`` itself keeps its randomness)."""
    if min(sizes) >= setup.n_senders:
        return [np.broadcast_to(np.arange(setup.n_senders), (setup.R, setup.n_senders))] * len(sizes)
    perm = setup.streams.permutations("sampling", setup.n_senders)
    return [np.sort(perm[:, :s], axis=1) for s in sizes]


def gather(setup: Setup, v, idx: np.ndarray):
    """Rows ``idx`` [R,s] (host ints) of v [R,m,d]: [R,s,d]."""
    xp = setup.xp
    rows = xp.reshape(xp.arange(setup.R), (setup.R, 1))
    return v[rows, setup.backend.asarray(idx, dtype="int64")]


def participation(setup: Setup, idx: np.ndarray) -> np.ndarray:
    """Host [R,n] bool of the sampled senders ``idx`` [R,s]."""
    out = np.zeros((setup.R, setup.setting.n), dtype=bool)
    np.put_along_axis(out, idx, True, axis=1)
    return out


def honest_share(setup: Setup, taking_part: np.ndarray) -> np.ndarray:
    """Fraction of honest workers that take part, per replica: (R,)."""
    return taking_part[:, : setup.setting.n_honest].mean(axis=1)


def sample_f(setup: Setup, size: int) -> int:
    """The f an aggregator tolerates on ``size`` sampled senders: floor(delta * size), with
    delta = declared_f / n the declared Byzantine fraction (Malinovsky et al.: ARAgg is given delta)."""
    return (setup.setting.declared_f * size) // setup.setting.n
