"""Simulation 6's precomputed panel (fep_core.grids.sim6): at the live panel's defaults the page
shows what fep_core.explore.simulation6 computes (faces.trained_coupling, faces.explore_point)
bit for bit, and so does a point with every control off its default and a corner (a network
trained alone is the sweep's network, and a reconstruction pair alone is that pair of the
batched grid); every number is finite; the controls are the sweep's values and the paper's grid,
span the live sliders and contain their defaults; the panel is deterministic."""
import inspect

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import controls, explore, faces, paper
from fep_core.cache import cached
from fep_core.grids import compute, function
from fep_core.grids.sim6 import simulation6
from fep_core.plotting.static import panel_html

CHAPTER = "simulation6"
CONTROLS = ("inverse_temperature", "learning_rate", "signal_strength", "prior_precision")
LIVE = {k: p.default for k, p in inspect.signature(explore.simulation6).parameters.items()}
S6 = paper.SIMULATION6


@pytest.fixture(scope="module")
def pre():
    """The chapter's panel as the book shows it: through the result cache (the build's entry
    when the book was built first); test_deterministic_and_drawable computes it afresh."""
    return compute(CHAPTER)


def _point(pre, which):
    """A grid point: the defaults, a point with every control off its default, or a corner
    (highest precision, lowest learning rate, weakest signal, highest prior precision)."""
    if which == "default":
        return pre.grid.points()[pre.grid.default_index]
    c = {name: pre.grid[name] for name in CONTROLS}
    where = {"other": (c["inverse_temperature"].index + 1, c["learning_rate"].index - 1,
                       c["signal_strength"].index + 2, c["prior_precision"].index - 2),
             "corner": (-1, 0, 0, -1)}[which]
    return {name: c[name].values[j] for name, j in zip(CONTROLS, where)}


def test_registered_and_shaped(pre):
    assert function(CHAPTER) is simulation6
    assert pre.grid.chapter == CHAPTER and pre.grid.names == CONTROLS
    assert pre.grid.shape == (len(faces.SWEEP_PRECISIONS), len(faces.SWEEP_LEARNING_RATES),
                              len(S6["signal_strengths"]), len(S6["prior_precisions"]))
    for key in ("reconstruction", "attractor"):
        assert pre.arrays[key].shape == (pre.grid.size, 1, 25, 25)
    assert pre.arrays["gain_map"].shape == (pre.grid.size, len(S6["signal_strengths"]),
                                            len(S6["prior_precisions"]))
    assert tuple(pre.readouts) == ("gain", "retrieval", "generalization", "n_attractors",
                                   "stored")


def test_live_defaults_are_the_grid_defaults_and_the_balanced_setting(pre):
    default = pre.grid.points()[pre.grid.default_index]
    assert default == {k: float(LIVE[k]) for k in CONTROLS}
    assert LIVE["seed"] == 0
    assert (LIVE["inverse_temperature"], LIVE["learning_rate"]) == (
        faces.SETTINGS["inverse_temperature"], faces.SETTINGS["learning_rate"])


@pytest.mark.parametrize("which", ["default", "other", "corner"])
def test_point_is_the_live_computation_bit_for_bit(pre, which):
    """(a) bit-equal: the point's arrays and readouts are what the live callback computes at
    its controls (a network trained alone, a pair reconstructed alone)."""
    point = _point(pre, which)
    if which != "default":
        assert all(point[k] != pre.grid[k].default for k in CONTROLS)
    k = pre.grid.index(**point)
    J = faces.trained_coupling(point["inverse_temperature"], point["learning_rate"])
    live = faces.explore_point(J, signal_strength=point["signal_strength"],
                               prior_precision=point["prior_precision"])
    side = 25
    assert_array_equal(pre.arrays["reconstruction"][k, 0], live.reconstruction.reshape(side, side))
    assert_array_equal(pre.arrays["attractor"][k, 0], live.attractor.reshape(side, side))
    assert_array_equal(pre.arrays["gain_map"][k], live.grid.gains[:, :, 0])
    assert pre.readouts["gain"].values[k] == live.gain
    # the sweep's measures of that network
    sweep = cached(faces.sweep, seed=0)
    row = sweep.table[(sweep.table.evidence == faces.SETTINGS["evidence"])
                      & (sweep.table.inverse_temperature == point["inverse_temperature"])
                      & (sweep.table.learning_rate == point["learning_rate"])].iloc[0]
    for name in ("retrieval", "generalization", "n_attractors", "stored"):
        assert pre.readouts[name].values[k] == row[name]
    assert_array_equal(sweep.J[row.name], J)


def test_finite(pre):
    """(b) every array entry and every readout is finite (no readout declares a NaN)."""
    for key, a in pre.arrays.items():
        assert np.all(np.isfinite(a)), key
    for name, r in pre.readouts.items():
        assert np.all(np.isfinite(r.values)), name
        assert r.undefined == ""
    for key in ("reconstruction", "attractor"):
        assert np.all(np.abs(pre.arrays[key]) <= 1.0)          # states of the network


def test_controls_span_the_sliders(pre):
    """(c) each control contains its slider's default exactly and spans the slider's range:
    the sweep's precisions and learning rates, the paper's signal strengths and prior
    precisions."""
    ranges = controls.SLIDER_RANGES[CHAPTER]
    for c in pre.grid.controls:
        low, high, default = ranges[c.name]
        assert c.default == default and default in c.values
        assert c.values[0] == low and c.values[-1] == high
    expected = {"inverse_temperature": faces.SWEEP_PRECISIONS,
                "learning_rate": faces.SWEEP_LEARNING_RATES,
                "signal_strength": S6["signal_strengths"],
                "prior_precision": S6["prior_precisions"]}
    for name, values in expected.items():
        assert_array_equal(pre.grid[name].values, values)


def test_deterministic_and_drawable(pre):
    """(d) a second computation gives the same digest; the panel renders."""
    assert simulation6().digest() == pre.digest()
    html = panel_html(pre)
    assert 'data-chapter="simulation6"' in html
