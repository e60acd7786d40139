"""Reference values and metamorphic checks of the aggregation rules, each with a must-fail twin
where the specs list a known-bad implementation (README pitfalls #4, #5, #13, #14)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from sims import registry
from sims.aggregators import Chain
from sims.aggregators.geometric import weiszfeld
from sims.aggregators.pre import bucket_means
from sims.kappa import as_chain

from component_cases import messages, streams


def agg(name, **fields):
    return registry.build("aggregator", {"name": name, **fields})


# --- Krum: pinned to the paper's n - f - 2 neighbours (pitfall #4) ----------------------------------
def krum_reference(x, f, neighbours, power=2):
    """Per replica: argmin of the sum of the `neighbours` smallest ||x_i - x_j||^power over j != i."""
    out = []
    for xr in x:
        d = np.linalg.norm(xr[:, None] - xr[None], axis=2) ** power
        scores = [np.sort(np.delete(d[i], i))[:neighbours].sum() for i in range(len(xr))]
        out.append(xr[int(np.argmin(scores))])
    return np.array(out)


def paper_krum(x):
    return krum_reference(x, 1, 7 - 1 - 2)


KRUM_TWINS = {  # known-bad implementations (pitfall #4)
    "byzfl_neighbours": lambda x: agg("krum", variant="byzfl")(x, 1),  # n - f - 1 neighbours
    "fourth_powers": lambda x: krum_reference(x, 1, 4, power=4),  # squared squared distances
}


def disagreeing_input(ref, other, n=7):
    rng = np.random.default_rng(0)
    while True:
        x = rng.standard_normal((1, n, 2)) * rng.choice([0.2, 1, 5], size=(1, n, 1))
        if not np.allclose(ref(x), other(x)):
            return x


PINNED = [disagreeing_input(paper_krum, twin) for twin in KRUM_TWINS.values()]


def matches_paper_krum(implementation) -> bool:
    """The reference check: the implementation gives the paper's Krum on the pinned inputs."""
    return all(np.array_equal(implementation(x), paper_krum(x)) for x in PINNED)


def test_krum_matches_the_paper_variant():
    assert matches_paper_krum(lambda x: agg("krum")(x, 1))


@pytest.mark.parametrize("twin", sorted(KRUM_TWINS))
def test_krum_twins_fail_the_paper_reference(twin):
    assert not matches_paper_krum(KRUM_TWINS[twin])


def test_multi_krum_averages_the_best_scores():
    x = messages(3, n=9, f=2)
    m = 4
    ref = []
    for xr in x:
        d = np.sum((xr[:, None] - xr[None]) ** 2, axis=2)
        scores = [np.sort(np.delete(d[i], i))[: 9 - 2 - 2].sum() for i in range(9)]
        ref.append(xr[np.argsort(scores, kind="stable")[:m]].mean(axis=0))
    np.testing.assert_allclose(agg("multi_krum", m=m)(x, 2), np.array(ref), rtol=1e-12)


# --- coordinate-wise median: NumPy's even-n convention (pitfall #5) ---------------------------------
def test_median_even_n_averages_the_middle_values_on_both_backends():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 8, 5))
    ref = np.median(x, axis=1)
    np.testing.assert_allclose(agg("cwmed")(x, 2), ref, rtol=1e-14)
    np.testing.assert_allclose(agg("cwmed")(torch.tensor(x), 2).numpy(), ref, rtol=1e-14)
    lower_middle = torch.median(torch.tensor(x), dim=1).values.numpy()  # the must-fail twin
    assert not np.allclose(lower_middle, ref)


def test_meamed_and_trimmed_mean_reference_values():
    x = np.array([[[0.0], [1.0], [2.0], [10.0], [-7.0]]])  # median 1
    np.testing.assert_allclose(agg("meamed")(x, 2), [[1.0]])  # 3 closest to 1: 0, 1, 2
    np.testing.assert_allclose(agg("cwtm")(x, 1), [[1.0]])  # drop -7 and 10
    np.testing.assert_allclose(agg("meamed")(x, 1), [[(0 + 1 + 2 - 7) / 4]])  # 4 closest: 1, 0, 2, -7 (|.| = 8 < 9)


# --- bucketing: the last partial bucket (pitfall #13) ----------------------------------------------
def test_bucketing_divides_the_partial_bucket_by_its_true_size():
    x = np.arange(1.0, 6.0).reshape(1, 5, 1)
    perm = np.arange(5)[None]
    np.testing.assert_allclose(bucket_means(x, perm, 2)[0, :, 0], [1.5, 3.5, 5.0])
    paper_form = bucket_means(x, perm, 2, divide_by_s=True)[0, :, 0]  # the other declared convention
    np.testing.assert_allclose(paper_form, [1.5, 3.5, 2.5])
    assert not np.allclose(paper_form, [1.5, 3.5, 5.0])


def test_bucketing_uses_a_fresh_permutation_per_replica():
    x = np.broadcast_to(np.arange(10.0)[None, :, None], (2, 10, 1))
    pre = registry.build("preaggregator", {"name": "bucketing", "s": 2})
    y, _ = pre.apply(x, f=0, streams=streams(2))
    assert not np.allclose(np.sort(y[0, :, 0]), np.sort(y[1, :, 0]))
    np.testing.assert_allclose(y.sum(axis=1) * 2, x.sum(axis=1))  # every input lands in one bucket


# --- geometric median: to convergence, not 3 steps from 0 (pitfall #13) -----------------------------
def coincident(R=3, n=9, f=2, d=3, seed=0):
    """n - f equal inputs at c, f random ones: every finite-kappa rule must return c exactly."""
    rng = np.random.default_rng(seed)
    c = 3.0 + rng.standard_normal((R, 1, d))
    x = np.concatenate([np.broadcast_to(c, (R, n - f, d)), c + 5 * rng.standard_normal((R, f, d))], axis=1)
    perm = rng.permutation(n)
    return x[:, perm], c[:, 0]


def test_gm_reproduces_coincident_inputs_but_three_weiszfeld_steps_from_zero_do_not():
    x, c = coincident()
    np.testing.assert_allclose(agg("gm")(x, 2), c, rtol=1e-7)
    byzfl_style = weiszfeld(x, nu=0.1, max_iter=3, tol=0.0, start="zero")  # must-fail twin
    assert np.max(np.abs(byzfl_style - c)) > 1e-3


def test_gm_of_a_subnormal_spread_is_finite():
    """The median distance to the start is 5e-324 here, so 1/s overflows; an input on the start
    point then gave 0 * inf = NaN (found by hypothesis in the kappa check)."""
    x = np.array([[[1.0, 0], [5e-324, 0], [1, 0], [1, 0], [0, 0], [0, 0], [0, 0]]])
    np.testing.assert_array_equal(agg("gm")(x, 2), [[5e-324, 0.0]])  # over half the inputs within s of it


def test_gm_minimises_the_sum_of_distances():
    x = messages(2, n=9, f=2, d=3)
    z = agg("gm")(x, 2)
    cost = lambda p: np.linalg.norm(x - p[:, None, :], axis=2).sum(axis=1)  # noqa: E731
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert np.all(cost(z) <= cost(z + 1e-3 * rng.standard_normal(z.shape)) + 1e-12)


EXACT_RULES = ["cwtm", "cwmed", "meamed", "gm", "krum", "multi_krum", "mda", "smea", "bulyan",
               "nnm+cwtm", "arc+cwtm", "nnm+krum"]


@pytest.mark.parametrize("rule", EXACT_RULES)
def test_n_minus_f_coincident_inputs_are_reproduced(rule):
    x, c = coincident(n=11)
    tol = 1e-7 if "gm" in rule else 1e-12
    np.testing.assert_allclose(as_chain(rule)(x, 2), c, rtol=tol, atol=tol)


# --- exhaustive rules and filters against straightforward per-replica references ---------------------
def subset_reference(x, f, score):
    out = []
    for xr in x:
        best = min(itertools.combinations(range(len(xr)), len(xr) - f), key=lambda s: score(xr[list(s)]))
        out.append(xr[list(best)].mean(axis=0))
    return np.array(out)


def diameter(p):
    return max(np.sum((a - b) ** 2) for a in p for b in p)


def top_eigenvalue(p):
    return np.linalg.eigvalsh(np.atleast_2d(np.cov(p.T, bias=True)))[-1]


@pytest.mark.parametrize("d", [1, 2, 3, 12])  # SMEA: closed forms (d <= 2), covariance (d <= n-f), Gram (d > n-f)
def test_mda_and_smea_match_brute_force(d):
    x = messages(3, n=9, f=2, d=d, seed=d)
    np.testing.assert_allclose(agg("mda")(x, 2), subset_reference(x, 2, diameter), rtol=1e-12)
    np.testing.assert_allclose(agg("smea")(x, 2), subset_reference(x, 2, top_eigenvalue), rtol=1e-12)


def caf_reference(xr, f):
    n = len(xr)
    c = np.ones(n)
    best, best_lam = xr.mean(axis=0), np.inf
    while c.sum() > n - 2 * f:
        mu = c @ xr / c.sum()
        diffs = xr - mu
        cov = (c[:, None] * diffs).T @ diffs / c.sum()
        lam, vecs = np.linalg.eigh(cov)
        if lam[-1] < best_lam:
            best, best_lam = mu, lam[-1]
        tau = (diffs @ vecs[:, -1]) ** 2
        tau_max = tau[c > 0].max()
        if tau_max <= 0:
            break
        c = np.clip(c * (1 - tau / tau_max), 0, None)
    return best


def test_caf_matches_the_filter_written_plainly():
    x = messages(3, n=11, f=3, d=4)
    np.testing.assert_allclose(agg("caf")(x, 3), np.array([caf_reference(xr, 3) for xr in x]), rtol=1e-9)


def test_nnm_and_arc_reference_values():
    x = messages(2, n=8, f=2, d=3)
    nnm = registry.build("preaggregator", {"name": "nnm"}).apply(x, f=2)[0]
    for r in range(2):
        d = np.sum((x[r][:, None] - x[r][None]) ** 2, axis=2)
        ref = np.array([x[r][np.argsort(d[i], kind="stable")[:6]].mean(axis=0) for i in range(8)])
        np.testing.assert_allclose(nnm[r], ref, rtol=1e-12)
    arc = registry.build("preaggregator", {"name": "arc"}).apply(x, f=2)[0]
    k = int(2 * 2 / 8 * 6)  # floor(2 (f/n)(n-f)) = 3 inputs clipped
    norms, clipped = np.linalg.norm(x, axis=2), np.linalg.norm(arc, axis=2)
    threshold = np.sort(norms, axis=1)[:, 8 - k - 1]
    np.testing.assert_allclose(clipped, np.minimum(norms, threshold[:, None]), rtol=1e-12)


def test_bulyan_matches_iterated_krum_then_meamed():
    x = messages(2, n=11, f=2, d=3)
    ref = []
    for xr in x:
        left, chosen = list(range(11)), []
        for _ in range(11 - 4):
            sub = xr[left]
            d = np.sum((sub[:, None] - sub[None]) ** 2, axis=2)
            k = max(len(left) - 2 - 2, 0)
            scores = [np.sort(np.delete(d[i], i))[:k].sum() for i in range(len(left))]
            chosen.append(left.pop(int(np.argmin(scores))))
        sel = xr[chosen]
        med = np.median(sel, axis=0)
        idx = np.argsort(np.abs(sel - med), axis=0, kind="stable")[: len(chosen) - 4]
        ref.append(np.take_along_axis(sel, idx, axis=0).mean(axis=0))
    np.testing.assert_allclose(agg("bulyan")(x, 2), np.array(ref), rtol=1e-12)


def test_monna_averages_the_nearest_neighbours_of_the_trusted_input():
    x = messages(2, n=9, f=2, d=3)
    ref = [xr[np.argsort(np.linalg.norm(xr - xr[0], axis=1), kind="stable")[:7]].mean(axis=0) for xr in x]
    np.testing.assert_allclose(agg("monna")(x, 2), np.array(ref), rtol=1e-12)


def test_centered_clipping_carries_its_centre_as_explicit_state():
    x = messages(2, n=9, f=2, d=3)
    spec = agg("cclip", tau=1.0, iters=1)
    out1, state = spec.aggregate(x, f=2, state=None)
    clip = lambda u: u * np.minimum(1.0, 1.0 / np.linalg.norm(u, axis=2, keepdims=True))  # noqa: E731
    np.testing.assert_allclose(out1, np.mean(clip(x), axis=1), rtol=1e-12)  # first centre 0
    out2, _ = spec.aggregate(x, f=2, state=state)
    np.testing.assert_allclose(out2, out1 + np.mean(clip(x - out1[:, None]), axis=1), rtol=1e-12)
    again, _ = spec.aggregate(x, f=2, state=None)  # nothing hidden on the object
    np.testing.assert_array_equal(again, out1)


# --- metamorphic -----------------------------------------------------------------------------------
SYMMETRIC = [n for n in registry.names("aggregator") if n != "monna"] + ["nnm+cwtm", "arc+cwmed"]
SCALE_FREE = [n for n in SYMMETRIC if n not in ("rfa", "cclip")]  # no absolute radius / smoothing
TRANSLATION_FREE = [n for n in SCALE_FREE if not n.startswith("arc")]  # ARC clips norms about 0


@pytest.mark.parametrize("rule", SYMMETRIC)
def test_permutation_invariance(rule):
    x = messages(2, n=11, f=2, d=3)
    perm = np.random.default_rng(5).permutation(11)
    np.testing.assert_allclose(as_chain(rule)(x[:, perm], 2), as_chain(rule)(x, 2), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("rule", SCALE_FREE)
def test_scale_and_translation_equivariance(rule):
    x = messages(2, n=11, f=2, d=3)
    base = as_chain(rule)(x, 2)
    np.testing.assert_allclose(as_chain(rule)(2.5 * x, 2), 2.5 * base, rtol=1e-7, atol=1e-7)
    shift = np.array([3.0, -1.0, 0.5])
    shifted = as_chain(rule)(x + shift, 2)
    if rule in TRANSLATION_FREE:
        np.testing.assert_allclose(shifted, base + shift, rtol=1e-7, atol=1e-7)
    else:
        assert not np.allclose(shifted, base + shift)


def test_a_chain_is_an_aggregator_with_a_composed_kappa():
    cwtm = agg("cwtm")
    nnm = registry.build("preaggregator", {"name": "nnm"})
    arc = registry.build("preaggregator", {"name": "arc"})
    bucketing = registry.build("preaggregator", {"name": "bucketing"})
    n, f = 20, 4
    k = cwtm.kappa(n, f)
    assert Chain(cwtm, (nnm,)).kappa(n, f) == pytest.approx(8 * f / (n - f) * (k + 1))
    assert Chain(cwtm, (arc,)).kappa(n, f) == pytest.approx(3 * k)
    assert Chain(cwtm, (arc, nnm)).kappa(n, f) == pytest.approx(3 * (8 * f / (n - f) * (k + 1)))  # ARC applied first
    assert Chain(cwtm, (bucketing,)).kappa(n, f) is None
    assert "no (f, kappa) composition rule" in Chain(cwtm, (bucketing,)).kappa_provenance
    assert Chain.from_dict({"name": "cwtm", "pre": [{"name": "nnm"}]}) == Chain(cwtm, (nnm,))


def test_gram_distances_stay_accurate_beside_huge_byzantine_vectors():
    """Distances come from Gram matrices centred inside the bulk; a mean centre (the twin) moves
    with the Byzantine rows and loses the honest distances to cancellation."""
    from sims.aggregators.geometry import _gram_distances, pairwise_sq_distances

    x = messages(2, n=9, f=2, d=4)
    x[:, 7:] *= 1e9
    exact = np.sum((x[:, :, None] - x[:, None]) ** 2, axis=3)[:, :7, :7]
    ours = pairwise_sq_distances(x)[:, :7, :7]
    mean_centred = _gram_distances(x - x.mean(axis=1, keepdims=True))[:, :7, :7]
    assert np.max(np.abs(ours - exact)) < 1e-6 * exact.max()
    assert np.max(np.abs(mean_centred - exact)) > 1e-2 * exact.max()
    np.testing.assert_array_equal(agg("krum")(x, 2), krum_reference(x, 2, 9 - 2 - 2))
