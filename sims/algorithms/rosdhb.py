r"""RoSDHB: robust distributed heavy ball after coordinated sparsification (Gupta, Honsell, Xu,
Gupta, Neglia, AISTATS 2026, arXiv 2508.17129; theoretical form of the authors' code;
specs/algorithms.md 11).

.. math::
    S_t \subset [d],\ |S_t| = k\ \text{(ONE fresh mask per round, shared by all workers)},\qquad
    \tilde g_i^t = \tfrac dk\,\mathbf 1_{S_t}\odot g_i^t,

    m_i^t = \beta m_i^{t-1} + (1-\beta)\,\tilde g_i^t\ \ \text{(server, every worker; } m_i^0 = 0),\qquad
    R_t = F(m_1^t,\dots,m_n^t),\qquad \theta_{t+1} = \theta_t - \gamma R_t,

with :math:`g_i^t` a stochastic gradient at :math:`\theta_t`.  Workers are stateless and send the
k values on :math:`S_t`, no indices (the mask comes from a shared seed): :math:`k b_f` bits up,
:math:`d b_f` down (the seed is not counted).  Byzantine messages are restricted to :math:`S_t`.

This is Robust D-SHB with server-side momentum (:mod:`.robust_dshb`) run with the
``coordinated_randk`` compressor, so it reuses that update: RoSDHB only insists on the coordinated
mask and refuses any other compressor with a ConfigError when the run starts (a spec cannot see the
compressor earlier).  With k = d it is Robust D-SHB itself.

=========  ==================  ================================================
symbol     argument            meaning
=========  ==================  ================================================
gamma      ``lr``              step size (per replica); theory k/(d c L) (UNVERIFIED)
beta       ``beta``            momentum weight on the old value (per replica)
k          compressor ``k``    coordinates of the shared mask
F          aggregator          (f, kappa)-robust aggregator (code: CWTM)
=========  ==================  ================================================
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import fused
from ..attacks.basic import ALIE, alie_z
from ..compressors.base import constant_bits
from ..compressors.basic import CoordinatedRandK
from ..params import require
from ..registry import register
from . import stages
from .base import StepInfo
from .robust_dshb import RobustDSHB, ServerMomentumState


@register("algorithm", "rosdhb")
@dataclass(frozen=True)
class RoSDHB(RobustDSHB):
    """Robust D-SHB (server momenta) under one global Rand-K mask per round."""

    def init(self, x0, setup):
        require(isinstance(setup.compressor, CoordinatedRandK), "compressor.name", setup.compressor.name,
                "rosdhb needs 'coordinated_randk' (one global Rand-K mask per round shared by all workers); "
                "use robust_dshb for other compressors")
        return super().init(x0, setup)

    def step(self, s, setup):
        key = ("rosdhb.fused_alie", type(s.m), getattr(s.m, "dtype", None), getattr(s.m, "shape", None))
        if setup.once(key, lambda: _fused_alie(s, setup)):
            return self._fused_alie_step(s, setup)
        s, info = super().step(s, setup)
        return s, info._replace(participated=stages.everyone(setup))

    def _fused_alie_step(self, s, setup):
        """The same round under ALIE with the server's side (compression, ALIE's moments, the
        Byzantine vector on S_t, every momentum) in one numba pass (:func:`sims.fused.alie_momenta`)
        on the k values each worker sends: the same draws in the same order and, on a finite run,
        the same numbers bit for bit (off S_t the momenta decay, ``beta m``, where the dense stages
        add ``(1 - beta) 0``; only a non-finite gradient off S_t, which no worker sends, differs)."""
        k = setup.compressor.k
        S = setup.compressor.draw_coordinates(setup.streams, setup.d)     # S_t, ascending [R,k]
        g = setup.problem.sample_grad_on(s.x, setup.streams, S)            # g_i^t on S_t, i in H
        keep, take, z = _alie_weights(setup, s.m.dtype)                    # beta, 1 - beta; ALIE's z
        m = fused.alie_momenta(g, S, setup.d / k, z, s.m, keep, take)      # m_i^t of every sender
        R_t, agg = stages.aggregate(setup, m, s.agg)                       # R_t = F(m_1..m_n)
        x = s.x - setup.factor("lr") * R_t                                 # theta_{t+1}
        return ServerMomentumState(x, s.t + 1, m, agg), _round_info(setup, g.shape[1])


def _round_info(setup, h: int) -> StepInfo:
    """The fused round's bookkeeping, the same every round (read-only arrays): k floats up from each
    of the h honest workers, a dense broadcast down, one oracle call, everyone taking part."""
    return setup.once(("rosdhb.round_info", h), lambda: StepInfo(
        constant_bits(setup.R, h, setup.compressor.bits(setup.d, setup.b_f)), stages.dense_bits(setup), 1.0,
        stages.everyone(setup)))


def _alie_weights(setup, dtype) -> tuple:
    """(beta, 1 - beta) as contiguous (R,) arrays of ``dtype`` and ALIE's z, once per batch."""
    beta = setup.factor("beta", 3)
    return setup.once(("rosdhb.alie_weights", dtype),
                      lambda: (*(fused.per_replica(w, setup.R, dtype) for w in (beta, 1 - beta)),
                               alie_z(setup.setting.n, setup.setting.f, setup.attack.z_rule)))


def _fused_alie(s, setup) -> bool:
    """True when the round can run :func:`sims.fused.alie_momenta`: numba, numpy state, plain ALIE
    (z from (n, f)) against the plain coordinated Rand-K, no density enforcement, f > 0."""
    beta = setup.factor("beta", 3)
    h = setup.setting.n - setup.setting.f
    return (fused.alie_momenta_applies(s.m, h, beta, 1 - beta)
            and type(setup.attack) is ALIE and setup.attack.z_rule != "fixed"
            and type(setup.compressor) is CoordinatedRandK and not setup.enforce_density
            and setup.setting.f > 0 and setup.n_senders == setup.setting.n)
