"""The declared constants of a configured experiment, under the theory package's symbol names.

``declared_constants(config)`` is what ``sims.verify`` hands to ``theory.Theorem.evaluate``:

* the problem's constants (``L, mu, G_het, B_het, zeta2, sigma, Delta0`` and its ``extras``);
* problem extras that some theorems need, derived per problem family (:func:`problem_extras`):
  ``L_tilde`` (quadratic mean of the workers' smoothness), ``L_pm`` (global Hessian variance),
  ``Lcal_pm`` (local Hessian variance of the minibatch oracle), ``ell`` (mean-squared smoothness of
  the oracle), ``b`` (minibatch) and ``m`` (local sample count).  Each is exact or a proven upper
  bound (documented beside it); none is a fitted value;
* the workers: ``n, f, n_good, delta``; ``d``; ``b_f``;
* the aggregator actually used: ``kappa`` (with the declared f) and, through the (f,kappa) ->
  (delta,c) bridge of ``theory.constants.c_delta_from_kappa``, ``c_delta = kappa/2`` and ``c``;
* the compressor actually used: ``omega`` / ``alpha`` / ``k_sp``;
* with ``hyper=True``, the algorithm's configured hyper-parameters: ``gamma`` (lr), ``p``,
  ``eta``, ``beta`` where the algorithm has them;
* the inputs some records name beyond these (:func:`record_inputs`): per-sample smoothness
  ``L_max = Lmax_ij`` and ``L_imax`` of finite sums, the server compressor's ``alpha_M`` and the
  workers' ``alpha_w``, ``D_Q``, the aggregator's ``F_A``, PP's ``C`` / ``C_hat`` (theory completes
  ``pG, P_C, P_Chat, pkG`` from them), ``grad_norm = ||grad f(x^0)||`` and LAD's ``N_lad, s_lad,
  beta2_lad, lad_bias2, z_norm2``.
"""
from __future__ import annotations

import numpy as np

from .backend import Backend

#: algorithm field -> theory symbol
HYPER_FIELDS = {"lr": "gamma", "p": "p", "eta": "eta", "beta": "beta"}


def problem_extras(spec, problem) -> dict[str, float]:
    """L_tilde, L_pm, Lcal_pm, ell, b, m of a built problem (only those that are known).

    * quadratic: f_i = (1 + s_i) fbar - <b_i, .>, so ``L_pm = B L`` (exact, from the problem's
      extras), ``L_tilde = sqrt(mean (1+s_i)^2) L`` (exact); the samples of the finite-sum oracle
      differ only in linear terms and the Gaussian oracle's noise cancels in a same-sample
      difference, so ``Lcal_pm = 0`` and ``ell = max_i |1 + s_i| L`` (exact);
      ``b`` = the oracle's minibatch (1 for the Gaussian oracle), ``m``;
    * logistic: with ``X_i = A_i^T A_i / m`` and ``L_ij = ||a_ij||^2 / 4`` (the regulariser is common
      to all samples and cancels in every difference), ``L_pm^2 <= mean_i (lambda_max(X_i)/4)^2``
      and ``Lcal_pm^2 <= mean_ij L_ij^2`` (upper bounds: a difference's second moment is at most
      its raw second moment), ``L_tilde = sqrt(mean_i L_i^2)``, ``ell = max_ij L_ij + L_reg``;
    * zero chain: every honest worker holds f, so ``L_tilde = L``, ``L_pm = 0``; ``ell`` from the
      problem (regime mean_squared_smooth);
    * plateau: every honest worker holds f and the noise is additive, so ``L_tilde = ell = L``,
      ``L_pm = Lcal_pm = 0``;
    * cnn_digits: only ``b`` and ``m`` are known; a network has no derivable smoothness constants
      (its L, G and sigma are sampled estimates, see :mod:`sims.problems.cnn`).
    """
    c = problem.constants
    extras = dict(c.extras)
    name = getattr(spec, "name", "")
    out: dict[str, float] = {}
    if name == "quadratic":
        s1 = 1 + np.asarray(problem.s)
        out.update(L_tilde=float(np.sqrt(np.mean(s1**2)) * c.L), L_pm=float(extras.get("L_pm", c.B * c.L)),
                   Lcal_pm=0.0, ell=float(np.max(np.abs(s1)) * c.L), m=float(spec.m),
                   b=float(spec.batch if spec.oracle == "finite_sum" else 1))
        if spec.oracle == "finite_sum":  # per-sample smoothness: the samples of worker i are L_i-smooth
            out.update(L_max=out["ell"], Lmax_ij=out["ell"], L_imax=out["ell"])
    elif name in ("logistic", "logistic_real"):
        A = np.asarray(problem.A_host)
        h, m, d = A.shape
        Li = np.array([np.linalg.eigvalsh(A[i].T @ A[i] / m)[-1] / 4 for i in range(h)])
        Lij = np.sum(A * A, axis=2) / 4
        L_reg = spec.lam if spec.reg == "l2" else 2 * spec.lam
        out.update(L_tilde=float(np.sqrt(np.mean((Li + L_reg) ** 2))), L_pm=float(np.sqrt(np.mean(Li**2))),
                   Lcal_pm=float(np.sqrt(np.mean(Lij**2))), ell=float(Lij.max() + L_reg), m=float(m),
                   b=float(spec.batch), L_max=float(Lij.max() + L_reg), Lmax_ij=float(Lij.max() + L_reg),
                   L_imax=float(Li.max() + L_reg))
    elif name == "zero_chain":
        out.update(L_tilde=float(c.L), L_pm=0.0, Lcal_pm=0.0, b=1.0)
        if "ell" in extras:
            out["ell"] = float(extras["ell"])
    elif name == "plateau":  # every honest worker holds f; additive noise cancels in a same-sample difference
        out.update(L_tilde=float(c.L), L_pm=0.0, Lcal_pm=0.0, ell=float(c.L), b=1.0)
    elif name == "cnn_digits":
        out.update(m=float(problem.m), b=float(spec.batch))
    return out


def declared_constants(config, hyper: bool = False) -> dict[str, float]:
    """L, mu, G_het, B_het, sigma, Delta0 of the problem and its extras (:func:`problem_extras`);
    n, f, delta, d; kappa, c_delta, c of the aggregator (with the declared f); omega / alpha / k_sp of
    the compressor; b_f; and (``hyper``) the algorithm's gamma, p, eta, beta."""
    setting = config.setting()
    problem = config.problem.build(setting.n_honest, Backend("numpy"))
    out = problem.constants.as_symbols(delta0=problem.delta0())
    out.update(problem_extras(config.problem, problem))
    n, f, d = setting.n, setting.f, setting.d
    out.update({"n": float(n), "f": float(f), "n_good": float(n - f), "delta": f / n, "d": float(d),
                "b_f": float(config.run.bits_per_float)})
    kappa = config.aggregator.kappa(n, setting.declared_f)
    if kappa is not None:
        from theory.constants import c_delta_from_kappa

        out["kappa"] = kappa
        out["c_delta"] = c_delta_from_kappa(kappa)
        if f > 0:
            out["c"] = out["c_delta"] / (f / n)
    elif f == 0:  # the mean with no Byzantine worker: exact
        out.update(kappa=0.0, c_delta=0.0)
    for key in ("omega", "alpha"):
        value = getattr(config.compressor, key)(d)
        if value is not None:
            out[key] = value
    if hasattr(config.compressor, "k"):
        out["k_sp"] = float(config.compressor.k)
    elif config.compressor.name == "identity":
        out["k_sp"] = float(d)
    out.update(record_inputs(config, problem))
    if hyper:
        for fld, sym in HYPER_FIELDS.items():
            if hasattr(config.algorithm, fld):
                out[sym] = float(getattr(config.algorithm, fld))
    return out


#: bounded-aggregator constant F_A (``||A(x_1..x_n)|| <= F_A max_i ||x_i||``, PP Assumption 2.3) per rule:
#: Krum, GM: 1 [V-text, PP App. C]; coordinate-wise rules (CM, CWTM: every output coordinate lies
#: within the inputs' range, so ``||A||^2 <= d max_i ||x_i||^2``): sqrt(d); the mean: 1
F_A_RULES = {"krum": "1", "multi_krum": "1", "gm": "1", "mean": "1", "cwmed": "sqrt_d", "cwtm": "sqrt_d"}
#: pre-aggregators that keep F_A (an output is an average of inputs: bucketing, NNM)
F_A_KEEPERS = ("bucketing", "nnm")


def bounded_aggregator_constant(aggregator, d: int) -> float | None:
    """F_A of the configured rule (chain), None where no value is known."""
    rule = getattr(getattr(aggregator, "agg", aggregator), "name", "")
    pre = [getattr(q, "name", "") for q in getattr(aggregator, "pre", ())]
    if rule not in F_A_RULES or any(q not in F_A_KEEPERS for q in pre):
        return None
    return float(np.sqrt(d)) if F_A_RULES[rule] == "sqrt_d" else 1.0


def lad_constants(problem, n: int, n_honest: int, s: int, assignment: str) -> dict[str, float]:
    """LAD's inputs at x* over the N = n subsets the algorithm codes (``problem.subset_grads``):
    ``beta2_lad = (1/N) sum_j ||g_j||^2`` with ``g_j = grad F_j(x*) - grad F(x*)``; ``z_norm2`` = the
    honest coded vectors' mean ``E||z_i||^2 = beta2 (N-s)/(s(N-1))`` (the dispersion identity:
    ``grad F(x*) = 0``); ``lad_bias2 = E||(1/h) sum_{i<h} z_i - grad F||^2``: the honest mean is
    ``sum_j w_j g_{pi(j)}`` with weights ``w_j`` = (windows covering position j)/(h s) (sum 1), so
    over a uniform relabelling pi (``random``) it is ``beta2 (sum w^2 - (1 - sum w^2)/(N-1))``
    (``E<g_a, g_b> = -beta2/(N-1)`` for a != b); for the ``cyclic`` assignment it is exact."""
    from .backend import to_numpy

    x_star = problem.x_star
    g = to_numpy(problem.subset_grads(problem.backend.asarray(np.asarray(x_star)[None, :]), n))[0]
    g = g - g.mean(axis=0)
    N = g.shape[0]
    beta2 = float(np.mean(np.sum(g**2, axis=1)))
    w = np.zeros(N)
    for i in range(n_honest):
        w[(i + np.arange(s)) % N] += 1.0 / (n_honest * s)
    if assignment == "cyclic":
        bias2 = float(np.sum((w @ g) ** 2))
    else:
        sw2 = float(np.sum(w**2))
        bias2 = beta2 * (sw2 - (1 - sw2) / (N - 1)) if N > 1 else 0.0
    disp = beta2 * (N - s) / (s * (N - 1)) if N > 1 else 0.0
    return {"N_lad": float(N), "s_lad": float(s), "beta2_lad": beta2, "lad_bias2": max(bias2, 0.0),
            "z_norm2": disp}


def record_inputs(config, problem) -> dict[str, float]:
    """Record inputs named by a few theorems (module docstring), from the objects defining them."""
    from .backend import to_numpy

    setting = config.setting()
    n, d, alg = setting.n, setting.d, config.algorithm
    out: dict[str, float] = {}
    x0 = problem.backend.asarray(np.asarray(problem.x0)[None, :])
    out["grad_norm"] = float(np.linalg.norm(to_numpy(problem.grad(x0))[0]))
    alpha_w = config.compressor.alpha(d)
    if alpha_w is not None:
        out["alpha_w"] = float(alpha_w)
    server = getattr(alg, "server_compressor", None)
    if server is not None and server.alpha(d) is not None:
        out["alpha_M"] = float(server.alpha(d))
    D_Q = config.compressor.norm_bound(d)
    if D_Q is not None:
        out["D_Q"] = float(D_Q)
    F_A = bounded_aggregator_constant(config.aggregator, d)
    if F_A is not None:
        out["F_A"] = F_A
    for name in ("C", "C_hat"):
        if hasattr(alg, name):
            v = getattr(alg, name)
            out[name] = float(n if v is None else v)
    if hasattr(alg, "s") and hasattr(problem, "subset_grads") and problem.x_star is not None:
        out.update(lad_constants(problem, n, setting.n_honest, int(alg.s), getattr(alg, "assignment", "random")))
    return out
