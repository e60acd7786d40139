r"""Mean, coordinate-wise median and coordinate-wise trimmed mean.

* Mean: not robust (Blanchard et al. 2017, Lemma 1): no kappa.
* CWMed: per coordinate the median; for even n the average of the two middle values (NumPy's
  convention; ``torch.median`` returns the lower one, so we sort and average ourselves).
* CWTM(f): per coordinate drop the f smallest and f largest values and average the n - 2f others;
  needs n > 2f.

kappa values (Allouah et al., AISTATS 2023, Table 1; specs/components.md 3.1):
CWTM ``6f/(n-2f) * (1 + f/(n-2f))``; CWMed ``4 (1 + f/(n-2f))^2``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import namespace
from ..registry import register
from .base import AggregatorSpec, needs_honest_majority


def coordinate_median(x):
    """Median over axis 1 of x [R,n,d], averaging the two middle values when n is even."""
    xp = namespace(x)
    s = xp.sort(x, axis=1)
    n = x.shape[1]
    if n % 2:
        return s[:, n // 2, :]
    return 0.5 * (s[:, n // 2 - 1, :] + s[:, n // 2, :])


def trimmed_mean(x, trim: int):
    """Drop the ``trim`` smallest and largest values per coordinate, average the rest."""
    xp = namespace(x)
    n = x.shape[1]
    if trim == 0:
        return xp.mean(x, axis=1)
    s = xp.sort(x, axis=1)
    return xp.mean(s[:, trim : n - trim, :], axis=1)


@register("aggregator", "mean")
@dataclass(frozen=True)
class Mean(AggregatorSpec):
    """Plain average: the no-defence baseline."""

    kappa_provenance = "not robust (Blanchard et al. 2017, Lemma 1)"

    def aggregate(self, x, *, f, state=None, streams=None):
        return namespace(x).mean(x, axis=1), state


@register("aggregator", "cwmed")
@dataclass(frozen=True)
class CoordinateMedian(AggregatorSpec):
    """Coordinate-wise median (NumPy's even-n convention)."""

    kappa_provenance = "Allouah et al. 2023, Table 1 (recalled constant, UNVERIFIED; Theta(1) rule)"

    def kappa(self, n, f):
        return 4.0 * (1.0 + f / (n - 2 * f)) ** 2 if n > 2 * f else None

    def check_setting(self, setting):
        needs_honest_majority(self, setting)

    def aggregate(self, x, *, f, state=None, streams=None):
        return coordinate_median(x), state


@register("aggregator", "cwtm")
@dataclass(frozen=True)
class CoordinateTrimmedMean(AggregatorSpec):
    """Coordinate-wise trimmed mean dropping f values at each end."""

    kappa_provenance = "Allouah et al. 2023, Table 1 (recalled constant, UNVERIFIED; order O(f/n) V-sec)"

    def kappa(self, n, f):
        q = f / (n - 2 * f)
        return 6.0 * q * (1.0 + q) if n > 2 * f else None

    def check_setting(self, setting):
        needs_honest_majority(self, setting)

    def aggregate(self, x, *, f, state=None, streams=None):
        return trimmed_mean(x, f), state
