"""The front page's key figure: what self-orthogonalisation looks like."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import digit_image
from .layout import column_figsize, figure_function

DATA_COLOUR = "#7f7f7f"
ATTRACTOR_COLOUR = "#1f77b4"


@figure_function
def plot_key_figure(digits, attractors, data_angles, attractor_angles, *, orthogonality=None):
    """Training digits above the attractors a network formed from them, and the pairwise angles
    of both sets (90° = orthogonal).

    Parameters
    ----------
    digits : array (m, 64) — the training digits
    attractors : array (k, 64) — the distinct attractors (k <= m shown in order)
    data_angles, attractor_angles : array — pairwise angles in degrees (distinct pairs)
    orthogonality : (float, float), optional — mean |90° − angle| of data and attractors, for the
        legend
    """
    import seaborn as sns

    digits = np.asarray(digits, float)
    attractors = np.asarray(attractors, float)
    if digits.ndim != 2 or digits.shape[1] != 64 or attractors.ndim != 2 \
            or attractors.shape[1] != 64:
        raise ValueError("digits and attractors must be arrays of 8x8 images, shape (m, 64)")
    m = max(len(digits), len(attractors))
    fig = plt.figure(figsize=column_figsize(4.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[0.9, 1.1])
    cells = top.subplots(2, m, squeeze=False)
    for row, (vectors, name) in enumerate(((digits, "training digits"),
                                           (attractors, "attractors"))):
        for j in range(m):
            ax = cells[row, j]
            if j < len(vectors):
                digit_image(ax, vectors[j])
            else:
                ax.set_axis_off()
        cells[row, 0].set_ylabel(name.replace(" ", "\n"), rotation=0, ha="right", va="center")
    ax = bottom.subplots()
    labels = ("training digits", "attractors")
    if orthogonality is not None:
        labels = tuple(f"{lab} (mean |90° − angle| {o:.1f}°)"
                       for lab, o in zip(labels, orthogonality))
    bins = np.linspace(0, 180, 37)
    for angles, colour, label in ((data_angles, DATA_COLOUR, labels[0]),
                                  (attractor_angles, ATTRACTOR_COLOUR, labels[1])):
        sns.histplot(np.asarray(angles, float), bins=bins, stat="density", color=colour,
                     alpha=0.55, label=label, ax=ax, element="step")
    ax.axvline(90, color="black", lw=1, ls="--")
    ax.set(xlim=(0, 180), xticks=range(0, 181, 30), xlabel="angle between two patterns (°)",
           ylabel="density")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, borderaxespad=0.2)
    return fig
