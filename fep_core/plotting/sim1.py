"""Figures of the chapter "Simulation 1: orthogonal attractors from overlapping bars".

Every ``plot_*`` takes a :class:`fep_core.experiments.Simulation1Result` (or, for the seed
study, the DataFrame of :func:`fep_core.experiments.simulation1_seeds`) and ``ax=None``, and
returns the Figure. Multi-panel figures accept a sequence of axes of the documented length.
:func:`plot_explore` draws the figure of the chapter's interactive callback
(:func:`fep_core.explore.simulation1`).
No model logic here: every number comes from ``fep_core.experiments``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import paper
from . import axes_grid as _axes, image, new_axes

__all__ = ["smooth", "plot_patterns", "plot_training_vfe", "plot_attractors", "plot_coupling",
           "plot_probes", "plot_seed_correlations", "plot_explore"]

PATTERN_NAMES = ("vertical bar", "horizontal bar")
ATTRACTOR_COLOURS = ("C0", "C3")




def _image(ax, vector, title, *, vmax=None, cmap="RdBu_r"):
    """A 25-vector as a 5x5 image on a symmetric colour scale."""
    return image(ax, vector, title, vmax=vmax, cmap=cmap)


def smooth(x, window):
    """Moving average over ``window`` samples (``'valid'`` part; ``window`` clipped to len(x))."""
    x = np.asarray(x, dtype=float)
    w = int(max(1, min(window, x.size)))
    return np.convolve(x, np.ones(w) / w, mode="valid")


def plot_patterns(result, ax=None):
    """The two training patterns (z-scored) and their correlation. ``ax``: 2 axes."""
    fig, axes = _axes(ax, 2, figsize=(5.0, 2.8))
    v = float(np.max(np.abs(result.patterns)))
    for a, p, name in zip(axes, result.patterns, PATTERN_NAMES):
        im = _image(a, p, name, vmax=v)
    fig.colorbar(im, ax=axes, shrink=0.8, label="pixel (z-score)")
    fig.suptitle(f"pattern correlation r = {result.data_correlation:.2f}", fontsize="medium")
    return fig


def plot_training_vfe(result, ax=None, *, window=None):
    """Macro-scale VFE, complexity and accuracy after every training step. ``ax``: 3 axes.

    Raw values are drawn faintly, a moving average over ``window`` steps (default: 10 epochs)
    on top.
    """
    tr = result.trace
    if tr.vfe.size == 0:
        raise ValueError("result has no training trace (train with record=True)")
    if ax is None:
        fig, grid = plt.subplots(3, 1, figsize=(6.5, 6.0), sharex=True, layout="constrained")
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
        a.plot(step[w - 1:] if ys.size < y.size else step, ys, color=colour, lw=1.5,
               label=f"moving average ({w} steps)")
        a.set_ylabel(label)
        a.legend(frameon=False, fontsize="small", loc="best")
    axes[-1].set_xlabel(f"training step ({spe} per epoch)")
    return fig


def plot_attractors(result, ax=None):
    """Patterns (top) and the attractors reached from them (bottom), with both correlations.

    ``ax``: 4 axes (pattern 1, pattern 2, attractor 1, attractor 2).
    """
    if ax is None:
        fig, grid = plt.subplots(2, 2, figsize=(4.6, 4.8), layout="constrained")
        axes = list(grid.ravel())
    else:
        fig, axes = _axes(ax, 4, figsize=None)
    vp = float(np.max(np.abs(result.patterns)))
    for a, p, name in zip(axes[:2], result.patterns, PATTERN_NAMES):
        im_p = _image(a, p, f"pattern: {name}", vmax=vp)
    for k, (a, s, name) in enumerate(zip(axes[2:], result.attractors, PATTERN_NAMES)):
        tag = "" if result.attractors_converged[k] else " (not converged)"
        im_a = _image(a, s, f"attractor from {name.split()[0]}{tag}", vmax=1.0)
    fig.colorbar(im_p, ax=axes[:2], shrink=0.8, label="z-score")
    fig.colorbar(im_a, ax=axes[2:], shrink=0.8, label="state")
    fig.suptitle(f"patterns r = {result.data_correlation:.2f} → attractors r = "
                 f"{result.attractor_correlation:.2f}", fontsize="medium")
    return fig


def plot_coupling(result, ax=None):
    """J and its symmetric part on one colour scale. ``ax``: 2 axes."""
    from ..network import symmetric_part

    fig, axes = _axes(ax, 2, figsize=(7.0, 3.2))
    J = result.J
    v = float(np.max(np.abs(J))) or 1.0
    for a, M, title in zip(axes, (J, symmetric_part(J)),
                           ("coupling $J$", r"symmetric part $(J + J^\top)/2$")):
        im = a.imshow(M, cmap="RdBu_r", vmin=-v, vmax=v)
        a.set_title(title, fontsize="medium")
        a.set_xlabel("presynaptic node $j$")
        a.set_ylabel("postsynaptic node $i$")
    fig.colorbar(im, ax=axes, shrink=0.85, label="weight")
    fig.suptitle(f"asymmetry ‖J − Jᵀ‖/‖J‖ = {result.asymmetry:.2f}", fontsize="medium")
    return fig


def _projection_axis(ax, projection, title):
    t = np.arange(1, projection.shape[0] + 1)
    for k, name in enumerate(PATTERN_NAMES):
        ax.plot(t, projection[:, k], "-o", ms=2.5, color=ATTRACTOR_COLOURS[k],
                label=f"onto attractor of {name}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel("step")
    ax.set_ylabel("cosine with attractor")


def plot_probes(result, ax=None):
    """Noisy-bar retrieval (top row) and the cross (bottom row): the bias the network sees, its
    mean state, and the projection of the state onto each attractor along the run.

    ``ax``: 6 axes (row-major, 2 rows x 3).
    """
    if ax is None:
        fig, grid = plt.subplots(2, 3, figsize=(9.0, 5.2), layout="constrained",
                                 gridspec_kw={"width_ratios": [1, 1, 2.4]})
        axes = list(grid.ravel())
    else:
        fig, axes = _axes(ax, 6, figsize=None)
    rows = [(result.retrieval_bias, result.retrieval_states, result.retrieval_projection,
             "noisy vertical bar", "retrieval"),
            (result.generalization_bias, result.generalization_states,
             result.generalization_projection, "cross (both bars)", "generalisation")]
    for r, (bias, states, proj, name, kind) in enumerate(rows):
        a_in, a_out, a_pr = axes[3 * r:3 * r + 3]
        _image(a_in, bias, f"input: {name}")
        _image(a_out, states.mean(axis=0), "mean state", vmax=1.0)
        _projection_axis(a_pr, proj, f"{kind}: projection onto attractors")
    axes[2].legend(frameon=False, fontsize="small", loc="lower right")
    return fig


def plot_seed_correlations(table, ax=None):
    """Attractor correlation per seed (DataFrame of ``simulation1_seeds``) against the paper's
    value in its text and in its code's output, and the patterns' correlation
    (:mod:`fep_core.paper`)."""
    reported = paper.value("s1_attr_corr")
    code = paper.CODE_DIFFERENCES["s1_attr_corr"][0]
    data = paper.value("s1_data_corr")
    fig, ax = new_axes(ax, figsize=(6.0, 3.2))
    r = np.asarray(table["attractor_correlation"], dtype=float)
    seeds = np.asarray(table["seed"])
    ax.plot(r, np.zeros_like(r) + 0.5 + 0.25 * np.sin(seeds * 2.4), "o", color="C0", alpha=0.8,
            label=f"this book, {r.size} seeds")
    m, s = r.mean(), r.std(ddof=1) if r.size > 1 else 0.0
    ax.axvspan(m - s, m + s, color="C0", alpha=0.15, label=f"mean ± sd = {m:.3f} ± {s:.3f}")
    ax.axvline(m, color="C0", lw=1.5)
    ax.axvline(reported, color="k", ls="--", lw=1.2, label=f"paper (text) {reported:.2f}")
    ax.axvline(code, color="k", ls=":", lw=1.2, label=f"paper (code output) {code:.2f}")
    ax.axvline(data, color="C7", lw=1.2, label=f"patterns {data:.2f}")
    ax.set_xlim(min(-0.5, r.min() - 0.05), 1.0)
    ax.set_ylim(0, 1.6)
    ax.set_yticks([])
    ax.set_xlabel("Pearson correlation")
    ax.set_ylabel("seeds (jittered)")
    ax.legend(frameon=False, fontsize="small", loc="upper left", ncol=2)
    return fig


def plot_explore(r, *, inverse_temperature, learning_rate, evidence, epochs, seed):
    """The Interactive section's figure for :func:`fep_core.explore.simulation1`: the patterns,
    the attractors, the free energy along training and the retrieval and generalisation probes
    of a :class:`~fep_core.experiments.Simulation1Result` ``r`` trained with the settings quoted
    in the title."""
    fig = plt.figure(figsize=(10.0, 5.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.15])
    imgs = top.subplots(1, 4)
    vp = float(np.max(np.abs(r.patterns)))
    for a, p, name in zip(imgs[:2], r.patterns, PATTERN_NAMES):
        _image(a, p, f"pattern: {name}", vmax=vp)
    for k, (a, s) in enumerate(zip(imgs[2:], r.attractors)):
        tag = "" if r.attractors_converged[k] else " (not converged)"
        _image(a, s, f"attractor {k + 1}{tag}", vmax=1.0)
    a_vfe, a_ret, a_gen = bottom.subplots(1, 3)
    w = 10 * int(r.params["steps_per_epoch"])
    ys = smooth(r.trace.vfe, w)
    a_vfe.plot(np.arange(ys.size) + min(w, r.trace.vfe.size), ys, color="k")
    a_vfe.set_xlabel("training step")
    a_vfe.set_ylabel("macro VFE (nats, smoothed)")
    a_vfe.set_title("free energy during training", fontsize="medium")
    _projection_axis(a_ret, r.retrieval_projection, "noisy vertical bar")
    _projection_axis(a_gen, r.generalization_projection, "cross")
    a_gen.legend(frameon=False, fontsize="x-small", loc="lower right")
    fig.suptitle(f"precision {inverse_temperature:.3g}, learning rate {learning_rate:.3g}, "
                 f"evidence {evidence:g}, {epochs} epochs, seed {seed}: attractor r = "
                 f"{r.attractor_correlation:.2f} (patterns {r.data_correlation:.2f}), "
                 f"asymmetry {r.asymmetry:.2f}", fontsize="medium")
    return fig
