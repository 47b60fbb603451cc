"""The slider panels (fep_core.widgets) without a browser, and every chapter's slider callback at
every corner of its slider ranges and at seeded random interior points.

ipywidgets works without a frontend: setting a control's ``value`` runs the panel's redraw,
whose output lands in the Output widget's ``outputs``.
"""
import itertools
import logging
import math
import warnings
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from fep_core.widgets import (
    SLIDER_CHOICES,
    SLIDER_RANGES,
    float_slider,
    int_slider,
    log_slider,
    panel,
)

from _helpers import assert_labelled

pytestmark = pytest.mark.usefixtures("close_figures")


# ---------------------------------------------------------------------------------------------
# The panel


def _output(box):
    """The Output widget of a panel (below the controls)."""
    import ipywidgets

    out = box.children[-1]
    assert isinstance(out, ipywidgets.Output)
    return out


def _texts(out):
    return [o.get("text", "") for o in out.outputs if o.get("output_type") == "stream"]


def _assert_no_traceback(out):
    for o in out.outputs:
        assert o.get("output_type") != "error"
        assert o.get("name") != "stderr"
        assert "Traceback" not in o.get("text", "")


def _failing_callback(exc):
    """A callback that makes a figure (as a real one does, half-way) and then raises."""
    def callback(x):
        fig = plt.figure()
        fig.add_subplot().plot([0, x])
        raise exc
    return callback


@pytest.mark.parametrize("exc, shown", [
    (ValueError("no attractor was learned with these settings"),
     "Cannot draw with these settings: no attractor was learned with these settings"),
    (TypeError("epochs must be an integer"),
     "Cannot draw with these settings: epochs must be an integer"),
    (ZeroDivisionError("float division by zero"), "ZeroDivisionError"),
    (FloatingPointError("overflow encountered in exp"), "FloatingPointError"),
    (KeyError("missing"), "KeyError"),
    (RuntimeError(), "RuntimeError"),
])
def test_failed_redraws_show_one_sentence_and_leak_no_figure(exc, shown):
    before = set(plt.get_fignums())
    slider = int_slider("x", 0, 0, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")         # e.g. matplotlib's "More than 20 figures" warning
        box = panel(_failing_callback(exc), x=slider)
        out = _output(box)
        for k in range(1, 26):                 # 25 failing redraws (plus the initial one)
            slider.value = k
            texts = _texts(out)
            assert len(out.outputs) == 1 and len(texts) == 1, out.outputs
            assert shown in texts[0]
            assert texts[0].count("\n") <= 1 and texts[0].strip().endswith(".")
            _assert_no_traceback(out)
            assert set(plt.get_fignums()) == before
    if not isinstance(exc, (ValueError, TypeError)):
        assert "Cannot draw with these settings" in texts[0]


def test_failed_redraws_close_their_figures():
    """Each failed redraw used to leave its half-drawn figure open: after 20, matplotlib warns."""
    before = set(plt.get_fignums())
    slider = int_slider("x", 0, 0, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        panel(_failing_callback(ValueError("bad settings")), x=slider)
        for k in range(1, 26):
            slider.value = k
    assert set(plt.get_fignums()) == before


def test_unexpected_errors_are_logged_with_their_traceback(caplog):
    slider = int_slider("x", 0, 0, 10)
    with caplog.at_level(logging.DEBUG, logger="fep_core.widgets"):
        panel(_failing_callback(ZeroDivisionError("float division by zero")), x=slider)
        slider.value = 3
    records = [r for r in caplog.records if r.name == "fep_core.widgets"]
    assert len(records) == 2
    assert all(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in records)
    assert "x=3" in records[-1].getMessage()


def _drawing_callback(x, extra=0):
    fig, ax = plt.subplots()
    ax.plot([0, x])
    for _ in range(extra):                     # stray figures a callback forgot to close
        plt.figure()
    return fig


def test_successful_redraws_show_the_figure_and_close_it():
    before = set(plt.get_fignums())
    slider = int_slider("x", 1, 0, 10)
    extra = int_slider("extra", 0, 0, 3)
    box = panel(_drawing_callback, x=slider, extra=extra)
    out = _output(box)
    pngs = []
    for x, e in [(2, 0), (3, 2), (4, 3)]:
        slider.value, extra.value = x, e
        assert len(out.outputs) == 1 and out.outputs[0]["output_type"] == "display_data"
        data = out.outputs[0]["data"]
        assert "image/png" in data and isinstance(data["image/png"], str)
        pngs.append(data["image/png"])
        _assert_no_traceback(out)
        assert set(plt.get_fignums()) == before
    assert len(set(pngs)) == 3                 # every redraw shows its own figure


def test_a_failure_replaces_the_figure_and_a_success_replaces_the_message():
    def callback(x):
        if x % 2:
            raise ValueError("odd x")
        return _drawing_callback(x)

    slider = int_slider("x", 0, 0, 10)
    out = _output(panel(callback, x=slider))
    assert out.outputs[0]["output_type"] == "display_data"
    slider.value = 1
    assert [o["output_type"] for o in out.outputs] == ["stream"]
    assert "odd x" in out.outputs[0]["text"]
    slider.value = 2
    assert [o["output_type"] for o in out.outputs] == ["display_data"]


def test_a_callback_that_returns_no_figure_is_reported():
    slider = int_slider("x", 0, 0, 10)
    out = _output(panel(lambda x: None, x=slider))
    (text,) = _texts(out)
    assert "NoneType" in text and "Figure" in text


def test_warnings_of_a_redraw_are_shown_once_below_the_figure():
    def callback(x):
        for _ in range(3):
            warnings.warn("precision is very high", RuntimeWarning, stacklevel=2)
        return _drawing_callback(x)

    slider = int_slider("x", 0, 0, 10)
    out = _output(panel(callback, x=slider))
    for x in (1, 2):
        slider.value = x
        assert out.outputs[0]["output_type"] == "display_data"
        assert _texts(out) == ["RuntimeWarning: precision is very high\n"]
        _assert_no_traceback(out)


def test_slider_factories_cover_their_ranges():
    s = log_slider("p", 0.1, 0.01, 10.0)
    assert math.isclose(s.min, -2) and math.isclose(s.max, 1) and math.isclose(s.value, 0.1)
    f = float_slider("f", 2.0, -5.0, 5.0, 0.1)
    assert (f.min, f.max, f.value) == (-5.0, 5.0, 2.0)
    i = int_slider("i", 40, 5, 200)
    assert (i.min, i.max, i.value) == (5, 200, 40)


# ---------------------------------------------------------------------------------------------
# Every chapter's callback at the corners and at random interior points of its sliders


def test_slider_ranges_are_well_formed():
    for chapter, ranges in SLIDER_RANGES.items():
        for name, (low, high, default) in ranges.items():
            assert low < high and low <= default <= high, (chapter, name)
            assert type(low) is type(high) is type(default), (chapter, name)
    for chapter, choices in SLIDER_CHOICES.items():
        assert chapter in SLIDER_RANGES
        for name, options in choices.items():
            assert len(options) >= 2 and name not in SLIDER_RANGES[chapter]


@pytest.fixture(scope="module")
def small_grid():
    """A 3 x 3 Simulation-2 grid spanning the sliders' ranges, built like the chapter's
    (:func:`fep_core.experiments.simulation2`) at few epochs and trials: ``explore.simulation2``
    only looks up the nearest cell and reruns one cell with the grid's number of trials."""
    from fep_core import experiments as X

    return X.simulation2(evidences=[1.0, 11.0, 20.0], inverse_temperatures=[0.01, 0.1, 1.0],
                         epochs=20, trials=10, eval_steps=20)


def _callback(chapter, request):
    """The chapter's callback, ``fep_core.explore.<chapter>`` (Simulation 2's bound to a grid)."""
    from fep_core import explore

    callback = getattr(explore, chapter)
    if chapter == "simulation2":
        return partial(callback, request.getfixturevalue("small_grid"))
    return callback


def test_one_callback_per_chapter_named_after_its_notebook():
    """fep_core.explore holds exactly one callback per chapter with a panel, named after the
    notebook's file stem, and each callback takes exactly the chapter's sliders and toggles
    (plus ``seed`` where it has no slider, and Simulation 2's precomputed grid first)."""
    import inspect
    from pathlib import Path

    from fep_core import explore

    callbacks = {name for name in explore.__all__ if inspect.isfunction(getattr(explore, name))}
    assert callbacks == set(SLIDER_RANGES)
    book = Path(__file__).resolve().parent.parent / "book"
    assert callbacks <= {p.stem for p in book.glob("*.ipynb")}
    for chapter in callbacks:
        params = list(inspect.signature(getattr(explore, chapter)).parameters)
        if chapter == "simulation2":
            assert params[0] == "grid"
            params = params[1:]
        controls = set(SLIDER_RANGES[chapter]) | set(SLIDER_CHOICES.get(chapter, {}))
        assert controls <= set(params), chapter
        assert set(params) - controls <= {"seed", "n_steps"}, chapter


def _log_scale(low, high):
    return isinstance(low, float) and low > 0 and high / low >= 100


def _corners(chapter):
    names = list(SLIDER_RANGES[chapter]) + list(SLIDER_CHOICES.get(chapter, {}))
    values = [SLIDER_RANGES[chapter][n][:2] for n in SLIDER_RANGES[chapter]]
    values += list(SLIDER_CHOICES.get(chapter, {}).values())
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


def _interior(chapter, n, seed):
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        point = {}
        for name, (low, high, _default) in SLIDER_RANGES[chapter].items():
            if isinstance(low, int):
                point[name] = int(rng.integers(low + 1, high)) if high - low > 1 else low
            elif _log_scale(low, high):
                point[name] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
            else:
                point[name] = float(rng.uniform(low, high))
        for name, options in SLIDER_CHOICES.get(chapter, {}).items():
            point[name] = options[int(rng.integers(len(options)))]
        points.append(point)
    return points


# Random interior points per chapter: 10, but 5 for the two callbacks that train a 64-node
# network for up to 5000 epochs per call (about a second each), to keep this file near a minute.
N_INTERIOR = {"simulation2": 5, "simulation4": 5}
CHAPTERS = list(SLIDER_RANGES)
POINTS = [(chapter, "corner", point) for chapter in CHAPTERS for point in _corners(chapter)]
POINTS += [(chapter, "interior", point) for k, chapter in enumerate(CHAPTERS)
           for point in _interior(chapter, N_INTERIOR.get(chapter, 10), seed=1000 + k)]


def _point_id(point):
    return ",".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in point.items())


# The primers' and the theory chapter's callbacks must draw at every corner of their sliders
# (they only compute a few hundred numbers; the simulations may instead explain why nothing was
# learned), and their figures must render with the checks below.
MUST_DRAW = {"gaussian_primer", "natural_gradient", "theory"}


def _two_panels(fig):
    assert len(fig.axes) == 2, f"expected the two panels, got {len(fig.axes)} axes"


FIGURE_CHECKS = {"gaussian_primer": _two_panels, "theory": assert_labelled}


@pytest.mark.parametrize("chapter, kind, point", POINTS,
                         ids=[f"{c}-{kind}-{_point_id(p)}" for c, kind, p in POINTS])
def test_callback_draws_or_explains(chapter, kind, point, request):
    """A figure without any warning (and no other figure left open), or a ValueError/TypeError
    with a one-line message; never anything else. (The panel closes the figures of a failed
    redraw, so a callback need not.) The chapters of :data:`MUST_DRAW` draw at every corner,
    and their figures pass :data:`FIGURE_CHECKS` and render without a warning."""
    callback = _callback(chapter, request)
    before = set(plt.get_fignums())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            fig = callback(**point)
        except (ValueError, TypeError) as exc:
            msg = str(exc)
            assert msg.strip() and "\n" not in msg, f"unclear message: {msg!r}"
            assert kind == "interior" or chapter not in MUST_DRAW, \
                f"{chapter} must draw at every slider corner: {msg}"
            return
        try:
            assert isinstance(fig, Figure)
            if chapter in MUST_DRAW:
                FIGURE_CHECKS.get(chapter, lambda f: None)(fig)
                fig.canvas.draw()
        finally:
            plt.close(fig)
    assert set(plt.get_fignums()) == before, "the callback left another figure open"


def test_callback_defaults_are_the_slider_defaults():
    """The callbacks' own defaults and the panels' (SLIDER_RANGES, SLIDER_CHOICES) agree, so a
    headless run of a callback and the page's first panel show the same settings."""
    import inspect

    from fep_core import explore

    for chapter in SLIDER_RANGES:
        params = inspect.signature(getattr(explore, chapter)).parameters
        for name, (_low, _high, default) in SLIDER_RANGES[chapter].items():
            assert params[name].default == default, f"{chapter}.{name}"
        for name, options in SLIDER_CHOICES.get(chapter, {}).items():
            assert params[name].default == options[0], f"{chapter}.{name}"


def test_slider_defaults_match_the_callbacks_paper_settings():
    from fep_core import experiments as X

    balanced = float(X.PAPER_INVERSE_TEMPERATURES[11])
    assert SLIDER_RANGES["simulation2"]["inverse_temperature"][2] == balanced
    assert SLIDER_RANGES["simulation4"]["inverse_temperature"][2] == balanced
    # the sliders of Simulations 2 and 4 step through the paper's grid of precisions
    paper_range = (X.PAPER_INVERSE_TEMPERATURES[0], X.PAPER_INVERSE_TEMPERATURES[-1])
    assert SLIDER_RANGES["simulation2"]["inverse_temperature"][:2] == paper_range


# ---------------------------------------------------------------------------------------------
# Slider factories check their arguments: never a slider with NaN/inf, never a TraitError


_NAN, _INF = float("nan"), float("inf")


@pytest.mark.parametrize("factory, kwargs, error, name", [
    (log_slider, dict(description=None), TypeError, "description"),
    (log_slider, dict(description=3), TypeError, "description"),
    (log_slider, dict(value=_NAN), ValueError, "value"),
    (log_slider, dict(value="1"), TypeError, "value"),
    (log_slider, dict(value=[1.0]), TypeError, "value"),
    (log_slider, dict(value=100.0), ValueError, "value"),
    (log_slider, dict(low=0.0), ValueError, "low"),
    (log_slider, dict(low=-1.0), ValueError, "low"),
    (log_slider, dict(low=_NAN), ValueError, "low"),
    (log_slider, dict(low=20.0, value=30.0), ValueError, "low"),
    (log_slider, dict(high=_INF), ValueError, "high"),
    (log_slider, dict(high=True), TypeError, "high"),
    (log_slider, dict(steps=0), ValueError, "steps"),
    (log_slider, dict(steps=2.5), TypeError, "steps"),
    (log_slider, dict(readout_format=None), TypeError, "readout_format"),
    (log_slider, dict(readout_format="abc"), ValueError, "readout_format"),
    (int_slider, dict(description=1.0), TypeError, "description"),
    (int_slider, dict(value=2.5), TypeError, "value"),
    (int_slider, dict(value=9), ValueError, "value"),
    (int_slider, dict(low=_NAN), TypeError, "low"),
    (int_slider, dict(high=0), ValueError, "low"),
    (int_slider, dict(step=0), ValueError, "step"),
    (int_slider, dict(step=np.array([1])), TypeError, "step"),
    (float_slider, dict(value=_NAN), ValueError, "value"),
    (float_slider, dict(low=-_INF), ValueError, "low"),
    (float_slider, dict(high=_INF), ValueError, "high"),
    (float_slider, dict(high=-1.0), ValueError, "low"),
    (float_slider, dict(step=_NAN), ValueError, "step"),
    (float_slider, dict(step=-0.1), ValueError, "step"),
    (float_slider, dict(step="0.1"), TypeError, "step"),
])
def test_slider_factories_name_a_bad_argument(factory, kwargs, error, name):
    valid = {log_slider: dict(description="p", value=1.0, low=0.1, high=10.0),
             int_slider: dict(description="n", value=2, low=0, high=5, step=1),
             float_slider: dict(description="x", value=0.5, low=0.0, high=1.0, step=0.1)}[factory]
    with pytest.raises(error, match=rf"^{name}\b"):
        factory(**{**valid, **kwargs})


def test_slider_factories_accept_numpy_numbers():
    s = log_slider("p", np.float64(1.0), np.float64(0.1), 10, steps=np.int64(20))
    assert math.isclose(s.min, -1) and math.isclose(s.max, 1) and math.isclose(s.step, 0.1)
    i = int_slider("i", np.int64(3), 0, np.int64(5))
    assert (i.min, i.max, i.value) == (0, 5, 3)


def _notebook_panel_cell(chapter, kind="chapter_panel"):
    """The source of the one ``kind`` cell (live or static panel) of ``book/<chapter>.ipynb``."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parent.parent / "book" / f"{chapter}.ipynb")
                    .read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"]
               if c["cell_type"] == "code" and f"{kind}(" in "".join(c["source"])]
    assert len(sources) == 1, f"{chapter}: expected one {kind} cell, found {len(sources)}"
    return sources[0]


@pytest.mark.parametrize("chapter", sorted(SLIDER_RANGES))
def test_notebook_panels_are_the_chapters_panel(chapter):
    """Each chapter's Interactive section is ``chapter_panel("<its own stem>")`` (Simulation 2's
    with its grid): the notebooks type no range, default or label, so the corners tested above
    are exactly those a reader can reach."""
    expected = ('chapter_panel("simulation2", grid)' if chapter == "simulation2"
                else f'chapter_panel("{chapter}")')
    assert _notebook_panel_cell(chapter).strip() == expected
    # and the static page's precomputed panel, one line too
    assert _notebook_panel_cell(chapter, "static_panel").strip() == f'static_panel("{chapter}")'


@pytest.mark.parametrize("chapter", sorted(SLIDER_RANGES))
def test_chapter_controls_are_the_slider_ranges(chapter):
    import ipywidgets as widgets

    from fep_core.widgets import SLIDER_LABELS, chapter_controls

    controls = chapter_controls(chapter)
    assert list(controls) == [*SLIDER_RANGES[chapter], *SLIDER_CHOICES.get(chapter, {})]
    for name, (low, high, default) in SLIDER_RANGES[chapter].items():
        w = controls[name]
        assert w.description == SLIDER_LABELS[chapter][name] and w.description.strip()
        if isinstance(w, widgets.FloatLogSlider):
            got = (10.0 ** w.min, 10.0 ** w.max, w.value)
        else:
            got = (w.min, w.max, w.value)
            assert isinstance(w, widgets.IntSlider) == isinstance(default, int), name
        np.testing.assert_allclose(got, (low, high, default), rtol=1e-12,
                                   err_msg=f"{chapter}.{name}")
    for name, options in SLIDER_CHOICES.get(chapter, {}).items():
        assert tuple(controls[name].options) == options and controls[name].value == options[0]


def test_grid_precision_sliders_step_through_the_papers_grid():
    from fep_core import paper
    from fep_core.widgets import chapter_controls

    for chapter in ("simulation2", "simulation4"):
        w = chapter_controls(chapter)["inverse_temperature"]
        reachable = 10.0 ** (w.min + w.step * np.arange(round((w.max - w.min) / w.step) + 1))
        np.testing.assert_allclose(reachable, paper.GRID_INVERSE_TEMPERATURES, rtol=1e-9)


@pytest.mark.parametrize("chapter", ["simulation1", "simulation2"])
def test_chapter_panel_draws_with_the_chapters_callback(chapter, monkeypatch):
    from fep_core import explore
    from fep_core.widgets import chapter_panel

    calls = []

    def stub(*args, **values):
        calls.append((args, values))
        return plt.figure()

    monkeypatch.setattr(explore, chapter, stub)
    box = chapter_panel(chapter, "grid") if chapter == "simulation2" else chapter_panel(chapter)
    assert calls, "the panel did not draw"
    args, values = calls[-1]
    assert args == (("grid",) if chapter == "simulation2" else ())
    assert values == {k: v[2] for k, v in SLIDER_RANGES[chapter].items()}
    assert len(box.children) == 2


@pytest.mark.parametrize("chapter, error", [("simulation9", ValueError), (3, TypeError)])
def test_chapter_controls_name_a_bad_chapter(chapter, error):
    from fep_core.widgets import chapter_controls

    with pytest.raises(error, match="chapter"):
        chapter_controls(chapter)
