"""Slider panels for the book's interactive sections: live in JupyterLab, precomputed on the web.

Every chapter wires its live sliders to a *plain* callback function,
``fep_core.explore.<chapter>`` with ``<chapter>`` the notebook's file stem (unit-tested, and run
once with its defaults when a notebook executes headless). This module only builds the panels:
sliders, an output area, and error reporting as one clear sentence. Every chapter's controls,
keyed by the same stems, live in :mod:`fep_core.controls` (re-exported here): ranges and defaults
(:data:`SLIDER_RANGES`; the paper's settings come from :mod:`fep_core.paper`), toggle options
(:data:`SLIDER_CHOICES`), labels (:data:`SLIDER_LABELS`) and steps (:data:`SLIDER_STEPS`). A
chapter's Interactive section is two calls, ``static_panel("<chapter>")`` (the precomputed panel
the static web page shows, :mod:`fep_core.grids`) and ``chapter_panel("<chapter>")`` (the live
one), so the notebooks type no range, default or label.
"""
from __future__ import annotations

import logging
import math
import numbers
import threading
import warnings
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from .controls import (  # noqa: F401 - re-exported: the chapters' controls live in one place
    SLIDER_CHOICES,
    SLIDER_LABELS,
    SLIDER_RANGES,
    SLIDER_STEPS,
    is_log,
)

_log = logging.getLogger(__name__)


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


def _real(value, name: str, *, integer: bool = False):
    """A finite real number (an integer with ``integer``); bools and arrays are refused."""
    kinds = (numbers.Integral, np.integer) if integer else (numbers.Real, np.floating, np.integer)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kinds):
        what = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    if integer:
        return int(value)
    try:
        value = float(value)
    except OverflowError:               # an int beyond the float range
        raise ValueError(f"{name} must be finite, got {value}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _range(value, low, high, *, integer=False, positive=False):
    """Check ``low < high`` (both positive with ``positive``) and ``low <= value <= high``."""
    value = _real(value, "value", integer=integer)
    low = _real(low, "low", integer=integer)
    high = _real(high, "high", integer=integer)
    if positive:
        for v, name in ((value, "value"), (low, "low"), (high, "high")):
            if v <= 0:
                raise ValueError(f"{name} must be positive on a log slider, got {v}")
    if not low < high:
        raise ValueError(f"low must be below high, got low={low} and high={high}")
    if not low <= value <= high:
        raise ValueError(f"value must lie in [low, high] = [{low}, {high}], got {value}")
    return value, low, high


def log_slider(description: str, value: float, low: float, high: float, *, steps: int = 40,
               readout_format=".3g"):
    """A slider over ``[low, high]`` on a log scale (precision and learning rate span decades).

    ``description`` and ``readout_format`` (a number format such as ``".3g"``) are strings;
    ``0 < low < high`` and ``value`` in ``[low, high]`` finite numbers; ``steps >= 1`` the number
    of slider steps from ``low`` to ``high``. A bad argument raises ``TypeError`` or
    ``ValueError`` naming it.
    """
    import ipywidgets as widgets
    import traitlets

    description = _text(description, "description")
    value, low, high = _range(value, low, high, positive=True)
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (numbers.Integral, np.integer)):
        raise TypeError(f"steps must be an integer, got {type(steps).__name__}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    readout_format = _text(readout_format, "readout_format")
    lo, hi = float(np.log10(low)), float(np.log10(high))
    step = (np.log10(high) - np.log10(low)) / steps
    if not step > 0:        # low and high so close that their logarithms coincide
        raise ValueError(f"low and high are too close for a log slider: low={low}, high={high}")
    try:
        return widgets.FloatLogSlider(value=value, base=10, min=lo, max=hi, step=step,
                                      description=description, readout_format=readout_format,
                                      continuous_update=False,
                                      style={"description_width": "initial"})
    except traitlets.TraitError as exc:
        if "readout_format" in str(exc):
            raise ValueError(f"readout_format must be a number format such as '.3g', got "
                             f"{readout_format!r}") from None
        raise


def int_slider(description: str, value: int, low: int, high: int, step: int = 1):
    """An integer slider over ``[low, high]``: ``description`` a string, integers ``low < high``,
    ``value`` in ``[low, high]`` and ``step >= 1`` (TypeError/ValueError naming a bad one)."""
    import ipywidgets as widgets

    description = _text(description, "description")
    value, low, high = _range(value, low, high, integer=True)
    step = _real(step, "step", integer=True)
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=False, style={"description_width": "initial"})


def float_slider(description: str, value: float, low: float, high: float, step: float):
    """A slider over ``[low, high]``: ``description`` a string, finite numbers ``low < high``,
    ``value`` in ``[low, high]`` and ``step > 0`` (TypeError/ValueError naming a bad one)."""
    import ipywidgets as widgets

    description = _text(description, "description")
    value, low, high = _range(value, low, high)
    step = _real(step, "step")
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, style={"description_width": "initial"})


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _failure_message(exc: BaseException) -> str:
    """One sentence for a failed redraw: the callback's own message for a ValueError/TypeError
    (a bad combination of slider values), else the exception's type and message."""
    detail = _one_line(exc)
    if isinstance(exc, (ValueError, TypeError)):
        text = f"Cannot draw with these settings: {detail or type(exc).__name__}"
    else:
        text = (f"Cannot draw with these settings: the computation failed with "
                f"{type(exc).__name__}{': ' + detail if detail else ''}")
    return text if text.endswith((".", "!", "?")) else text + "."


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text + "\n"}


def _figure_output(fig) -> dict:
    """The figure as a display_data output, rendered as ``display(fig)`` renders it in the
    kernel (the shell's formatters, e.g. the inline backend's PNG); a PNG of our own where
    there is no shell (tests) or its formatters give no image."""
    from IPython import get_ipython

    data, metadata = {}, {}
    shell = get_ipython()
    if shell is not None:
        data, metadata = shell.display_formatter.format(fig)
    if not any(key.startswith("image/") for key in data):
        import base64
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        data = {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                "text/plain": repr(fig)}
        metadata = {}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def panel(callback: Callable[..., "plt.Figure"], **controls):
    """Return a widget: ``controls`` (name -> ipywidget) above the figure ``callback(**values)``
    draws.

    The callback returns a matplotlib Figure. Whatever goes wrong in a redraw is shown as one
    sentence instead of a traceback: a ``ValueError``/``TypeError`` (a bad combination of slider
    values) with its own message, any other exception with its type (its traceback goes to the
    ``fep_core.widgets`` logger at DEBUG level). Warnings raised while drawing are listed once
    each below the figure. Every figure a redraw creates is closed when it ends, whether it
    succeeded or not.
    """
    import ipywidgets as widgets
    from matplotlib.figure import Figure

    out = widgets.Output()
    # ipykernel may handle widget messages concurrently and pyplot is not thread-safe: without
    # the lock, fast slider moves can interleave two redraws and ship a half-drawn figure.
    lock = threading.RLock()          # re-entrant: a callback that moves a slider must not hang

    def redraw(**values):
        with lock:
            before = set(plt.get_fignums())
            fig = None
            try:
                with warnings.catch_warnings(record=True) as caught:
                    fig = callback(**values)
                    if not isinstance(fig, Figure):
                        raise TypeError(f"the callback returned {type(fig).__name__}, "
                                        f"not a matplotlib Figure")
                    shown = [_figure_output(fig)]
                notes = dict.fromkeys(f"{w.category.__name__}: {_one_line(w.message)}"
                                      for w in caught)
                shown += [_stream(note) for note in notes]
            except Exception as exc:      # noqa: BLE001 - a slider panel never shows a traceback
                _log.debug("redraw with %s failed",
                           ", ".join(f"{k}={v!r}" for k, v in values.items()), exc_info=True)
                shown = [_stream(_failure_message(exc))]
            finally:
                for num in set(plt.get_fignums()) - before:
                    plt.close(num)
                if isinstance(fig, Figure):
                    plt.close(fig)
            # One assignment replaces the previous figure or message (no flicker, no stale output).
            out.outputs = tuple(shown)

    box = widgets.VBox(list(controls.values()))
    widgets.interactive_output(redraw, controls)
    return widgets.VBox([box, out])


def chapter_controls(chapter: str) -> dict:
    """The controls of ``chapter``'s Interactive section: argument -> ipywidget, built from
    :data:`SLIDER_RANGES` (integer ranges: integer sliders; a positive float range spanning two
    decades or more: a log slider; otherwise a linear slider), :data:`SLIDER_CHOICES` (toggle
    buttons, the first option the default), :data:`SLIDER_LABELS` and :data:`SLIDER_STEPS`."""
    import ipywidgets as widgets

    chapter = _text(chapter, "chapter")
    if chapter not in SLIDER_RANGES:
        raise ValueError(f"chapter must be one of {sorted(SLIDER_RANGES)}, got {chapter!r}")
    labels, steps = SLIDER_LABELS[chapter], SLIDER_STEPS.get(chapter, {})
    controls = {}
    for name, (low, high, default) in SLIDER_RANGES[chapter].items():
        kw = steps.get(name, {})
        if isinstance(low, int) and isinstance(default, int):
            controls[name] = int_slider(labels[name], default, low, high, **kw)
        elif is_log(low, high):
            controls[name] = log_slider(labels[name], default, low, high, **kw)
        else:
            controls[name] = float_slider(labels[name], default, low, high, **kw)
    for name, options in SLIDER_CHOICES.get(chapter, {}).items():
        controls[name] = widgets.ToggleButtons(options=list(options), value=options[0],
                                               description=labels[name])
    return controls


def chapter_panel(chapter: str, *args):
    """The Interactive panel of ``book/<chapter>.ipynb``: :func:`chapter_controls` above the
    figure of ``fep_core.explore.<chapter>``, called with ``args`` first (Simulation 2: its
    precomputed grid) and the controls' values."""
    import functools

    from . import explore

    controls = chapter_controls(chapter)
    callback = getattr(explore, chapter)
    return panel(functools.partial(callback, *args) if args else callback, **controls)



class StaticPanel:
    """A chapter's precomputed panel, displayed by a notebook cell: the HTML of
    :func:`fep_core.plotting.static.panel_html` for the rendered page (which loads BokehJS), a
    plain-text line elsewhere."""

    def __init__(self, precomputed):
        from .plotting import static

        self.precomputed = precomputed
        self.html = static.panel_html(precomputed)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        g = self.precomputed.grid
        return (f"<precomputed panel of {g.chapter!r}: {g.size} grid points over "
                f"{', '.join(g.names)}; shown on the book's web page>")


def static_panel(chapter: str, **kwargs) -> StaticPanel:
    """The precomputed panel of ``book/<chapter>.ipynb`` for the static web page: the grid of
    ``fep_core.grids.<chapter>`` (computed once per version of its sources, through the result
    cache; ``kwargs`` go to it) drawn by :mod:`fep_core.plotting.static`."""
    from . import grids

    return StaticPanel(grids.compute(_text(chapter, "chapter"), **kwargs))
