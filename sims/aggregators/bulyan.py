r"""Bulyan (El Mhamdi, Guerraoui, Rouault, "The Hidden Vulnerability of Distributed Learning in
Byzantium", ICML 2018, Algorithm 1) over Krum.

1. Selection: theta = n - 2f times, apply Krum to the inputs not yet selected and move its choice
   to the selection set (scores over the remaining inputs, with the Krum ``variant``'s neighbour
   count for the remaining size).
2. Aggregation: per coordinate, the mean of the beta = theta - 2f selected values closest to the
   coordinate median of the selection (MeaMed on the theta selected vectors).

Needs n >= 4f + 3 (the paper's condition; Flower refuses smaller n).  The input is never modified
(Flower's implementation pops from its input list: pitfall #14).  No (f, kappa) constant declared.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import namespace
from ..params import OneOf, param
from ..registry import register
from .base import AggregatorSpec, require_workers
from .coordinatewise import mean_around_median
from .geometry import pairwise_sq_distances, take_rows
from .krum import VARIANTS, krum_scores, neighbours


def bulyan_selection(x, f: int, variant: str):
    """Indices [R, n - 2f] chosen by iterated Krum on x [R,n,d]."""
    xp = namespace(x)
    R, n, _ = x.shape
    dist = pairwise_sq_distances(x)
    alive = xp.ones((R, n), dtype=xp.bool, device=x.device)
    columns = xp.reshape(xp.arange(n, device=x.device), (1, n))
    chosen = []
    for t in range(n - 2 * f):
        best = xp.argmin(krum_scores(dist, neighbours(n - t, f, variant), alive), axis=1)
        chosen.append(best)
        alive = alive & (columns != best[:, None])
    return xp.stack(chosen, axis=1)


@register("aggregator", "bulyan")
@dataclass(frozen=True)
class Bulyan(AggregatorSpec):
    """Bulyan: iterated Krum selects n - 2f inputs, then a coordinate-wise mean around the median."""

    variant: str = param("blanchard", OneOf(VARIANTS), "Krum neighbours: n-f-2 others (paper) or n-f-1")

    kappa_provenance = "no (f, kappa) constant in the sources read"

    def check_counts(self, n, f):
        require_workers(self, n, f, factor=4, extra=2)

    def aggregate(self, x, *, f, state=None, streams=None):
        self.check_counts(x.shape[1], f)
        selected = take_rows(x, bulyan_selection(x, f, self.variant))
        return mean_around_median(selected, selected.shape[1] - 2 * f), state
