r"""Logistic regression over per-worker data, synthetic or from scikit-learn's bundled datasets.

.. math::
    f_i(x) = \frac1m\sum_{j=1}^m \log\bigl(1+e^{-y_{ij} a_{ij}^\top x}\bigr) + r(x),\qquad
    r(x) = \tfrac\lambda2\|x\|^2 \ \text{(l2)}\quad\text{or}\quad \lambda\sum_k \frac{x_k^2}{1+x_k^2}
    \ \text{(nonconvex)}.

Constants: :math:`L = \lambda_{\max}(\frac{1}{hm}\sum_{ij} a_{ij}a_{ij}^\top)/4 + L_r` with
:math:`L_r = \lambda` (l2) or :math:`2\lambda` (the non-convex regulariser's second derivative
:math:`2\lambda(1-3t^2)/(1+t^2)^3 \in [-\lambda/2, 2\lambda]`): an upper bound, exact for the data.
mu = lambda for l2 (a lower bound on the PL constant), 0 otherwise.  f* is computed by L-BFGS on
f_H.  Gradients are bounded, so B = 0 is valid and G^2 is *estimated* as the largest sampled
dissimilarity; sigma^2 (minibatch oracle) is estimated the same way.  Those two are flagged
``exact=False``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ..backend import Backend
from ..params import Integer, OneOf, Real, Spec, param
from ..registry import register
from .base import Constants, GathersMinibatchRows, Problem
from .splits import split_indices
from .subsets import split_samples

REGULARISERS = ("l2", "nonconvex")


@dataclass(frozen=True)
class _LogisticCommon(GathersMinibatchRows, Spec):
    lam: float = param(1e-3, Real(0, None), "regularisation weight lambda")
    reg: str = param("l2", OneOf(REGULARISERS), "regulariser r(x)")
    batch: int = param(8, Integer(1, None), "minibatch size of the stochastic oracle (with replacement)")
    x0_scale: float = param(0.0, Real(0, None), "x0 ~ x0_scale * N(0, I/d) (0: start at the origin)")
    seed: int = param(0, Integer(0, None), "seed of the problem instance (data, split, x0)")
    n_probe: int = param(64, Integer(1, None), "sampled points for the (G,B) and sigma estimates")

    def worker_data(self, h: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - interface
        """Features [h, m, d] and +-1 labels [h, m] of the ``h`` honest workers."""
        raise NotImplementedError

    def build(self, n_honest: int, backend: Backend) -> "Logistic":
        A, y = self.worker_data(n_honest)
        return Logistic(self, A, y, backend)


@register("problem", "logistic")
@dataclass(frozen=True)
class LogisticSpec(_LogisticCommon):
    """Synthetic logistic regression; ``het`` shifts each worker's features and true model."""

    d: int = param(10, Integer(1, None), "dimension")
    m: int = param(50, Integer(1, None), "samples per worker")
    het: float = param(0.5, Real(0, None), "heterogeneity knob: 0 = iid workers")

    def worker_data(self, h: int):
        rng = np.random.default_rng([self.seed, 0x106])
        d, m = self.d, self.m
        w = rng.standard_normal(d)
        w_i = w + self.het * rng.standard_normal((h, d))
        A = rng.standard_normal((h, m, d)) + self.het * rng.standard_normal((h, 1, d))
        A /= np.sqrt(d)
        p = 1.0 / (1.0 + np.exp(-np.einsum("hmd,hd->hm", A, w_i) * np.sqrt(d)))
        y = np.where(rng.random((h, m)) < p, 1.0, -1.0)
        return A, y

    def test_data(self):
        """Held-out test samples: ``m`` fresh ones from the common model w (without the workers'
        shifts), drawn from a stream of their own (the training data are unchanged)."""
        rng = np.random.default_rng([self.seed, 0x7E57])
        w = np.random.default_rng([self.seed, 0x106]).standard_normal(self.d)
        A = rng.standard_normal((self.m, self.d)) / np.sqrt(self.d)
        p = 1.0 / (1.0 + np.exp(-(A @ w) * np.sqrt(self.d)))
        return A, np.where(rng.random(self.m) < p, 1.0, -1.0)


@dataclass(frozen=True)
class LabelledDataSpec(_LogisticCommon):
    """Public base of logistic regression on a labelled dataset (features X [N, d], class labels [N]).

    A subclass implements :meth:`load` (and, for labels that are not already +-1, :meth:`signs`);
    it gets the split across workers (iid, Dirichlet over the class labels, label-sorted), a held-out
    test share for ``test_accuracy``, and the constants of :class:`Logistic`.  Data files it reads
    belong in :meth:`data_files`, so that results follow their contents (:mod:`sims.store`)."""

    split: str = param("iid", OneOf(("iid", "dirichlet", "label_sorted")), "how samples go to workers")
    dir_alpha: float = param(1.0, Real(0, None, "neither"), "Dirichlet concentration (split = dirichlet)")
    test_fraction: float = param(0.0, Real(0, 1, "left"), "share of samples held out for test_accuracy (0: none)")

    def load(self) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - interface
        """Features [N, d] (float) and class labels [N]."""
        raise NotImplementedError

    def signs(self, labels: np.ndarray) -> np.ndarray:
        """The +-1 targets of the class labels (default: the labels themselves, which must be +-1)."""
        return labels.astype(float)

    def data_files(self) -> tuple[str, ...]:
        """Paths of the files :meth:`load` reads (their contents are part of the store key)."""
        return ()

    def dimension(self) -> int:
        return self.load()[0].shape[1]

    def _labelled(self):
        """Features, +-1 labels, class labels, and the indices of the training samples (the rest is held out)."""
        X, labels = self.load()
        y = self.signs(labels)
        held = int(round(self.test_fraction * len(y)))
        order = np.random.default_rng([self.seed, 0x7E57]).permutation(len(y)) if held else np.arange(len(y))
        return X, y, labels, order[held:], order[:held]

    def worker_data(self, h: int):
        X, y, labels, train, _ = self._labelled()
        rng = np.random.default_rng([self.seed, 0x5E])
        idx = train[split_indices(labels[train], h, self.split, rng, self.dir_alpha)]
        return X[idx], y[idx]

    def test_data(self):
        X, y, _, _, test = self._labelled()
        return (X[test], y[test]) if len(test) else None


@register("problem", "logistic_real")
@dataclass(frozen=True)
class LogisticRealSpec(LabelledDataSpec):
    """Logistic regression on scikit-learn's bundled breast_cancer or digits (one class vs rest)."""

    dataset: str = param("breast_cancer", OneOf(("breast_cancer", "digits")), "bundled dataset")
    digit: int = param(0, Integer(0, 9), "positive class for digits (one-vs-rest)")

    def load(self):
        return _load(self.dataset)

    def signs(self, labels):
        positive = 1 if self.dataset == "breast_cancer" else self.digit
        return np.where(labels == positive, 1.0, -1.0)


@functools.lru_cache(maxsize=4)
def _load(name: str):
    from sklearn import datasets

    data = datasets.load_breast_cancer() if name == "breast_cancer" else datasets.load_digits()
    return standardized(data.data.astype(float)), data.target


def standardized(X: np.ndarray) -> np.ndarray:
    """Columns to zero mean and unit variance, plus a bias column, rows scaled by 1/sqrt(d + 1)."""
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    return np.hstack([X, np.ones((len(X), 1))]) / np.sqrt(X.shape[1] + 1)


class Logistic(Problem):
    def __init__(self, spec: _LogisticCommon, A: np.ndarray, y: np.ndarray, backend: Backend, constants=None):
        super().__init__(backend)
        self.spec = spec
        self.n_honest, self.m, self.d = A.shape
        self.A_host, self.y_host = A, y
        self._A, self._y = backend.asarray(A), backend.asarray(y)
        rng = np.random.default_rng([spec.seed, 0xF0])
        self.x0 = spec.x0_scale * rng.standard_normal(self.d) / np.sqrt(self.d)
        self.constants, self.x_star = constants or _constants(spec, A.shape[0])

    # r(x) and its gradient
    def _reg(self, x):
        lam = self.spec.lam
        if self.spec.reg == "l2":
            return 0.5 * lam * self.xp.sum(x * x, axis=-1), lam * x
        t = x * x
        return lam * self.xp.sum(t / (1 + t), axis=-1), 2 * lam * x / (1 + t) ** 2

    def _data_grad(self, x, A, y):
        """Mean logistic gradient over the sample axis: A [.., h, b, d], y [.., h, b], x [R,d]."""
        xp = self.xp
        z = xp.matmul(A, x[:, None, :, None])[..., 0]  # [R,h,b]
        s = -y / (1 + xp.exp(y * z))  # d/dz log(1+exp(-yz))
        return xp.matmul(s[:, :, None, :], A)[:, :, 0, :] / A.shape[-2]

    def full_grad(self, x):
        return self._data_grad(x, self._A[None], self._y[None]) + self._reg(x)[1][:, None, :]

    def local_loss(self, x):
        xp = self.xp
        z = xp.matmul(self._A[None], x[:, None, :, None])[..., 0]
        return xp.mean(xp.logaddexp(xp.zeros_like(z), -self._y[None] * z), axis=2) + self._reg(x)[0][:, None]

    def draw(self, streams):
        return self.backend.asarray(streams.integers("oracle", self.m, (self.n_honest, self.spec.batch)), dtype="int64")

    def _picked(self, sample):
        xp = self.xp
        rows = xp.reshape(xp.arange(self.n_honest), (1, self.n_honest, 1))
        return self._A[rows, sample], self._y[rows, sample]

    def stochastic_grad(self, x, sample):
        A, y = self._picked(sample)
        return self._data_grad(x, A, y) + self._reg(x)[1][:, None, :]

    def flipped_grad(self, x, streams):
        A, y = self._picked(self.draw(streams))
        return self._data_grad(x, A, -y) + self._reg(x)[1][:, None, :]

    def metrics(self, x) -> dict:
        """Training accuracy over the honest workers' samples, P[sign(a^T x) = y], and held-out test
        accuracy on the spec's ``test_data()`` (NaN without one): ``{name: [R]}``."""
        xp = self.xp
        out = {"accuracy": _hits(xp, self._A, self._y, x)}
        test = self.spec.test_data() if hasattr(self.spec, "test_data") else None
        if test is not None:
            A, y = (self.backend.asarray(a) for a in test)
            out["test_accuracy"] = _hits(xp, A, y, x)
        return out

    def subset_grads(self, x, N: int):
        """grad F_j(x) of the honest workers' pooled samples split, in order, into N equal
        subsets (LAD's data subsets): [R,N,d]; their mean is grad(x)."""
        A, y = split_samples(self._A, self._y, N)
        return self._data_grad(x, A[None], y[None]) + self._reg(x)[1][:, None, :]


def _hits(xp, A, y, x):
    """Fraction of samples (over every axis of A [.., d] but the last) with sign(a^T x) = y: [R]."""
    z = xp.reshape(A, (-1, A.shape[-1])) @ xp.matrix_transpose(x)  # [N, R]
    return xp.mean(xp.astype(z * xp.reshape(y, (-1, 1)) > 0, x.dtype), axis=0)


@functools.lru_cache(maxsize=16)
def _constants(spec, h):
    """L bound, f* by L-BFGS, and sampled estimates of G (B = 0) and sigma, computed in numpy."""
    A, y = spec.worker_data(h)
    host = Logistic(spec, A, y, Backend("numpy"), constants=(None, None))
    hh, m, d = A.shape
    lam_max = np.linalg.eigvalsh(np.einsum("hmd,hme->de", A, A) / (hh * m))[-1]
    L_reg = spec.lam if spec.reg == "l2" else 2 * spec.lam

    def fg(x):
        X = x[None, :]
        return float(host.loss(X)[0]), host.grad(X)[0]

    res = minimize(fg, np.zeros(d), jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 5000})
    x_star = res.x
    rng = np.random.default_rng([spec.seed, 0xC0])
    radii = np.geomspace(0.1, 10.0, spec.n_probe) * max(1.0, np.linalg.norm(x_star))
    dirs = rng.standard_normal((spec.n_probe, d))
    probes = np.vstack([x_star, x_star + dirs / np.linalg.norm(dirs, axis=1, keepdims=True) * radii[:, None]])
    g = host.full_grad(probes)
    dissim = np.mean(np.sum((g - g.mean(1, keepdims=True)) ** 2, axis=2), axis=1)
    # per-sample gradient variance at the probes (exact over the finite sum), divided by the batch
    z = np.einsum("hmd,rd->rhm", A, probes)
    s = -y[None] / (1 + np.exp(y[None] * z))
    per_sample = s[..., None] * A[None]  # [P,h,m,d]
    var = np.mean(np.sum((per_sample - per_sample.mean(2, keepdims=True)) ** 2, axis=3), axis=2).max(axis=1)
    sigma = float(np.sqrt(var.max() / spec.batch))
    exact = {"L": False, "mu": spec.reg == "l2", "G": False, "B": True, "sigma": False, "f_star": False}
    constants = Constants(
        L=float(lam_max / 4 + L_reg), mu=float(spec.lam if spec.reg == "l2" else 0.0),
        G=float(np.sqrt(dissim.max())), B=0.0, sigma=sigma, f_star=float(res.fun), exact=exact,
        extras={"d": float(d)},
    )
    return constants, (x_star if spec.reg == "l2" else None)

