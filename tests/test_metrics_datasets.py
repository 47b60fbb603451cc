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
    v = np.zeros((5, 5))
    v[:, 2] = 1
    v[2, 2] = 4
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



@pytest.mark.parametrize("n_train", [0, -1, 1797, 2000])
def test_digits_rejects_n_train_outside_the_available_images(n_train):
    # 1797 images: at least one must train and at least one must remain for the test set
    with pytest.raises(ValueError, match=r"^n_train must be an integer between 1 and 1796"):
        datasets.digits(n_train=n_train)


@pytest.mark.parametrize("n_train", [2.5, "10", [10], True, None])
def test_digits_rejects_non_integer_n_train(n_train):
    with pytest.raises(TypeError, match=r"^n_train must be an integer"):
        datasets.digits(n_train=n_train)


@pytest.mark.parametrize("n_train", [1, 1796, np.int64(17)])
def test_digits_accepts_every_split(n_train):
    d = datasets.digits(n_train=n_train)
    n = int(n_train)
    assert d.train.shape == (n, 64) and d.test.shape == (1797 - n, 64)
    assert len(d.train_labels) == n and len(d.test_labels) == 1797 - n
    full = datasets.digits(n_train=10)
    assert np.array_equal(np.vstack([d.train, d.test]), np.vstack([full.train, full.test]))


@pytest.mark.parametrize("func", [datasets.bars, datasets.cross])
@pytest.mark.parametrize("size, error", [(4, ValueError), (2, ValueError), (1, ValueError),
                                         (0, ValueError), (-3, ValueError), (2.5, TypeError),
                                         (5.0, TypeError), ("5", TypeError), (True, TypeError),
                                         (None, TypeError)])
def test_bar_images_reject_bad_size(func, size, error):
    with pytest.raises(error, match=r"^size must be an odd integer >= 3"):
        func(size=size)


@pytest.mark.parametrize("func", [datasets.bars, datasets.cross])
@pytest.mark.parametrize("centre, error", [(np.nan, ValueError), (np.inf, ValueError),
                                           (-np.inf, ValueError), ("4", TypeError),
                                           (None, TypeError), ([4.0], TypeError)])
def test_bar_images_reject_bad_centre(func, centre, error):
    with pytest.raises(error, match=r"^centre must be"):
        func(centre=centre)


def test_bar_images_at_other_sizes():
    for size in (3, 7, np.int64(9)):
        n = int(size)
        b, c = datasets.bars(size=size, centre=2.0), datasets.cross(size=size, centre=-1.0)
        assert b.shape == (2, n * n) and c.shape == (n * n,)
        v = np.zeros((n, n))
        v[:, n // 2] = 1
        v[n // 2, n // 2] = 2.0
        assert_allclose(b[0], (v.ravel() - v.mean()) / v.std(), rtol=1e-13)
        x = np.zeros((n, n))
        x[:, n // 2] = 1
        x[n // 2, :] = 1
        x[n // 2, n // 2] = -1.0
        assert_allclose(c, (x.ravel() - x.mean()) / x.std(), rtol=1e-13)


# --- metrics -----------------------------------------------------------------------------------

def test_correlation_matches_numpy_and_handles_constants():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 7, 30))
    assert_allclose(metrics.correlation(a, b), [np.corrcoef(x, y)[0, 1] for x, y in zip(a, b)],
                    rtol=1e-13)
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


# ---------------------------------------------------------------------------------------------
# Bad arguments are named; options and flags are checked; empty input is handled or refused


def test_correlation_rejects_mismatched_shapes_naming_them():
    a, b = np.ones((2, 4)), np.arange(8.0).reshape(2, 4)
    with pytest.raises(ValueError, match=r"^a and b must have the same length"):
        metrics.correlation(a, b[:, :3])
    with pytest.raises(ValueError, match=r"\ba and b must broadcast together"):
        metrics.correlation(np.ones((3, 4)), b)
    with pytest.raises(ValueError, match=r"^a must have at least one value"):
        metrics.correlation(2.5, b)
    with pytest.raises(ValueError, match=r"^b must have at least one value"):
        metrics.correlation(a, np.zeros((2, 0)))
    assert metrics.correlation(np.zeros((0, 4)), b[0]).shape == (0,)


@pytest.mark.parametrize("func", [metrics.pairwise_angles, metrics.orthogonality,
                                  metrics.mean_correlation])
@pytest.mark.parametrize("value", [1, "yes", None, np.array([True, False])])
def test_include_self_must_be_a_bool(func, value):
    with pytest.raises(TypeError, match=r"^include_self must be True or False"):
        func(np.eye(3), include_self=value)


def test_mean_correlation_refuses_what_is_undefined():
    with pytest.raises(ValueError, match=r"^vectors must have at least 2 row"):
        metrics.mean_correlation(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"^vectors must have at least 2 row"):
        metrics.mean_correlation(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"^vectors has a constant row"):
        metrics.mean_correlation(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    v = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0], [-1.0, 1.0, 1.0]])
    r = np.corrcoef(v)
    assert metrics.mean_correlation(v) == r[np.triu_indices(3, 1)].mean()
    assert metrics.mean_correlation(v[:1], include_self=True) == 1.0


def test_orthogonality_checks_drop_degrees():
    for bad, error in (("1", TypeError), (None, TypeError), (np.ones(2), TypeError),
                       (float("nan"), ValueError), (-1.0, ValueError), (91.0, ValueError)):
        with pytest.raises(error, match=r"^drop_degrees\b"):
            metrics.orthogonality(np.eye(3), drop_degrees=bad)


@pytest.mark.parametrize("decimals, error", [(2.5, TypeError), (None, TypeError), ("2", TypeError),
                                             (True, TypeError), (np.array([2, 2]), TypeError),
                                             (16, ValueError), (-400, ValueError)])
def test_decimals_is_checked(decimals, error):
    with pytest.raises(error, match=r"^decimals\b"):
        metrics.unique_states(np.eye(2), decimals=decimals)
    with pytest.raises(error, match=r"^decimals\b"):
        metrics.find_attractors(AttractorNetwork(2), np.eye(2), decimals=decimals)


def test_unique_states_of_no_rows_is_empty():
    assert metrics.unique_states(np.zeros((0, 3))).shape == (0, 3)
    assert_allclose(metrics.unique_states(np.array([[0.123, 1.0]]), decimals=np.int64(1)),
                    [[0.1, 1.0]])


@pytest.mark.parametrize("network", [None, 3.0, "net", np.eye(3), object()])
def test_find_attractors_needs_a_network(network):
    with pytest.raises(TypeError,
                       match=r"^network must be an AttractorNetwork or an AttractorBatch"):
        metrics.find_attractors(network, np.eye(3))


@pytest.mark.parametrize("patterns", [np.ones(3), np.ones((2, 4)), np.ones((1, 1, 2, 3)), 0.5])
def test_find_attractors_names_badly_shaped_patterns(patterns):
    with pytest.raises(ValueError, match=r"^patterns must have shape \(M, 3\)"):
        metrics.find_attractors(AttractorNetwork(3), patterns)


@pytest.mark.parametrize("batch", [None, 1.0, AttractorNetwork(3), np.ones((2, 3))])
def test_recall_scores_needs_a_batch(batch):
    with pytest.raises(TypeError, match=r"^batch must be an AttractorBatch"):
        metrics.recall_scores(batch, np.ones((2, 3)), rng=0)


def test_recall_scores_needs_a_trial():
    from fep_core.network import AttractorBatch

    with pytest.raises(ValueError, match=r"^originals must hold at least one trial"):
        metrics.recall_scores(AttractorBatch(2, 3, rng=0), np.zeros((0, 3)), rng=0)


def test_recognise_checks_shapes_and_threshold():
    states, refs = np.array([[1.0, -1.0, 0.4], [0.0, 1.0, -1.0]]), np.array([[1.0, -1.0, 0.5]])
    with pytest.raises(ValueError, match=r"^states and references must have the same number"):
        metrics.recognise(states[:, :2], refs)
    with pytest.raises(ValueError, match=r"^references must hold at least one"):
        metrics.recognise(states, np.zeros((0, 3)))
    for bad, error in (("abc", TypeError), (None, TypeError), (np.ones(2), TypeError),
                       (float("nan"), ValueError)):
        with pytest.raises(error, match=r"^threshold\b"):
            metrics.recognise(states, refs, threshold=bad)
    assert metrics.recognise(np.zeros((0, 3)), refs).shape == (0,)


def test_sequence_string_checks_indices_and_labels():
    for bad in (1, np.nan, "abc", [[0, 1], [1]], np.zeros((1, 2), int), ["0", "1"], [0.0, 1.0]):
        with pytest.raises(TypeError, match=r"^indices must be a 1-D integer array"):
            metrics.sequence_string(bad, "ab")
    for bad in (None, 3, 2.5):
        with pytest.raises(TypeError, match=r"^labels must be a string"):
            metrics.sequence_string([0, 1], bad)
    with pytest.raises(ValueError,
                       match=r"^indices refers to reference 999, but labels has only 2"):
        metrics.sequence_string(np.array([0, 999]), "ab")
    with pytest.raises(ValueError, match=r"\blabels has only 0 entries"):
        metrics.sequence_string([0], "")
    assert metrics.sequence_string([], "") == ""
    assert metrics.sequence_string(np.array([1, -1, 0]), ["x", "y"]) == "yx"
