r"""BR-CSGD: compressed SGD with robust aggregation, the naive baseline of the Byz-VR-MARINA and
Liu/Li experiments (Gorbunov et al., ICLR 2023, Sec. 5; specs/algorithms.md 2; update rule
RECONSTRUCTED, UNVERIFIED against a paper statement).

.. math::
    \hat g = \mathrm{RAgg}\bigl(Q(g_1^t),\dots,Q(g_n^t)\bigr),\qquad x^{t+1} = x^t - \gamma\hat g,

with :math:`g_i^t` a stochastic gradient at :math:`x^t` and Q applied independently per worker.
With independent masks the compression noise reaches the aggregator as extra heterogeneity
:math:`\omega\|\nabla f\|^2`, so the robust error does not vanish (specs/components.md 7.3).

Order of draws: compressor's shared mask, oracle, compression, attack, aggregation.  Bits: the
compressor's bits up, :math:`d b_f` down.  Oracle calls: 1.

=========  ==========  ===================================
symbol     argument    meaning
=========  ==========  ===================================
gamma      ``lr``      step size (per replica)
Q          compressor  any compressor
RAgg       aggregator  robust aggregator
=========  ==========  ===================================
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import register
from .robust_dgd import RobustDGD


@register("algorithm", "br_csgd")
@dataclass(frozen=True)
class BRCSGD(RobustDGD):
    """Compress stochastic gradients, robustly aggregate the decoded messages, SGD step.

    The round is Robust D-GD's (same state, same order of draws) with the stochastic oracle in
    place of the full local gradient.
    """

    def local_gradients(self, x, setup):
        return setup.problem.sample_grad(x, setup.streams)  # g_i^t, one oracle call
