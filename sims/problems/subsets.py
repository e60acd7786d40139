"""Data subsets for gradient-coding methods (LAD / Com-LAD, specs/algorithms.md 12).

A problem that can serve LAD offers ``subset_grads(x[R,d], N) -> [R,N,d]``: the gradients
:math:`\\nabla F_j(x)` of the N equal, consecutive subsets its dataset splits into, so that
:math:`F = \\frac1N\\sum_j F_j` is the objective the engine measures (``grad`` is their mean).
"""
from __future__ import annotations

from ..backend import namespace
from ..errors import ConfigError


def split_samples(A, y, N: int):
    """The samples of A [..., m, d] / y [..., m], in order, as N consecutive equal subsets:
    ([N, c, d], [N, c]).  Refused unless N divides the number of samples."""
    xp = namespace(A)
    d = A.shape[-1]
    total = 1
    for size in A.shape[:-1]:
        total *= size
    if N < 1 or total % N:
        raise ConfigError("workers.n", N, f"LAD splits the {total} samples into n equal data subsets: "
                                          f"n must divide {total}")
    return xp.reshape(A, (N, total // N, d)), xp.reshape(y, (N, total // N))
