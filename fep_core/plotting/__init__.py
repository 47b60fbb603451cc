"""Figures for the book. One module per chapter group; the page they are drawn for (column
width, pixel scale, font sizes) is :mod:`fep_core.plotting.layout`."""
from __future__ import annotations

import matplotlib.pyplot as plt

from .layout import COLUMN_IN, column_figsize, figure_function  # noqa: F401  (re-exported)


def new_axes(ax=None, *, figsize=(COLUMN_IN * 0.75, 3.5)):
    """Return ``(fig, ax)``: the given axes and its figure, or a fresh figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def axes_grid(ax, n, *, figsize, nrows=1, **kwargs):
    """``(fig, axes)``: ``n`` fresh axes in ``nrows`` rows (unused cells removed), or the ``n``
    axes passed in as ``ax`` (any array-like of axes). ``kwargs`` go to ``plt.subplots``."""
    import numpy as np

    if ax is None:
        ncols = int(np.ceil(n / nrows))
        fig, grid = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=False,
                                 **kwargs)
        axes = list(np.ravel(grid))
        for extra in axes[n:]:
            extra.remove()
        return fig, axes[:n]
    axes = list(np.ravel(ax))
    if len(axes) != n:
        raise ValueError(f"ax must hold {n} axes, got {len(axes)}")
    return axes[0].figure, axes


def axes_array(ax, shape, *, figsize, polar=False, **kw):
    """``(fig, axes)`` with ``axes`` an object array of ``shape``: the axes passed in as ``ax`` (any
    array-like of ``prod(shape)`` axes, a ``ValueError`` otherwise), or a fresh figure's (polar
    with ``polar=True``; ``kw`` go to ``plt.subplots``)."""
    import numpy as np

    if ax is not None:
        arr = np.asarray(ax, dtype=object).reshape(-1)
        if arr.size != int(np.prod(shape)):
            raise ValueError(f"ax must hold {int(np.prod(shape))} axes, got {arr.size}")
        return arr[0].figure, arr.reshape(shape)
    fig, arr = plt.subplots(*shape, figsize=figsize, layout="constrained", squeeze=False,
                            subplot_kw={"projection": "polar"} if polar else None, **kw)
    return fig, arr


def boxplot(**kwargs):
    """``seaborn.boxplot(**kwargs)`` without the deprecation warning that seaborn 0.13.2 triggers
    in matplotlib 3.11 (it passes ``vert=``, deprecated there in favour of ``orientation=``); a
    warning would print on the book's page."""
    import warnings

    import seaborn as sns
    from matplotlib import MatplotlibDeprecationWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*vert: bool.*",
                                category=MatplotlibDeprecationWarning)
        return sns.boxplot(**kwargs)


def angle_rows(ax, data, order, labels, palette, *, size, jitter, alpha):
    """Pairwise angles as rows of points over white box plots (``data``: columns ``set`` and
    ``angle``; one row per name of ``order``, labelled by ``labels``; ``palette``: set name ->
    colour), with the red line at 90° (orthogonal) and the axis from 0° to 180°: the angle
    figures of Simulations 2 and 6."""
    import seaborn as sns

    boxplot(data=data, x="angle", y="set", order=order, ax=ax, color="white", width=0.6,
            fliersize=0, linewidth=1.0, whis=(0, 100))
    sns.stripplot(data=data, x="angle", y="set", order=order, hue="set", palette=palette,
                  legend=False, ax=ax, size=size, jitter=jitter, alpha=alpha)
    ax.axvline(90, color="red", lw=1.2, zorder=0)
    ax.set_xlim(-3, 183)
    ax.set_xticks([0, 45, 90, 135, 180])
    ax.set_yticks(range(len(order)), labels)
    ax.set_xlabel("angle between two vectors (°)")
    ax.set_ylabel("")


DIGIT_CMAP = "gray_r"       # the digits of Simulations 2 and 4


def digit_image(ax, vector, *, title=None, vmax=None):
    """Show a 64-vector as an 8x8 digit (:data:`DIGIT_CMAP`, symmetric about 0; ``vmax``
    defaults to the largest magnitude, at least 1e-12), without ticks."""
    import numpy as np

    v = np.asarray(vector, float).reshape(8, 8)
    lim = vmax if vmax is not None else max(np.abs(v).max(), 1e-12)
    ax.imshow(v, cmap=DIGIT_CMAP, vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize="small")


def image(ax, vector, title=None, *, vmax=None, cmap="RdBu_r", fontsize="medium"):
    """Show a pattern (25 -> 5x5, 64 -> 8x8) on a colour scale symmetric about 0; returns the
    image. ``vmax`` defaults to the largest magnitude in the pattern."""
    import numpy as np

    v = np.asarray(vector, dtype=float)
    side = int(round(np.sqrt(v.size)))
    if side * side != v.size:
        raise ValueError(f"vector must have a square number of entries, got {v.size}")
    lim = float(np.max(np.abs(v))) if vmax is None else vmax
    im = ax.imshow(v.reshape(side, side), cmap=cmap, vmin=-lim, vmax=lim)
    if title is not None:
        ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    return im
