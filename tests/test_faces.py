"""Simulation 6, faces (fep_core.datasets.faces / olivetti_faces and fep_core.faces).

Loaders: shapes, the per-image z-score against the raw images z-scored by hand, the data
shipping inside the scikit-image wheel, the Olivetti loader's offline error (with the exact call
that downloads the data) and a fake scikit-learn data home written in the format
``fetch_olivetti_faces`` reads. The experiment: the held-out split, training keyed by the
setting (a network in a batch equals the same network alone), the scores against hand-computed
references, the balanced choice on hand-made tables, the reconstruction protocol, the non-face
control and the claims' predicates on hand-made inputs; every function's validation.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import cb, datasets, faces, metrics
from fep_core.network import AttractorNetwork
from fep_core.streams import stream

# ---------------------------------------------------------------------------------------------
# Loaders


def _zscore_by_hand(images):
    x = np.asarray(images, dtype=float).reshape(len(images), -1)
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


@pytest.mark.parametrize("kind, rows", [("faces", slice(0, 100)), ("non-faces", slice(100, 200))])
def test_lfw_images_are_z_scored_per_image(kind, rows):
    from skimage.data import lfw_subset

    x = datasets.faces(kind)
    assert x.shape == (100, 625) and x.dtype == float
    assert_allclose(x.mean(axis=1), 0.0, atol=1e-12)
    assert_allclose(x.std(axis=1), 1.0, rtol=1e-12)
    assert_allclose(x, _zscore_by_hand(lfw_subset()[rows]), rtol=1e-9, atol=1e-9)
    assert not x.flags.writeable and datasets.faces(kind) is x      # shared, read-only


def test_default_kind_is_faces_and_the_two_sets_differ():
    assert datasets.faces() is datasets.faces("faces")
    assert not np.allclose(datasets.faces(), datasets.faces("non-faces"))


def test_lfw_subset_ships_inside_the_scikit_image_wheel():
    """No download at run time: the file lfw_subset reads is part of the installed package."""
    import skimage

    path = Path(skimage.__file__).parent / "data" / "lfw_subset.npy"
    assert path.is_file()
    raw = np.load(path)
    assert raw.shape == (200, 25, 25)
    assert_allclose(datasets.faces(), _zscore_by_hand(raw[:100]), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kind, error", [("face", ValueError), ("nonfaces", ValueError),
                                         (None, TypeError), (1, TypeError)])
def test_faces_names_a_bad_kind(kind, error):
    with pytest.raises(error, match="kind"):
        datasets.faces(kind)


def test_olivetti_without_a_local_copy_says_how_to_download_it(tmp_path):
    home = tmp_path / "sklearn_data"
    with pytest.raises(FileNotFoundError) as info:
        datasets.olivetti_faces(data_home=home)
    message = str(info.value)
    assert f"sklearn.datasets.fetch_olivetti_faces(data_home={str(home)!r})" in message
    assert "download" in message
    # a path given as a string names the same call
    with pytest.raises(FileNotFoundError, match=r"fetch_olivetti_faces\(data_home="):
        datasets.olivetti_faces(data_home=str(home))


def _fake_olivetti_home(folder, raw):
    """Write ``raw`` (400, 4096) uint8 where fetch_olivetti_faces keeps its copy: scikit-learn
    stores the MATLAB file's images, one per row in column-major order, with joblib (compress=6)
    as ``<data_home>/olivetti_py3.pkz``."""
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(raw, folder / "olivetti_py3.pkz", compress=6)


def test_olivetti_reads_a_local_copy(tmp_path):
    rng = np.random.default_rng(7)
    upright = rng.integers(0, 256, size=(400, 64, 64)).astype(np.uint8)
    upright[:, :8, :] = 0                       # a dark band on top of every image
    stored = upright.transpose(0, 2, 1).reshape(400, -1)  # column-major, as the .mat file
    _fake_olivetti_home(tmp_path, stored)
    x = datasets.olivetti_faces(data_home=tmp_path)
    assert x.shape == (400, 4096)
    # float32 inside scikit-learn: agreement to its precision
    assert_allclose(x, _zscore_by_hand(upright), atol=2e-5)
    assert_allclose(x.mean(axis=1), 0.0, atol=1e-12)
    assert_allclose(x.std(axis=1), 1.0, rtol=1e-12)
    images = x.reshape(400, 64, 64)
    assert np.ptp(images[:, :8, :], axis=(1, 2)).max() < 1e-5     # the band is on top: upright
    assert_array_equal(datasets.olivetti_faces(data_home=str(tmp_path)), x)


@pytest.mark.parametrize("home", [3, 2.5, ["folder"]])
def test_olivetti_names_a_bad_data_home(home):
    with pytest.raises(TypeError, match="data_home"):
        datasets.olivetti_faces(data_home=home)


def test_olivetti_default_home_is_scikit_learns(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", os.fspath(tmp_path / "default"))
    with pytest.raises(FileNotFoundError, match=r"data_home=None\)"):
        datasets.olivetti_faces()


# ---------------------------------------------------------------------------------------------
# The experiment (fep_core.faces) on tiny face sets

SIDE = 4
N = SIDE * SIDE


def _tiny_faces(count=8, seed=3):
    """``count`` z-scored random 4x4 'faces'."""
    x = np.random.default_rng(seed).normal(size=(count, N))
    return datasets.zscore(x)


TINY = dict(epochs=15, steps_per_epoch=3)


@pytest.mark.parametrize("n, held", [(100, 20), (10, 1), (10, 9), (2, 1)])
def test_split_is_deterministic_disjoint_and_complete(n, held):
    a = faces.split(n, held, seed=4)
    b = faces.split(n, held, seed=4)
    assert_array_equal(a.train, b.train)
    assert_array_equal(a.held_out, b.held_out)
    assert len(a.held_out) == held and len(a.train) == n - held
    assert np.intersect1d(a.train, a.held_out).size == 0
    assert_array_equal(np.sort(np.concatenate([a.train, a.held_out])), np.arange(n))
    assert np.all(np.diff(a.train) > 0) and np.all(np.diff(a.held_out) > 0)


def test_split_depends_on_the_seed():
    splits = {tuple(faces.split(100, 20, seed=s).held_out) for s in range(5)}
    assert len(splits) == 5


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(n_images=1, n_held_out=1), ValueError, "n_images"),
    (dict(n_images=10, n_held_out=0), ValueError, "n_held_out"),
    (dict(n_images=10, n_held_out=10), ValueError, "n_held_out"),
    (dict(n_images=10, n_held_out=2.0), TypeError, "n_held_out"),
    (dict(n_images=10, n_held_out=2, seed=-1), ValueError, "seed"),
])
def test_split_names_a_bad_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        faces.split(**kwargs)


SETTINGS3 = dict(evidence=[2.0, 5.0, 5.0], inverse_temperature=[0.3, 0.3, 1.0],
                 learning_rate=[0.01, 0.02, 0.0])


def test_a_network_in_a_batch_is_the_same_network_alone():
    x = _tiny_faces()
    batch = faces.train_faces(x, **SETTINGS3, **TINY, seed=2)
    for k in range(3):
        alone = faces.train_faces(x, evidence=SETTINGS3["evidence"][k],
                                  inverse_temperature=SETTINGS3["inverse_temperature"][k],
                                  learning_rate=SETTINGS3["learning_rate"][k], **TINY, seed=2)
        assert_array_equal(alone.J[0], batch.J[k])
        assert_array_equal(alone.state[0], batch.state[k])
    assert not np.any(batch.J[2])                  # learning rate 0 leaves J at zero
    other = faces.train_faces(x, **SETTINGS3, **TINY, seed=3)
    assert not np.array_equal(other.J[0], batch.J[0])


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(evidence=[1.0, 2.0], inverse_temperature=[1.0, 1.0, 1.0]), ValueError, "evidence"),
    (dict(evidence=-1.0), ValueError, "evidence"),
    (dict(inverse_temperature=0.0), ValueError, "inverse_temperature"),
    (dict(learning_rate=-0.1), ValueError, "learning_rate"),
    (dict(learning_rate=float("nan")), ValueError, "learning_rate"),
    (dict(evidence=2e6), ValueError, "evidence"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(steps_per_epoch=1.5), TypeError, "steps_per_epoch"),
    (dict(seed=-2), ValueError, "seed"),
    (dict(patterns=np.zeros((3, 15))), ValueError, "patterns"),
    (dict(patterns=np.zeros((1, 16))), ValueError, "patterns"),
])
def test_train_faces_names_a_bad_argument(kwargs, error, name):
    args = dict(patterns=_tiny_faces(), evidence=1.0, inverse_temperature=1.0,
                learning_rate=0.01, epochs=2, steps_per_epoch=1)
    with pytest.raises(error, match=name):
        faces.train_faces(**{**args, **kwargs})


def _evaluate(batch, x, **kw):
    return faces.evaluate(batch, x[:6], x[6:], **SETTINGS3,
                          **{**dict(trials=4, eval_steps=5, seed=1), **kw})


def test_evaluate_is_keyed_by_setting_and_restores_the_state():
    x = _tiny_faces()
    batch = faces.train_faces(x[:6], **SETTINGS3, **TINY, seed=2)
    state = batch.state.copy()
    ev = _evaluate(batch, x)
    assert_array_equal(batch.state, state)
    assert ev.retrieval.shape == ev.generalization.shape == (3, 4)
    assert ev.fixed_points.shape == (3, 6, N) and ev.converged.shape == (3, 6)
    alone = faces.train_faces(x[:6], evidence=5.0, inverse_temperature=0.3,
                              learning_rate=0.02, **TINY, seed=2)
    one = faces.evaluate(alone, x[:6], x[6:], evidence=5.0, inverse_temperature=0.3,
                         learning_rate=0.02, trials=4, eval_steps=5, seed=1)
    assert_array_equal(one.retrieval[0], ev.retrieval[1])
    assert_array_equal(one.generalization[0], ev.generalization[1])
    assert_array_equal(one.fixed_points[0], ev.fixed_points[1])


def test_evaluate_scores_follow_simulation_2s_definition():
    """An untrained network (J = 0, learning rate 0) samples each node independently from
    CB(iT b); its attractors from every face are the zero state (L(0) = 0)."""
    x = _tiny_faces()
    batch = faces.train_faces(x[:6], **SETTINGS3, **TINY, seed=2)
    ev = _evaluate(batch, x, starts=3)
    assert ev.fixed_points.shape == (3, 3, N)
    assert len(ev.attractors[2]) == 1 and not np.any(ev.attractors[2])
    assert np.all(ev.retrieval <= 1) and np.all(ev.retrieval >= -1)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(starts=7), ValueError, "starts"),
    (dict(starts=0), ValueError, "starts"),
    (dict(trials=0), ValueError, "trials"),
    (dict(eval_steps=0), ValueError, "eval_steps"),
])
def test_evaluate_names_a_bad_argument(kwargs, error, name):
    x = _tiny_faces()
    batch = faces.train_faces(x[:6], **SETTINGS3, epochs=1, steps_per_epoch=1)
    with pytest.raises(error, match=name):
        _evaluate(batch, x, **kwargs)


def test_evaluate_refuses_a_batch_of_another_size():
    x = _tiny_faces()
    batch = faces.train_faces(x[:6], evidence=1.0, inverse_temperature=1.0, learning_rate=0.0,
                              epochs=1, steps_per_epoch=1)
    with pytest.raises(ValueError, match="one value per network"):
        _evaluate(batch, x)
    with pytest.raises(TypeError, match="batch"):
        faces.evaluate("net", x[:6], x[6:], **SETTINGS3)


# --- the balanced choice on hand-made tables


def _table(ret, gen):
    return pd.DataFrame({"retrieval": ret, "generalization": gen})


@pytest.mark.parametrize("ret, gen, fraction, expected", [
    # one row best at both
    ([0.1, 0.3, 0.2, 0.0], [0.0, 0.2, 0.1, 0.05], 0.25, 1),
    # the best rows differ; at two cells each, row 2 is in both
    ([0.9, 0.5, 0.6, 0.1], [0.0, 0.1, 0.3, 0.4], 0.25, 2),
    # two rows enter both top sets at once: the larger sum wins
    ([0.5, 0.4, 0.0, 0.0], [0.4, 0.6, 0.0, 0.0], 0.25, 1),
    # a NaN score is never chosen
    ([np.nan, 0.2, 0.1], [0.9, 0.1, 0.05], 0.34, 1),
    # a larger starting fraction can choose a different row
    ([0.9, 0.8, 0.1, 0.0], [0.0, 0.7, 0.8, 0.1], 0.5, 1),
])
def test_balanced_on_hand_made_tables(ret, gen, fraction, expected):
    assert faces.balanced(_table(ret, gen), fraction=fraction) == expected


def test_balanced_reads_positions_not_labels():
    t = _table([0.1, 0.3], [0.1, 0.3]).set_axis([10, 20])
    assert faces.balanced(t) == 1


@pytest.mark.parametrize("table, kwargs, error, name", [
    (pd.DataFrame({"retrieval": [0.1]}), {}, TypeError, "table"),
    ([[0.1, 0.2]], {}, TypeError, "table"),
    (_table([np.nan], [0.1]), {}, ValueError, "table"),
    (_table([0.1], [0.1]), dict(fraction=1.5), ValueError, "fraction"),
    (_table([0.1], [0.1]), dict(fraction=0.0), ValueError, "fraction"),
])
def test_balanced_names_a_bad_argument(table, kwargs, error, name):
    with pytest.raises(error, match=name):
        faces.balanced(table, **kwargs)


# --- reconstruction


def test_noisy_faces_add_the_stated_noise():
    x = np.zeros((400, 25))
    noisy = faces.noisy_faces(x, noise=2.0, seed=5)
    assert_array_equal(faces.noisy_faces(x, noise=2.0, seed=5), noisy)
    # sd of 10,000 N(0, 4) draws: within 5 standard errors (sd of the sd ~ 2 / sqrt(2 * 10^4))
    assert abs(noisy.std() - 2.0) < 5 * 2.0 / np.sqrt(2 * noisy.size)
    assert_array_equal(faces.noisy_faces(np.ones((2, 25)), noise=0.0), np.ones((2, 25)))
    # the first face's noise does not depend on how many faces follow
    assert_array_equal(faces.noisy_faces(x[:1], seed=5), faces.noisy_faces(x[:3], seed=5)[:1])


def test_reconstruction_without_couplings_is_the_mean_of_the_continuous_bernoulli():
    """With J = 0 every step samples each node afresh from CB(iT s y): the mean state over many
    steps is the Langevin function L(iT s y) (closed form), to within its sampling error
    (a CB variable's variance is at most 1/3)."""
    rng = np.random.default_rng(0)
    noisy = rng.normal(0.0, 3.0, size=(2, 64))
    steps = 4000
    rec = faces.reconstruct(np.zeros((64, 64)), noisy, signal_strengths=[0.5, 0.1],
                            prior_precisions=[2.0, 0.4], steps=steps, burn_in=3, seed=1)
    assert rec.shape == (2, 2, 64)
    for c, (s, p) in enumerate([(0.5, 2.0), (0.1, 0.4)]):
        assert_allclose(rec[c], cb.langevin(p * s * noisy), atol=6 * np.sqrt(1 / 3 / steps))


def test_reconstruction_protocol_against_a_plain_run():
    """Each (pair, face): from the zero state, ``burn_in`` steps discarded, then the mean state
    over ``steps`` steps with bias ``signal * noisy`` at iT ``prior``: the same as running one
    network with the (pair, face)'s stream (documented in reconstruct) and averaging by hand."""
    x = _tiny_faces()
    J = faces.train_faces(x, evidence=3.0, inverse_temperature=0.5, learning_rate=0.02,
                          **TINY).J[0]
    noisy = faces.noisy_faces(x[:2], seed=4)
    rec = faces.reconstruct(J, noisy, signal_strengths=[0.3, 0.2], prior_precisions=[0.8, 1.2],
                            steps=7, burn_in=4, seed=6)
    for c, (s, p) in enumerate([(0.3, 0.8), (0.2, 1.2)]):
        for f in range(2):
            net = AttractorNetwork(N, coupling=J, rng=stream(6, faces.FACES, 3, round(s * 1e9),
                                                              round(p * 1e9), f))
            states = net.run(s * noisy[f], 11, inverse_temperature=p)
            assert_allclose(rec[c, f], states[4:].mean(axis=0), rtol=1e-12, atol=1e-14)
    # a pair alone, or a face alone, gives the same reconstructions as in the batch
    alone = faces.reconstruct(J, noisy, signal_strengths=[0.2], prior_precisions=[1.2], steps=7,
                              burn_in=4, seed=6)
    assert_array_equal(alone[0], rec[1])
    first = faces.reconstruct(J, noisy[:1], signal_strengths=[0.3, 0.2],
                              prior_precisions=[0.8, 1.2], steps=7, burn_in=4, seed=6)
    assert_array_equal(first[:, 0], rec[:, 0])


def test_reconstruction_in_chunks_is_the_same():
    """More (pair, face) networks than one batch holds (32): the chunks change nothing."""
    x = _tiny_faces(12)
    J = faces.train_faces(x, evidence=3.0, inverse_temperature=0.5, learning_rate=0.02,
                          **TINY).J[0]
    s, p = np.array([0.1, 0.2, 0.3]), np.array([0.5, 1.0, 1.5])
    rec = faces.reconstruct(J, x, signal_strengths=s, prior_precisions=p, steps=4, burn_in=1)
    assert rec.shape == (3, 12, N)
    for c in range(3):
        alone = faces.reconstruct(J, x[5:7], signal_strengths=s[c:c + 1],
                                  prior_precisions=p[c:c + 1], steps=4, burn_in=1)
        assert not np.array_equal(alone[0], rec[c, 5:7])     # face k's stream is keyed by k
        assert_array_equal(faces.reconstruct(J, x, signal_strengths=s[c:c + 1],
                                             prior_precisions=p[c:c + 1], steps=4,
                                             burn_in=1)[0], rec[c])


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(signal_strengths=[0.1, 0.2]), ValueError, "signal_strengths"),
    (dict(prior_precisions=[0.0]), ValueError, "prior_precisions"),
    (dict(signal_strengths=[-0.1]), ValueError, "signal_strengths"),
    (dict(steps=0), ValueError, "steps"),
    (dict(burn_in=-1), ValueError, "burn_in"),
    (dict(noisy=np.zeros((2, 5))), ValueError, "noisy"),
    (dict(coupling=np.ones((16, 16))), ValueError, "coupling"),
])
def test_reconstruct_names_a_bad_argument(kwargs, error, name):
    args = dict(coupling=np.zeros((16, 16)), noisy=np.zeros((2, 16)), signal_strengths=[0.1],
                prior_precisions=[1.0])
    with pytest.raises(error, match=name):
        faces.reconstruct(**{**args, **kwargs})


def test_gain_by_hand():
    clean = np.array([1.0, 2.0, 3.0, 4.0])
    noisy = np.array([2.0, 1.0, 4.0, 3.0])
    r = np.corrcoef(noisy, clean)[0, 1]
    assert_allclose(faces.gain(clean, noisy, clean), 1.0 - r ** 2, rtol=1e-12)
    assert_allclose(faces.gain(noisy, noisy, clean), 0.0, atol=1e-15)
    # a reconstruction anti-correlated with the face gains as much as a correlated one (r^2)
    assert_allclose(faces.gain(-clean, noisy, clean), 1.0 - r ** 2, rtol=1e-12)
    stacked = faces.gain(np.stack([clean, noisy]), noisy, clean)
    assert_allclose(stacked, [1.0 - r ** 2, 0.0], atol=1e-15)


def test_reconstruction_grid_shapes_and_its_first_face_alone():
    x = _tiny_faces()
    J = faces.train_faces(x, evidence=3.0, inverse_temperature=0.5, learning_rate=0.02,
                          **TINY).J[0]
    g = faces.reconstruction_grid(J, x[:3], signal_strengths=[0.1, 0.3],
                                  prior_precisions=[0.5, 1.0, 2.0], steps=5, burn_in=2, seed=3)
    assert g.reconstructions.shape == (2, 3, 3, N) and g.gains.shape == (2, 3, 3)
    assert_array_equal(g.clean, x[:3])
    assert_allclose(g.gains, faces.gain(g.reconstructions, g.noisy, g.clean), rtol=1e-12)
    first = faces.reconstruction_grid(J, x[:1], signal_strengths=[0.1, 0.3],
                                      prior_precisions=[0.5, 1.0, 2.0], steps=5, burn_in=2,
                                      seed=3)
    assert_array_equal(first.reconstructions[:, :, 0], g.reconstructions[:, :, 0])
    assert_array_equal(first.noisy[0], g.noisy[0])


# --- the non-face control


def _two_pattern_network(n=32):
    """A Hebbian network storing two orthogonal +-1 patterns; probes: noisy copies of the first
    ("faces") and of the second ("non-faces")."""
    p = np.ones((2, n))
    p[0, n // 2:] = -1
    p[1, n // 4: n // 2] = -1
    p[1, 3 * n // 4:] = -1
    J = 4.0 * p.T @ p / n
    np.fill_diagonal(J, 0.0)
    rng = np.random.default_rng(2)
    face_probes = p[0] + 0.3 * rng.normal(size=(8, n))
    nonface_probes = p[1] + 0.3 * rng.normal(size=(8, n))
    return J, p, face_probes, nonface_probes


def _tied_mann_whitney_p(u, n1, n2, ties):
    """One-sided p (lower tail) of the Mann-Whitney U statistic ``u`` by the normal approximation
    with tie and continuity corrections (``ties``: the sizes of the groups of tied values)."""
    import math

    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - sum(t ** 3 - t for t in ties) / (n * (n - 1)))
    z = (u - n1 * n2 / 2 + 0.5) / math.sqrt(var)
    return 0.5 * math.erfc(-z / math.sqrt(2))


def test_nonface_control_on_a_hand_made_network():
    """Only the first pattern's attractor counts as a face attractor: the copies of the first
    pattern reach it (overlap 1), those of the second reach the orthogonal attractor
    (overlap 0); driven by their probes, the outputs follow the same split."""
    J, p, face_probes, nonface_probes = _two_pattern_network()
    attractor = AttractorNetwork(32, coupling=J).relax(cb.langevin(p[0])).states
    ctl = faces.nonface_control(J, attractor[None], face_probes, nonface_probes, evidence=10.0,
                                signal_strength=1.0, prior_precision=1.0, steps=50, burn_in=5)
    assert ctl.faces.shape == (8,) and ctl.nonfaces.shape == (8,)
    assert_array_equal(ctl.faces, 1.0)
    assert_array_equal(ctl.nonfaces, 0.0)
    assert ctl.statistic == 0.0
    # all 8 face overlaps tie at 1, all 8 non-face ones at 0
    assert_allclose(ctl.p_value, _tied_mann_whitney_p(0.0, 8, 8, [8, 8]), rtol=1e-9)
    assert faces.nonfaces_attracted_less(ctl.p_value)
    assert ctl.faces_driven.min() > ctl.nonfaces_driven.max()
    assert ctl.face_outputs.shape == ctl.nonface_outputs.shape == (8, 32)
    assert faces.nonfaces_attracted_less(ctl.p_value_driven)


@pytest.mark.parametrize("a, b, u, ties", [
    ([0.9, 0.8, 0.7], [0.1, 0.2], 0.0, []),
    ([0.5, 0.6, 0.9, 0.3], [0.4, 0.7, 0.2], 4.0, []),
    ([1.0, 1.0, 0.5], [0.5, 0.2], 0.5, [2, 2]),
])
def test_compare_overlaps_by_hand(a, b, u, ties):
    """U counts the (non-face, face) pairs where the non-face overlaps more (ties: one half)."""
    stat, p = faces.compare_overlaps(a, b)
    assert stat == u
    assert_allclose(p, _tied_mann_whitney_p(u, len(b), len(a), ties), rtol=1e-9)


def test_compare_overlaps_without_any_difference():
    assert faces.compare_overlaps([1.0, 1.0], [1.0, 1.0, 1.0]) == (3.0, 1.0)
    with pytest.raises(ValueError, match="nonface_overlaps"):
        faces.compare_overlaps([1.0], [])
    with pytest.raises(ValueError, match="face_overlaps"):
        faces.compare_overlaps([[1.0]], [1.0])


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(attractors=np.zeros((0, 32))), ValueError, "attractors"),
    (dict(faces=np.zeros((2, 31))), ValueError, "faces"),
    (dict(nonfaces=np.zeros((0, 32))), ValueError, "nonfaces"),
    (dict(evidence=0.0), ValueError, "evidence"),
])
def test_nonface_control_names_a_bad_argument(kwargs, error, name):
    J, p, face_probes, nonface_probes = _two_pattern_network()
    args = dict(coupling=J, attractors=p, faces=face_probes, nonfaces=nonface_probes,
                evidence=1.0)
    with pytest.raises(error, match=name):
        faces.nonface_control(**{**args, **kwargs})


# --- the predicates


def test_stored_faces_on_hand_made_fixed_points():
    x = _tiny_faces(4)
    assert faces.stored_faces(x, x)                              # every face is its own
    assert not faces.stored_faces(np.repeat(x[:1], 4, axis=0), x)   # all fall into face 0
    half = np.stack([x[0], x[1], x[0], x[0]])                    # faces 0 and 1 stored
    assert faces.stored_faces(half, x, fraction=0.5)
    assert not faces.stored_faces(half, x, fraction=0.6)
    # fixed points of the first two faces only, compared with all four
    assert faces.stored_faces(x[:2], x, fraction=1.0)
    assert not faces.stored_faces(x[[1, 0]], x, fraction=0.5)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(fraction=0.0), ValueError, "fraction"),
    (dict(fraction=1.5), ValueError, "fraction"),
    (dict(fixed_points=np.zeros((5, 16))), ValueError, "fixed_points"),
    (dict(fixed_points=np.zeros((2, 9))), ValueError, "fixed_points"),
])
def test_stored_faces_names_a_bad_argument(kwargs, error, name):
    x = _tiny_faces(4)
    with pytest.raises(error, match=name):
        faces.stored_faces(**{**dict(fixed_points=x, faces=x), **kwargs})


@pytest.mark.parametrize("gains, expected", [
    ([0.1, -0.2, 0.3], True), ([0.1, -0.2], False), ([0.0, 0.0, 0.1], False),
    ([[0.1, 0.2, -0.1], [-0.1, -0.2, 0.1]], [True, False]),
])
def test_gain_typically_positive_by_hand(gains, expected):
    assert_array_equal(faces.gain_typically_positive(gains), expected)


def test_gain_typically_positive_names_a_bad_argument():
    with pytest.raises(ValueError, match="gains"):
        faces.gain_typically_positive(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="fraction"):
        faces.gain_typically_positive([0.1], fraction=1.0)


@pytest.mark.parametrize("p, level, expected", [(0.01, 0.05, True), (0.05, 0.05, False),
                                                (0.2, 0.05, False), (0.0, 0.01, True)])
def test_nonfaces_attracted_less_by_hand(p, level, expected):
    assert faces.nonfaces_attracted_less(p, level=level) is expected


@pytest.mark.parametrize("kwargs, name", [(dict(p_value=1.5), "p_value"),
                                          (dict(p_value=-0.1), "p_value"),
                                          (dict(p_value=0.1, level=1.0), "level")])
def test_nonfaces_attracted_less_names_a_bad_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        faces.nonfaces_attracted_less(**kwargs)


# --- the sweep and one network end to end, on a tiny face set

TINY_SWEEP = dict(precisions=(0.3, 1.0), evidences=(2.0, 5.0), learning_rates=(0.01, 0.03),
                  n_held_out=3, trials=3, eval_steps=5, starts=4, **TINY)


@pytest.fixture(scope="module")
def tiny_sweep():
    return faces.sweep(images=_tiny_faces(10), **TINY_SWEEP, seed=1)


def test_sweep_is_the_networks_trained_alone(tiny_sweep):
    sw = tiny_sweep
    t = sw.table
    assert len(t) == 8 and sw.J.shape == (8, N, N)
    assert list(t.evidence) == [2.0] * 4 + [5.0] * 4                  # evidence-major
    assert list(t.inverse_temperature[:4]) == [0.3, 0.3, 1.0, 1.0]
    assert list(t.learning_rate[:2]) == [0.01, 0.03]
    assert sw.chosen == faces.balanced(t)
    x = _tiny_faces(10)
    parts = faces.split(10, 3, seed=1)
    assert_array_equal(sw.split.train, parts.train)
    row = t.iloc[5]
    alone = faces.train_faces(x[parts.train], evidence=row.evidence,
                              inverse_temperature=row.inverse_temperature,
                              learning_rate=row.learning_rate, **TINY, seed=1)
    assert_array_equal(alone.J[0], sw.J[5])
    assert_allclose(row.retrieval, np.median(sw.evaluation.retrieval[5]), rtol=1e-12)
    assert t.n_attractors.between(1, 4).all() and t.stored.between(0, 1).all()
    assert_allclose(sw.data_orthogonality, metrics.orthogonality(x[parts.train]), rtol=1e-12)


def test_sweep_refuses_a_repeated_value():
    with pytest.raises(ValueError, match="precisions"):
        faces.sweep(images=_tiny_faces(10), **{**TINY_SWEEP, "precisions": (0.3, 0.3)})


def test_simulation6_is_the_sweeps_network(tiny_sweep):
    row = tiny_sweep.table.iloc[3]
    r = faces.simulation6(images=_tiny_faces(10), n_held_out=3, evidence=row.evidence,
                          inverse_temperature=row.inverse_temperature,
                          learning_rate=row.learning_rate, trials=3, eval_steps=5, n_examples=2,
                          n_held_out_examples=1, seed=1, **TINY)
    assert_array_equal(r.J, tiny_sweep.J[3])
    assert_array_equal(r.evaluation.retrieval[0], tiny_sweep.evaluation.retrieval[3])
    assert r.evaluation.fixed_points.shape == (1, 7, N)           # every training face
    assert_array_equal(r.evaluation.fixed_points[0, :4], tiny_sweep.evaluation.fixed_points[3])
    assert r.grid.gains.shape == (4, 5, 3)                         # the paper's grid
    assert_array_equal(r.example_faces[:2], faces.examples(r.split, 2, seed=1))
    assert r.example_faces[2] == r.split.held_out[0]
    assert np.isin(r.example_faces[:2], r.split.train).all()


def test_examples_are_a_prefix_of_one_permutation():
    parts = faces.split(30, 5, seed=2)
    five = faces.examples(parts, 5, seed=2)
    assert faces.examples(parts, 1, seed=2)[0] == five[0]
    assert np.isin(five, parts.train).all() and len(set(five)) == 5
    with pytest.raises(ValueError, match="n must"):
        faces.examples(parts, 26)
    with pytest.raises(TypeError, match="parts"):
        faces.examples((1, 2), 1)


def test_explore_point_on_an_untrained_network():
    """J = 0: the attractor is the zero state, and the reconstruction at a pair of the paper's
    grid is that grid entry, bit for bit."""
    J = np.zeros((625, 625))
    point = faces.explore_point(J, signal_strength=0.3, prior_precision=0.6)
    assert not np.any(point.attractor)
    g = point.grid
    assert_array_equal(point.reconstruction, g.reconstructions[2, 1, 0])
    assert point.gain == g.gains[2, 1, 0]
    x = datasets.faces()
    assert_array_equal(point.face, x[faces.examples(faces.split(100), 1)[0]])
