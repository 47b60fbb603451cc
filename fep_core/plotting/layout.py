"""The page the figures are drawn for: column width, pixel scale and font sizes, in one place.

A figure of the book is drawn at the width it is shown at. The web book's text column
(sphinx-book-theme 1.3, measured in Chromium at a 1280 px window) is :data:`COLUMN_PX` CSS pixels
wide; a figure is at most that wide, so the page never shrinks it, and its text is then shown at
the size it was drawn. The build renders one figure inch as :data:`DPI` CSS pixels
(``book/_ext/bookext.py`` pins ``figure.dpi``) and stores every PNG at twice that density, for
high-resolution screens.

Every public figure function of :mod:`fep_core.plotting` is declared with :func:`figure_function`:
it draws inside :data:`STYLE` (font sizes that keep the smallest text at
:data:`MIN_FONT_PX` or more) and is listed in :data:`FIGURE_FUNCTIONS`. :func:`check_figure`
lists what breaks these rules in a drawn figure; the tests run it on every figure the figure
functions return.
"""
from __future__ import annotations

import functools
import inspect
import os

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["COLUMN_PX", "DPI", "MIN_FONT_PX", "COLUMN_IN", "STYLE", "FIGURE_FUNCTIONS",
           "CHECK_ENV", "CHECK_LIMIT_ENV", "FigureLayoutError", "figure_function",
           "column_figsize", "font_px", "check_figure", "legend_below"]

COLUMN_PX = 672           # the text column at a 1280 px window (CSS px)
DPI = 100                 # CSS px per figure inch (the build's figure.dpi)
MIN_FONT_PX = 9.0         # the smallest text of a figure, as displayed
COLUMN_IN = COLUMN_PX / DPI

# Base font 9 pt = 12.5 px at DPI 100; "small" (7.5 pt = 10.4 px) is the smallest size used.
# "x-small" (6.25 pt = 8.7 px) and smaller fail MIN_FONT_PX.
STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "font.size": 9.0,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "xtick.labelsize": "small",
    "ytick.labelsize": "small",
    "legend.fontsize": "small",
    "legend.title_fontsize": "small",
    "figure.titlesize": "medium",
    "figure.labelsize": "medium",
    "figure.constrained_layout.use": True,
}

FIGURE_FUNCTIONS: dict[str, object] = {}
# With this environment variable set to 1 (the book build and the test suite set it), a
# figure function that returns a figure breaking the rules of check_figure raises
# FigureLayoutError. A check lays the figure out once more (about half a second for a chapter's
# figure), so the test suite, whose property tests draw the same figure functions hundreds of
# times, checks the first CHECK_LIMIT_ENV figures of each function only (the book checks all).
CHECK_ENV = "FEP_CORE_CHECK_FIGURES"
CHECK_LIMIT_ENV = "FEP_CORE_CHECK_FIGURES_LIMIT"
_CHECKED: dict[str, int] = {}


def _should_check(name) -> bool:
    if os.environ.get(CHECK_ENV) != "1":
        return False
    limit = os.environ.get(CHECK_LIMIT_ENV)
    if limit is not None and _CHECKED.get(name, 0) >= int(limit):
        return False
    _CHECKED[name] = _CHECKED.get(name, 0) + 1
    return True


class FigureLayoutError(AssertionError):
    """A figure function drew a figure that does not fit the page (:func:`check_figure`)."""


def figure_function(func):
    """Declare a figure function: it draws inside :data:`STYLE` and is registered in
    :data:`FIGURE_FUNCTIONS` under ``"<module>.<name>"``.

    When the environment variable :data:`CHECK_ENV` is ``"1"``, a figure the function returns
    (one it made itself, not one drawn into axes passed as ``ax``) is checked with
    :func:`check_figure`, and any problem raises :class:`FigureLayoutError`.
    """
    name = f"{func.__module__}.{func.__qualname__}"
    signature = inspect.signature(func)

    @functools.wraps(func)
    def draw(*args, **kwargs):
        with mpl.rc_context(STYLE):
            result = func(*args, **kwargs)
            # The first figure of a session loads pyplot's backend, which may switch
            # interactive mode on (Jupyter's inline backend does); leaving rc_context would
            # switch it off again, and the inline backend would then show no more figures.
            interactive = mpl.is_interactive()
            given = signature.bind_partial(*args, **kwargs).arguments.get("ax")
            if (given is None and isinstance(result, mpl.figure.Figure)
                    and _should_check(name)):
                problems = check_figure(result)
                if problems:
                    raise FigureLayoutError(f"{name}: " + "; ".join(problems))
        mpl.interactive(interactive)
        return result

    FIGURE_FUNCTIONS[name] = draw
    return draw


def column_figsize(height, *, width=1.0):
    """``(width_in, height_in)`` of a figure ``width`` column widths wide (a fraction in (0, 1])
    and ``height`` inches high."""
    if not 0 < width <= 1:
        raise ValueError(f"width must be a fraction of the column in (0, 1], got {width}")
    if not height > 0:
        raise ValueError(f"height must be positive, got {height}")
    return (COLUMN_IN * width, float(height))


def font_px(text) -> float:
    """Displayed size in CSS px of a matplotlib ``Text``'s font (points at :data:`DPI`)."""
    return float(text.get_fontsize()) * DPI / 72.0


def _visible_texts(fig):
    """The texts the figure draws (not those of hidden axes or switched-off axis decorations)."""
    from matplotlib.text import Text

    hidden = set()           # labels of ticks outside the view limits, which are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * max(abs(lo), abs(hi), 1.0)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not (lo - pad <= loc <= hi + pad) or not tick.get_visible():
                    hidden.update((id(tick.label1), id(tick.label2)))
    for text in fig.findobj(Text):
        if not (text.get_visible() and text.get_text().strip()) or id(text) in hidden:
            continue
        ax = text.axes
        if ax is not None and not ax.get_visible():
            continue
        if (ax is not None and not ax.axison and text not in ax.texts
                and text not in (ax.title, ax._left_title, ax._right_title)):
            continue          # with the axis off only titles and placed texts are drawn
        yield text


def check_figure(fig, *, width_px=COLUMN_PX):
    """What in a drawn figure breaks the page's rules; an empty list when nothing does.

    Checks: the figure is at most ``width_px`` wide at :data:`DPI`; every visible text is at least
    :data:`MIN_FONT_PX` on the page and lies inside the figure; no legend covers an axis label,
    title or another legend.
    """
    problems = []
    w_px = fig.get_figwidth() * DPI
    if w_px > width_px + 0.5:
        problems.append(f"figure is {w_px:.0f} px wide, the column {width_px} px")
    if not np.isclose(fig.get_dpi(), DPI):
        problems.append(f"figure dpi is {fig.get_dpi()}, the page's {DPI}")
    fig.draw_without_rendering()          # lays the figure out, as drawing it would
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for text in _visible_texts(fig):
        size = font_px(text)
        label = repr(text.get_text()[:40])
        if size < MIN_FONT_PX - 1e-9:
            problems.append(f"text {label} is {size:.1f} px (minimum {MIN_FONT_PX} px)")
        extent = text.get_window_extent(renderer)
        if (extent.x0 < box.x0 - 1 or extent.x1 > box.x1 + 1 or extent.y0 < box.y0 - 1
                or extent.y1 > box.y1 + 1):
            problems.append(f"text {label} reaches outside the figure")
    labels = []
    for ax in fig.axes:
        if ax.get_visible() and ax.axison:
            labels += [t for t in (ax.xaxis.label, ax.yaxis.label) if t.get_text().strip()]
        labels += [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text().strip()]
    legends = [leg for ax in fig.axes for leg in [ax.get_legend()] if leg is not None]
    legends += list(fig.legends)
    for i, leg in enumerate(legends):
        lb = leg.get_window_extent(renderer)
        for other in labels + legends[i + 1:]:
            ob = other.get_window_extent(renderer)
            if lb.overlaps(ob):
                what = (repr(other.get_text()[:40]) if hasattr(other, "get_text")
                        else "another legend")
                problems.append(f"a legend covers {what}")
    return problems


def close(fig) -> None:
    """Close ``fig`` (pyplot keeps every figure it made open until closed)."""
    plt.close(fig)


def legend_below(fig, axes, *, ncol):
    """One legend below the figure for all ``axes``, each label once (first handle wins)."""
    handles, labels = [], []
    for a in np.ravel(axes):
        for h, lab in zip(*a.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)
