"""LAD and Com-LAD (C. Li, Allouah, Guerraoui, Skoglund, Xiao, arXiv 2603.28780; ``specs/theorems.md`` §14).

[RECON; UNVERIFIED] Robust D-GD (gamma = 1/L) on coded vectors z_i = (1/s) sum_{j in W_i} grad F_j.
Key identity [DERIVED, exact; ``lad_dispersion``]: for a window W of s distinct subsets drawn uniformly
without replacement from N, E||(1/s) sum_{j in W} grad F_j - grad F||^2 = beta^2 (N - s)/(s (N - 1)).
Hence the floor kappa beta^2 (N-s)/(s(N-1)) (+ an honest-coverage bias); Com-LAD adds a compression term
lad_k3 kappa omega mean||z_i||^2.  Which of these the paper states is unknown (abstract only).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..provenance import Provenance as P
from ..symbols import L, N_lad, T, Delta0, beta2_lad, k_sp, kappa, lad_bias2, omega, s_lad, z_norm2
from ..theorem import NamedConstant, Theorem
from ._common import DENSE, provenance, sparse

PAPER = "C. Li, Allouah, Guerraoui, Skoglund, Xiao, arXiv 2603.28780 (LAD)"
K = {i: NamedConstant(f"lad_k{i}", 1.0, P.UNVERIFIED, "template constant, unknown") for i in (1, 2, 3)}
_disp = beta2_lad * (N_lad - s_lad) / (s_lad * (N_lad - 1))
_floor = K[1].s * kappa * _disp + K[2].s * lad_bias2
ASSUMPTIONS = ("F L-smooth, bounded below", "beta^2 heterogeneity over data subsets", "F (f,kappa)-robust", "cyclic gradient code with redundancy s")


def lad_dispersion(beta2: float, N: int, s: int) -> float:
    """beta^2 (N - s)/(s (N - 1)): expected squared error of a uniform s-subset mean [DERIVED, exact]."""
    return beta2 * (N - s) / (s * (N - 1)) if N > 1 else 0.0


def lad_dispersion_enumerated(grads: np.ndarray, s: int) -> float:
    """The same expectation by enumerating every s-subset of the rows of ``grads`` [N, d] (for tests)."""
    mean = grads.mean(axis=0)
    errs = [np.sum((grads[list(w)].mean(axis=0) - mean) ** 2) for w in itertools.combinations(range(len(grads)), s)]
    return float(np.mean(errs))


def _lad(com: bool) -> Theorem:
    fl = _floor + (K[3].s * kappa * omega * z_norm2 if com else 0)
    return Theorem(
        key=("com_lad" if com else "lad") + ".nc",
        algorithm="com_lad" if com else "lad",
        paper=PAPER,
        reference="main theorem (reconstructed as Robust D-GD on coded gradients)",
        setting="nonconvex",
        criterion="sqnorm_le_eps2",
        assumptions=ASSUMPTIONS + (("unbiased Q(omega) after encoding",) if com else ()),
        hyper={"gamma": 1 / L},
        bound=2 * L * Delta0 / T + fl,
        floor=fl,
        constants=(K[1], K[2]) + ((K[3],) if com else ()),
        provenance=provenance(P.RECON, hyper=["gamma"], criterion=P.UNVERIFIED),
        averaging="(1/T) sum_{t<T}",
        bits_per_round=sparse(k_sp) if com else DENSE,
        notes="floor shrinks with s and vanishes at s = N up to the coverage bias; compression term non-vanishing.",
    )


lad_nc = _lad(False)
com_lad_nc = _lad(True)

THEOREMS = (lad_nc, com_lad_nc)
