r"""LAD and Com-LAD: robust aggregation of cyclically coded subset gradients (Chengxi Li, Allouah,
Guerraoui, Skoglund, Xiao, arXiv 2603.28780; specs/algorithms.md 12).  RECONSTRUCTED: only the
abstract and an AI-written digest were read, no code exists; everything below is UNVERIFIED.

The server splits the dataset into N = n subsets (:math:`F = \frac1N\sum_j F_j`) and, each round,
gives device i the cyclic window of s consecutive subset labels (cyclic gradient coding, Tandon et
al. 2017)

.. math::
    W_i^t = \{\pi_t(i), \pi_t(i+1), \dots, \pi_t(i+s-1)\}\ (\mathrm{mod}\ N),\qquad
    z_i^t = \sum_{j\in W_i^t} B_{ij}\nabla F_j(x^t),\quad B_{ij} = 1/s\ (\texttt{mean})\ \text{or}\ 1\ (\texttt{sum}),

    \text{LAD: send } z_i^t;\qquad \text{Com-LAD: send } \mathcal Q(z_i^t)\ (\text{unbiased, } \omega),\qquad
    x^{t+1} = x^t - \gamma\,\mathrm{Agg}(z_1^t, \dots, z_n^t).

Each subset is computed by exactly s devices.  ``assignment``: ``random`` draws a fresh uniform
relabelling :math:`\pi_t` every round from the ``sampling`` stream (the abstract: tasks are assigned
"in each iteration"); ``cyclic`` keeps :math:`\pi = \mathrm{id}` (device i always gets subsets
i..i+s-1).  Honest devices are 0..h-1, Byzantine ones last.  Honest coded vectors have dispersion
:math:`\beta^2 (N-s)/(s(N-1))` (theorems.md 14), which shrinks as s grows.  With s = 1 and the
``cyclic`` assignment LAD is robust D-GD on the honest workers' subsets.

Order of draws: assignment (``random``), compressor (shared, then per device), attack, aggregator.
Bits: LAD :math:`d b_f` up; Com-LAD the compressor's bits; :math:`d b_f` down.  Oracle calls per
honest device: s (one per subset gradient :math:`\nabla F_j`).

=========  ==================  ===============================================================
symbol     argument            meaning
=========  ==================  ===============================================================
gamma      ``lr``              step size (per replica)
s          ``s``               redundancy: subsets per device (the digest's "d")
B_ij       ``coding``          ``mean`` (1/s, window average) or ``sum`` (1)
pi_t       ``assignment``      ``random`` relabelling every round or fixed ``cyclic`` windows
Q          compressor          Com-LAD: unbiased compressor (LAD: identity)
Agg        aggregator          (f, kappa)-robust rule (CWTM, NNM + CWTM, GM)
=========  ==================  ===============================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from ..params import Integer, OneOf, Real, param, require
from ..registry import register
from . import estimators, stages
from .base import AlgorithmSpec, Setup, StepInfo


class LADState(NamedTuple):
    x: object
    t: int
    agg: object


def cyclic_windows(labels: np.ndarray, devices: int, s: int) -> np.ndarray:
    """Windows W_i = (pi(i), ..., pi(i+s-1)) mod N of the first ``devices`` devices, from the
    relabellings ``labels`` [R,N] (host ints): [R, devices, s]."""
    N = labels.shape[1]
    offsets = (np.arange(devices)[:, None] + np.arange(s)[None, :]) % N
    return labels[:, offsets]


@register("algorithm", "lad")
@dataclass(frozen=True)
class LAD(AlgorithmSpec):
    """Cyclic gradient coding over N = n data subsets, robust aggregation of the coded vectors."""

    title = "LAD"
    compressors: ClassVar[tuple[str, ...]] = ("identity",)  # compressor categories its theory covers

    lr: float = param(0.1, Real(0, None, "neither"), "step size gamma", batched=True)
    s: int = param(2, Integer(1, None), "redundancy: data subsets per device")
    coding: str = param("mean", OneOf(("mean", "sum")), "encoding weights B_ij: 1/s (mean) or 1 (sum)")
    assignment: str = param("random", OneOf(("random", "cyclic")),
                            "fresh relabelling of the subsets every round, or fixed cyclic windows")

    def check_setting(self, setting):
        require(self.s <= setting.n, "algorithm.s", self.s, f"must be <= workers.n = {setting.n} (N = n subsets)")

    def init(self, x0, setup: Setup):
        stages.require_compressor(setup, self.title, self.compressors)
        problem = setup.problem
        require(hasattr(problem, "subset_grads"), "problem.name", type(problem).__name__,
                f"{self.title} needs a problem whose data split into subsets (least_squares, logistic, logistic_real)")
        problem.subset_grads(x0, setup.setting.n)  # refuses an N the data cannot be split into
        return LADState(x0, 0, setup.aggregator.init_state(setup.R, setup.d, setup.backend))

    def windows(self, setup: Setup) -> np.ndarray:
        """This round's windows of the honest devices: host ints [R,h,s]."""
        N = setup.setting.n
        if self.assignment == "random":
            labels = setup.streams.permutations("sampling", N)  # pi_t, fresh every round
        else:
            labels = np.broadcast_to(np.arange(N), (setup.R, N))
        return cyclic_windows(labels, setup.setting.n_honest, self.s)

    def step(self, st: LADState, setup: Setup):
        xp, R, h = setup.xp, setup.R, setup.setting.n_honest
        W = self.windows(setup)                                              # W_i^t
        grads = setup.problem.subset_grads(st.x, setup.setting.n)            # grad F_j(x^t), j in [N]
        picked = estimators.gather(setup, grads, W.reshape(R, h * self.s))
        picked = xp.reshape(picked, (R, h, self.s, setup.d))
        z = xp.mean(picked, axis=2) if self.coding == "mean" else xp.sum(picked, axis=2)  # z_i^t
        shared = stages.shared_randomness(setup)
        msg, bits = stages.compress(setup, z, shared)                        # Com-LAD: Q(z_i^t)
        msgs = stages.with_byzantine(setup, msg, st.t, st.x, shared)
        agg_out, agg = stages.aggregate(setup, msgs, st.agg)                 # Agg(z_1^t..z_n^t)
        x = st.x - setup.col("lr") * agg_out                                 # x^{t+1}
        return LADState(x, st.t + 1, agg), StepInfo(bits, stages.dense_bits(setup), float(self.s),
                                                    stages.everyone(setup))


@register("algorithm", "com_lad")
@dataclass(frozen=True)
class ComLAD(LAD):
    """LAD with an unbiased compressor applied to every coded vector."""

    title = "Com-LAD"
    compressors = stages.UNBIASED
