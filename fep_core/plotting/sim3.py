"""Figures of the chapter "Simulation 3: sequences from asymmetric coupling".

Every ``plot_*`` takes a :class:`fep_core.experiments.Simulation3Result` and ``ax=None`` and
returns the Figure; multi-panel figures accept a sequence of axes of the documented length.
:func:`plot_asymmetry` shows the asymmetry sweep of
:func:`fep_core.experiments.simulation3_asymmetry`; :func:`plot_explore` draws the figure of the
chapter's interactive callback (:func:`fep_core.explore.simulation3`).

Every public figure function is declared with :func:`~fep_core.plotting.layout.figure_function`
and drawn at most one text column wide (:func:`~fep_core.plotting.layout.column_figsize`). A
64 x 64 coupling matrix is drawn at least :data:`MATRIX_PX` pixels wide (a cell about 5 px), a
state of the free run (an 8 x 8 image) at least :data:`FRAME_PX`; legends sit beside or below
the axes they explain.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .. import analysis, paper
from . import axes_grid as _axes, image, new_axes
from .layout import column_figsize, figure_function

__all__ = ["plot_digits",
           "plot_coupling", "plot_symmetric_attractors", "plot_free_run", "plot_asymmetry",
           "plot_explore"]

DIGIT_COLOURS = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
ORDER_COLOURS = {"sequential": "C0", "random": "C3"}
MATRIX_PX = 300           # the smallest width of a 64 x 64 coupling matrix on the page
FRAME_PX = 40             # the smallest width of one 8 x 8 frame of the free run
_SIDE = 8
ASYMMETRY_MATH = r"$\|J - J^\top\| / \|J\|$"
ASYMMETRY = "asymmetry " + ASYMMETRY_MATH


def _image(ax, vector, title, *, vmax=None):
    """A 64-vector as an 8x8 image (grey scale, symmetric about 0)."""
    return image(ax, vector, title, vmax=vmax, cmap="gray_r")


def _precision(result):
    """The precision the network ran at (the paper's value if the result does not say)."""
    return result.params.get("inverse_temperature", paper.SIMULATION3["inverse_temperature"])


@figure_function
def plot_digits(result, ax=None):
    """The training digits in their presentation order. ``ax``: one axes per digit.

    Two-thirds of the column wide for three digits."""
    D = len(result.labels)
    fig, axes = _axes(ax, D, figsize=column_figsize(2.5, width=min(1.0, 0.22 * D)))
    for k, (a, d) in enumerate(zip(axes, result.digits)):
        _image(a, d, f"{k + 1}. digit {result.labels[k]}")
    arrow = " → ".join(result.labels) + " → " + result.labels[0] + " …"
    fig.suptitle(f"presentation order {arrow}")
    return fig


def _matrix(ax, M, v, title):
    im = ax.imshow(M, cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("presynaptic node $j$")
    ax.set_ylabel("postsynaptic node $i$")
    return im


@figure_function
def plot_coupling(result, ax=None):
    """J, its symmetric and its antisymmetric part on one colour scale. ``ax``: 3 axes.

    A full-column figure in two rows, each matrix at least :data:`MATRIX_PX` px wide: J with the
    colour bar (top), the symmetric and the antisymmetric part side by side (bottom, sharing the
    row axis). The norms are in the panel titles, the asymmetry in the figure's title.
    """
    mats = (result.J, result.J_symmetric, result.J_antisymmetric)
    norms = [np.linalg.norm(M) for M in mats]
    titles = (f"coupling $J$ (norm {norms[0]:.3g})",
              r"symmetric part $(J + J^\top)/2$" + f"\n(norm {norms[1]:.3g})",
              r"antisymmetric part $(J - J^\top)/2$" + f"\n(norm {norms[2]:.3g})")
    v = max(float(np.max(np.abs(M))) for M in mats) or 1.0
    if ax is not None:
        fig, axes = _axes(ax, 3, figsize=None)
        for a, M, title in zip(axes, mats, titles):
            im = _matrix(a, M, v, title)
        fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
        return fig
    fig = plt.figure(figsize=column_figsize(7.7), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.05])
    grid = top.add_gridspec(1, 3, width_ratios=[1.2, 0.05, 0.75])
    a_j = top.add_subplot(grid[0])
    im = _matrix(a_j, mats[0], v, titles[0])
    top.colorbar(im, cax=top.add_subplot(grid[1]), label="weight (all three matrices)")
    top.text(0.87, 0.5, f"asymmetry\n{ASYMMETRY_MATH}\n= {result.asymmetry:.3f}",
             transform=top.transSubfigure, ha="center", va="center", fontsize="large")
    a_s, a_a = bottom.subplots(1, 2, sharey=True)
    for a, M, title in zip((a_s, a_a), mats[1:], titles[1:]):
        _matrix(a, M, v, title)
    a_a.tick_params(labelleft=False)
    a_a.yaxis.label.set_visible(False)
    return fig


@figure_function
def plot_symmetric_attractors(result, ax=None):
    """Digits (top) and the attractors of the symmetric part reached from them (bottom), each
    labelled with the digit it correlates with best. ``ax``: 2 x D axes, row-major.

    About 0.8 of the column wide for three digits."""
    D = len(result.labels)
    fig, axes = _axes(ax, 2 * D, nrows=2,
                      figsize=column_figsize(4.8, width=min(1.0, 0.27 * D)))
    corr = analysis.digit_correlations(result.symmetric_attractors, result.digits)
    for k in range(D):
        _image(axes[k], result.digits[k], f"digit {result.labels[k]}")
        best = int(np.argmax(corr[k]))
        _image(axes[D + k], result.symmetric_attractors[k],
               f"attractor ≈ {result.labels[best]}\n(r = {corr[k, best]:.2f})", vmax=1.0)
    fig.suptitle(f"attractors of $J_{{sym}}$ recognised as: {result.symmetric_attractor_labels}")
    return fig


def _montage(states, gap=1, *, per_row=None, row_gap=None):
    """States (T, 64) as 8x8 frames in rows of ``per_row`` (default: all in one row), separated
    by ``gap`` blank columns and ``row_gap`` (default ``gap``) blank rows; blanks are masked."""
    T = states.shape[0]
    per_row = T if per_row is None else int(per_row)
    row_gap = gap if row_gap is None else int(row_gap)
    n_rows = int(np.ceil(T / per_row))
    width = per_row * (_SIDE + gap) - gap
    height = n_rows * (_SIDE + row_gap) - row_gap
    out = np.full((height, width), np.nan)
    for t in range(T):
        r, c = divmod(t, per_row)
        r0, c0 = r * (_SIDE + row_gap), c * (_SIDE + gap)
        out[r0:r0 + _SIDE, c0:c0 + _SIDE] = states[t].reshape(_SIDE, _SIDE)
    return np.ma.masked_invalid(out)


def _correlation_panel(ax, result, corr, threshold):
    t = np.arange(1, corr.shape[0] + 1)
    for k, lab in enumerate(result.labels):
        ax.plot(t, corr[:, k], "-", lw=1.3, color=DIGIT_COLOURS[k], label=f"digit {lab}")
    ax.axhline(threshold, color="k", ls=":", lw=1, label="recognition threshold")
    ax.set_xlim(0.5, corr.shape[0] + 0.5)
    ax.set_ylim(min(0.0, float(corr.min()) - 0.05), 1.0)
    ax.set_ylabel("correlation with digit")


def _order_text(order):
    return (order[:40] + "…") if len(order) > 40 else (order or "(no digit recognised)")


@figure_function
def plot_free_run(result, ax=None, *, n_frames=24, per_row=8):
    """The free run: its first ``n_frames`` states as 8x8 images in rows of ``per_row`` (top,
    the digit recognised above each frame) and each step's correlation with each digit (bottom),
    with the detected order. ``ax``: 2 axes.

    A full-column figure; with the defaults a frame is about 70 px wide (at least
    :data:`FRAME_PX`). The legend of the correlation lines is under the figure.
    """
    states = result.free_states
    n = int(min(n_frames, states.shape[0]))
    per_row = int(min(per_row, n))
    n_rows = int(np.ceil(n / per_row))
    row_gap = 3                      # blank rows between frame rows, room for the digit labels
    if ax is None:
        fig, axes = plt.subplots(
            2, 1, figsize=column_figsize(2.0 + 1.0 * n_rows + 0.4), layout="constrained",
            gridspec_kw={"height_ratios": [1.0 * n_rows + 0.3, 2.2]})
        axes = list(axes)
    else:
        fig, axes = _axes(ax, 2, figsize=None)
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    a0, a1 = axes
    a0.imshow(_montage(states[:n], gap=1, per_row=per_row, row_gap=row_gap), cmap=cmap,
              vmin=-1, vmax=1, interpolation="nearest")
    a0.set_ylim(n_rows * (_SIDE + row_gap) - row_gap - 0.5, -2.6)
    for t in range(n):
        r, c = divmod(t, per_row)
        k = int(result.recognised[t])
        a0.text(c * (_SIDE + 1) + (_SIDE - 1) / 2, r * (_SIDE + row_gap) - 0.7,
                f"{t + 1}: {result.labels[k] if k >= 0 else '–'}", ha="center", va="bottom",
                color=DIGIT_COLOURS[k] if k >= 0 else "k")
    a0.set_xticks([])
    starts = np.arange(n_rows) * (_SIDE + row_gap) + (_SIDE - 1) / 2
    a0.set_yticks(starts, [f"{r * per_row + 1}–{min(n, (r + 1) * per_row)}"
                           for r in range(n_rows)])
    a0.set_ylabel("steps")
    a0.set_xlabel(f"the first {n} states, {per_row} per row "
                  "(step: digit recognised, above each frame)")
    for side in ("top", "right", "bottom", "left"):
        a0.spines[side].set_visible(False)
    corr = analysis.digit_correlations(states, result.digits)
    _correlation_panel(a1, result, corr, result.params.get("recognition_threshold", 0.5))
    a1.set_xlabel(f"step of the free run (zero bias, precision $i_T$ = {_precision(result):g}, "
                  "no learning)")
    a1.set_title(f"detected order: {_order_text(result.sequence_order)}")
    handles, labels = a1.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
    return fig


@figure_function
def plot_asymmetry(result, ax=None, *, sweep=None, seeds=None):
    """Asymmetry of J against the paper's value; with ``sweep`` (from
    :func:`fep_core.experiments.simulation3_asymmetry`) a second panel shows it along training for
    each presentation order (seaborn: mean ± sd over the sweep's seeds).

    ``seeds``: optional array of the asymmetry over several seeds (drawn as a bar at their mean
    ± sd, with one dot per seed). ``ax``: 1 axes, or 2 axes when ``sweep`` is given. A
    full-column figure with the sweep; the legend is under the panels.
    """
    import seaborn as sns

    n = 1 if sweep is None else 2
    if ax is None and n == 1:
        fig, a0 = new_axes(None, figsize=column_figsize(3.2, width=0.5))
        axes = [a0]
    elif ax is None:
        fig, axes = plt.subplots(1, 2, figsize=column_figsize(3.6), layout="constrained",
                                 gridspec_kw={"width_ratios": [1, 1.9]})
        axes = list(axes)
    else:
        fig, axes = _axes(ax, n, figsize=None)
    a0 = axes[0]
    reported = paper.value("s3_asymmetry")
    names = ["paper", f"seed {result.params.get('seed', 0)}"]
    values = [reported, result.asymmetry]
    errs = [0.0, 0.0]
    if seeds is not None:
        s = np.asarray(seeds, dtype=float)
        names.append(f"{s.size} seeds")
        values.append(float(s.mean()))
        errs.append(float(s.std(ddof=1)) if s.size > 1 else 0.0)
    a0.bar(range(len(values)), values, yerr=errs, capsize=4,
           color=["C7", "C0", "C0"][:len(values)], alpha=0.6)
    if seeds is not None:
        sns.stripplot(x=np.full(s.size, len(values) - 1), y=s, ax=a0, native_scale=True,
                      jitter=0.15, color="k", size=3.5)
    for x, v in enumerate(values):
        a0.text(x, v + 0.04, f"{v:.3f}", ha="center", va="bottom")
    a0.set_xticks(range(len(values)), names)
    a0.set_xlim(-0.6, len(values) - 0.4)
    a0.set_ylim(0, max(1.25, max(values) + 0.25))
    a0.set_xlabel("source (this book: seed 0 and mean ± sd)")
    a0.set_ylabel(ASYMMETRY)
    a0.set_title("after training")
    if sweep is not None:
        a1 = axes[1]
        orders = list(dict.fromkeys(sweep["order"]))
        sns.lineplot(data=sweep, x="epoch", y="asymmetry", hue="order", hue_order=orders,
                     palette=[ORDER_COLOURS.get(o, "C2") for o in orders], errorbar="sd",
                     marker="o", markersize=4, markeredgewidth=0, ax=a1, legend=False)
        count = sweep.groupby(["order", "epoch"]).size()
        handles = [Line2D([], [], color=ORDER_COLOURS.get(o, "C2"), marker="o", ms=4)
                   for o in orders]
        labels = [f"{o} order (mean ± sd, {int(count[o].iloc[0])} seeds)" for o in orders]
        a1.axhline(reported, color="k", ls="--", lw=1)
        epochs = result.params.get("epochs", paper.SIMULATION3["epochs"])
        a1.axvline(epochs, color="C7", ls=":", lw=1)
        handles += [Line2D([], [], color="k", ls="--", lw=1), Line2D([], [], color="C7", ls=":")]
        labels += [f"paper {reported:.2f}", "paper's training length"]
        a1.set_xlabel("training epoch (one step each)")
        a1.set_ylabel(ASYMMETRY)
        a1.set_ylim(0, max(1.25, float(sweep["asymmetry"].max()) + 0.1))
        a1.set_title("along training")
        fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    return fig


@figure_function
def plot_explore(r, *, inverse_temperature, learning_rate, evidence, epochs, seed):
    """The Interactive section's figure for :func:`fep_core.explore.simulation3`: the attractors
    of the symmetric part, the antisymmetric part and the free run of a
    :class:`~fep_core.experiments.Simulation3Result` ``r`` trained with the settings quoted in
    the title.

    A full-column figure: the antisymmetric part of J (top left, at least :data:`MATRIX_PX` px
    wide) beside a column of the attractors of the symmetric part (top right); the free run's
    correlation with each digit under them (legend below, detected order in its title).
    """
    fig = plt.figure(figsize=column_figsize(8.2), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[4.6, 3.0])
    left, right = top.subfigures(1, 2, width_ratios=[2.2, 1.0])
    D = len(r.labels)
    a_m = left.subplots()
    v = float(np.max(np.abs(r.J_antisymmetric))) or 1.0
    im = _matrix(a_m, r.J_antisymmetric, v, r"antisymmetric part $(J - J^\top)/2$")
    left.colorbar(im, ax=a_m, shrink=0.8, label="weight")
    tiles = right.subplots(D, 1)
    tiles = np.atleast_1d(tiles)
    corr = analysis.digit_correlations(r.symmetric_attractors, r.digits)
    for k in range(D):
        best = int(np.argmax(corr[k]))
        _image(tiles[k], r.symmetric_attractors[k],
               f"from {r.labels[k]}: ≈ {r.labels[best]}, r = {corr[k, best]:.2f}", vmax=1.0)
    right.suptitle("attractors of $J_{sym}$")
    a = bottom.subplots()
    c = analysis.digit_correlations(r.free_states, r.digits)
    _correlation_panel(a, r, c, r.params.get("recognition_threshold", 0.5))
    a.set_xlabel("step of the free run")
    a.set_title(f"free run: {_order_text(r.sequence_order)}")
    handles, labels = a.get_legend_handles_labels()
    bottom.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
    fig.suptitle(f"precision $i_T$ = {inverse_temperature:.3g}, learning rate α = "
                 f"{learning_rate:.3g}, evidence {evidence:g}, {epochs} epochs, seed {seed}\n"
                 f"asymmetry {r.asymmetry:.3f}")
    return fig
