"""Slider panels for the book's interactive sections.

Every chapter wires its sliders to a *plain* callback function that lives in ``fep_core``
(unit-tested, and run once with its defaults when a notebook executes headless). This module
only builds the panel: sliders, an output area, and error reporting as one clear sentence.
"""
from __future__ import annotations

import threading
from typing import Callable

import matplotlib.pyplot as plt


def log_slider(description: str, value: float, low: float, high: float, *, steps: int = 40, readout_format=".3g"):
    """A slider over ``[low, high]`` on a log scale (precision and learning rate span decades)."""
    import ipywidgets as widgets
    import numpy as np

    return widgets.FloatLogSlider(value=value, base=10, min=float(np.log10(low)), max=float(np.log10(high)),
                                  step=(np.log10(high) - np.log10(low)) / steps, description=description,
                                  readout_format=readout_format, continuous_update=False,
                                  style={"description_width": "initial"})


def int_slider(description: str, value: int, low: int, high: int, step: int = 1):
    import ipywidgets as widgets

    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=False, style={"description_width": "initial"})


def float_slider(description: str, value: float, low: float, high: float, step: float):
    import ipywidgets as widgets

    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, style={"description_width": "initial"})


def panel(callback: Callable[..., "plt.Figure"], **controls):
    """Return a widget: ``controls`` (name -> ipywidget) above the figure ``callback(**values)`` draws.

    The callback returns a matplotlib Figure. A ``ValueError``/``TypeError`` raised by it (a bad
    combination of slider values) is shown as one sentence instead of a traceback.
    """
    import ipywidgets as widgets
    from IPython.display import display

    out = widgets.Output()
    # ipykernel may handle widget messages concurrently and pyplot is not thread-safe: without
    # the lock, fast slider moves can interleave two redraws and ship a half-drawn figure.
    lock = threading.Lock()

    def redraw(**values):
        with lock, out:
            out.clear_output(wait=True)
            try:
                fig = callback(**values)
            except (ValueError, TypeError) as exc:
                print(f"Cannot draw with these settings: {exc}")
                return
            display(fig)
            plt.close(fig)

    box = widgets.VBox(list(controls.values()))
    widgets.interactive_output(redraw, controls)
    return widgets.VBox([box, out])
