"""The page the figures are drawn for (fep_core.plotting.layout).

check_figure is tested on figures built to break each rule; then every public figure function of
fep_core.plotting must be declared with figure_function (so it draws in the page's style and is
checked), and must be called by some test: tests/conftest.py sets FEP_CORE_CHECK_FIGURES=1, so
each such call checks the figure the function draws (width, fonts, text inside, legends).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import fep_core.plotting
from fep_core.plotting import layout as L

pytestmark = pytest.mark.usefixtures("close_figures")

TESTS = Path(__file__).resolve().parent


def _good(ax=None):
    fig, ax = plt.subplots(figsize=L.column_figsize(2.5), layout="constrained")
    ax.plot([0, 1], [0, 1], label="line")
    ax.set(xlabel="x", ylabel="y", title="a title")
    ax.legend(loc="upper left")
    return fig


def test_a_column_figure_in_the_style_passes():
    with plt.rc_context(L.STYLE):
        fig = _good()
    assert L.check_figure(fig) == []
    assert fig.get_figwidth() * L.DPI == pytest.approx(L.COLUMN_PX)


def test_the_style_keeps_every_text_size_legible():
    with plt.rc_context(L.STYLE):
        fig = _good()
        fig.axes[0].text(0.5, 0.5, "note", fontsize="small")
    sizes = [L.font_px(t) for t in fig.findobj(plt.Text) if t.get_text().strip()]
    assert min(sizes) >= L.MIN_FONT_PX
    # the next size down would not be
    with plt.rc_context(L.STYLE):
        assert plt.matplotlib.font_manager.FontProperties(size="x-small").get_size_in_points() \
            * L.DPI / 72 < L.MIN_FONT_PX


@pytest.mark.parametrize("spoil, message", [
    (lambda fig, ax: fig.set_figwidth(8.0), "800 px wide"),
    (lambda fig, ax: ax.set_title("tiny", fontsize=5), "'tiny' is 6.9 px"),
    (lambda fig, ax: ax.text(1.4, 0.5, "beyond", transform=ax.transAxes),
     "'beyond' reaches outside"),
    (lambda fig, ax: ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.35)), "covers 'x'"),
    (lambda fig, ax: fig.set_dpi(72), "dpi is 72"),
])
def test_check_figure_finds_each_problem(spoil, message):
    with plt.rc_context(L.STYLE):
        fig = _good()
        spoil(fig, fig.axes[0])
    problems = L.check_figure(fig)
    assert any(message in p for p in problems), problems


def test_ticks_outside_the_view_and_hidden_axes_are_not_counted():
    with plt.rc_context(L.STYLE):
        fig, (a, b) = plt.subplots(1, 2, figsize=L.column_figsize(2), layout="constrained")
        a.plot([0, 1], [0, 1])                    # tick locator also places -0.2 and 1.2
        b.set_title("off", fontsize=5)
        b.set_visible(False)
    assert L.check_figure(fig) == []


def test_figure_function_checks_only_when_asked(monkeypatch):
    @L.figure_function
    def wide(ax=None):
        if ax is not None:
            return ax.figure
        fig, _ = plt.subplots(figsize=(9, 2))
        return fig

    assert "test_figure_layout.test_figure_function_checks_only_when_asked.<locals>.wide" in \
        L.FIGURE_FUNCTIONS
    with pytest.raises(L.FigureLayoutError, match="900 px wide"):
        wide()                                    # tests/conftest.py sets the variable
    _, ax = plt.subplots(figsize=(9, 2))
    wide(ax=ax)                                   # drawn into the caller's axes: not checked
    monkeypatch.setenv(L.CHECK_LIMIT_ENV, "2")
    with pytest.raises(L.FigureLayoutError):
        wide()                                    # the second check of this function
    wide()                                        # past the limit: not checked
    monkeypatch.delenv(L.CHECK_LIMIT_ENV)
    with pytest.raises(L.FigureLayoutError):
        wide()                                    # no limit: every figure is checked
    monkeypatch.delenv(L.CHECK_ENV)
    wide()                                        # unchecked without the variable
    del L.FIGURE_FUNCTIONS[next(k for k in L.FIGURE_FUNCTIONS if k.endswith("<locals>.wide"))]


def test_figure_function_draws_in_the_style():
    @L.figure_function
    def sizes():
        fig, ax = plt.subplots(figsize=L.column_figsize(1))
        return fig, plt.rcParams["font.size"]

    before = plt.rcParams["font.size"]
    with plt.rc_context({"font.size": 17.0}):
        fig, size = sizes()
        assert size == L.STYLE["font.size"]
        assert plt.rcParams["font.size"] == 17.0          # the caller's settings are restored
    assert plt.rcParams["font.size"] == before
    del L.FIGURE_FUNCTIONS[next(k for k in L.FIGURE_FUNCTIONS if k.endswith("<locals>.sizes"))]


@pytest.mark.parametrize("height, width", [(0, 1), (-1, 1), (2, 0), (2, 1.2)])
def test_column_figsize_refuses_bad_sizes(height, width):
    with pytest.raises(ValueError):
        L.column_figsize(height, width=width)


def _plotting_modules():
    skip = {"fep_core.plotting.layout", "fep_core.plotting.static"}
    names = [f"fep_core.plotting.{m.name}"
             for m in pkgutil.iter_modules(fep_core.plotting.__path__)]
    return [importlib.import_module(n) for n in sorted(names) if n not in skip]


def _public_figure_functions():
    found = {}
    for module in _plotting_modules():
        for name, obj in vars(module).items():
            if (inspect.isfunction(obj) and obj.__module__ == module.__name__
                    and name.startswith("plot_")):
                found[f"{module.__name__}.{name}"] = obj
    return found


def test_every_plot_function_is_a_figure_function():
    undeclared = sorted(name for name, func in _public_figure_functions().items()
                        if L.FIGURE_FUNCTIONS.get(name) is not func)
    assert not undeclared, f"declare these with @figure_function: {undeclared}"


def test_every_figure_function_is_drawn_by_a_test():
    # each call in a test checks the figure (FEP_CORE_CHECK_FIGURES=1 in tests/conftest.py)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py")
                        if p.name != Path(__file__).name)
    never = sorted(name for name in _public_figure_functions()
                   if not re.search(rf"\b{re.escape(name.rsplit('.', 1)[1])}\b", sources))
    assert not never, f"no test draws {never}"


def test_figure_function_keeps_the_interactive_mode_a_backend_set(monkeypatch):
    # Jupyter's inline backend switches interactive mode on when the first figure loads it; a
    # figure function must not switch it off again on leaving its style (no figure would show)
    import matplotlib as mpl

    @L.figure_function
    def first_figure():
        mpl.interactive(True)                 # what loading the inline backend does
        fig, _ = plt.subplots(figsize=L.column_figsize(1))
        return fig

    was = mpl.is_interactive()
    try:
        mpl.interactive(False)
        first_figure()
        assert mpl.is_interactive()
    finally:
        mpl.interactive(was)
        del L.FIGURE_FUNCTIONS[next(k for k in L.FIGURE_FUNCTIONS
                                    if k.endswith("<locals>.first_figure"))]
