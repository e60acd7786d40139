"""The declared constants of a configured experiment, under the theory package's symbol names."""
from __future__ import annotations

from .backend import Backend


def declared_constants(config) -> dict[str, float]:
    """L, mu, G_het, B_het, sigma, Delta0 of the problem; n, f, delta, d; kappa of the aggregator
    (with the declared f); omega / alpha of the compressor; b_f."""
    setting = config.setting()
    problem = config.problem.build(setting.n_honest, Backend("numpy"))
    out = problem.constants.as_symbols(delta0=problem.delta0())
    n, f, d = setting.n, setting.f, setting.d
    out.update({"n": float(n), "f": float(f), "n_good": float(n - f), "delta": f / n, "d": float(d),
                "b_f": float(config.run.bits_per_float)})
    kappa = config.aggregator.kappa(n, setting.declared_f)
    if kappa is not None:
        out["kappa"] = kappa
    for key in ("omega", "alpha"):
        value = getattr(config.compressor, key)(d)
        if value is not None:
            out[key] = value
    if hasattr(config.compressor, "k"):
        out["k_sp"] = float(config.compressor.k)
    return out
