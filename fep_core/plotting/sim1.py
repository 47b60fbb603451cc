"""Figures of the chapter "Simulation 1: orthogonal attractors from overlapping bars".

Every ``plot_*`` takes a :class:`fep_core.experiments.Simulation1Result` (or, for the seed
study, the DataFrame of :func:`fep_core.experiments.simulation1_seeds`) and ``ax=None``, and
returns the Figure. Multi-panel figures accept a sequence of axes of the documented length.
:func:`plot_explore` draws the figure of the chapter's interactive callback
(:func:`fep_core.explore.simulation1`).
No model logic here: every number comes from ``fep_core.experiments``.

Every public figure function is declared with :func:`~fep_core.plotting.layout.figure_function`
and drawn at most one text column wide (:func:`~fep_core.plotting.layout.column_figsize`).
Legends sit beside or below the axes they explain, never over a label.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .. import paper
from . import axes_grid as _axes, image, new_axes
from .layout import column_figsize, figure_function

__all__ = ["smooth", "plot_patterns", "plot_training_vfe", "plot_attractors", "plot_coupling",
           "plot_probes", "plot_seed_correlations", "plot_explore"]

PATTERN_NAMES = ("vertical bar", "horizontal bar")
ATTRACTOR_COLOURS = ("C0", "C3")


def _image(ax, vector, title, *, vmax=None, cmap="RdBu_r"):
    """A 25-vector as a 5x5 image on a symmetric colour scale."""
    return image(ax, vector, title, vmax=vmax, cmap=cmap)


def _legend_below(fig, handles, labels, *, ncol):
    """The figure's legend, under its axes (constrained layout makes room for it)."""
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)


def smooth(x, window):
    """Moving average over ``window`` samples (``'valid'`` part; ``window`` clipped to len(x))."""
    x = np.asarray(x, dtype=float)
    w = int(max(1, min(window, x.size)))
    return np.convolve(x, np.ones(w) / w, mode="valid")


@figure_function
def plot_patterns(result, ax=None):
    """The two training patterns (z-scored) and their correlation. ``ax``: 2 axes.

    Two-thirds of the column wide, one colour bar for both patterns."""
    fig, axes = _axes(ax, 2, figsize=column_figsize(2.6, width=0.66))
    v = float(np.max(np.abs(result.patterns)))
    for a, p, name in zip(axes, result.patterns, PATTERN_NAMES):
        im = _image(a, p, name, vmax=v)
    fig.colorbar(im, ax=axes, shrink=0.8, label="pixel (z-score)")
    fig.suptitle(f"pattern correlation r = {result.data_correlation:.2f}")
    return fig


@figure_function
def plot_training_vfe(result, ax=None, *, window=None):
    """Macro-scale VFE, complexity and accuracy after every training step. ``ax``: 3 axes.

    Raw values are drawn faintly, a moving average over ``window`` steps (default: 10 epochs)
    on top. A full-column figure of three stacked panels sharing the step axis; the legend
    (what is faint and what is bold) is above the panels.
    """
    tr = result.trace
    if tr.vfe.size == 0:
        raise ValueError("result has no training trace (train with record=True)")
    if ax is None:
        fig, grid = plt.subplots(3, 1, figsize=column_figsize(5.0), sharex=True,
                                 layout="constrained")
        axes = list(grid)
    else:
        fig, axes = _axes(ax, 3, figsize=None)
    spe = int(result.params.get("steps_per_epoch", 1))
    w = 10 * spe if window is None else window
    step = np.arange(1, tr.vfe.size + 1)
    rows = [(tr.vfe, "VFE (nats)", "k"), (tr.complexity, "complexity (nats)", "C1"),
            (tr.accuracy, "accuracy (nats)", "C2")]
    for a, (y, label, colour) in zip(axes, rows):
        a.plot(step, y, color=colour, lw=0.5, alpha=0.3)
        ys = smooth(y, w)
        a.plot(step[w - 1:] if ys.size < y.size else step, ys, color=colour, lw=1.5)
        a.set_ylabel(label)
    axes[-1].set_xlabel(f"training step ({spe} per epoch)")
    handles = [Line2D([], [], color="0.3", lw=0.5, alpha=0.5),
               Line2D([], [], color="0.3", lw=1.5)]
    fig.legend(handles, ["every step", f"moving average ({w} steps)"],
               loc="outside upper center", ncol=2, frameon=False)
    return fig


@figure_function
def plot_attractors(result, ax=None):
    """Patterns (top) and the attractors reached from them (bottom), with both correlations.

    ``ax``: 4 axes (pattern 1, pattern 2, attractor 1, attractor 2). About two-thirds of the
    column wide, a colour bar per row.
    """
    if ax is None:
        fig, grid = plt.subplots(2, 2, figsize=column_figsize(4.6, width=0.7),
                                 layout="constrained")
        axes = list(grid.ravel())
    else:
        fig, axes = _axes(ax, 4, figsize=None)
    vp = float(np.max(np.abs(result.patterns)))
    for a, p, name in zip(axes[:2], result.patterns, PATTERN_NAMES):
        im_p = _image(a, p, f"pattern: {name.split()[0]}", vmax=vp)
    for k, (a, s, name) in enumerate(zip(axes[2:], result.attractors, PATTERN_NAMES)):
        tag = "" if result.attractors_converged[k] else "\n(not converged)"
        im_a = _image(a, s, f"attractor from {name.split()[0]}{tag}", vmax=1.0)
    fig.colorbar(im_p, ax=axes[:2], shrink=0.8, label="z-score")
    fig.colorbar(im_a, ax=axes[2:], shrink=0.8, label="state")
    fig.suptitle(f"patterns r = {result.data_correlation:.2f} → attractors r = "
                 f"{result.attractor_correlation:.2f}")
    return fig


@figure_function
def plot_coupling(result, ax=None):
    """J and its symmetric part on one colour scale. ``ax``: 2 axes.

    A full-column figure: two 25 x 25 matrices side by side (a cell about 10 px), one colour bar.
    """
    from ..network import symmetric_part

    fig, axes = _axes(ax, 2, figsize=column_figsize(3.4))
    J = result.J
    v = float(np.max(np.abs(J))) or 1.0
    for a, M, title in zip(axes, (J, symmetric_part(J)),
                           ("coupling $J$", r"symmetric part $(J + J^\top)/2$")):
        im = a.imshow(M, cmap="RdBu_r", vmin=-v, vmax=v)
        a.set_title(title)
        a.set_xlabel("presynaptic node $j$")
        a.set_ylabel("postsynaptic node $i$")
    fig.colorbar(im, ax=axes, shrink=0.85, label="weight")
    fig.suptitle(rf"asymmetry $\|J - J^\top\| / \|J\|$ = {result.asymmetry:.2f}")
    return fig


def _projection_axis(ax, projection, title):
    t = np.arange(1, projection.shape[0] + 1)
    for k, name in enumerate(PATTERN_NAMES):
        ax.plot(t, projection[:, k], "-o", ms=2.5, color=ATTRACTOR_COLOURS[k],
                label=f"onto the attractor of the {name}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(title)
    ax.set_xlabel("step")
    ax.set_ylabel("cosine with attractor")


@figure_function
def plot_probes(result, ax=None):
    """Noisy-bar retrieval (top row) and the cross (bottom row): the bias the network sees, its
    mean state, and the projection of the state onto each attractor along the run.

    ``ax``: 6 axes (row-major, 2 rows x 3). A full-column figure; the legend of the projection
    lines is under the panels.
    """
    if ax is None:
        fig, grid = plt.subplots(2, 3, figsize=column_figsize(5.4), layout="constrained",
                                 gridspec_kw={"width_ratios": [1, 1, 2.2]})
        axes = list(grid.ravel())
    else:
        fig, axes = _axes(ax, 6, figsize=None)
    rows = [(result.retrieval_bias, result.retrieval_states, result.retrieval_projection,
             "noisy vertical bar", "retrieval"),
            (result.generalization_bias, result.generalization_states,
             result.generalization_projection, "cross of both bars", "generalisation")]
    for r, (bias, states, proj, name, kind) in enumerate(rows):
        a_in, a_out, a_pr = axes[3 * r:3 * r + 3]
        _image(a_in, bias, "input:\n" + name.replace(" of both bars", ""))
        _image(a_out, states.mean(axis=0), "mean\nstate", vmax=1.0)
        _projection_axis(a_pr, proj, f"{kind}: projection")
    handles, labels = axes[2].get_legend_handles_labels()
    _legend_below(fig, handles, labels, ncol=2)
    return fig


@figure_function
def plot_seed_correlations(table, ax=None):
    """Attractor correlation per seed (DataFrame of ``simulation1_seeds``) against the paper's
    value in its text and in its code's output, and the patterns' correlation
    (:mod:`fep_core.paper`).

    The seeds are a strip of jittered dots (seaborn), their mean ± sd a band; a full-column
    figure with the legend under the axes.
    """
    import seaborn as sns

    reported = paper.value("s1_attr_corr")
    code = paper.CODE_DIFFERENCES["s1_attr_corr"][0]
    data = paper.value("s1_data_corr")
    fig, ax = new_axes(ax, figsize=column_figsize(3.3))
    r = np.asarray(table["attractor_correlation"], dtype=float)
    sns.stripplot(x=r, ax=ax, orient="h", jitter=0.3, size=5, color="C0", alpha=0.8,
                  native_scale=True)
    m, s = r.mean(), r.std(ddof=1) if r.size > 1 else 0.0
    ax.axvspan(m - s, m + s, color="C0", alpha=0.15)
    ax.axvline(m, color="C0", lw=1.5)
    ax.axvline(reported, color="k", ls="--", lw=1.2)
    ax.axvline(code, color="k", ls=":", lw=1.2)
    ax.axvline(data, color="C7", lw=1.2)
    ax.set_xlim(min(-0.5, r.min() - 0.05), 1.0)
    ax.set_ylim(0.5, -0.5)
    ax.set_yticks([])
    ax.set_xlabel("Pearson correlation of the two attractors")
    ax.set_ylabel("seeds (jittered)")
    handles = [Line2D([], [], ls="", marker="o", color="C0", alpha=0.8),
               plt.Rectangle((0, 0), 1, 1, color="C0", alpha=0.3),
               Line2D([], [], color="k", ls="--", lw=1.2),
               Line2D([], [], color="k", ls=":", lw=1.2),
               Line2D([], [], color="C7", lw=1.2)]
    labels = [f"this book, {r.size} seeds", f"mean ± sd = {m:.3f} ± {s:.3f}",
              f"paper (text) {reported:.2f}", f"paper (code output) {code:.2f}",
              f"patterns {data:.2f}"]
    _legend_below(fig, handles, labels, ncol=3)
    return fig


@figure_function
def plot_explore(r, *, inverse_temperature, learning_rate, evidence, epochs, seed):
    """The Interactive section's figure for :func:`fep_core.explore.simulation1`: the patterns,
    the attractors, the free energy along training and the retrieval and generalisation probes
    of a :class:`~fep_core.experiments.Simulation1Result` ``r`` trained with the settings quoted
    in the title.

    A full-column figure in three rows: the two patterns and the two attractors; the smoothed
    free energy; the two probes side by side (legend under them).
    """
    fig = plt.figure(figsize=column_figsize(7.6), layout="constrained")
    top, middle, bottom = fig.subfigures(3, 1, height_ratios=[2.2, 2.0, 2.8])
    imgs = top.subplots(1, 4)
    vp = float(np.max(np.abs(r.patterns)))
    for a, p, name in zip(imgs[:2], r.patterns, PATTERN_NAMES):
        _image(a, p, f"pattern:\n{name}", vmax=vp)
    for k, (a, s, name) in enumerate(zip(imgs[2:], r.attractors, PATTERN_NAMES)):
        title = (f"attractor from\n{name}" if r.attractors_converged[k]
                 else f"attractor {k + 1}\n(not converged)")
        _image(a, s, title, vmax=1.0)
    a_vfe = middle.subplots()
    w = 10 * int(r.params["steps_per_epoch"])
    ys = smooth(r.trace.vfe, w)
    a_vfe.plot(np.arange(ys.size) + min(w, r.trace.vfe.size), ys, color="k")
    a_vfe.set_xlabel("training step")
    a_vfe.set_ylabel("VFE (nats)")
    a_vfe.set_title(f"macro free energy during training (moving average over {w} steps)")
    a_ret, a_gen = bottom.subplots(1, 2)
    _projection_axis(a_ret, r.retrieval_projection, "noisy vertical bar")
    _projection_axis(a_gen, r.generalization_projection, "cross")
    handles, labels = a_ret.get_legend_handles_labels()
    bottom.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    fig.suptitle(f"precision $i_T$ = {inverse_temperature:.3g}, learning rate α = "
                 f"{learning_rate:.3g}, evidence {evidence:g}, {epochs} epochs, seed {seed}\n"
                 f"attractor r = {r.attractor_correlation:.2f} (patterns "
                 f"{r.data_correlation:.2f}), asymmetry {r.asymmetry:.2f}")
    return fig
