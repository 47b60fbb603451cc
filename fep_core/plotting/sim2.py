"""Figures of the chapter "Simulation 2: precision, evidence and the balance of complexity".

Every ``plot_*`` takes a result computed by :mod:`fep_core.experiments` (a
:class:`~fep_core.experiments.Simulation2Result` grid, or a dict of
:class:`~fep_core.experiments.DigitCellResult` regimes) and ``ax=None``: either nothing (the
function makes its own figure, one text column wide, :mod:`fep_core.plotting.layout`) or the
axes to draw into, and returns the Figure. The grid table is reshaped and summarised by
:mod:`fep_core.analysis` (``grid_matrix``, ``best_region``, ``precision_profile``), which the
chapter and the report share. :func:`plot_explore` draws the figure of the chapter's interactive
callback (:func:`fep_core.explore.simulation2`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import analysis, datasets, metrics, paper
from . import angle_rows, axes_array as _axes_array, boxplot, digit_image as _image, new_axes
from .layout import column_figsize, figure_function

# Heatmap panels of the paper's Fig 4A: column -> (title, colour-bar label, colour map, which
# end is optimal).
GRID_PANELS = {
    "retrieval": ("retrieval", "median score", "viridis", "high"),
    "generalization": ("one-shot generalisation", "median score", "viridis", "high"),
    "orthogonality": ("attractor orthogonality", "mean |90° − angle| (°)", "magma_r", "low"),
    "n_attractors": ("number of attractors", "attractors", "cividis", "ten"),
}
REGIME_MARKERS = {"high complexity": ("^", "C3"), "balanced": ("o", "white"),
                  "low complexity": ("s", "C1")}
# Fill colours of the regimes where a white marker would not show (distributions, bars).
REGIME_COLOURS = {"high complexity": "C3", "balanced": "C0", "low complexity": "C1"}
PRECISION_LABEL = "precision $i_T$"
EVIDENCE_TICKS = (1, 5, 10, 15, 20)


def _edges(centres, log):
    c = np.log(centres) if log else np.asarray(centres, float)
    if c.size == 1:
        e = np.array([c[0] - 0.5, c[0] + 0.5]) if not log else np.array([c[0] - 0.1, c[0] + 0.1])
    else:
        mid = 0.5 * (c[1:] + c[:-1])
        e = np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
    return np.exp(e) if log else e


def _outline(ax, mask, xedges, yedges, **kw):
    """Draw the boundary of the cells where ``mask`` (E, I) is True along the cell edges."""
    from matplotlib.collections import LineCollection

    m = np.pad(np.asarray(mask, bool), 1)
    segs = []
    for i in range(1, m.shape[0] - 1):          # rows: evidence (y)
        for j in range(1, m.shape[1] - 1):      # columns: precision (x)
            if not m[i, j]:
                continue
            x0, x1, y0, y1 = xedges[j - 1], xedges[j], yedges[i - 1], yedges[i]
            if not m[i - 1, j]:
                segs.append([(x0, y0), (x1, y0)])
            if not m[i + 1, j]:
                segs.append([(x0, y1), (x1, y1)])
            if not m[i, j - 1]:
                segs.append([(x0, y0), (x0, y1)])
            if not m[i, j + 1]:
                segs.append([(x1, y0), (x1, y1)])
    ax.add_collection(LineCollection(segs, **kw))


def _log_precision_axis(ax):
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    ax.set_xscale("log")
    ticks = [0.01, 0.03, 0.1, 0.3, 1.0]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(PRECISION_LABEL)


def _evidence_axis(ax, edges):
    ticks = [t for t in EVIDENCE_TICKS if edges[0] <= t <= edges[-1]]
    if ticks:
        ax.set_yticks(ticks)
    ax.set_ylabel("evidence")


def _regime_label(name):
    return name.replace(" ", "\n")


# ---------------------------------------------------------------------------------------------
# The grid (Fig 4A)


@figure_function
def plot_grid_heatmaps(result, ax=None, *, fraction=paper.TOP_FRACTION, regimes=None):
    """The four heatmaps of the paper's Fig 4A over evidence x precision (log axis), as a 2 x 2
    block one column wide: retrieval and generalisation (top), orthogonality and the number of
    attractors (bottom), each with its own colour bar.

    Each panel outlines its optimal region in red (:func:`fep_core.analysis.best_region`: top
    ``fraction`` of cells, the most orthogonal ``fraction``, or exactly ten attractors) and marks
    the three regimes (legend below the maps). ``ax``: None or 4 axes.
    """
    regimes = paper.REGIMES if regimes is None else regimes
    own = ax is None
    fig, axes = _axes_array(ax, (2, 2), figsize=column_figsize(6.3), sharex=True, sharey=True)
    table = result.table
    handles = {}
    for a, (col, (title, bar_label, cmap, _)) in zip(axes.ravel(), GRID_PANELS.items()):
        ev, its, v = analysis.grid_matrix(table, col)
        kw, cbar = {}, {}
        if col == "n_attractors":
            kw = dict(vmin=0.5, vmax=max(10.5, np.nanmax(v) + 0.5))
        elif col == "orthogonality":
            # a few 2-attractor cells near 90 degrees would wash out the rest
            kw, cbar = dict(vmin=0.0, vmax=45.0), dict(extend="max")
        xe, ye = _edges(its, True), _edges(ev, False)
        mesh = a.pcolormesh(xe, ye, np.ma.masked_invalid(v), cmap=cmap, shading="flat", **kw)
        a.set_facecolor("0.85")          # undefined cells (orthogonality with < 2 attractors)
        _outline(a, analysis.best_region(table, col, fraction=fraction), xe, ye, colors="red",
                 linewidths=1.6)
        for name, (e, t) in regimes.items():
            if ye[0] <= e <= ye[-1] and xe[0] <= t <= xe[-1]:
                m, c = REGIME_MARKERS.get(name, ("o", "k"))
                handles[name], = a.plot([t], [e], m, mfc=c, mec="k", ms=7, label=name)
        _log_precision_axis(a)
        _evidence_axis(a, ye)
        a.set_title(title)
        bar = fig.colorbar(mesh, ax=a, pad=0.03, aspect=25, **cbar)
        bar.set_label(bar_label)
        if col == "n_attractors":
            bar.set_ticks([1, 4, 7, 10])
    if own:
        for a in axes.ravel():
            a.label_outer()
    if handles:
        from matplotlib.lines import Line2D

        red = Line2D([], [], color="red", lw=1.6, label="optimal region")
        fig.legend([*handles.values(), red], [*handles, "optimal region"],
                   loc="outside lower center", ncol=len(handles) + 1, frameon=False)
    return fig


@figure_function
def plot_precision_profiles(result, ax=None):
    """Retrieval and generalisation against precision: the best cell over evidence levels
    (solid) and the median over evidence levels (dashed), with the band iT in [0.1, 0.5] shaded.
    Legend to the right of the axes.
    """
    fig, ax = new_axes(ax, figsize=column_figsize(3.3))
    for col, colour, label in (("retrieval", "C0", "retrieval"),
                               ("generalization", "C2", "generalisation")):
        prof = analysis.precision_profile(result.table, col)
        ax.plot(prof.index, prof["best"], "-o", color=colour, ms=4, label=f"{label}, best")
        ax.plot(prof.index, prof["median"], "--", color=colour, label=f"{label}, median")
    ax.axvspan(0.1, 0.5, color="0.9", zorder=0, label="$i_T$ 0.1–0.5")
    ax.axhline(0, color="k", lw=0.6)
    _log_precision_axis(ax)
    ax.set_ylabel("median score of a cell")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              title="over evidence levels")
    return fig


# ---------------------------------------------------------------------------------------------
# The three regimes in detail (Fig 4C-E)


def _digit_row(axes, imgs, vmax):
    for k, a in enumerate(axes):
        if k < len(imgs):
            _image(a, imgs[k], vmax=vmax)
        else:
            a.axis("off")


@figure_function
def plot_regime_attractors(cells, ax=None, *, digits=None):
    """Training digits (top row) and each regime's attractors as 8x8 images, one row each, every
    row titled above it (regime, evidence, precision, number of attractors).

    ``cells``: dict name -> DigitCellResult. ``ax``: None or ``(1 + len(cells)) x 10`` axes
    (then each row is labelled on its left).
    """
    d = datasets.digits() if digits is None else digits
    train = d.train if hasattr(d, "train") else np.asarray(d)
    width = max(train.shape[0], max(len(c.attractors) for c in cells.values()))
    rows = [("training digits", train, None)]
    for name, c in cells.items():
        n = len(c.attractors)
        rows.append((f"{name}: evidence {c.evidence:g}, $i_T$ {c.inverse_temperature:.3g}, "
                     f"{n} attractor{'s' if n != 1 else ''}", c.attractors, 1.0))
    if ax is not None:
        fig, axes = _axes_array(ax, (len(rows), width), figsize=None)
        for r, (label, imgs, vmax) in enumerate(rows):
            _digit_row(axes[r], imgs, vmax)
            axes[r, 0].set_ylabel(label.split(":")[0].replace(" ", "\n"))
        return fig
    tile = column_figsize(1)[0] / width
    fig = plt.figure(figsize=column_figsize(len(rows) * (tile + 0.3)), layout="constrained")
    for sub, (label, imgs, vmax) in zip(np.atleast_1d(fig.subfigures(len(rows), 1)), rows):
        _digit_row(sub.subplots(1, width), imgs, vmax)
        sub.suptitle(label, x=0.0, ha="left", fontsize="medium")
    return fig


@figure_function
def plot_angle_histograms(cells, ax=None, *, digits=None):
    """Pairwise angles (distinct pairs, 0–180°) of the training digits and of each regime's
    attractors: one row of points per set (seaborn strip plot over a box plot), the red line at
    90° (orthogonal). Each row's label gives the number of pairs and the mean ``|90 - angle|``
    (:func:`metrics.orthogonality`). ``ax``: None or one axes.
    """

    d = datasets.digits() if digits is None else digits
    sets = [("training digits", d.train)] + [(n, c.attractors) for n, c in cells.items()]
    fig, ax = new_axes(ax, figsize=column_figsize(0.55 + 0.62 * len(sets)))
    frames, labels = [], []
    for name, vec in sets:
        ang = metrics.pairwise_angles(vec) if len(vec) > 1 else np.array([])
        frames.append(pd.DataFrame({"set": name, "angle": ang}))
        if ang.size:
            labels.append(f"{name}\n{ang.size} pairs, {metrics.orthogonality(vec):.1f}°")
        else:
            labels.append(f"{name}\none attractor, no pairs")
    data = pd.concat(frames, ignore_index=True)
    order = [name for name, _ in sets]
    palette = {name: REGIME_COLOURS.get(name, "0.45") for name in order}
    angle_rows(ax, data, order, labels, palette, size=3.5, jitter=0.22, alpha=0.8)
    return fig


def _scores_frame(cells, key):
    return pd.concat([pd.DataFrame({"regime": name, "score": np.asarray(c_key["score"])})
                      for name, c_key in ((n, getattr(c, key)) for n, c in cells.items())],
                     ignore_index=True)


@figure_function
def plot_score_distributions(cells, ax=None):
    """Retrieval and generalisation scores of all trials per regime (seaborn: one point per trial
    over a box plot whose middle line is the median). ``ax``: None or 2 axes."""
    import seaborn as sns

    fig, axes = _axes_array(ax, (1, 2), figsize=column_figsize(3.3), sharey=True)
    names = list(cells)
    palette = {n: REGIME_COLOURS.get(n, "C0") for n in names}
    for a, key, title in ((axes[0, 0], "retrieval", "retrieval"),
                          (axes[0, 1], "generalization", "one-shot generalisation")):
        data = _scores_frame(cells, key)
        boxplot(data=data, x="regime", y="score", order=names, ax=a, color="white",
                 width=0.6, fliersize=0, linewidth=1.0, whis=(0, 100))
        sns.stripplot(data=data, x="regime", y="score", order=names, hue="regime",
                      palette=palette, legend=False, ax=a, size=2.5, jitter=0.25, alpha=0.6)
        a.axhline(0, color="k", lw=0.6, zorder=0)
        a.set_xticks(range(len(names)), [_regime_label(n) for n in names])
        a.set_xlabel("")
        a.set_ylabel(r"score $r^2$(output) − $r^2$(noisy input)")
        a.set_title(title)
    if ax is None:
        axes[0, 1].set_ylabel("")
    return fig


@figure_function
def plot_example_trials(cells, ax=None, *, trial=0):
    """Example triplets noisy input / network output / original for each regime, for one
    retrieval trial (left three columns) and one generalisation trial (right three; index
    ``trial``). ``ax``: None or ``len(cells) x 6`` axes."""
    n = len(cells)
    if ax is None:
        fig, grid = plt.subplots(n, 7, figsize=column_figsize(1.05 * n + 0.55),
                                 layout="constrained", squeeze=False,
                                 width_ratios=[1, 1, 1, 0.2, 1, 1, 1])
        for a in grid[:, 3]:
            a.remove()
        axes = np.delete(grid, 3, axis=1)
    else:
        fig, axes = _axes_array(ax, (n, 6), figsize=None)
    d = datasets.digits()
    for r, (name, c) in enumerate(cells.items()):
        ret_orig = metrics.retrieval_targets(d.train[trial % len(d.train)], c.evidence)
        gen_orig = metrics.retrieval_targets(d.test[c.generalization_index[trial]], c.evidence)
        for k, (test, orig, kind) in enumerate(((c.retrieval, ret_orig, "retrieval"),
                                                 (c.generalization, gen_orig, "generalisation"))):
            lim = np.abs(orig).max()
            score = test["score"][trial]
            imgs = [(test["noisy"][trial], "noisy input", lim),
                    (test["response"][trial], f"output {score:+.2f}", 1.0),
                    (orig, "original", lim)]
            for j, (img, title, vmax) in enumerate(imgs):
                if r == 0:
                    title = f"{kind}:\n{title}"
                _image(axes[r, 3 * k + j], img, vmax=vmax,
                       title=title if r == 0 or j == 1 else None)
        axes[r, 0].set_ylabel(_regime_label(name))
    return fig


@figure_function
def plot_learning_rate_effect(table, ax=None):
    """Regime metrics at two learning rates, 2 x 2 panels with the legend below them.
    ``table``: one row per (regime, learning_rate) with columns regime, learning_rate, retrieval,
    generalization, n_attractors, orthogonality. ``ax``: None or 4 axes."""
    cols = {"retrieval": "retrieval (median score)",
            "generalization": "generalisation (median score)",
            "n_attractors": "number of attractors", "orthogonality": "orthogonality (°)"}
    fig, axes = _axes_array(ax, (2, 2), figsize=column_figsize(4.6), sharex=True)
    regimes = list(dict.fromkeys(table["regime"]))
    rates = sorted(table["learning_rate"].unique())
    w = 0.8 / len(rates)
    for a, (col, title) in zip(axes.ravel(), cols.items()):
        for j, lr in enumerate(rates):
            sub = table[table["learning_rate"] == lr].set_index("regime").reindex(regimes)
            a.bar(np.arange(len(regimes)) + (j - (len(rates) - 1) / 2) * w,
                  sub[col].to_numpy(float), width=w, label=f"learning rate α {lr:g}",
                  color=f"C{j}")
        a.set_xticks(np.arange(len(regimes)), [_regime_label(r) for r in regimes])
        a.set_title(title)
        a.axhline(0, color="k", lw=0.6)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(rates), frameon=False)
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive callback


def _summary_line(retrieval, generalization, n_attractors, orthogonality):
    orth = (f"orthogonality {orthogonality:.1f}°" if np.isfinite(orthogonality)
            else "orthogonality undefined")
    return (f"retrieval {retrieval:.3f}, generalisation {generalization:.3f}, "
            f"{int(n_attractors)} attractor{'s' if int(n_attractors) != 1 else ''}, {orth}")


@figure_function
def plot_explore(grid, k, cell, *, evidence, inverse_temperature, learning_rate, epochs):
    """The Interactive section's figure for :func:`fep_core.explore.simulation2`: the computed
    grid's cell ``k`` (a row of ``grid.table``) next to ``cell``, a fresh
    :func:`fep_core.experiments.simulation2_cell` run at the quoted evidence, precision, learning
    rate and number of epochs.

    Top: the grid's retrieval and generalisation heatmaps with the grid cell (red circle) and the
    rerun (white cross) marked. Below: the grid cell's attractors and numbers (grid settings),
    then the rerun's.
    """
    row = grid.table.iloc[k]
    e_grid, t_grid = float(row["evidence"]), float(row["inverse_temperature"])
    fig = plt.figure(figsize=column_figsize(5.9), layout="constrained")
    top, *rows = fig.subfigures(3, 1, height_ratios=[3.7, 1.1, 1.1])
    maps = top.subplots(1, 2, sharey=True)
    for a, col, title in ((maps[0], "retrieval", "grid: retrieval"),
                          (maps[1], "generalization", "grid: generalisation")):
        ev, its, v = analysis.grid_matrix(grid.table, col)
        ye = _edges(ev, False)
        mesh = a.pcolormesh(_edges(its, True), ye, v, cmap="viridis", shading="flat")
        a.plot([t_grid], [e_grid], "o", mfc="none", mec="red", ms=10, mew=2, label="grid cell")
        a.plot([inverse_temperature], [evidence], "X", mfc="white", mec="k", ms=9, mew=1,
               label="rerun")
        _log_precision_axis(a)
        _evidence_axis(a, ye)
        a.set_title(title)
        top.colorbar(mesh, ax=a, pad=0.03, aspect=25, label="median score")
    maps[1].set_ylabel("")
    handles, labels = maps[0].get_legend_handles_labels()
    top.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    p = grid.params
    titles = [
        f"grid cell: evidence {e_grid:g}, $i_T$ {t_grid:.3g}, α {p.get('learning_rate', 0.001):g}, "
        f"{p.get('epochs', '?')} epochs\n"
        + _summary_line(row["retrieval"], row["generalization"], row["n_attractors"],
                        row["orthogonality"]),
        f"rerun: evidence {float(evidence):g}, $i_T$ {float(inverse_temperature):.3g}, "
        f"α {float(learning_rate):g}, {int(epochs)} epochs\n"
        + _summary_line(cell.summary["retrieval"], cell.summary["generalization"],
                        len(cell.attractors), cell.summary["orthogonality"])]
    for sub, att, title in zip(rows, (grid.attractors[k], cell.attractors), titles):
        _digit_row(sub.subplots(1, 10), att, 1.0)
        sub.suptitle(title, x=0.0, ha="left", fontsize="small")
    return fig
