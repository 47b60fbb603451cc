"""Datasets and metrics against independent computations."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from fep_core import datasets, metrics
from fep_core.network import AttractorNetwork


# --- datasets -----------------------------------------------------------------------------------

def test_bars_match_the_paper():
    p = datasets.bars()
    assert p.shape == (2, 25)
    assert_allclose(p.mean(axis=1), 0, atol=1e-15)
    assert_allclose(p.std(axis=1), 1, rtol=1e-14)
    # Independent construction: raw images, then the correlation is invariant to z-scoring.
    v = np.zeros((5, 5)); v[:, 2] = 1; v[2, 2] = 4
    assert_allclose(np.corrcoef(v.ravel(), v.T.ravel())[0, 1], np.corrcoef(p)[0, 1], rtol=1e-14)
    assert_allclose(np.corrcoef(p)[0, 1], 0.77, atol=0.005)        # paper: corr 0.77
    c = datasets.cross().reshape(5, 5)
    assert c[2, 2] == c.max() and np.all(c[0, [0, 1, 3, 4]] == c.min())


def test_digits_split_and_preprocessing():
    from sklearn.datasets import load_digits

    d = datasets.digits()
    assert d.train.shape == (10, 64) and d.test.shape == (1787, 64)
    assert list(d.train_labels) == list(range(10))
    raw = load_digits().data[3] ** 2
    assert_allclose(d.train[3], (raw - raw.mean()) / raw.std(), rtol=1e-13)
    assert_allclose(d.test.std(axis=1), 1, rtol=1e-12)
    with pytest.raises(ValueError):
        d.train[0, 0] = 1.0           # cached arrays are read-only


def test_zscore_rejects_constant_pattern():
    with pytest.raises(ValueError, match="zero variance"):
        datasets.zscore(np.ones((2, 4)))
    with pytest.raises(ValueError, match="patterns"):
        datasets.zscore([[0.0, np.nan, 1.0]])


# --- metrics -----------------------------------------------------------------------------------

def test_correlation_matches_numpy_and_handles_constants():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 7, 30))
    assert_allclose(metrics.correlation(a, b), [np.corrcoef(x, y)[0, 1] for x, y in zip(a, b)], rtol=1e-13)
    assert metrics.correlation(np.ones(5), np.arange(5.0)) == 0.0


def test_pairwise_angles_and_orthogonality():
    e = np.eye(3)
    assert_allclose(metrics.pairwise_angles(e), [90, 90, 90])
    assert metrics.orthogonality(e) == 0.0
    v = np.array([[1.0, 0], [1.0, 1.0]])                       # 45 degrees apart
    assert_allclose(metrics.orthogonality(v), 45.0, rtol=1e-12)
    # Duplicates and sign flips are dropped; the paper's convention counts self-angles.
    w = np.array([[1.0, 0], [-1.0, 0], [0, 1.0]])
    assert metrics.orthogonality(w) == 0.0
    assert_allclose(metrics.orthogonality(e, include_self=True), 3 * 90 / 9)
    assert np.isnan(metrics.orthogonality(np.array([[1.0, 2.0]])))


def test_paper_data_orthogonality_convention():
    d = datasets.digits()
    # The paper's 29.94 degrees averages the full 10x10 matrix including the 10 self-angles.
    assert_allclose(metrics.orthogonality(d.train, include_self=True), 29.94, atol=0.005)
    distinct = metrics.orthogonality(d.train)
    assert 23.0 < distinct < 23.5
    # Identity linking the two: the full-matrix mean = (90*10 + 2*sum over pairs) / 100
    ang = metrics.pairwise_angles(d.train)
    assert_allclose((90 * 10 + 2 * np.abs(90 - ang).sum()) / 100,
                    metrics.orthogonality(d.train, include_self=True), rtol=1e-12)


def test_unique_states_rounding():
    s = np.array([[0.101, -0.0001], [0.099, 0.0001], [0.5, 0.5]])
    u = metrics.unique_states(s)
    assert u.shape == (2, 2)
    assert not np.signbit(u).any()                            # -0.0 folded into 0.0


def test_sequence_string_and_recognise():
    assert metrics.sequence_string([0, 0, -1, 1, 1, 2, 0], "123") == "1231"
    refs = np.eye(3, 6)
    states = np.array([refs[1], refs[1] + 0.01, np.zeros(6) + [1, 1, 1, 1, 1, 1.01]])
    idx = metrics.recognise(states, refs, threshold=0.5)
    assert list(idx) == [1, 1, -1]


def test_find_attractors_fixed_points():
    from scipy.linalg import hadamard

    p = hadamard(16)[1:3].astype(float)       # two orthogonal +-1 memories
    J = (p.T @ p) / 4.0
    np.fill_diagonal(J, 0)
    net = AttractorNetwork(16, coupling=J)
    uniq, fixed, conv = metrics.find_attractors(net, p)
    assert conv.all()
    from fep_core import cb
    assert_allclose(fixed, cb.langevin(fixed @ J.T), atol=1e-9)   # fixed points of L(J x)
    assert np.all(np.sign(fixed) == p)                             # Hebbian memories retrieved
    assert len(uniq) == 2


def test_recall_scores_independent_computation():
    """Scores equal a direct computation from the returned responses and inputs."""
    from fep_core.network import AttractorBatch

    d = datasets.digits()
    b = AttractorBatch(2, 64, rng=[0, 1])
    b.train(d.train, evidence=[5.0, 11.0], epochs=50, steps_per_epoch=5, inverse_temperature=0.2,
            learning_rate=0.01)
    state = b.state.copy()
    orig = 0.1 * np.array([5.0, 11.0])[:, None, None] * d.train[None, :4]
    r = metrics.recall_scores(b, orig, rng=[5, 6], steps=7)
    assert np.array_equal(b.state, state)                          # state restored
    for k in range(2):
        for t in range(4):
            rr = np.corrcoef(r["response"][k, t], orig[k, t])[0, 1] ** 2
            rn = np.corrcoef(r["noisy"][k, t], orig[k, t])[0, 1] ** 2
            assert_allclose(r["score"][k, t], rr - rn, rtol=1e-12, atol=1e-14)
    # noise has the standard deviation of the original (SNR 1)
    noise = r["noisy"] - orig
    assert_allclose(noise.std(axis=(1, 2)), orig.std(axis=2).mean(axis=1), rtol=0.2)
    again = AttractorBatch(2, 64, rng=[0, 1])
    again.train(d.train, evidence=[5.0, 11.0], epochs=50, steps_per_epoch=5,
                inverse_temperature=0.2, learning_rate=0.01)
    r2 = metrics.recall_scores(again, orig, rng=[5, 6], steps=7)
    assert np.array_equal(r2["score"], r["score"])                 # same seeds, same numbers


def test_metric_bad_inputs():
    with pytest.raises(ValueError, match="vectors"):
        metrics.pairwise_angles(np.ones(3))
    with pytest.raises(ValueError, match="states"):
        metrics.unique_states([[np.inf, 0]])
    from fep_core.network import AttractorBatch

    with pytest.raises(ValueError, match="originals"):
        metrics.recall_scores(AttractorBatch(2, 4, rng=0), np.ones((3, 5)), rng=0)
    with pytest.raises(ValueError, match="start_scale"):
        metrics.find_attractors(AttractorNetwork(4), np.ones((1, 4)), start_scale=0)
