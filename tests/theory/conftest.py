"""Shared fixtures for the theory tests: one generic set of problem constants for every record."""
from __future__ import annotations

import pytest

#: positive values for every input of every record (C_hat = n takes the full-participation branch)
GENERIC = {
    "L": 2.0, "L_tilde": 2.5, "L_pm": 0.5, "Lcal_pm": 0.7, "L_max": 3.0, "Lmax_ij": 3.0, "L_imax": 2.5, "ell": 1.5,
    "mu": 0.1, "Delta0": 3.0, "norm0": 0.2, "G0_EF": 0.3, "d": 50, "m": 40, "sigma": 0.8, "zeta2": 0.4, "B_z": 0.01,
    "G_het": 0.6, "B_het": 0.1, "n": 20, "f": 3, "n_good": 17, "delta": 0.15, "delta_real": 0.15, "kappa": 0.2,
    "c": 0.5, "c_delta": 0.075, "F_A": 1.0, "omega": 4.0, "alpha": 0.3, "alpha_w": 0.3, "alpha_M": 0.5, "k_sp": 10,
    "D_Q": 5.0, "p": 0.2, "b": 4, "b_prime": 3, "C": 5, "C_hat": 20, "pG": 0.9, "P_C": 0.3, "P_Chat": 0.9, "pkG": 0.4,
    "s_lad": 3, "N_lad": 20, "beta2_lad": 0.5, "lad_bias2": 0.01, "z_norm2": 0.3, "eta": 0.1, "grad_norm": 100.0,
    "b_f": 32, "b_idx": 6, "a": 0.1, "C_btard": 4, "D2_bg": 2.0,
}


@pytest.fixture
def generic():
    return dict(GENERIC)
