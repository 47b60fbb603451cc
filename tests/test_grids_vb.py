"""The precomputed static panel of the variational-Bayes chapter (fep_core.grids.vb): the default
grid point is, bit for bit, what the chapter's live callback computes; every point is its own
run of fep_core.vae.explore_run; the grid spans the live sliders; diverged runs are drawn with
finite arrays and read as undefined.

The grid is computed once for the module (28 short trainings in one process). Tests that train
need JAX and optax and are skipped with a reason without them."""
import importlib.util

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import explore, vae
from fep_core.controls import SLIDER_LABELS, SLIDER_RANGES
from fep_core.grids import vb as grid_vb
from fep_core.plotting import vb as plots

HAS_JAX = (importlib.util.find_spec("jax") is not None
           and importlib.util.find_spec("optax") is not None)
needs_jax = pytest.mark.skipif(not HAS_JAX, reason="JAX and optax are not installed (they are "
                                                   "pinned in requirements.txt for the book)")
CHAPTER = "variational_bayes"


@pytest.fixture(scope="module")
def panel():
    if not HAS_JAX:
        pytest.skip("JAX and optax are not installed")
    return grid_vb.variational_bayes()


def _tiles(images):
    return np.asarray(images).reshape(8, 8, 8)


@needs_jax
def test_default_point_is_the_live_callbacks_run(panel, monkeypatch):
    seen = {}
    monkeypatch.setattr(plots, "plot_explore", lambda run, **kw: seen.update(run=run, **kw))
    explore.variational_bayes()
    run = seen["run"]
    d = panel.grid.default_index
    assert panel.grid.points()[d] == {k: v[2] for k, v in SLIDER_RANGES[CHAPTER].items()}
    at = panel.at(d)
    # bit-equal: the same compiled program, settings and seed
    assert_array_equal(at["accuracy"], run.result.accuracy)
    assert_array_equal(at["complexity"], run.result.complexity)
    assert_array_equal(at["originals"], _tiles(run.originals))
    assert_array_equal(at["reconstructions"], _tiles(run.reconstructions))
    assert_array_equal(at["samples"], _tiles(run.samples))
    assert at["held_out_free_energy"] == run.held_out_free_energy
    assert at["auc"] == run.auc and at["denoising"] == run.denoising
    assert at["final_accuracy"] == run.result.accuracy[-1]
    assert at["final_complexity"] == run.result.complexity[-1]
    assert at["diverged"] == 0.0


@needs_jax
def test_another_point_is_its_own_run(panel):
    p = {"decoder_precision": 0.1, "learning_rate": 0.1}             # a corner
    k = panel.grid.index(**p)
    run = vae.explore_run(**p)
    at = panel.at(k)
    assert_array_equal(at["accuracy"], run.result.accuracy)
    assert_array_equal(at["reconstructions"], _tiles(run.reconstructions))
    assert at["auc"] == run.auc


@needs_jax
def test_grid_spans_the_live_sliders_and_is_finite(panel):
    assert panel.grid.names == tuple(SLIDER_RANGES[CHAPTER])
    assert panel.grid.shape == (grid_vb.N_PRECISIONS, grid_vb.N_LEARNING_RATES)
    for c in panel.grid.controls:
        low, high, default = SLIDER_RANGES[CHAPTER][c.name]
        assert c.values[0] == low and c.values[-1] == high and default in c.values
        assert c.label == SLIDER_LABELS[CHAPTER][c.name]
    for key, a in panel.arrays.items():
        assert np.all(np.isfinite(a)), key
    assert not np.any(panel.readouts["diverged"].values)
    for r in panel.readouts.values():
        assert np.all(np.isfinite(r.values))
    steps = panel.views[0].x
    assert_array_equal(steps, vae.RECORD_EVERY * np.arange(1, vae.EXPLORE_STEPS // 25 + 1))


@needs_jax
def test_the_panel_renders(panel):
    from fep_core.plotting import static

    html = static.panel_html(panel)
    assert "control-decoder_precision" in html and "control-learning_rate" in html


def _fake_run(decoder_precision, learning_rate, seed=0):
    """A synthetic ExploreRun; the run at the largest precision and learning rate diverged."""
    n = vae.EXPLORE_STEPS // vae.RECORD_EVERY
    steps = vae.RECORD_EVERY * np.arange(1, n + 1)
    acc = -100.0 + np.log(decoder_precision) + np.arange(n)
    comp = 5.0 + learning_rate + 0.1 * np.arange(n)
    diverged = decoder_precision == 100.0 and learning_rate == 0.1
    if diverged:
        acc[12:] = np.nan
        comp[12:] = np.nan
    res = vae.VAEResult(params={}, steps=steps, accuracy=acc, complexity=comp, diverged=diverged)
    images = np.full((8, 64), decoder_precision)
    nan_or = (lambda v: np.nan) if diverged else (lambda v: v)
    return vae.ExploreRun(result=res, originals=images, reconstructions=0 * images if diverged
                          else images, samples=images, latent_means=np.zeros((3, 2)),
                          labels=np.zeros(3), held_out_free_energy=nan_or(50.0),
                          auc=nan_or(0.9), denoising=nan_or(0.1))


def test_a_diverged_run_is_drawn_finite_and_read_as_undefined(monkeypatch):
    monkeypatch.setattr(vae, "explore_run", _fake_run)
    pre = grid_vb.variational_bayes()
    k = pre.grid.index(decoder_precision=100.0, learning_rate=0.1)
    at = pre.at(k)
    assert at["diverged"] == 1.0 and pre.readouts["diverged"].values.sum() == 1
    assert_array_equal(at["accuracy"][12:], np.full(8, at["accuracy"][11]))  # held at its last
    assert np.all(np.isfinite(at["complexity"]))
    for name in ("held_out_free_energy", "auc", "denoising", "final_accuracy",
                 "final_complexity"):
        assert np.isnan(at[name])
        assert dict(pre.readout_text(k))[pre.readouts[name].label].endswith(
            "(training diverged)")
    assert not np.any(at["reconstructions"])
    ok = pre.at(pre.grid.default_index)
    assert ok["diverged"] == 0.0 and ok["auc"] == 0.9
