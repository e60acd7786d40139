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
  ``eta``, ``beta`` where the algorithm has them.
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
    elif name in ("logistic", "logistic_real"):
        A = np.asarray(problem.A_host)
        h, m, d = A.shape
        Li = np.array([np.linalg.eigvalsh(A[i].T @ A[i] / m)[-1] / 4 for i in range(h)])
        Lij = np.sum(A * A, axis=2) / 4
        L_reg = spec.lam if spec.reg == "l2" else 2 * spec.lam
        out.update(L_tilde=float(np.sqrt(np.mean((Li + L_reg) ** 2))), L_pm=float(np.sqrt(np.mean(Li**2))),
                   Lcal_pm=float(np.sqrt(np.mean(Lij**2))), ell=float(Lij.max() + L_reg), m=float(m),
                   b=float(spec.batch))
    elif name == "zero_chain":
        out.update(L_tilde=float(c.L), L_pm=0.0, Lcal_pm=0.0, b=1.0)
        if "ell" in extras:
            out["ell"] = float(extras["ell"])
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
    if hyper:
        for fld, sym in HYPER_FIELDS.items():
            if hasattr(config.algorithm, fld):
                out[sym] = float(getattr(config.algorithm, fld))
    return out
