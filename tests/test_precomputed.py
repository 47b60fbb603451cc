"""The mechanics of the static pages' precomputed panels: grids, packing, checks, the Bokeh
panel (fep_core.precomputed, fep_core.plotting.static, fep_core.widgets.static_panel).

Each chapter's own grid is tested beside its experiment (tests/test_grids_*.py); the panels in
a real browser in tests/test_browser.py.
"""
from __future__ import annotations

import html as html_module
import json
import math
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fep_core import controls, grids
from fep_core.precomputed import (
    Bars,
    Control,
    Grid,
    Heatmap,
    Lines,
    Precomputed,
    Readout,
    Tiles,
    axis,
    control,
    format_value,
)


# --- axis and control ------------------------------------------------------------------------
@pytest.mark.parametrize("low, high, default, n, log", [
    (0.01, 10.0, 0.1, 9, True), (1e-4, 0.1, 0.01, 7, True), (0.01, 10.0, 0.037, 13, True),
    (-10.0, 10.0, 3.0, 9, False), (1.0, 60.0, 30.0, 7, False), (0.1, 100.0, 4.0, 2, True),
])
def test_axis_spans_the_range_on_its_scale_and_contains_the_default(low, high, default, n, log):
    values = axis(low, high, default, n, log=log)
    assert len(values) == n and default in values
    assert all(a < b for a, b in zip(values, values[1:]))
    # every value but the default sits where even spacing on the slider's scale puts it
    scale = np.log if log else (lambda v: np.asarray(v, float))
    even = np.linspace(scale(low), scale(high), n)
    k = values.index(default)
    others = [i for i in range(n) if i != k]
    assert_allclose(scale(np.array(values))[others], even[others], rtol=1e-12, atol=1e-12)
    # and the default replaced the nearest of them
    assert k == int(np.argmin(np.abs(even - scale(default))))
    if k not in (0, n - 1):
        assert values[0] == pytest.approx(low, rel=1e-12)
        assert values[-1] == pytest.approx(high, rel=1e-12)


def test_integer_axis_rounds_and_refuses_collisions():
    values = axis(5, 200, 40, 5, integer=True)
    assert values == (5.0, 40.0, 102.0, 151.0, 200.0)   # 54 (nearest to 40) replaced by 40
    with pytest.raises(ValueError, match="integers collide"):
        axis(0, 3, 1, 9, integer=True)


@pytest.mark.parametrize("kwargs, match", [
    (dict(low=1.0, high=1.0, default=1.0, n=5), "low must be below high"),
    (dict(low=0.0, high=1.0, default=0.5, n=5, log=True), "positive on a log axis"),
    (dict(low=0.1, high=1.0, default=2.0, n=5), "default must lie"),
    (dict(low=0.1, high=1.0, default=0.5, n=1), "n must be an integer >= 2"),
    (dict(low=math.nan, high=1.0, default=0.5, n=3), "low must be a finite number"),
    (dict(low=0.1, high=1.0, default=True, n=3), "default must be a finite number"),
])
def test_axis_names_a_bad_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        axis(**kwargs)


@pytest.mark.parametrize("chapter", sorted(controls.SLIDER_RANGES))
def test_control_follows_the_live_slider(chapter):
    for name, (low, high, default) in controls.SLIDER_RANGES[chapter].items():
        c = control(chapter, name, 7)
        assert c.label == controls.SLIDER_LABELS[chapter][name]
        assert c.default == default and c.values[c.index] == default
        assert min(c.values) == pytest.approx(low) or c.values[0] == default
        assert max(c.values) == pytest.approx(high) or c.values[-1] == default
    for name, options in controls.SLIDER_CHOICES.get(chapter, {}).items():
        c = control(chapter, name, 0)
        assert c.texts == tuple(options) and c.option(c.default) == options[0]


def test_control_refuses_unknown_names_and_bad_values():
    with pytest.raises(ValueError, match="chapter must be one of"):
        control("nowhere", "learning_rate", 5)
    with pytest.raises(ValueError, match="name must be a control"):
        control("theory", "temperature", 5)
    with pytest.raises(ValueError, match="must be one of its values"):
        control("theory", "theta", 5, values=(0.0, 1.0))
    with pytest.raises(ValueError, match="increase strictly"):
        Control("x", "x", (1.0, 1.0, 2.0), 1.0)
    with pytest.raises(ValueError, match="finite"):
        Control("x", "x", (1.0, math.inf), 1.0)
    with pytest.raises(ValueError, match="one string per value"):
        Control("x", "x", (0, 1), 0, names=("a",))
    with pytest.raises(ValueError, match="not a choice"):
        Control("x", "x", (0, 1), 0).option(0)


@pytest.mark.parametrize("value, text", [
    (10.0, "10"), (-3.0, "−3"), (0.1668100537, "0.167"), (1.3e-9, "1.3 × 10⁻⁹"),
    (2.5e7, "2.5 × 10⁷"), (math.nan, "–"), (np.float32(0.5), "0.5"), (12345.678, "1.23 × 10⁴"),
])
def test_format_value(value, text):
    assert format_value(value) == text


def test_format_value_refuses_non_numbers():
    with pytest.raises(TypeError, match="value must be a real number"):
        format_value("1")
    with pytest.raises(ValueError, match="infinite"):
        format_value(math.inf)


# --- Grid ------------------------------------------------------------------------------------
def _grid():
    return Grid("theory", (Control("a", "a", (1.0, 2.0, 3.0), 2.0),
                           Control("b", "b", (10.0, 20.0), 10.0)))


def test_grid_points_are_c_ordered_and_indexable():
    g = _grid()
    assert g.shape == (3, 2) and g.size == 6
    points = g.points()
    assert points[0] == {"a": 1.0, "b": 10.0} and points[1] == {"a": 1.0, "b": 20.0}
    for k, p in enumerate(points):
        assert g.index(**p) == k
    assert g.default_index == g.index(a=2.0, b=10.0) == 2
    assert_array_equal(g.values("b"), [10, 20, 10, 20, 10, 20])


def test_grid_refuses_bad_lookups():
    g = _grid()
    with pytest.raises(ValueError, match="not a grid value"):
        g.index(a=1.5, b=10.0)
    with pytest.raises(ValueError, match="name every control"):
        g.index(a=1.0)
    with pytest.raises(KeyError, match="no control named"):
        g["c"]
    with pytest.raises(ValueError, match="distinct names"):
        Grid("x", (Control("a", "a", (1, 2), 1), Control("a", "a", (1, 2), 1)))
    with pytest.raises(TypeError, match="sequence of Control"):
        Grid("x", ())


# --- Precomputed -----------------------------------------------------------------------------
def _pre(**change):
    g = _grid()
    x = np.arange(4.0)
    args = dict(
        arrays={"y": np.arange(g.size)[:, None] * x + 1.0, "level": np.arange(g.size) / 2,
                "img": np.linspace(-1, 1, g.size * 2 * 9).reshape(g.size, 2, 3, 3),
                "map": np.arange(g.size * 6, dtype=float).reshape(g.size, 2, 3)},
        readouts={"r": Readout("a number", np.arange(g.size) * 0.5)},
        views=(Lines("curves", x, {"y": "y"}, guides={"level": "level"}),
               Tiles("images", "img"), Heatmap("map", "map", x="a", y="b"),
               Bars("bars", {"level": "level"})))
    args.update(change)
    return Precomputed(g, **args)


def test_precomputed_checks_its_data():
    pre = _pre()
    assert pre.readout_text(3) == [("a number", "1.5")]
    with pytest.raises(ValueError, match="not finite at grid point 4"):
        _pre(arrays={**_pre().arrays, "y": np.where(np.arange(6)[:, None] == 4, np.nan, 1.0)
                     * np.ones((6, 4))})
    with pytest.raises(ValueError, match=r"must have shape \(grid size 6"):
        _pre(arrays={**_pre().arrays, "y": np.ones((5, 4))})
    with pytest.raises(ValueError, match="NaN needs a reason"):
        _pre(readouts={"r": Readout("r", np.full(6, np.nan))})
    undefined = _pre(readouts={"r": Readout("r", np.full(6, np.nan), undefined="why")})
    assert np.isnan(undefined.readouts["r"].values).all()
    assert undefined.readout_text(0) == [("r", "– (why)")]       # the page says why
    with pytest.raises(ValueError, match="which is not an array"):
        _pre(views=(Lines("t", np.arange(4.0), {"y": "missing"}),))
    with pytest.raises(ValueError, match="heatmap 'map' needs"):
        _pre(views=(Heatmap("map", "map", x="b", y="a"),))
    with pytest.raises(ValueError, match="tiles 'images' need"):
        _pre(views=(Tiles("images", "map"),))
    with pytest.raises(TypeError, match="views must be"):
        _pre(views=("a figure",))
    with pytest.raises(ValueError, match=r"distinct names, both have \['level'\]"):
        _pre(readouts={"level": Readout("level", np.zeros(6))})


def test_digest_sees_every_number():
    a, b = _pre(), _pre()
    assert a.digest() == b.digest()
    changed = _pre(readouts={"r": Readout("a number", np.arange(6) * 0.5 + 1e-15)})
    assert changed.digest() != a.digest()
    arrays = dict(a.arrays)
    arrays["img"] = arrays["img"].copy()
    arrays["img"][5, 1, 2, 2] += 1e-12
    assert _pre(arrays=arrays).digest() != a.digest()


# --- The Bokeh panel -------------------------------------------------------------------------
def test_panel_html_embeds_every_point_and_control():
    from fep_core.plotting.static import panel_html

    pre = _pre()
    html = panel_html(pre)
    assert 'class="fep-static-panel"' in html and "6 grid points" in html
    meta = re.search(r'data-controls="([^"]+)"', html).group(1)
    assert json.loads(meta.replace("&quot;", '"')) == {"a": "a", "b": "b"}
    doc = re.search(r"const docs_json = '(.*?)';", html, re.S)
    assert doc, "no embedded Bokeh document"
    doc = html_module.unescape(doc.group(1))
    # one readout table per grid point, each with the point's formatted number
    cells = re.findall(r"<td>a number</td><td>([^<]*)</td>", doc.replace("\\", ""))
    assert cells[:pre.grid.size] == [format_value(k * 0.5) for k in range(pre.grid.size)]
    # no CDN anywhere in the fragment
    assert "cdn.bokeh.org" not in html and "https://" not in html


def test_packed_data_round_trip():
    """The arrays the page's one callback slices are the grid's, in point-major order."""
    from bokeh.models import CustomJS, Slider

    from fep_core.plotting.static import layout

    pre = _pre()
    panel = layout(pre)
    sliders = [c for c in panel.children if isinstance(c, Slider)]    # in the page's order
    assert len(sliders) == len(list(panel.select({"type": Slider})))
    assert [s.name for s in sliders] == ["control-a", "control-b"]
    assert [s.value for s in sliders] == [1, 0]            # the defaults' indices
    callbacks = {id(cb): cb for s in sliders for cb in s.js_property_callbacks["change:value"]}
    assert len(callbacks) == 1
    callback = next(iter(callbacks.values()))
    assert isinstance(callback, CustomJS) and callback.args["shape"] == [3, 2]
    store = callback.args["store"]
    assert set(store) == {"y", "level", "img", "map"}
    for key, flat in store.items():
        assert flat.dtype == np.float32
        assert_array_equal(flat.reshape(pre.grid.size, -1),
                           pre.arrays[key].reshape(pre.grid.size, -1).astype(np.float32))


def test_panel_refuses_what_is_not_a_panel():
    from fep_core.plotting.static import layout

    with pytest.raises(TypeError, match="pre must be a Precomputed"):
        layout({"grid": None})


def test_static_panel_shows_a_chapter_and_names_bad_ones(tmp_path, monkeypatch):
    from fep_core.widgets import StaticPanel, static_panel

    monkeypatch.setenv("FEP_CORE_CACHE_DIR", str(tmp_path))
    panel = static_panel("gaussian_primer")
    assert isinstance(panel, StaticPanel)
    assert panel._repr_html_().startswith('<div class="fep-static-panel"')
    assert "567 grid points" in repr(panel)
    with pytest.raises(ValueError, match="chapter must be one of"):
        static_panel("appendix")
    with pytest.raises(TypeError, match="chapter must be a string"):
        static_panel(3)


def test_every_chapter_with_an_interactive_section_has_a_grid():
    assert set(grids.CHAPTERS) == set(controls.SLIDER_RANGES)
    for chapter in grids.CHAPTERS:
        assert callable(grids.function(chapter))
