r"""A small convolutional network on scikit-learn's bundled digits (8x8 images, 10 classes).

Registered as problem ``"cnn_digits"``.  The images are scaled to [0, 1] (pixel / 16) and
standardised with the global mean and standard deviation; they are split over the honest workers
like ``logistic_real`` (:func:`~sims.problems.splits.split_indices`).  With C channels the
parameters :math:`x \in \mathbb R^d`, :math:`d = 370C + 10` (1490 for C = 4), are laid out as

    x = [W1 (C, 9) | b1 (C) | W2 (10, 36C) | b2 (10)]     (each block row-major).

Model, for an image with patch matrix :math:`P \in \mathbb R^{36\times 9}` (im2col of the 3x3 valid
convolution, computed once on the host: row p = 6 r + c is the patch at output pixel (r, c), column
k = 3 i + j its pixel (r + i, c + j)) and one-hot label :math:`y`:

.. math::
    z_1 = P W_1^\top + \mathbf 1 b_1^\top \in \mathbb R^{36\times C},\quad
    a_1 = \mathrm{vec}(\max(z_1, 0)) \in \mathbb R^{36C},\quad
    \ell = W_2 a_1 + b_2 \in \mathbb R^{10},

    f_i(x) = \frac1m \sum_{j=1}^m \bigl(\mathrm{lse}(\ell_{ij}) - y_{ij}^\top\ell_{ij}\bigr)
    + \frac\lambda2\|x\|^2 .

``vec`` is position-major: :math:`a_1[pC + c] = \max(z_1[p, c], 0)`.  (W1 reshaped to (C,1,3,3)
is a ``torch.nn.functional.conv2d`` weight; conv2d's output [N,C,6,6] matches a1 after
``.permute(0, 2, 3, 1).reshape(N, 36 C)``.)

Hand-written backpropagation over a minibatch of size b:
:math:`\delta = (\mathrm{softmax}(\ell) - y)/b`, :math:`\nabla W_2 = \sum \delta a_1^\top`,
:math:`\nabla b_2 = \sum\delta`, :math:`\delta_1 = (W_2^\top\delta) \odot [z_1 > 0]`,
:math:`\nabla W_1 = \sum \delta_1^\top P`, :math:`\nabla b_1 = \sum \delta_1`, plus
:math:`\lambda x`.  Everything is batched over the replica axis R and the worker axis h, with the
(sample, position) axes merged so that each product is one matmul (no [.., b, 36, C, 9] tensor).

Oracle: a minibatch of ``batch`` samples per worker, drawn with replacement.  Label flipping maps
y -> 9 - y (the convention of ByzFL and of Karimireddy et al.'s code).

Constants: a neural network has no known L, G or sigma; all are *sampled estimates* computed in
numpy at x0 and at ``n_probe`` points around it (radius up to ||x0||), and every ``exact`` flag is
False: L is the largest ratio ||grad f_H(u) - grad f_H(v)|| / ||u - v|| over nearby pairs
(v - u along a few finite-difference power-iteration steps, i.e. an estimate of the largest local
Hessian eigenvalue, not a bound); G^2 is the largest sampled dissimilarity (with B = 0); sigma^2
is the largest per-worker per-sample gradient variance over the probes divided by ``batch``.
f* = 0 is only a lower bound (cross-entropy and the l2 term are >= 0); mu = 0; x* is unknown.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..backend import Backend
from ..params import Integer, OneOf, Real, Spec, param, require
from ..registry import register
from .base import Constants, Problem
from .splits import split_indices

CLASSES = 10
POSITIONS = 36  # 6x6 outputs of a 3x3 valid convolution on 8x8
KERNEL = 9


@register("problem", "cnn_digits")
@dataclass(frozen=True)
class CNNDigitsSpec(Spec):
    """Conv(3x3, C channels) + ReLU + linear classifier on scikit-learn's digits (estimated constants)."""

    channels: int = param(4, Integer(1, None), "convolution channels C (d = 370 C + 10)")
    lam: float = param(1e-4, Real(0, None), "l2 regularisation weight lambda")
    batch: int = param(16, Integer(1, None), "minibatch size of the stochastic oracle (with replacement)")
    split: str = param("iid", OneOf(("iid", "dirichlet", "label_sorted")), "how samples go to workers")
    dir_alpha: float = param(1.0, Real(0, None, "neither"), "Dirichlet concentration (split = dirichlet)")
    seed: int = param(0, Integer(0, None), "seed of the problem instance (split, x0)")
    init_scale: float = param(1.0, Real(0, None, "neither"), "x0 weights ~ init_scale * N(0, 2/fan_in), biases 0")
    n_probe: int = param(16, Integer(1, None), "sampled points for the L, G and sigma estimates")
    test_fraction: float = param(0.0, Real(0, 1, "left"), "share of images held out for test_accuracy (0: none)")

    def dimension(self) -> int:
        C = self.channels
        return KERNEL * C + C + CLASSES * POSITIONS * C + CLASSES

    def check_setting(self, setting) -> None:
        N = len(self._held_out()[0])
        require(setting.n_honest <= N, "workers.n", setting.n,
                f"leaves {setting.n_honest} honest workers for {N} digit images: at most one worker per image")

    def worker_data(self, h: int):
        """Patches [h, m, 36, 9] and integer labels [h, m] of each honest worker."""
        P, labels = _digits()
        train, _ = self._held_out()
        rng = np.random.default_rng([self.seed, 0xD161])
        idx = train[split_indices(labels[train], h, self.split, rng, self.dir_alpha)]
        return P[idx], labels[idx]

    def test_data(self):
        """Held-out patches [N_test, 36, 9] and labels [N_test], or None (``test_fraction = 0``)."""
        P, labels = _digits()
        test = self._held_out()[1]
        return (P[test], labels[test]) if len(test) else None

    def _held_out(self):
        """Indices of the training and of the held-out images (a seeded permutation)."""
        N = len(_digits()[1])
        held = int(round(self.test_fraction * N))
        order = np.random.default_rng([self.seed, 0x7E57]).permutation(N) if held else np.arange(N)
        return order[held:], order[:held]

    def build(self, n_honest: int, backend: Backend) -> "CNNDigits":
        P, labels = self.worker_data(n_honest)
        return CNNDigits(self, P, labels, backend)


@functools.lru_cache(maxsize=1)
def _digits():
    """im2col patches [N, 36, 9] of the standardised 8x8 images, and the labels [N]."""
    from sklearn import datasets

    data = datasets.load_digits()
    img = data.images / 16.0
    img = (img - img.mean()) / img.std()
    windows = np.lib.stride_tricks.sliding_window_view(img, (3, 3), axis=(1, 2))  # [N, 6, 6, 3, 3]
    return np.ascontiguousarray(windows.reshape(len(img), POSITIONS, KERNEL)), data.target.astype(np.int64)


class CNNDigits(Problem):
    def __init__(self, spec: CNNDigitsSpec, P: np.ndarray, labels: np.ndarray, backend: Backend, constants=None):
        super().__init__(backend)
        self.spec = spec
        self.C = spec.channels
        self.n_honest, self.m = labels.shape
        self.d = spec.dimension()
        self.P_host, self.labels_host = P, labels
        onehot = np.eye(CLASSES)[labels]  # [h, m, 10]
        self._P, self._Y = backend.asarray(P), backend.asarray(onehot)
        self._Yflip = backend.asarray(onehot[..., ::-1])  # label y -> 9 - y
        self._labels = backend.asarray(labels, dtype="int64")
        self._rows = backend.asarray(np.arange(self.n_honest).reshape(1, -1, 1), dtype="int64")
        self.x0 = _he_init(spec)
        test = spec.test_data()
        self._test = None if test is None else (backend.asarray(test[0][None, None]),  # [1, 1, N, 36, 9]
                                                backend.asarray(np.eye(CLASSES)[test[1]][None, None]),
                                                backend.asarray(test[1][None], dtype="int64"))
        self.constants, self.x_star = constants or _constants(spec, self.n_honest)

    # -- the network ------------------------------------------------------------------------------
    def _unpack(self, x):
        xp, C, R = self.xp, self.C, x.shape[0]
        k1, k2 = KERNEL * C + C, KERNEL * C + C + CLASSES * POSITIONS * C
        return (xp.reshape(x[:, : KERNEL * C], (R, C, KERNEL)), x[:, KERNEL * C : k1],
                xp.reshape(x[:, k1:k2], (R, CLASSES, POSITIONS * C)), x[:, k2:])

    def _forward(self, x, P, Y):
        """x [R,d]; P [R',h,b,36,9], Y [R',h,b,10] (R' = R or 1).  Returns the per-sample cross-entropy
        [R,h,b], the log-softmax [R,h,b,10] and what backpropagation needs."""
        xp = self.xp
        W1, b1, W2, b2 = self._unpack(x)
        R, (Rp, h, b) = x.shape[0], P.shape[:3]
        Pf = xp.reshape(P, (Rp, h, b * POSITIONS, KERNEL))
        z1 = xp.matmul(Pf, xp.matrix_transpose(W1)[:, None]) + b1[:, None, None, :]  # [R,h,b*36,C]
        a1 = xp.reshape(xp.where(z1 > 0, z1, 0.0), (R, h, b, POSITIONS * self.C))
        logits = xp.matmul(a1, xp.matrix_transpose(W2)[:, None]) + b2[:, None, None, :]  # [R,h,b,10]
        shifted = logits - xp.max(logits, axis=-1, keepdims=True)
        logp = shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))
        return -xp.sum(Y * logp, axis=-1), logp, (Pf, z1, a1, W2)

    def _data_grad(self, x, P, Y):
        """Mean cross-entropy gradient over the sample axis: [R,h,d]."""
        xp = self.xp
        _, logp, (Pf, z1, a1, W2) = self._forward(x, P, Y)
        R, h, b = logp.shape[:3]
        delta = (xp.exp(logp) - Y) / b  # [R,h,b,10]
        dW2 = xp.matmul(xp.matrix_transpose(delta), a1)  # [R,h,10,36C]
        da1 = xp.reshape(xp.matmul(delta, W2[:, None]), z1.shape)  # [R,h,b*36,C]
        dz1 = xp.where(z1 > 0, da1, 0.0)
        dW1 = xp.matmul(xp.matrix_transpose(dz1), Pf)  # [R,h,C,9]
        return xp.concat([xp.reshape(dW1, (R, h, KERNEL * self.C)), xp.sum(dz1, axis=2),
                          xp.reshape(dW2, (R, h, CLASSES * POSITIONS * self.C)), xp.sum(delta, axis=2)], axis=-1)

    # -- the oracle -------------------------------------------------------------------------------
    def full_grad(self, x):
        return self._data_grad(x, self._P[None], self._Y[None]) + self.spec.lam * x[:, None, :]

    def local_loss(self, x):
        xp = self.xp
        ce = self._forward(x, self._P[None], self._Y[None])[0]
        return xp.mean(ce, axis=2) + 0.5 * self.spec.lam * xp.sum(x * x, axis=-1)[:, None]

    def draw(self, streams):
        return self.backend.asarray(streams.integers("oracle", self.m, (self.n_honest, self.spec.batch)), dtype="int64")

    def _minibatch_grad(self, x, sample, Y):
        """Gradient of the minibatches sample [R,h,b] with one-hot labels Y [h,m,10]: [R,h,d]."""
        return self._data_grad(x, self._P[self._rows, sample], Y[self._rows, sample]) + self.spec.lam * x[:, None, :]

    def stochastic_grad(self, x, sample):
        return self._minibatch_grad(x, sample, self._Y)

    def flipped_grad(self, x, streams):
        return self._minibatch_grad(x, self.draw(streams), self._Yflip)

    def metrics(self, x) -> dict:
        """The engine's extra metric columns: training ``accuracy`` and, with a held-out share,
        ``test_accuracy`` [R]."""
        out = {"accuracy": self.accuracy(x)}
        if self._test is not None:
            out["test_accuracy"] = self.accuracy(x, *self._test)
        return out

    def accuracy(self, x, P=None, Y=None, labels=None):
        """Classification accuracy, argmax of the logits = label, on all honest workers' samples (or on
        patches P [1, h, m, 36, 9] with one-hot Y and labels [h, m]): [R] (a backend array)."""
        xp = self.xp
        P, Y, labels = (self._P[None], self._Y[None], self._labels) if P is None else (P, Y, labels)
        logp = self._forward(x, P, Y)[1]
        hit = xp.astype(xp.argmax(logp, axis=-1) == labels, x.dtype)
        return xp.mean(xp.reshape(hit, (x.shape[0], -1)), axis=1)


def _he_init(spec: CNNDigitsSpec) -> np.ndarray:
    """x0: weights ~ init_scale * N(0, 2 / fan_in) (fan_in 9 and 36 C), biases 0."""
    C = spec.channels
    rng = np.random.default_rng([spec.seed, 0xF0])
    W1 = rng.standard_normal(KERNEL * C) * np.sqrt(2.0 / KERNEL)
    W2 = rng.standard_normal(CLASSES * POSITIONS * C) * np.sqrt(2.0 / (POSITIONS * C))
    return np.concatenate([spec.init_scale * W1, np.zeros(C), spec.init_scale * W2, np.zeros(CLASSES)])


POWER_STEPS = 5


@functools.lru_cache(maxsize=16)
def _constants(spec: CNNDigitsSpec, h: int):
    """Sampled estimates of L, G (B = 0) and sigma at x0 and n_probe points around it, in numpy."""
    P, labels = spec.worker_data(h)
    host = CNNDigits(spec, P, labels, Backend("numpy"), constants=(None, None))
    x0, d = host.x0, host.d
    rng = np.random.default_rng([spec.seed, 0xC0])
    r0 = np.linalg.norm(x0)
    dirs = _unit(rng.standard_normal((spec.n_probe, d)))
    probes = np.vstack([x0, x0 + dirs * (r0 * np.geomspace(0.1, 1.0, spec.n_probe))[:, None]])
    g = host.full_grad(probes)  # [P,h,d]
    gH = g.mean(axis=1)
    dissim = np.mean(np.sum((g - gH[:, None]) ** 2, axis=2), axis=1)
    # L: ||grad f_H(u + eps v) - grad f_H(u)|| / eps along finite-difference power iterations from random v
    eps = 1e-4 * r0
    v, L = _unit(rng.standard_normal(probes.shape)), 0.0
    for _ in range(POWER_STEPS):
        hv = (host.grad(probes + eps * v) - gH) / eps
        L = max(L, float(np.linalg.norm(hv, axis=1).max()))
        v = _unit(hv)
    # sigma^2: per-worker variance of the per-sample gradients (each sample its own batch of one)
    Ps, Ys = host.P_host.reshape(1, -1, 1, POSITIONS, KERNEL), np.eye(CLASSES)[labels].reshape(1, -1, 1, CLASSES)
    var = 0.0
    for u in probes:
        per_sample = host._data_grad(u[None], Ps, Ys)[0].reshape(h, host.m, d)
        spread = np.sum((per_sample - per_sample.mean(1, keepdims=True)) ** 2, axis=2)  # [h, m]
        var = max(var, float(spread.mean(axis=1).max()))
    exact = {"L": False, "mu": False, "G": False, "B": False, "sigma": False, "f_star": False}
    constants = Constants(L=L, mu=0.0, G=float(np.sqrt(dissim.max())), B=0.0, sigma=float(np.sqrt(var / spec.batch)),
                          f_star=0.0, exact=exact, extras={"d": float(d)})
    return constants, None


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)
