"""Figures of the chapter "Simulation 4: free-running replay and forgetting".

Every ``plot_*`` takes a :class:`~fep_core.experiments.Simulation4Result` (or the
:class:`~fep_core.experiments.FreeRunResult` of
:func:`~fep_core.experiments.free_run_continuation`) and ``ax=None`` (or the axes to draw into)
and returns the Figure. :func:`plot_explore` draws the figure of the chapter's interactive
callback (:func:`fep_core.explore.simulation4`).

:func:`fep_core.experiments.free_run_continuation` exists because
:func:`fep_core.experiments.simulation4` uses one precision and learning rate for both training
and the free run and always runs the retention control; the interactive section needs the free
run alone, at its own precision and learning rate, after a shorter training. It composes the
public API only (``simulation2_cell``, ``AttractorBatch``, ``metrics``) and follows the paper's
evaluation protocol.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import analysis
from . import axes_array as _axes_array, digit_image as _image, new_axes

CONDITIONS = analysis.RETENTION_CONDITIONS
CONDITION_LABELS = {"sequential": "sequential\n(5–9 only)",
                    "replay": "replay\n(free runs, learning on)",
                    "rest": "rest\n(free runs, learning off)"}


# ---------------------------------------------------------------------------------------------
# Before / after


def plot_coupling(result, ax=None):
    """J before and after the free run (shared colour scale) and their difference.
    ``ax``: None or 3 axes."""
    fig, axes = _axes_array(ax, (1, 3), figsize=(11.0, 3.4))
    J0, J1 = result.J_before, result.J_after
    lim = max(np.abs(J0).max(), np.abs(J1).max())
    dlim = max(np.abs(J1 - J0).max(), 1e-12)
    for a, M, title, bound in ((axes[0, 0], J0, "J before", lim), (axes[0, 1], J1, "J after", lim),
                               (axes[0, 2], J1 - J0, "J after − J before", dlim)):
        im = a.imshow(M, cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
        a.set_title(title, fontsize="medium")
        a.set_xlabel("presynaptic node j")
        a.set_ylabel("postsynaptic node i")
        fig.colorbar(im, ax=a, shrink=0.8)
    return fig


def plot_attractors_before_after(result, ax=None):
    """Unique attractors reached from the ten training digits, before (top) and after the free
    run. ``ax``: None or 2 x 10 axes."""
    fig, axes = _axes_array(ax, (2, 10), figsize=(9.0, 2.3))
    for r, key in enumerate(("attractors_before", "attractors_after")):
        att = getattr(result, key)
        for j in range(10):
            if j < len(att):
                _image(axes[r, j], att[j], vmax=1.0)
            else:
                axes[r, j].axis("off")
        axes[r, 0].set_ylabel(f"{key.split('_')[1]}\n({len(att)})", fontsize="small")
    return fig


def plot_scores_before_after(result, ax=None):
    """Median retrieval and generalisation scores before and after the free run."""
    fig, ax = new_axes(ax, figsize=(4.6, 3.2))
    x = np.arange(2)
    for j, (when, colour) in enumerate((("before", "C0"), ("after", "C1"))):
        vals = [getattr(result, f"retrieval_{when}"), getattr(result, f"generalization_{when}")]
        ax.bar(x + (j - 0.5) * 0.38, vals, width=0.38, color=colour, label=f"{when} the free run")
        for xi, v in zip(x + (j - 0.5) * 0.38, vals):
            ax.annotate(f"{v:.3f}", (xi, v), ha="center", va="bottom" if v >= 0 else "top",
                        fontsize="x-small")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, ["retrieval", "generalisation"])
    ax.set_ylabel("median score")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_free_run(result, ax=None, *, every=50):
    """What the network visits while free running: correlation of every ``every``-th state with
    each training digit (rows) over time."""
    fig, ax = new_axes(ax, figsize=(9.0, 2.8))
    states = result.free_states
    c = analysis.digit_correlations(states, every=every)
    t = np.arange(c.shape[0]) * every
    im = ax.pcolormesh(np.append(t, len(states)), np.arange(11) - 0.5, c.T, cmap="RdBu_r",
                       vmin=-1, vmax=1, shading="flat")
    ax.set_yticks(range(10))
    ax.set_ylabel("training digit")
    ax.set_xlabel("free-running step")
    fig.colorbar(im, ax=ax, label="correlation", shrink=0.9)
    return fig


# ---------------------------------------------------------------------------------------------
# Retention control


def plot_retention_control(result, ax=None):
    """Retrieval of the first set (digits 0-4, learned first) and of the second set (5-9) after
    the second phase, per condition: one point per seed (lines join a seed across conditions),
    the mean as a bar. ``ax``: None or 2 axes."""
    fig, axes = _axes_array(ax, (1, 2), figsize=(9.0, 3.6), sharey=True)
    c = result.control
    conds = [k for k in CONDITIONS if k in set(c["condition"])]
    x = np.arange(len(conds))
    for a, col, title in ((axes[0, 0], "first", "digits 0–4 (learned first)"),
                          (axes[0, 1], "second", "digits 5–9 (learned second)")):
        wide = c.pivot(index="seed", columns="condition", values=col).reindex(columns=conds)
        a.bar(x, wide.mean().to_numpy(), color=[f"C{k}" for k in range(len(conds))], alpha=0.35,
              width=0.6)
        for _, seed_row in wide.iterrows():
            a.plot(x, seed_row.to_numpy(), "-o", color="0.3", ms=4, lw=0.7, alpha=0.8)
        a.axhline(0, color="k", lw=0.6)
        a.set_xticks(x, [CONDITION_LABELS[k] for k in conds], fontsize="x-small")
        a.set_title(title, fontsize="medium")
    axes[0, 0].set_ylabel("median retrieval score")
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive callback


def plot_explore(res, *, inverse_temperature, learning_rate, free_steps, epochs):
    """The Interactive section's figure for :func:`fep_core.explore.simulation4`: the change of J,
    the attractors before/after, the scores before/after and what the free run visits, for a
    :class:`~fep_core.experiments.FreeRunResult` ``res`` run with the settings quoted in the
    titles."""
    fig = plt.figure(figsize=(11.0, 6.4), layout="constrained")
    top, mid, bottom = fig.subfigures(3, 1, height_ratios=[1.25, 1.0, 0.9])
    a1, a2 = top.subplots(1, 2, width_ratios=[1.0, 1.2])
    dJ = res.J_after - res.J_before
    lim = max(np.abs(dJ).max(), 1e-12)
    im = a1.imshow(dJ, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    a1.set_title(f"J after − J before (relative change {res.J_change:.3f})", fontsize="small")
    a1.set_xticks([])
    a1.set_yticks([])
    top.colorbar(im, ax=a1, shrink=0.8)
    plot_scores_before_after(res, ax=a2)
    a2.set_title(f"free run: iT {inverse_temperature:.3g}, α {learning_rate:g}, {free_steps} steps "
                 f"(trained {epochs} epochs)", fontsize="small")
    plot_attractors_before_after(res, ax=mid.subplots(2, 10))
    plot_free_run(res, ax=bottom.subplots(), every=max(1, free_steps // 500))
    return fig
