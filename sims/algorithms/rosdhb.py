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

from ..compressors.basic import CoordinatedRandK
from ..params import require
from ..registry import register
from . import stages
from .robust_dshb import RobustDSHB


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
        s, info = super().step(s, setup)
        return s, info._replace(participated=stages.everyone(setup))
