"""Figures for the book. One module per chapter group; shared styling lives here."""
from __future__ import annotations

import matplotlib.pyplot as plt


def new_axes(ax=None, *, figsize=(5.0, 3.5)):
    """Return ``(fig, ax)``: the given axes and its figure, or a fresh figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax
