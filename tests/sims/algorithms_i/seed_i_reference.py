"""Slow reference implementations of the issue-4 algorithms, written from specs/algorithms.md.

Plain numpy loops over replicas and workers; nothing from sims.algorithms is used.  They share with
the vectorised modules only the problem oracle (full_grad / draw / stochastic_grad, called on all
replicas at once because that is where the oracle draws its randomness) and the ReplicaStreams
draws, made in the same order, so both see identical randomness.  Components are re-implemented
here per replica: identity / Rand-K / coordinated Rand-K / Top-K compressors, the no / sign-flip /
fixed-z ALIE attacks, the mean and coordinate-wise trimmed mean.
"""
from __future__ import annotations

import math

import numpy as np


class World:
    """One experiment's components, applied one replica (and one worker) at a time."""

    def __init__(self, problem, streams, *, n, f, compressor="identity", k=None, attack="none", z=1.0,
                 aggregator="mean", declared_f=None, b_f=32):
        self.problem, self.streams, self.n, self.f = problem, streams, n, f
        self.h = n - f
        self.senders = self.h if attack == "none" else n
        self.compressor, self.k, self.attack, self.z, self.aggregator = compressor, k, attack, z, aggregator
        self.declared_f = f if declared_f is None else declared_f
        self.b_f, self.d, self.R = b_f, problem.d, streams.R

    # --- aggregation and attack, one replica ------------------------------------------------
    def agg(self, msgs, f_tol=None):
        M = np.array(msgs)
        trim = self.declared_f if f_tol is None else f_tol
        if self.aggregator == "mean" or trim == 0:
            return M.mean(axis=0)
        S = np.sort(M, axis=0)
        return S[trim:len(msgs) - trim].mean(axis=0)

    def craft(self, honest):
        """The f Byzantine vectors (empty when silent) from the honest ones."""
        if self.attack == "none" or self.f == 0:
            return []
        H = np.array(honest)
        if self.attack == "sign_flip":
            v = -H.mean(axis=0)
        else:  # alie, fixed z
            v = H.mean(axis=0) - self.z * H.std(axis=0, ddof=1)
        return [v.copy() for _ in range(self.f)]

    # --- compression -------------------------------------------------------------------------
    def masks(self, m):
        """The compressor's draws for one call on m messages per replica."""
        if self.compressor == "randk":
            return self.streams.subsets("compress", self.d, self.k, (m,))
        return None

    def shared_mask(self):
        if self.compressor == "coordinated_randk":
            return self.streams.subsets("shared", self.d, self.k)
        return None

    def compress(self, v, masks, r, i):
        """(decoded message, bits) of worker i of replica r."""
        d = self.d
        if self.compressor == "identity":
            return v.copy(), d * self.b_f
        out = np.zeros(d)
        if self.compressor == "topk":
            keep = np.argsort(-np.abs(v), kind="stable")[: self.k]
            out[keep] = v[keep]
        else:
            keep = masks[r, i] if self.compressor == "randk" else masks[r]
            out[keep] = v[keep] * (d / self.k)
        index_bits = 0 if self.compressor == "coordinated_randk" else math.ceil(math.log2(d))
        return out, self.k * (self.b_f + index_bits)

    def restrict(self, v, masks, r):
        """What the server can enforce on a Byzantine message (the shared mask's support)."""
        if self.compressor != "coordinated_randk":
            return v
        out = np.zeros(self.d)
        out[masks[r]] = v[masks[r]]
        return out

    def omega(self):
        return 0.0 if self.compressor == "identity" else self.d / self.k - 1

    # --- helpers ---------------------------------------------------------------------------
    def grads(self, xs):
        return self.problem.full_grad(np.array(xs))

    def page(self, xs_new, xs_old):
        full = self.problem.full_grad(np.array(xs_new))
        sample = self.problem.draw(self.streams)
        diff = (self.problem.stochastic_grad(np.array(xs_new), sample)
                - self.problem.stochastic_grad(np.array(xs_old), sample))
        return full, diff

    def coins(self, p):
        u = self.streams.uniform("shared", ())
        return [bool(u[r] < p[r]) for r in range(self.R)]

    def page_round(self, xs, gs, lr, p):
        """The start of a MARINA / PAGE round: x^{k+1}, the coins, full gradients and same-sample
        differences, then the compressor's draws (in that order)."""
        new = [xs[r] - lr[r] * gs[r] for r in range(self.R)]
        c = self.coins(p)
        full, diff = self.page(new, xs)
        return new, c, full, diff, self.masks(self.h)


def _start(w, x0):
    xs = [x0.copy() for _ in range(w.R)]
    full = w.grads(xs)
    gs = [full[r].mean(axis=0) for r in range(w.R)]
    copies = [[full[r, i].copy() for i in range(w.h)] + [gs[r].copy() for _ in range(w.senders - w.h)]
              for r in range(w.R)]
    return xs, gs, copies, full


# ------------------------------------------------------------------------------------------------
def rosdhb(w, x0, lr, beta, T):
    """RoSDHB (specs 11): shared mask S_t, g~_i = d/k 1_S g_i, server momenta, F, step."""
    xs = [x0.copy() for _ in range(w.R)]
    ms = [[np.zeros(w.d) for _ in range(w.senders)] for _ in range(w.R)]
    bits = []
    for _ in range(T):
        mask = w.shared_mask()
        g = w.problem.stochastic_grad(np.array(xs), w.problem.draw(w.streams))
        for r in range(w.R):
            sent = [w.compress(g[r, i], mask, r, i) for i in range(w.h)]
            honest = [v for v, _ in sent]
            msgs = honest + [w.restrict(b, mask, r) for b in w.craft(honest)]
            ms[r] = [beta[r] * m + (1 - beta[r]) * v for m, v in zip(ms[r], msgs)]
            xs[r] = xs[r] - lr[r] * w.agg(ms[r])
            bits.append([b for _, b in sent])
    return np.array(xs), np.array(bits)


def marina(w, x0, lr, p, T, variant="sync"):
    """Byz-VR-MARINA, Alg. 1 (specs 3); ``no_sync``: g_i^{k+1} = g_i^k + Q(Delta_i)."""
    xs, gs, copies, _ = _start(w, x0)
    bits = []
    for _ in range(T):
        new, c, full, diff, masks = w.page_round(xs, gs, lr, p)
        for r in range(w.R):
            honest, row = [], []
            for i in range(w.h):
                base = gs[r] if variant == "sync" else copies[r][i]
                q, b = w.compress(diff[r, i], masks, r, i)
                honest.append(full[r, i].copy() if c[r] else base + q)
                row.append(w.d * w.b_f if c[r] else b)
            msgs = honest + w.craft(honest)  # independent masks: nothing to enforce
            copies[r] = msgs
            gs[r] = w.agg(msgs)
            bits.append(row)
        xs = new
    return np.array(xs), np.array(bits)


def dasha_page(w, x0, lr, p, T, a=None):
    """Byz-DASHA-PAGE (specs 4)."""
    xs, gs, copies, full0 = _start(w, x0)
    hs = [[full0[r, i].copy() for i in range(w.h)] for r in range(w.R)]
    a = [1 / (2 * w.omega() + 1)] * w.R if a is None else a
    bits = []
    for _ in range(T):
        new, c, full, diff, masks = w.page_round(xs, gs, lr, p)
        for r in range(w.R):
            row = []
            for i in range(w.h):
                h_new = full[r, i].copy() if c[r] else hs[r][i] + diff[r, i]
                m, b = w.compress(h_new - hs[r][i] - a[r] * (copies[r][i] - hs[r][i]), masks, r, i)
                copies[r][i] = copies[r][i] + m
                hs[r][i] = h_new
                row.append(b)
            copies[r][w.h:] = w.craft(copies[r][: w.h])
            gs[r] = w.agg(copies[r])
            bits.append(row)
        xs = new
    return np.array(xs), np.array(bits)


def ef21(w, x0, lr, T, server=None):
    """Byz-EF21 (specs 5); ``server = (kind, k)``: Byz-EF21-BC's compressed broadcast (specs 6)."""
    xs, bs, copies, _ = _start(w, x0)
    bits, down = [], []
    for _ in range(T):
        xs = [xs[r] - lr[r] * bs[r] for r in range(w.R)]
        full = w.grads(xs)
        for r in range(w.R):
            row = []
            for i in range(w.h):
                c, b = w.compress(full[r, i] - copies[r][i], None, r, i)
                copies[r][i] = copies[r][i] + c
                row.append(b)
            copies[r][w.h:] = w.craft(copies[r][: w.h])
            g = w.agg(copies[r])
            if server is None:
                bs[r], db = g, w.d * w.b_f
            else:
                top = World(w.problem, w.streams, n=1, f=0, compressor=server[0], k=server[1], b_f=w.b_f)
                s, db = top.compress(g - bs[r], None, 0, 0)
                bs[r] = bs[r] + s
            bits.append(row)
            down.append(db)
    return np.array(xs), np.array(bits), np.array(down)


def br_csgd(w, x0, lr, T):
    """BR-CSGD (specs 2): RAgg of Q(stochastic gradients)."""
    xs = [x0.copy() for _ in range(w.R)]
    for _ in range(T):
        g = w.problem.stochastic_grad(np.array(xs), w.problem.draw(w.streams))
        masks = w.masks(w.h)
        for r in range(w.R):
            honest = [w.compress(g[r, i], masks, r, i)[0] for i in range(w.h)]
            xs[r] = xs[r] - lr[r] * w.agg(honest + w.craft(honest))
    return np.array(xs)


def br_diana(w, x0, lr, T, a=None):
    """BR-DIANA (specs 2): shifts h_i at worker and server, RAgg of h_i + Q(g_i - h_i)."""
    xs = [x0.copy() for _ in range(w.R)]
    shifts = [[np.zeros(w.d) for _ in range(w.senders)] for _ in range(w.R)]
    a = [1 / (1 + w.omega())] * w.R if a is None else a
    for _ in range(T):
        g = w.problem.stochastic_grad(np.array(xs), w.problem.draw(w.streams))
        masks = w.masks(w.h)
        for r in range(w.R):
            est = [shifts[r][i] + w.compress(g[r, i] - shifts[r][i], masks, r, i)[0] for i in range(w.h)]
            est += w.craft(est)
            shifts[r] = [s + a[r] * (e - s) for s, e in zip(shifts[r], est)]
            xs[r] = xs[r] - lr[r] * w.agg(est)
    return np.array(xs)


def _clip(v, lam):
    nv = np.linalg.norm(v)
    return v if nv <= lam else v * (lam / nv)


def _sample(w, perm, r, size):
    return sorted(int(j) for j in perm[r, :size])


def marina_pp(w, x0, lr, p, T, C, C_hat, clip_coef, rule="coef", plus=False):
    """Byz-VR-MARINA-PP / PP+ (specs 7) with lambda = clip_coef * ||x^{k+1} - x^k|| (or ||g^k||)."""
    xs, gs, _, _ = _start(w, x0)
    bits, taking = [], []
    for _ in range(T):
        new = [xs[r] - lr[r] * gs[r] for r in range(w.R)]
        c = w.coins(p)
        perm = w.streams.permutations("sampling", w.senders)
        full, diff = w.page(new, xs)
        masks = w.masks(w.h)
        for r in range(w.R):
            sent = [w.compress(diff[r, i], masks, r, i) for i in range(w.h)]
            honest = [full[r, i] if c[r] else sent[i][0] for i in range(w.h)]
            msgs = honest + w.craft(honest)
            S = _sample(w, perm, r, C_hat if c[r] else C)
            f_s = w.declared_f * len(S) // w.n
            if c[r]:
                gs_new = w.agg([msgs[j] for j in S], f_s)
            else:
                lam = clip_coef[r] * np.linalg.norm(new[r] - xs[r] if rule == "coef" else gs[r])
                clipped = [_clip(msgs[j], lam) for j in S]
                gs_new = gs[r] + (np.mean(clipped, axis=0) if plus else w.agg(clipped, f_s))
            gs[r] = gs_new
            bits.append([(w.d * w.b_f if c[r] else sent[i][1]) if i in S else 0 for i in range(w.h)])
            taking.append([j in S for j in range(w.n)])
        xs = new
    return np.array(xs), np.array(bits), np.array(taking)


def clipped_dshb(w, x0, lr, beta, T, C, clip_coef):
    """The clipping heuristic (eq. 10) around Robust D-SHB (server momenta): round 0 full; then
    g^k = g^{k-1} + Agg({clip(m_i - g^{k-1})}_{S_k}), lambda_k = clip_coef ||x^k - x^{k-1}||."""
    xs = [x0.copy() for _ in range(w.R)]
    prev = [x0.copy() for _ in range(w.R)]
    gs = [None] * w.R
    ms = [[np.zeros(w.d) for _ in range(w.senders)] for _ in range(w.R)]
    for t in range(T):
        perm = w.streams.permutations("sampling", w.senders)
        g = w.problem.stochastic_grad(np.array(xs), w.problem.draw(w.streams))
        masks = w.masks(w.h)
        new = []
        for r in range(w.R):
            honest = [w.compress(g[r, i], masks, r, i)[0] for i in range(w.h)]
            ms[r] = [beta * m + (1 - beta) * v for m, v in zip(ms[r], honest + w.craft(honest))]
            if t == 0:
                gs[r] = w.agg(ms[r])
            else:
                S = _sample(w, perm, r, C)
                lam = clip_coef[r] * np.linalg.norm(xs[r] - prev[r])
                gs[r] = gs[r] + w.agg([_clip(ms[r][j] - gs[r], lam) for j in S], w.declared_f * C // w.n)
            new.append(xs[r] - lr * gs[r])
        prev, xs = xs, new
    return np.array(xs)
