"""Simulation 3's precomputed panel (fep_core.grids.sim3): the default point is the chapter's
own computation (experiments.simulation3, seed 0, the paper's settings) bit for bit, and so is
any other grid point; every number is finite; the controls span the live sliders."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import analysis, controls, experiments, metrics, paper
from fep_core.grids import compute, function
from fep_core.grids.sim3 import simulation3, train_batch

CHAPTER = "simulation3"
CONTROLS = ("inverse_temperature", "learning_rate", "evidence")


@pytest.fixture(scope="module")
def pre():
    """The chapter's panel as the book shows it, through the result cache; test_deterministic
    computes it afresh."""
    return compute("simulation3")


@pytest.fixture(scope="module")
def chapter_result():
    """What the chapter computes and prints (its first cell: E.simulation3() at the paper's
    settings, seed 0)."""
    return experiments.simulation3(seed=0)


def _expected(r):
    """The panel's arrays and readouts computed from a Simulation3Result as the notebook does."""
    corr = analysis.digit_correlations(r.free_states, r.digits)
    att = analysis.digit_correlations(r.symmetric_attractors, r.digits)
    order = r.sequence_order
    arrays = {"attractors": r.symmetric_attractors.reshape(len(r.labels), 8, 8),
              **{f"corr_{lab}": corr[:, k] for k, lab in enumerate(r.labels)}}
    readouts = {"asymmetry": r.asymmetry,
                "n_attractors": len(metrics.unique_states(r.symmetric_attractors)),
                "attractor_corr": float(np.diag(att).min()),
                "cycles_forward": float(paper.cycles_forward(order, r.labels)),
                "n_cycles": len(order) // 3,
                "recognised": float(np.mean(r.recognised >= 0))}
    return arrays, readouts


def test_registered_and_shaped(pre):
    assert function(CHAPTER) is simulation3
    assert pre.grid.chapter == CHAPTER
    assert pre.grid.names == CONTROLS
    assert pre.grid.shape == (7, 7, 7)
    assert pre.arrays["attractors"].shape == (pre.grid.size, 3, 8, 8)
    for lab in "123":
        assert pre.arrays[f"corr_{lab}"].shape == (pre.grid.size, paper.SIMULATION3["free_steps"])
    assert pre.arrays["asymmetry_map"].shape == (pre.grid.size, 7, 7)
    assert 3 <= len(pre.readouts) <= 6 and 2 <= len(pre.views) <= 4


def test_default_point_is_the_chapter_bit_for_bit(pre, chapter_result):
    """(a) bit-equal: the same streams, the same engine, the same arithmetic per network."""
    r = chapter_result
    d = pre.grid.default_index
    assert pre.grid.points()[d] == {"inverse_temperature": paper.SIMULATION3["inverse_temperature"],
                                    "learning_rate": paper.SIMULATION3["learning_rate"],
                                    "evidence": paper.SIMULATION3["evidence"]}
    arrays, readouts = _expected(r)
    for key, want in arrays.items():
        assert_array_equal(pre.arrays[key][d], want, err_msg=key)
    for name, want in readouts.items():
        assert_array_equal(pre.readouts[name].values[d], want, err_msg=name)
    # what the chapter prints and asserts at the paper's settings
    assert r.symmetric_attractor_labels == "123"
    assert pre.readouts["n_attractors"].values[d] == 3
    assert pre.readouts["cycles_forward"].values[d] == 1
    assert pre.readouts["attractor_corr"].values[d] > 0.8
    assert abs(pre.readouts["asymmetry"].values[d] - paper.value("s3_asymmetry")) < 0.02


@pytest.mark.parametrize("where", [(2, 6, 0), (6, 0, 6), (3, 4, 1), (0, 3, 3)])
def test_other_points_are_the_chapter_bit_for_bit(pre, where):
    """Any grid point, not only the default, is experiments.simulation3 with its settings
    (``where``: the index of each control's value)."""
    point = {c.name: c.values[i] for c, i in zip(pre.grid.controls, where)}
    k = pre.grid.index(**point)
    r = experiments.simulation3(seed=0, **point)
    arrays, readouts = _expected(r)
    for key, want in arrays.items():
        assert_array_equal(pre.arrays[key][k], want, err_msg=key)
    for name, want in readouts.items():
        assert_array_equal(pre.readouts[name].values[k], want, err_msg=name)


def test_train_batch_matches_the_experiment_per_network():
    """The batched steps give each network's J, attractors, free run and recognition exactly,
    also with another seed and a shorter training."""
    iT, alpha, ev = [1.0, 3.0, 0.5], [0.001, 0.01, 0.0005], [20.0, 5.0, 33.0]
    out = train_batch(iT, alpha, ev, seed=3, epochs=600)
    for k in range(3):
        r = experiments.simulation3(seed=3, inverse_temperature=iT[k], learning_rate=alpha[k],
                                    evidence=ev[k], epochs=600)
        assert out["labels"] == r.labels
        assert_array_equal(out["J"][k], r.J)
        assert_array_equal(out["asymmetry"][k], r.asymmetry)
        assert_array_equal(out["fixed_points"][k], r.symmetric_attractors)
        assert_array_equal(out["free_states"][k], r.free_states)
        assert_array_equal(out["recognised"][k], r.recognised)
        assert_array_equal(out["unique_attractors"][k],
                           metrics.unique_states(r.symmetric_attractors))


def test_train_batch_refuses_mismatched_settings():
    with pytest.raises(ValueError, match="one length"):
        train_batch([1.0, 2.0], [0.001], [20.0, 20.0])


def test_everything_is_finite_and_in_range(pre):
    """(b) every array and readout finite (no readout is declared undefined)."""
    for key, a in pre.arrays.items():
        assert np.all(np.isfinite(a)), key
    for name, r in pre.readouts.items():
        assert r.undefined == ""
        assert np.all(np.isfinite(r.values)), name
    assert np.all(np.abs(pre.arrays["attractors"]) <= 1)
    for lab in "123":
        assert np.all(np.abs(pre.arrays[f"corr_{lab}"]) <= 1 + 1e-12)
    R = pre.readouts
    assert set(np.unique(R["cycles_forward"].values)) <= {0.0, 1.0}
    assert set(np.unique(R["n_attractors"].values)) <= {1.0, 2.0, 3.0}
    assert np.all((R["recognised"].values >= 0) & (R["recognised"].values <= 1))
    assert np.all((R["asymmetry"].values >= 0) & (R["asymmetry"].values <= 2))
    assert np.all(R["n_cycles"].values == np.round(R["n_cycles"].values))
    # the sequence cycles forward somewhere, and not everywhere
    assert 0 < R["cycles_forward"].values.sum() < pre.grid.size


def test_asymmetry_map_is_the_readout_over_beta_and_alpha(pre):
    """The heatmap at a point shows the asymmetry readout of every (beta, alpha) at that
    point's evidence, its framed cell the point itself."""
    g = pre.grid
    asym = pre.readouts["asymmetry"].values
    for k, p in enumerate(g.points()):
        m = pre.arrays["asymmetry_map"][k]
        for i, a in enumerate(g["learning_rate"].values):
            for j, b in enumerate(g["inverse_temperature"].values):
                want = asym[g.index(inverse_temperature=b, learning_rate=a,
                                    evidence=p["evidence"])]
                assert m[i, j] == want
        i = g["learning_rate"].values.index(p["learning_rate"])
        j = g["inverse_temperature"].values.index(p["inverse_temperature"])
        assert m[i, j] == asym[k]


@pytest.mark.parametrize("name", CONTROLS)
def test_controls_contain_the_default_and_span_the_slider(pre, name):
    """(c) each control holds the live slider's default exactly and spans its range."""
    low, high, default = controls.SLIDER_RANGES[CHAPTER][name]
    c = pre.grid[name]
    assert c.default == default and default in c.values
    assert_allclose([c.values[0], c.values[-1]], [low, high], rtol=1e-12, atol=0)
    assert 5 <= len(c.values) <= 13
    assert c.label == controls.SLIDER_LABELS[CHAPTER][name]


def test_deterministic(pre):
    """(d) a second computation gives the same bytes."""
    assert simulation3().digest() == pre.digest()
