"""The problem interface of the engine.

A problem holds the honest workers' local objectives f_i, i in H (|H| = n - f), on a backend:

* ``full_grad(x[R,d]) -> [R,h,d]``   exact local gradients nabla f_i(x)
* ``draw(streams) -> sample``        the oracle randomness of one round (noise or minibatch indices)
* ``stochastic_grad(x, sample)``     the oracle at x with that randomness: [R,h,d]; calling it at two
                                     points with one sample gives the same-sample differences that
                                     STORM / PAGE / MARINA need
* ``grad(x)`` = (1/h) sum_i nabla f_i(x) ``-> [R,d]`` and ``loss(x) -> [R]`` of f_H = (1/h) sum_i f_i
* constants ``L, mu, G, B, sigma, f_star`` (and ``x_star`` when known), with ``exact`` flags.

Heterogeneity follows Allouah et al. 2023 (G,B)-dissimilarity, B squared:
(1/h) sum_i ||nabla f_i(x) - nabla f_H(x)||^2 <= G^2 + B^2 ||nabla f_H(x)||^2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backend import Backend


class GathersMinibatchRows:
    """Mixin of a problem spec whose oracle gathers ``batch`` data rows of length d per honest
    worker each round (features indexed by the minibatch): the engine's replica chunks keep that
    gather in cache (:data:`sims.engine.GATHER_BYTES`)."""

    batch: int

    def gathered_elements(self, setting) -> int:
        """Elements gathered per replica and round: h b d."""
        return setting.n_honest * self.batch * setting.d


@dataclass(frozen=True)
class Constants:
    """Declared constants of a problem; ``exact[name]`` is False where a value is an estimate."""

    L: float
    mu: float
    G: float
    B: float
    sigma: float
    f_star: float
    exact: dict[str, bool] = field(default_factory=dict)
    extras: dict[str, float] = field(default_factory=dict)

    def as_symbols(self, delta0: float | None = None) -> dict[str, float]:
        """Values under the theory package's symbol names (see theory/symbols)."""
        out = {"L": self.L, "mu": self.mu, "G_het": self.G, "B_het": self.B, "zeta2": self.G**2,
               "sigma": self.sigma, **self.extras}
        if delta0 is not None:
            out["Delta0"] = delta0
        return out


class Problem:
    """Runtime problem bound to a backend; subclasses implement the array code once."""

    d: int
    n_honest: int
    constants: Constants
    x0: np.ndarray
    x_star: np.ndarray | None = None

    def __init__(self, backend: Backend):
        self.backend = backend
        self.xp = backend.xp

    # -- oracle -----------------------------------------------------------------------------
    def full_grad(self, x):  # pragma: no cover - interface
        raise NotImplementedError

    def draw(self, streams) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def stochastic_grad(self, x, sample):  # pragma: no cover - interface
        raise NotImplementedError

    def sample_grad(self, x, streams):
        """One fresh oracle call at x: [R,h,d]."""
        return self.stochastic_grad(x, self.draw(streams))

    def sample_grad_on(self, x, streams, coords):
        """The oracle call of :meth:`sample_grad` read on the coordinates ``coords`` [R,k] only
        (a shared sparsification mask S_t): [R,h,k], ``g[r, :, coords[r]]``, the same draws.  numpy
        arrays (the fused rounds that call it run on numpy); a problem may skip the work off S."""
        return np.take_along_axis(self.sample_grad(x, streams), coords[:, None, :], axis=2)

    def local_loss(self, x):  # pragma: no cover - interface
        """f_i(x) for every honest worker: [R,h]."""
        raise NotImplementedError

    # -- honest average -----------------------------------------------------------------------
    def grad(self, x):
        return self.xp.mean(self.full_grad(x), axis=1)

    def loss(self, x):
        return self.xp.mean(self.local_loss(x), axis=1)

    def flipped_grad(self, x, streams):
        """Gradients of the honest workers' data with flipped labels (label-flip attack): [R,h,d]."""
        raise NotImplementedError(f"{type(self).__name__} has no labels to flip")

    def delta0(self) -> float:
        """f_H(x0) - f*."""
        x = self.backend.asarray(self.x0[None, :])
        from ..backend import to_numpy

        return float(to_numpy(self.loss(x))[0]) - self.constants.f_star
