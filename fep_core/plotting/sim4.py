"""Figures of the chapter "Simulation 4: free-running replay and forgetting".

Every ``plot_*`` takes a :class:`~fep_core.experiments.Simulation4Result` (or the
:class:`~fep_core.experiments.FreeRunResult` of
:func:`~fep_core.experiments.free_run_continuation`) and ``ax=None`` (or the axes to draw into)
and returns the Figure, drawn one text column wide or narrower
(:mod:`fep_core.plotting.layout`). :func:`plot_explore` draws the figure of the chapter's
interactive callback (:func:`fep_core.explore.simulation4`).

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
from .layout import column_figsize, figure_function

CONDITIONS = analysis.RETENTION_CONDITIONS
# Short tick labels of the retention conditions (the chapter's text defines them).
CONDITION_LABELS = {"sequential": "sequential", "replay": "replay", "rest": "rest"}
NODE_TICKS = (0, 63)


def _matrix(ax, M, bound, title, *, ylabel=True):
    im = ax.imshow(M, cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks(NODE_TICKS)
    ax.set_yticks(NODE_TICKS, NODE_TICKS if ylabel else [])
    ax.set_xlabel("presynaptic node j")
    if ylabel:
        ax.set_ylabel("postsynaptic node i", labelpad=-6)
    return im


# ---------------------------------------------------------------------------------------------
# Before / after


@figure_function
def plot_coupling(result, ax=None):
    """The couplings J before and after the free run, on one colour scale (top row, colour bar
    below them), their difference on its own scale (bottom left) and every off-diagonal coupling
    after against before (bottom right, with the identity line and their correlation). Each
    64 x 64 matrix is about 300 px wide. ``ax``: None or 4 axes (2 x 2)."""
    if ax is None:
        # two rows of their own, so that the scatter's axis labels do not narrow the matrices
        fig = plt.figure(figsize=column_figsize(9.2), layout="constrained")
        rows = fig.subfigures(2, 1, height_ratios=[1.0, 1.0])
        axes = np.array([rows[0].subplots(1, 2),
                         rows[1].subplots(1, 2, width_ratios=[1.25, 1.0])], dtype=object)
    else:
        fig, axes = _axes_array(ax, (2, 2), figsize=None)
    J0, J1 = result.J_before, result.J_after
    lim = max(np.abs(J0).max(), np.abs(J1).max())
    dlim = max(np.abs(J1 - J0).max(), 1e-12)
    im = _matrix(axes[0, 0], J0, lim, "J before")
    _matrix(axes[0, 1], J1, lim, "J after", ylabel=False)
    axes[0, 0].figure.colorbar(im, ax=axes[0, :].tolist(), location="bottom", shrink=0.6,
                               aspect=30, label="coupling")
    im = _matrix(axes[1, 0], J1 - J0, dlim, "J after − J before")
    axes[1, 0].figure.colorbar(im, ax=axes[1, 0], location="bottom", shrink=0.9, aspect=20,
                               label="change of the coupling")
    off = ~np.eye(J0.shape[0], dtype=bool)
    a = axes[1, 1]
    a.plot(J0[off], J1[off], ".", ms=2, color="C0", alpha=0.3, rasterized=True)
    a.plot([-lim, lim], [-lim, lim], "--", color="k", lw=0.8, label="J after = J before")
    r = np.corrcoef(J0[off], J1[off])[0, 1]
    a.set_title(f"off-diagonal couplings, r = {r:.2f}")
    a.set_xlabel("J before")
    a.set_ylabel("J after")
    a.set_xlim(-lim, lim)
    a.set_ylim(-lim, lim)
    a.set_aspect("equal")
    a.legend(loc="upper left", frameon=False)
    return fig


@figure_function
def plot_attractors_before_after(result, ax=None):
    """Unique attractors reached from the ten training digits, before (top) and after the free
    run, each row labelled with its number of attractors. ``ax``: None or 2 x 10 axes."""
    fig, axes = _axes_array(ax, (2, 10), figsize=column_figsize(1.65))
    for r, key in enumerate(("attractors_before", "attractors_after")):
        att = getattr(result, key)
        for j in range(10):
            if j < len(att):
                _image(axes[r, j], att[j], vmax=1.0)
            else:
                axes[r, j].axis("off")
        axes[r, 0].set_ylabel(f"{key.split('_')[1]}\n({len(att)})")
    return fig


@figure_function
def plot_scores_before_after(result, ax=None):
    """Median retrieval and generalisation scores before and after the free run, values written
    on the bars, legend to the right of the axes."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.0, width=0.8))
    x = np.arange(2)
    for j, (when, colour) in enumerate((("before", "C0"), ("after", "C1"))):
        vals = [getattr(result, f"retrieval_{when}"), getattr(result, f"generalization_{when}")]
        ax.bar(x + (j - 0.5) * 0.38, vals, width=0.38, color=colour, label=f"{when} the free run")
        for xi, v in zip(x + (j - 0.5) * 0.38, vals):
            ax.annotate(f"{v:.3f}", (xi, v), ha="center", va="bottom" if v >= 0 else "top",
                        fontsize="small", xytext=(0, 2 if v >= 0 else -2),
                        textcoords="offset points")
    ax.margins(y=0.15)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, ["retrieval", "generalisation"])
    ax.set_ylabel("median score")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@figure_function
def plot_free_run(result, ax=None, *, every=50):
    """What the network visits while free running: correlation of every ``every``-th state with
    each training digit (rows) over time."""
    fig, ax = new_axes(ax, figsize=column_figsize(2.6))
    states = result.free_states
    c = analysis.digit_correlations(states, every=every)
    t = np.arange(c.shape[0]) * every
    im = ax.pcolormesh(np.append(t, len(states)), np.arange(11) - 0.5, c.T, cmap="RdBu_r",
                       vmin=-1, vmax=1, shading="flat", rasterized=True)
    ax.set_yticks(range(10))
    ax.set_ylabel("training digit")
    ax.set_xlabel("free-running step")
    fig.colorbar(im, ax=ax, label="correlation", pad=0.02)
    return fig


REPLICATE_PANELS = {"retrieval": "retrieval (median score)",
                    "generalization": "generalisation (median score)",
                    "attractor |state|": "mean |attractor state|"}


@figure_function
def plot_replicates(replicates, ax=None):
    """Each seed's network before and after its free run: median retrieval and generalisation
    scores and the mean absolute activity of its attractors, one line per seed.

    ``replicates``: a DataFrame indexed by seed with columns ``<measure> before`` /
    ``<measure> after`` or ``<measure>_before`` / ``<measure>_after`` for the measures of
    :data:`REPLICATE_PANELS`. ``ax``: None or 3 axes.
    """
    fig, axes = _axes_array(ax, (1, len(REPLICATE_PANELS)), figsize=column_figsize(3.0))

    def column(measure, when):
        for name in (f"{measure}_{when}", f"{measure} {when}"):
            if name in replicates.columns:
                return replicates[name].to_numpy(float)
        raise KeyError(f"replicates has no column {measure!r} {when!r}")

    x = np.arange(2)
    for a, (measure, title) in zip(axes.ravel(), REPLICATE_PANELS.items()):
        values = np.column_stack([column(measure, "before"), column(measure, "after")])
        for row in values:
            a.plot(x, row, "-o", color="0.35", ms=4, lw=0.8)
        a.set_xticks(x, ["before", "after"])
        a.set_xlim(-0.4, 1.4)
        a.margins(y=0.15)
        a.set_title(title)
    axes[0, 0].set_ylabel("value of each seed's network")
    return fig


# ---------------------------------------------------------------------------------------------
# Retention control


@figure_function
def plot_retention_control(result, ax=None):
    """Retrieval of the first set (digits 0-4, learned first) and of the second set (5-9) after
    the second phase, per condition: the mean as a bar (seaborn), one point per seed, lines
    joining a seed across conditions. ``ax``: None or 2 axes."""
    import seaborn as sns

    fig, axes = _axes_array(ax, (1, 2), figsize=column_figsize(3.3), sharey=True)
    c = result.control
    conds = [k for k in CONDITIONS if k in set(c["condition"])]
    palette = {k: f"C{j}" for j, k in enumerate(conds)}
    x = np.arange(len(conds))
    for a, col, title in ((axes[0, 0], "first", "digits 0–4 (learned first)"),
                          (axes[0, 1], "second", "digits 5–9 (learned second)")):
        sns.barplot(data=c, x="condition", y=col, order=conds, hue="condition",
                    hue_order=conds, palette=palette, legend=False, errorbar=None, alpha=0.4,
                    width=0.6, ax=a)
        wide = c.pivot(index="seed", columns="condition", values=col).reindex(columns=conds)
        for _, seed_row in wide.iterrows():
            a.plot(x, seed_row.to_numpy(), "-o", color="0.3", ms=4, lw=0.7, alpha=0.8)
        a.axhline(0, color="k", lw=0.6)
        a.set_xticks(x, [CONDITION_LABELS[k] for k in conds])
        a.set_xlabel("")
        a.set_ylabel("")
        a.set_title(title)
    axes[0, 0].set_ylabel("median retrieval score")
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive callback


@figure_function
def plot_explore(res, *, inverse_temperature, learning_rate, free_steps, epochs):
    """The Interactive section's figure for :func:`fep_core.explore.simulation4`: the change of J,
    the scores before/after, the attractors before/after and what the free run visits, for a
    :class:`~fep_core.experiments.FreeRunResult` ``res`` run with the settings quoted in the
    figure's title."""
    fig = plt.figure(figsize=column_figsize(8.2), layout="constrained")
    fig.suptitle(f"free run: $i_T$ {inverse_temperature:.3g}, α {learning_rate:g}, "
                 f"{free_steps} steps (after {epochs} training epochs)")
    top, mid, bottom = fig.subfigures(3, 1, height_ratios=[4.3, 1.6, 2.3])
    a1, a2 = top.subplots(1, 2, width_ratios=[1.7, 1.0])
    dJ = res.J_after - res.J_before
    lim = max(np.abs(dJ).max(), 1e-12)
    im = _matrix(a1, dJ, lim, f"J after − J before\n(relative change {res.J_change:.3f})")
    top.colorbar(im, ax=a1, pad=0.03)
    plot_scores_before_after(res, ax=a2)
    a2.get_legend().remove()
    a2.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1)
    plot_attractors_before_after(res, ax=mid.subplots(2, 10))
    plot_free_run(res, ax=bottom.subplots(), every=max(1, free_steps // 500))
    return fig
