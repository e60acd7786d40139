"""Slow per-replica, per-worker references of the issue-5 algorithms, written from
specs/algorithms.md 1.3, 9, 10, 12 and 14 with plain numpy loops.

Nothing from ``sims`` is called: gradients come from the problems' host data (the quadratic's
eigenvalues / centre / curvature scales / shifts, the least-squares subsets), and randomness from
the same ``ReplicaStreams`` generators, one replica at a time, in the order the specs fix (oracle,
compressor, attack, aggregator), so both implementations see identical numbers.  Components:
identity / Top-K / Rand-K compressors, ALIE (Baruch z, ddof 1) and sign flipping, the mean, CWTM,
Krum (n - f - 2 closest others) and Multi-Krum (m = n - f).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm


class Ref:
    """One run's components, applied to one replica's list of worker vectors."""

    def __init__(self, problem, streams, *, n, f, attack="alie", aggregator="cwtm", compressor="identity",
                 k=None, b_f=32, sigma=0.0):
        self.p, self.streams, self.n, self.f, self.h = problem, streams, n, f, n - f
        self.attack, self.aggregator, self.compressor, self.k = attack, aggregator, compressor, k
        self.b_f, self.d, self.sigma = b_f, problem.d, sigma

    def gen(self, purpose, r):
        return self.streams.generators(purpose)[r]

    # --- oracles -----------------------------------------------------------------------------
    def quad_grad(self, i, x):
        """grad f_i(x) = (1 + s_i) A_bar (x - c) - b_i of the diagonal quadratic."""
        p = self.p
        return (1 + p.s[i]) * p.eigenvalues * (x - p.center) - p.shifts[i]

    def noise(self, r):
        """This round's Gaussian oracle noise of replica r: [h, d] (zeros when sigma = 0, no draw)."""
        if self.sigma == 0:
            return np.zeros((self.h, self.d))
        return self.gen("oracle", r).standard_normal((self.h, self.d)) * (self.sigma / math.sqrt(self.d))

    def subset_grad(self, j, x):
        """grad F_j(x) = A_j^T (A_j x - y_j) / m + lambda x of least-squares subset j."""
        A, y = self.p.A_host[j], self.p.y_host[j]
        out = np.zeros(self.d)
        for a, label in zip(A, y):
            out += a * (a @ x - label)
        return out / len(A) + self.p.spec.lam * x

    # --- compression, one worker ----------------------------------------------------------------
    def compress(self, v, key=None):
        """(decoded message, bits) of one worker: Top-K keeps the K largest |v_j|; Rand-K the K
        smallest of its uniform ``key`` [d] (see :meth:`keys`), scaled by d / K."""
        if self.compressor == "identity":
            return v.copy(), self.d * self.b_f
        topk = self.compressor == "topk"
        kept = (np.argsort(-np.abs(v), kind="stable") if topk else np.argsort(key))[: self.k]
        out = np.zeros(self.d)
        out[kept] = v[kept] * (1.0 if topk else self.d / self.k)
        return out, self.k * (self.b_f + math.ceil(math.log2(self.d)))

    def keys(self, r):
        """Rand-K's uniform keys [h, d] of replica r's h messages this round (one draw), else None."""
        if self.compressor != "randk":
            return [None] * self.h
        return self.gen("compress", r).random((self.h, self.d))

    # --- attack and aggregation -------------------------------------------------------------------
    def craft(self, honest):
        if self.attack == "none" or self.f == 0:
            return []
        H = np.array(honest)
        if self.attack == "sign_flip":
            v = -H.mean(0)
        else:
            s = math.floor(self.n / 2 + 1) - self.f
            v = H.mean(0) - norm.ppf((self.n - s) / self.n) * H.std(0, ddof=1)
        return [v.copy() for _ in range(self.f)]

    def aggregate(self, msgs):
        M, f = np.array(msgs), self.f
        if self.aggregator == "mean":
            return M.mean(0)
        if self.aggregator == "cwtm":
            out = np.zeros(self.d)
            for c in range(self.d):
                col = sorted(M[:, c])
                out[c] = np.mean(col[f:len(col) - f])
            return out
        n = len(msgs)
        scores = []
        for i in range(n):
            dist = sorted(float(np.sum((M[i] - M[j]) ** 2)) for j in range(n) if j != i)
            scores.append(sum(dist[: n - f - 2]))
        order = sorted(range(n), key=lambda i: (scores[i], i))
        m = 1 if self.aggregator == "krum" else n - f
        return np.mean([M[i] for i in order[:m]], axis=0)


def ef21_momentum(ref, x0, lr, eta, T, *, double=False, storm=False, start="zero", style="ema",
                  byzantine_state="own", worker_update=True, storm_sample="same"):
    """Byz-EF21-SGDM (specs 9), Byz-DM21 (``double``), Byz-VR-DM21 (``double`` + ``storm``; specs 10).

    Must-fail switches: ``byzantine_state="last_honest"`` rebuilds every Byzantine state from the last
    honest one (pitfall #8); ``worker_update=False`` never updates the worker's EF21 state (pitfall #9);
    ``storm_sample="previous"`` evaluates x^{t-1} on the previous round's sample (not STORM)."""
    R, h, n = len(lr), ref.h, ref.h + (0 if ref.attack == "none" else ref.f)
    xs, bits, evals = [], [], []
    for r in range(R):
        x, x_prev = x0.copy(), x0.copy()
        v = [np.zeros(ref.d) for _ in range(h)]
        u = [np.zeros(ref.d) for _ in range(h)]
        g = [np.zeros(ref.d) for _ in range(n)]
        worker_g = [np.zeros(ref.d) for _ in range(h)]
        last_noise = np.zeros((h, ref.d))
        traj, rb, re = [x.copy()], [], []
        for t in range(T):
            first = start == "gradient" and t == 0
            noise = ref.noise(r)
            w = 1.0 if first else eta[r]
            calls = 1.0 if (first or not storm) else 2.0
            for i in range(h):
                s_i = ref.quad_grad(i, x) + noise[i]
                if storm and not first:
                    prev_noise = noise[i] if storm_sample == "same" else last_noise[i]
                    v[i] = s_i + (1 - eta[r]) * (v[i] - (ref.quad_grad(i, x_prev) + prev_noise))
                elif storm:
                    v[i] = s_i
                else:
                    v[i] = (1 - w) * v[i] + (w * s_i if style == "ema" else s_i)
                if double:
                    u[i] = (1 - w) * u[i] + (w * v[i] if style == "ema" else v[i])
            last_noise = noise
            target = u if double else v
            keys = None if first else ref.keys(r)
            row = []
            for i in range(h):
                delta = target[i] - worker_g[i]
                c, b = (delta.copy(), ref.d * ref.b_f) if first else ref.compress(delta, keys[i])
                g[i] = g[i] + c
                if worker_update:
                    worker_g[i] = worker_g[i] + c
                row.append(b)
            crafted = ref.craft(g[:h])
            for j, b in enumerate(crafted):
                g[h + j] = b if byzantine_state == "own" else g[h - 1].copy()
            x_prev = x
            x = x - lr[r] * ref.aggregate(g)
            traj.append(x.copy())
            rb.append(row)
            re.append(calls)
        xs.append(traj)
        bits.append(rb)
        evals.append(re)
    return np.array(xs), np.array(bits), np.array(evals)


def lad(ref, x0, lr, T, s, *, assignment="random", coding="mean"):
    """LAD / Com-LAD (specs 12): windows W_i = pi_t(i..i+s-1) mod N, z_i = sum B_ij grad F_j, Q(z_i), Agg."""
    R, h, N = len(lr), ref.h, ref.n
    xs, bits = [], []
    for r in range(R):
        x = x0.copy()
        traj, rb = [x.copy()], []
        for _ in range(T):
            labels = np.argsort(ref.gen("sampling", r).random(N)) if assignment == "random" else np.arange(N)
            keys = ref.keys(r)
            msgs, row = [], []
            for i in range(h):
                window = [labels[(i + k) % N] for k in range(s)]
                z = sum(ref.subset_grad(j, x) for j in window)
                z = z / s if coding == "mean" else z
                q, b = ref.compress(z, keys[i])
                msgs.append(q)
                row.append(b)
            x = x - lr[r] * ref.aggregate(msgs + ref.craft(msgs))
            traj.append(x.copy())
            rb.append(row)
        xs.append(traj)
        bits.append(rb)
    return np.array(xs), np.array(bits)


def krum_sgd(ref, x0, lr, lr_decay, T):
    """Krum-SGD / Multi-Krum-SGD (specs 1.3): x_{t+1} = x_t - lr / (1 + lr_decay t) * F(V_1..V_n)."""
    xs = []
    for r in range(len(lr)):
        x = x0.copy()
        traj = [x.copy()]
        for t in range(T):
            noise = ref.noise(r)
            honest = [ref.quad_grad(i, x) + noise[i] for i in range(ref.h)]
            x = x - lr[r] / (1 + lr_decay[r] * t) * ref.aggregate(honest + ref.craft(honest))
            traj.append(x.copy())
        xs.append(traj)
    return np.array(xs)
