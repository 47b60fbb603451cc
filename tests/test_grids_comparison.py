"""The comparison chapter's precomputed panel (fep_core.grids.comparison): every point is what
the live panel (fep_core.explore.comparison, i.e. comparison.explore_points at one point)
computes at those slider values, bit for bit; the controls span the live sliders and contain
their defaults (the paper's settings: factors 1); the classic networks do not depend on the
paper's network's settings; the panel is deterministic and renders."""
import inspect

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import comparison as C, controls, explore
from fep_core.grids import compute, function
from fep_core.grids.comparison import N_LEARNING_RATES, N_LOADS, N_PRECISIONS, comparison
from fep_core.plotting.static import panel_html

CHAPTER = "comparison"
CONTROLS = ("inverse_temperature", "learning_rate", "load")
LIVE = {k: p.default for k, p in inspect.signature(explore.comparison).parameters.items()}
SHORT = {"this network": "FEP", "Hopfield": "Hopfield", "Storkey": "Storkey",
         "projector network": "projector", "Boltzmann machine": "Boltzmann"}


@pytest.fixture(scope="module")
def pre():
    """The panel as the book shows it (through the result cache)."""
    return compute(CHAPTER)


def _point(pre, which):
    if which == "default":
        return pre.grid.points()[pre.grid.default_index]
    c = {name: pre.grid[name] for name in CONTROLS}
    where = {"other": (c["inverse_temperature"].index + 1, c["learning_rate"].index - 1, 0),
             "corner": (0, -1, -1)}[which]
    return {name: c[name].values[j] for name, j in zip(CONTROLS, where)}


def test_registered_and_shaped(pre):
    assert function(CHAPTER) is comparison
    assert pre.grid.chapter == CHAPTER and pre.grid.names == CONTROLS
    assert pre.grid.shape == (N_PRECISIONS, N_LEARNING_RATES, N_LOADS)
    assert pre.arrays["recognised"].shape == (pre.grid.size,
                                              C.paper.SIMULATION3["free_steps"])
    for kind in ("capacity", "retrieval", "generalization"):
        for name in SHORT.values():
            assert pre.arrays[f"{kind}_{name}"].shape == (pre.grid.size,)
    assert set(pre.readouts) == {"n_patterns", "capacity", "retrieval", "generalization",
                                 "n_attractors", "orthogonality", "cycles"}


def test_controls_span_the_live_sliders_and_hold_their_defaults(pre):
    for name in CONTROLS:
        low, high, default = controls.SLIDER_RANGES[CHAPTER][name]
        values = pre.grid[name].values
        assert values[0] == low and values[-1] == high and default in values
        assert pre.grid[name].default == default == LIVE[name]
    # factors of 1 are the paper's settings
    assert LIVE["inverse_temperature"] == LIVE["learning_rate"] == 1.0 and LIVE["seed"] == 0


@pytest.mark.parametrize("which", ["default", "other", "corner"])
def test_point_is_the_live_computation_bit_for_bit(pre, which):
    point = _point(pre, which)
    if which != "default":
        assert point["inverse_temperature"] != pre.grid["inverse_temperature"].default
    k = pre.grid.index(**point)
    one = C.explore_points([point["inverse_temperature"]], [point["learning_rate"]],
                           [point["load"]], seed=LIVE["seed"])
    for name, short in SHORT.items():
        assert_array_equal(pre.arrays[f"capacity_{short}"][k], one.capacity[name][0])
    assert_array_equal(pre.arrays["retrieval_FEP"][k], one.digits["retrieval"][0])
    assert_array_equal(pre.arrays["generalization_FEP"][k], one.digits["generalization"][0])
    assert_array_equal(pre.arrays["recognised"][k], one.recognised[0])
    assert_array_equal(pre.readouts["cycles"].values[k], float(one.cycles[0]))
    assert_array_equal(pre.readouts["n_attractors"].values[k], one.digits["n_attractors"][0])
    assert_array_equal(pre.readouts["capacity"].values[k], one.capacity["this network"][0])
    for kind in ("retrieval", "generalization"):
        assert_array_equal(pre.readouts[kind].values[k], one.digits[kind][0])


def test_the_classic_networks_do_not_depend_on_the_papers_settings(pre):
    shape = pre.grid.shape
    for name in ("Hopfield", "Storkey", "projector", "Boltzmann"):
        cap = pre.arrays[f"capacity_{name}"].reshape(shape)
        assert_array_equal(cap, np.broadcast_to(cap[:1, :1], shape))     # the load only
        for kind in ("retrieval", "generalization"):
            a = pre.arrays[f"{kind}_{name}"]
            assert_array_equal(a, a[0])


def test_the_digits_and_the_sequence_do_not_depend_on_the_load(pre):
    shape = pre.grid.shape
    for key in ("retrieval_FEP", "generalization_FEP"):
        a = pre.arrays[key].reshape(shape)
        assert_array_equal(a, np.broadcast_to(a[..., :1], shape))
    r = pre.arrays["recognised"].reshape(*shape, -1)
    assert_array_equal(r, np.broadcast_to(r[:, :, :1], r.shape))


def test_deterministic_and_drawable(pre):
    again = comparison()
    assert again.digest() == pre.digest()
    html = panel_html(pre)
    assert "capacity at this load" in html
