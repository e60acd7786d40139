"""The cnn_digits problem: hand-written backpropagation against finite differences and torch autograd,
numpy/torch agreement, its label-flip convention, its sampled constants, an engine run that learns,
and validation."""
from __future__ import annotations

import numpy as np
import pytest

import sims
from sims import ConfigError, ExperimentConfig, registry
from sims.backend import Backend, to_numpy
from sims.problems.cnn import CNNDigits, CNNDigitsSpec
from sims.rng import ReplicaStreams
from tests.conftest import requires_torch, small_config

NP = Backend("numpy")
SPEC = CNNDigitsSpec(channels=3, batch=5, lam=1e-3, n_probe=4, split="dirichlet", dir_alpha=0.5, seed=1)
H = 4


def blocks(C: int) -> list[slice]:
    """W1, b1, W2, b2 in the layout of x."""
    ends = np.cumsum([9 * C, C, 360 * C, 10])
    return [slice(a, b) for a, b in zip(np.r_[0, ends[:-1]], ends)]


def points(p, R: int = 2, seed: int = 0) -> np.ndarray:
    return p.x0 + 0.3 * np.random.default_rng(seed).standard_normal((R, p.d))


def check_against_differences(loss, grad: np.ndarray, x: np.ndarray, C: int, eps: float = 1e-6):
    """Central differences of loss ([R,d] -> [R,h]) along a random unit direction inside each parameter
    block, against grad [R,h,d]: error relative to the block's gradient norm."""
    rng = np.random.default_rng(7)
    for block in blocks(C):
        v = np.zeros(x.shape[1])
        v[block] = rng.standard_normal(block.stop - block.start)
        v /= np.linalg.norm(v)
        fd = (loss(x + eps * v) - loss(x - eps * v)) / (2 * eps)
        err = np.abs(fd - grad @ v) / np.linalg.norm(grad[..., block], axis=-1)
        assert err.max() < 1e-6, (block, err)


def test_dimension_layout_and_x0():
    p = CNNDigitsSpec().build(8, NP)
    assert p.d == CNNDigitsSpec().dimension() == 1490 and p.x0.shape == (1490,)
    W1, b1, W2, b2 = (p.x0[s] for s in blocks(4))
    assert np.all(b1 == 0) and np.all(b2 == 0)
    assert np.std(W1) == pytest.approx(np.sqrt(2 / 9), rel=0.35) and np.std(W2) == pytest.approx(np.sqrt(2 / 144), rel=0.1)
    assert p.P_host.shape == (8, 1797 // 8, 36, 9)


def test_full_and_stochastic_gradients_match_finite_differences():
    p = SPEC.build(H, NP)
    x = points(p)
    check_against_differences(p.local_loss, p.full_grad(x), x, SPEC.channels)
    # the minibatch loss of replica r is the local loss of a problem that holds just that minibatch
    sample = p.draw(ReplicaStreams([0, 0], [0, 1]))
    g = p.stochastic_grad(x, sample)
    rows = np.arange(H)[:, None]
    for r in range(2):
        mini = CNNDigits(SPEC, p.P_host[rows, sample[r]], p.labels_host[rows, sample[r]], NP, constants=(None, None))
        check_against_differences(mini.local_loss, g[r : r + 1], x[r : r + 1], SPEC.channels)
    assert not np.allclose(g, p.full_grad(x))


def test_flipped_grad_is_the_gradient_on_labels_9_minus_y():
    p = SPEC.build(H, NP)
    flipped = CNNDigits(SPEC, p.P_host, 9 - p.labels_host, NP, constants=(None, None))
    x = points(p, R=3)
    got = p.flipped_grad(x, ReplicaStreams([2] * 3, range(3)))
    want = flipped.stochastic_grad(x, flipped.draw(ReplicaStreams([2] * 3, range(3))))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    assert not np.allclose(got, p.stochastic_grad(x, p.draw(ReplicaStreams([2] * 3, range(3)))))


def test_gradient_matches_torch_autograd_of_conv2d():
    """One honest worker holds every image, so its loss is the dataset's mean whatever the split; the
    reference is written independently with conv2d (W1 as (C,1,3,3)), linear and cross_entropy."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    from sklearn.datasets import load_digits

    spec = CNNDigitsSpec(channels=3, lam=1e-3, n_probe=1)
    p = spec.build(1, NP)
    C, x = spec.channels, points(p)
    digits = load_digits()
    img = digits.images / 16.0
    img = torch.from_numpy((img - img.mean()) / img.std())[:, None]  # [N,1,8,8]
    y = torch.from_numpy(digits.target)
    for r in range(2):
        xt = torch.tensor(x[r], requires_grad=True)
        W1, b1, W2, b2 = (xt[s] for s in blocks(C))
        z = F.conv2d(img, W1.reshape(C, 1, 3, 3), b1)  # [N,C,6,6]
        a = F.relu(z).permute(0, 2, 3, 1).reshape(len(y), 36 * C)  # position-major, as the problem lays out W2
        loss = F.cross_entropy(F.linear(a, W2.reshape(10, 36 * C), b2), y) + 0.5 * spec.lam * xt @ xt
        loss.backward()
        assert p.local_loss(x[r : r + 1])[0, 0] == pytest.approx(loss.item(), rel=1e-12)
        np.testing.assert_allclose(p.full_grad(x[r : r + 1])[0, 0], xt.grad.numpy(), rtol=0, atol=1e-10)
        acc = (F.linear(a, W2.reshape(10, 36 * C), b2).argmax(1) == y).double().mean().item()
        assert p.accuracy(x[r : r + 1])[0] == pytest.approx(acc, abs=1e-12)


@requires_torch
def test_numpy_and_torch_backends_agree():
    import torch

    pn, pt = SPEC.build(H, NP), SPEC.build(H, Backend("torch"))
    x = points(pn, R=3)
    xt = torch.from_numpy(x)
    np.testing.assert_allclose(to_numpy(pt.full_grad(xt)), pn.full_grad(x), rtol=0, atol=1e-10)
    s = lambda: ReplicaStreams([5] * 3, range(3))  # noqa: E731  (fresh streams: the same draws)
    np.testing.assert_allclose(to_numpy(pt.sample_grad(xt, s())), pn.sample_grad(x, s()), rtol=0, atol=1e-10)
    np.testing.assert_allclose(to_numpy(pt.flipped_grad(xt, s())), pn.flipped_grad(x, s()), rtol=0, atol=1e-10)
    np.testing.assert_allclose(to_numpy(pt.local_loss(xt)), pn.local_loss(x), rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(pt.accuracy(xt)), pn.accuracy(x))
    p32 = SPEC.build(H, Backend("torch", "float32"))
    assert p32.full_grad(xt.float()).dtype == torch.float32


def test_sampled_constants_hold_at_x0():
    """x0 is one of the probes, so the estimates must cover what the oracle does there."""
    spec = CNNDigitsSpec(batch=4, n_probe=4)
    p = spec.build(H, NP)
    c = p.constants
    assert not any(c.exact.values()) and c.B == 0.0 and c.mu == 0.0 and c.f_star == 0.0 and p.x_star is None
    x0 = p.x0[None]
    g = p.full_grad(x0)[0]
    assert np.mean(np.sum((g - g.mean(0)) ** 2, axis=1)) <= c.G**2 * (1 + 1e-12)
    u = x0 + 1e-4 * g.mean(0) / np.linalg.norm(g.mean(0))  # a pair along the gradient: its ratio <= L
    assert np.linalg.norm(p.grad(u) - p.grad(x0)) / 1e-4 <= c.L
    R = 600
    mc = np.zeros(H)
    for k in range(3):
        xs = np.broadcast_to(p.x0, (R, p.d))
        e = p.sample_grad(xs, ReplicaStreams([k] * R, range(R))) - g
        mc += np.mean(np.sum(e**2, axis=2), axis=0) / 3
    assert mc.max() <= c.sigma**2 * 1.1 and mc.max() >= 0.2 * c.sigma**2  # not a vacuous over-estimate
    assert np.all(to_numpy(p.loss(points(p, R=5))) >= c.f_star)


def test_engine_run_learns_under_attack():
    cfg = ExperimentConfig.from_dict(small_config(
        problem={"name": "cnn_digits", "batch": 8}, algorithm={"name": "robust_dshb", "lr": 0.3, "beta": 0.9},
        attack={"name": "sign_flip"}, run={"T": 150, "seeds": 2, "record_every": 50, "progress": False}))
    assert cfg.setting().d == 1490
    res = sims.run(cfg)
    first = res.records[res.records["round"] == 0].f_gap.to_numpy()
    assert not res.summary.diverged.any()
    assert np.all(res.summary.f_gap.to_numpy() < 0.1 * first)  # 3.13 -> about 0.14
    acc = cfg.problem.build(cfg.setting().n_honest, NP).accuracy(res.final_x)
    assert acc.shape == (2,) and np.all(acc > 0.9), acc  # about 0.96


@pytest.mark.parametrize("field,value", [("channels", 0), ("lam", -1.0), ("init_scale", 0.0), ("batch", 0)])
def test_invalid_fields_are_refused_naming_the_field(field, value):
    with pytest.raises(ConfigError) as info:
        registry.build("problem", {"name": "cnn_digits", field: value})
    assert str(info.value).startswith(f"problem.{field} = {value!r}: "), str(info.value)


def test_more_workers_than_images_is_refused():
    with pytest.raises(ConfigError, match="workers.n"):
        ExperimentConfig.from_dict(small_config(problem={"name": "cnn_digits"}, workers={"n": 2000, "f": 0}))


def test_declared_extras_are_the_minibatch_and_the_samples_per_worker_only():
    """A network has no derivable L_tilde / L_pm; only b and m, which the theorems may use, are declared."""
    from sims.constants import problem_extras

    spec = CNNDigitsSpec(batch=7, n_probe=2)
    p = spec.build(H, NP)
    assert problem_extras(spec, p) == {"m": float(p.m), "b": 7.0}
    assert p.m == p.labels_host.shape[1] and p.m * H <= 1797
