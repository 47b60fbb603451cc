"""Slider panels for the book's interactive sections.

Every chapter wires its sliders to a *plain* callback function, ``fep_core.explore.<chapter>``
with ``<chapter>`` the notebook's file stem (unit-tested, and run once with its defaults when a
notebook executes headless). This module only builds the panel: sliders, an output area, and
error reporting as one clear sentence; and it holds the slider ranges of every chapter
(:data:`SLIDER_RANGES`, keyed by the same stems), shared by the notebooks and the tests.
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

_log = logging.getLogger(__name__)

# fep_core.experiments.PAPER_INVERSE_TEMPERATURES[11], the balanced regime's precision (not
# imported from there: that would load the simulation engine into every chapter with a panel).
_BALANCED_PRECISION = float(np.geomspace(0.01, 1.0, 19)[11])

# The sliders of every chapter's interactive section: chapter (notebook file stem, which is also
# the name of its callback in fep_core.explore) -> argument of fep_core.explore.<chapter> ->
# (low, high, default). Integers for integer sliders; a float range with high/low >= 100 is a log
# slider. The one place for the notebooks' panels and for tests/test_widgets.py, which calls each
# callback at every corner and at random points inside.
SLIDER_RANGES = {
    "gaussian_primer": {                     # fep_core.explore.gaussian_primer
        "likelihood_precision": (0.1, 100.0, 4.0),
        "learning_rate": (0.001, 2.0, 0.1),
        "prior_precision": (0.1, 100.0, 1.0),
        "observation": (-5.0, 5.0, 2.0),
        "n_steps": (5, 200, 40),
    },
    "natural_gradient": {                    # fep_core.explore.natural_gradient
        "precision": (0.1, 20.0, 2.0),
        "learning_rate": (0.001, 1.0, 0.25),
        "n_steps": (5, 300, 30),
        "seed": (0, 50, 3),
    },
    "theory": {                              # fep_core.explore.theory
        "inverse_temperature": (0.01, 10.0, 1.0),
        "learning_rate": (0.001, 1.9, 0.2),
        "theta": (-10.0, 10.0, 3.0),
        "start": (-20.0, 20.0, -8.0),
    },
    "simulation1": {                         # fep_core.explore.simulation1
        "inverse_temperature": (0.01, 10.0, 0.1),
        "learning_rate": (1e-4, 0.1, 0.01),
        "evidence": (1.0, 60.0, 30.0),
        "epochs": (50, 5000, 500),
        "seed": (0, 20, 0),
    },
    "simulation2": {                         # fep_core.explore.simulation2 (grid first)
        "evidence": (1, 20, 11),
        "inverse_temperature": (0.01, 1.0, _BALANCED_PRECISION),
        "learning_rate": (1e-4, 0.01, 0.001),
        "epochs": (100, 5000, 1000),
    },
    "simulation3": {                         # fep_core.explore.simulation3
        "inverse_temperature": (0.01, 10.0, 1.0),
        "learning_rate": (1e-5, 0.1, 0.001),
        "evidence": (1.0, 40.0, 20.0),
        "epochs": (30, 6000, 2000),
        "seed": (0, 20, 0),
    },
    "simulation4": {                         # fep_core.explore.simulation4
        "inverse_temperature": (0.01, 1.0, _BALANCED_PRECISION),
        "learning_rate": (1e-4, 0.01, 0.001),
        "free_steps": (500, 50000, 20000),
        "epochs": (200, 5000, 2000),
    },
    "reproduction_report": {                 # fep_core.explore.reproduction_report
        "inverse_temperature": (0.01, 10.0, 0.1),
        "learning_rate": (1e-4, 0.1, 0.01),
        "seed": (0, 20, 0),
    },
}

# Toggle buttons: chapter -> argument -> options (the first is the default).
SLIDER_CHOICES = {
    "reproduction_report": {
        "prediction": ("code", "paper"),
        "schedule": ("synchronous", "sequential"),
    },
}


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
