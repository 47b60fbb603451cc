"""Simulation 5's precomputed panel (fep_core.grids.sim5): every point is what the live panel
(fep_core.explore.simulation5, i.e. capacity.training_sweep at one point) computes at those
slider values, bit for bit; the controls span the live sliders and contain their defaults; every
number is finite; the panel is deterministic and renders."""
import inspect

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import capacity, controls, explore
from fep_core.grids import compute, function
from fep_core.grids.sim5 import LEARNING_RATES, N_LOADS, N_PRECISIONS, simulation5
from fep_core.plotting.static import panel_html

CHAPTER = "simulation5"
CONTROLS = ("inverse_temperature", "learning_rate", "load")
LIVE = {k: p.default for k, p in inspect.signature(explore.simulation5).parameters.items()}


@pytest.fixture(scope="module")
def pre():
    """The panel as the book shows it (through the result cache)."""
    return compute(CHAPTER)


def _point(pre, which):
    if which == "default":
        return pre.grid.points()[pre.grid.default_index]
    c = {name: pre.grid[name] for name in CONTROLS}
    where = {"other": (c["inverse_temperature"].index + 1, c["learning_rate"].index - 1,
                       c["load"].index + 1),
             "corner": (0, -1, -1)}[which]
    return {name: c[name].values[j] for name, j in zip(CONTROLS, where)}


def test_registered_and_shaped(pre):
    assert function(CHAPTER) is simulation5
    assert pre.grid.chapter == CHAPTER and pre.grid.names == CONTROLS
    assert pre.grid.shape == (N_PRECISIONS, len(LEARNING_RATES), N_LOADS)
    C = len(capacity.SWEEP_CORRUPTION)
    for key in ("recall_fep", *(f"recall_{n}" for n in capacity.BASELINES)):
        assert pre.arrays[key].shape == (pre.grid.size, C)
    assert set(pre.readouts) == {"n_patterns", "retention", "recall",
                                 *(f"recalled_{n}" for n in capacity.BASELINES)}


def test_controls_span_the_live_sliders_and_hold_their_defaults(pre):
    for name in CONTROLS:
        low, high, default = controls.SLIDER_RANGES[CHAPTER][name]
        values = pre.grid[name].values
        assert values[0] == low and values[-1] == high and default in values
        assert pre.grid[name].default == default == LIVE[name]
    assert LIVE["seed"] == 0


@pytest.mark.parametrize("which", ["default", "other", "corner"])
def test_point_is_the_live_computation_bit_for_bit(pre, which):
    point = _point(pre, which)
    if which != "default":
        assert all(point[k] != pre.grid[k].default for k in CONTROLS)
    k = pre.grid.index(**point)
    one = capacity.training_sweep([point["inverse_temperature"]], [point["learning_rate"]],
                                  [point["load"]], seed=LIVE["seed"])
    assert_array_equal(pre.arrays["recall_fep"][k], one.recall[0])
    for name in capacity.BASELINES:
        assert_array_equal(pre.arrays[f"recall_{name}"][k], one.baseline_recall[name][0])
    assert_array_equal(pre.readouts["retention"].values[k], one.retention[0])
    assert_array_equal(pre.readouts["n_patterns"].values[k], one.n_patterns[0])
    c10 = int(np.argmin(np.abs(one.corruption - 0.1)))
    assert_array_equal(pre.readouts["recall"].values[k], one.recall[0, c10])


def test_the_classic_networks_depend_on_the_load_only(pre):
    for name in capacity.BASELINES:
        a = pre.arrays[f"recall_{name}"].reshape(*pre.grid.shape, -1)
        assert_array_equal(a, np.broadcast_to(a[:1, :1], a.shape))


def test_deterministic_and_drawable(pre):
    again = simulation5()
    assert again.digest() == pre.digest()
    html = panel_html(pre)
    assert "fraction of patterns recalled" in html
