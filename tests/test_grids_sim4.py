"""Simulation 4's precomputed panel (fep_core.grids.sim4): at the live panel's defaults the page
shows fep_core.explore.simulation4's computation (experiments.free_run_continuation) bit for
bit, and so does a point at other values of every control (the free runs of one batch, read at
each length, are the continuation's runs of that length); every number is finite; the controls
span the live sliders and contain their defaults; the panel is deterministic."""
import inspect

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fep_core import controls, experiments, explore, paper
from fep_core.grids import compute, function
from fep_core.grids.sim4 import (
    CURVE_EVERY,
    FREE_STEPS,
    MAX_TILES,
    PRECISION_INDICES,
    free_runs,
    simulation4,
)
from fep_core.plotting.static import panel_html

CHAPTER = "simulation4"
CONTROLS = ("inverse_temperature", "learning_rate", "free_steps")
GRID_IT = paper.GRID_INVERSE_TEMPERATURES
# the live panel's call: explore.simulation4's defaults (epochs 2000, seed 0)
LIVE = {k: p.default for k, p in inspect.signature(explore.simulation4).parameters.items()}
READOUTS = {"J_change": "J_change", "retrieval_before": "retrieval_before",
            "retrieval_after": "retrieval_after", "generalization_before": "generalization_before",
            "generalization_after": "generalization_after", "n_attractors": "n_attractors_after"}


@pytest.fixture(scope="module")
def pre():
    """The chapter's panel as the book shows it: through the result cache (the build's entry
    when the book was built first); test_deterministic_and_drawable computes it afresh."""
    return compute("simulation4")


def _tiles(attractors):
    out = np.zeros((MAX_TILES, 64))
    out[:len(attractors)] = attractors
    return out.reshape(MAX_TILES, 8, 8)


def _point(pre, which):
    """A grid point: the defaults, a point with every control off its default, or a corner
    (lowest precision, highest learning rate, shortest free run)."""
    if which == "default":
        return pre.grid.points()[pre.grid.default_index]
    c = {name: pre.grid[name] for name in CONTROLS}
    where = {"other": (c["inverse_temperature"].index - 2, c["learning_rate"].index + 1, 1),
             "corner": (0, -1, 0)}[which]
    return {name: c[name].values[j] for name, j in zip(CONTROLS, where)}


def test_registered_and_shaped(pre):
    assert function(CHAPTER) is simulation4
    assert pre.grid.chapter == CHAPTER
    assert pre.grid.names == CONTROLS
    assert pre.grid.shape == (len(PRECISION_INDICES), 7, len(FREE_STEPS))
    for key in ("attractors_before", "attractors_after"):
        assert pre.arrays[key].shape == (pre.grid.size, MAX_TILES, 8, 8)
    length = FREE_STEPS[-1] // CURVE_EVERY
    assert pre.arrays["J_change_curve"].shape == (pre.grid.size, length)
    assert tuple(pre.readouts) == tuple(READOUTS)
    assert 2 <= len(pre.views) <= 4


def test_live_defaults_are_the_grid_defaults(pre):
    """The static panel's defaults are the live panel's (explore.simulation4's signature)."""
    assert pre.grid.points()[pre.grid.default_index] == {k: float(LIVE[k]) for k in CONTROLS}
    assert (LIVE["epochs"], LIVE["seed"]) == (2000, 0)


@pytest.mark.parametrize("which", ["default", "other", "corner"])
def test_point_is_the_continuation_bit_for_bit(pre, which):
    """(a) bit-equal, not to a tolerance: the point's arrays and readouts are
    experiments.free_run_continuation's at its controls, with the live panel's epochs and seed
    (at the defaults: exactly what explore.simulation4 computes and draws)."""
    point = _point(pre, which)
    if which != "default":
        assert all(point[k] != pre.grid[k].default for k in CONTROLS)
    k = pre.grid.index(**point)
    res = experiments.free_run_continuation(
        inverse_temperature=point["inverse_temperature"], learning_rate=point["learning_rate"],
        free_steps=int(point["free_steps"]), epochs=LIVE["epochs"], seed=LIVE["seed"])
    at = {key: a[k] for key, a in pre.arrays.items()}
    for name, field in READOUTS.items():
        assert_array_equal(pre.readouts[name].values[k], float(getattr(res, field)))
    assert_array_equal(at["attractors_after"], _tiles(res.attractors_after))
    assert_array_equal(at["attractors_before"], _tiles(res.attractors_before))
    for key in ("retrieval", "generalization"):
        for when in ("before", "after"):
            assert_array_equal(at[f"bar_{key}_{when}"], getattr(res, f"{key}_{when}"))
    # the curve passes through the point's change of J, marked at its length
    step = int(point["free_steps"]) // CURVE_EVERY - 1
    assert_array_equal(at["J_change_curve"][step], res.J_change)
    assert_array_equal(at["mark_x"], [point["free_steps"]] * 2)
    assert_array_equal(at["mark_y"], [pre.arrays["J_change_curve"].min(), res.J_change])


def test_curve_is_the_continuation_at_every_length():
    """The change of J along one batched run equals separate continuations of each length
    (bit-equal): stopping and resuming a run draws the same random numbers."""
    cell = experiments.simulation2_cell(seed=0, evidence=paper.REGIMES["balanced"][0],
                                        inverse_temperature=paper.REGIMES["balanced"][1],
                                        learning_rate=0.001, epochs=20, trials=1)
    its, rates, lengths = np.array([0.05, 1.0]), np.array([0.003, 0.0002]), [300, 700]
    couplings, steps, change = free_runs(cell.network.J, cell.network.state, its, rates, lengths,
                                         every=200)
    assert_array_equal(steps, [0, 200, 300, 400, 600, 700])
    for b in range(2):
        for c, n in enumerate(lengths):
            res = experiments.free_run_continuation(
                inverse_temperature=its[b], learning_rate=rates[b], free_steps=n, epochs=20,
                trials=1)
            assert_array_equal(couplings[c, b], res.J_after)
            assert_array_equal(change[b, list(steps).index(n)], res.J_change)


def test_free_runs_refuses_bad_lengths():
    J = np.ones((4, 4)) - np.eye(4)
    with pytest.raises(ValueError, match="lengths"):
        free_runs(J, np.zeros(4), [1.0], [0.1], [5, 5])
    with pytest.raises(ValueError, match="zero"):
        free_runs(np.zeros((4, 4)), np.zeros(4), [1.0], [0.1], [5])


def test_finite(pre):
    """(b) every array entry and every readout is finite (no readout declares a NaN)."""
    for key, a in pre.arrays.items():
        assert np.all(np.isfinite(a)), key
    for name, r in pre.readouts.items():
        assert np.all(np.isfinite(r.values)), name
        assert r.undefined == ""
    n = pre.readouts["n_attractors"].values
    assert np.all((n >= 1) & (n <= MAX_TILES) & (n == np.round(n)))


def test_controls_span_the_sliders(pre):
    """(c) each control contains its slider's default exactly and spans the slider's range;
    the precisions are the paper's grid values, both ends and the balanced one included."""
    ranges = controls.SLIDER_RANGES[CHAPTER]
    for c in pre.grid.controls:
        low, high, default = ranges[c.name]
        assert c.default == default
        assert default in c.values
        assert c.values[0] == low and c.values[-1] == high
        assert 5 <= len(c.values) <= 13
    its = pre.grid["inverse_temperature"].values
    assert_array_equal(its, GRID_IT[list(PRECISION_INDICES)])
    assert paper.REGIMES["balanced"][1] in its
    assert all(v % 500 == 0 for v in pre.grid["free_steps"].values)   # the slider's step


def test_deterministic_and_drawable(pre):
    """(d) a second computation gives the same digest; the panel renders."""
    assert simulation4().digest() == pre.digest()
    html = panel_html(pre)
    assert 'data-chapter="simulation4"' in html
