"""Figures of the chapter "Simulation 2: precision, evidence and the balance of complexity".

Every ``plot_*`` takes a result computed by :mod:`fep_core.experiments` (a
:class:`~fep_core.experiments.Simulation2Result` grid, or a dict of
:class:`~fep_core.experiments.DigitCellResult` regimes) and ``ax=None``: either nothing (the
function makes its own figure) or the axes to draw into, and returns the Figure. The grid table
is reshaped and summarised by :mod:`fep_core.analysis` (``grid_matrix``, ``best_region``,
``precision_profile``), which the chapter and the report share. :func:`plot_explore` draws the
figure of the chapter's interactive callback (:func:`fep_core.explore.simulation2`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import analysis, datasets, metrics, paper
from . import axes_array as _axes_array, digit_image as _image, new_axes

# Heatmap panels of the paper's Fig 4A: column -> (title, colour map, which end is optimal).
GRID_PANELS = {
    "retrieval": ("retrieval (median score)", "viridis", "high"),
    "generalization": ("one-shot generalisation (median score)", "viridis", "high"),
    "orthogonality": ("attractor orthogonality |90° − angle| (°)", "magma_r", "low"),
    "n_attractors": ("number of attractors", "cividis", "ten"),
}
REGIME_MARKERS = {"high complexity": ("^", "C3"), "balanced": ("o", "white"),
                  "low complexity": ("s", "C1")}


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
        for j in range(1, m.shape[1] - 1):      # columns: inverse temperature (x)
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
    ax.set_xlabel("precision (inverse temperature) iT")


# ---------------------------------------------------------------------------------------------
# The grid (Fig 4A)


def plot_grid_heatmaps(result, ax=None, *, fraction=paper.TOP_FRACTION, regimes=None):
    """The four heatmaps of the paper's Fig 4A over evidence x inverse temperature (log axis).

    Each panel contours its optimal region (:func:`fep_core.analysis.best_region`: top
    ``fraction`` of cells, the most orthogonal ``fraction``, or exactly ten attractors) and marks
    the three regimes. ``ax``: None or 4 axes.
    """
    regimes = paper.REGIMES if regimes is None else regimes
    fig, axes = _axes_array(ax, (2, 2), figsize=(10.0, 7.4))
    table = result.table
    for a, (col, (title, cmap, _)) in zip(axes.ravel(), GRID_PANELS.items()):
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
                 linewidths=1.8)
        for name, (e, t) in regimes.items():
            if ye[0] <= e <= ye[-1] and xe[0] <= t <= xe[-1]:
                m, c = REGIME_MARKERS.get(name, ("o", "k"))
                a.plot([t], [e], m, mfc=c, mec="k", ms=8, label=name)
        _log_precision_axis(a)
        a.set_ylabel("evidence")
        a.set_title(title, fontsize="medium")
        fig.colorbar(mesh, ax=a, shrink=0.9, **cbar)
    axes.ravel()[0].legend(loc="lower left", fontsize="x-small", framealpha=0.9)
    return fig


def plot_precision_profiles(result, ax=None):
    """Retrieval and generalisation against precision: the best cell over evidence levels
    (solid) and the median over evidence levels (dashed), with the band iT in [0.1, 0.5] shaded.
    """
    fig, ax = new_axes(ax, figsize=(6.0, 3.8))
    for col, colour, label in (("retrieval", "C0", "retrieval"),
                               ("generalization", "C2", "generalisation")):
        prof = analysis.precision_profile(result.table, col)
        ax.plot(prof.index, prof["best"], "-o", color=colour, ms=4,
                label=f"{label}: best over evidence")
        ax.plot(prof.index, prof["median"], "--", color=colour,
                label=f"{label}: median over evidence")
    ax.axvspan(0.1, 0.5, color="0.9", zorder=0, label="iT 0.1–0.5")
    ax.axhline(0, color="k", lw=0.6)
    _log_precision_axis(ax)
    ax.set_ylabel("median score of a cell")
    ax.legend(frameon=False, fontsize="x-small", ncol=2)
    return fig


# ---------------------------------------------------------------------------------------------
# The three regimes in detail (Fig 4C-E)


def plot_regime_attractors(cells, ax=None, *, digits=None):
    """Training digits (top row) and each regime's attractors as 8x8 images (one row each).

    ``cells``: dict name -> DigitCellResult. ``ax``: None or ``(1 + len(cells)) x 10`` axes.
    """
    d = datasets.digits() if digits is None else digits
    train = d.train if hasattr(d, "train") else np.asarray(d)
    width = max(train.shape[0], max(len(c.attractors) for c in cells.values()))
    fig, axes = _axes_array(ax, (1 + len(cells), width),
                            figsize=(1.0 * width, 1.25 * (1 + len(cells))))
    rows = [("training digits", train, None)]
    for name, c in cells.items():
        rows.append((f"{name}\n(ev {c.evidence:g}, iT {c.inverse_temperature:.3g})", c.attractors,
                     1.0))
    for r, (label, imgs, vmax) in enumerate(rows):
        for k in range(width):
            a = axes[r, k]
            if k < len(imgs):
                _image(a, imgs[k], vmax=vmax)
            else:
                a.axis("off")
        axes[r, 0].set_ylabel(label, fontsize="x-small", rotation=0, ha="right", va="center")
    return fig


def plot_angle_histograms(cells, ax=None, *, digits=None, bins=18):
    """Polar histograms of pairwise angles (distinct pairs, 0–180°): training data and each
    regime's attractors, titled with the mean ``|90 - angle|`` (:func:`metrics.orthogonality`).
    ``ax``: None or ``1 + len(cells)`` polar axes.
    """
    d = datasets.digits() if digits is None else digits
    sets = [("training digits", d.train)] + [(n, c.attractors) for n, c in cells.items()]
    fig, axes = _axes_array(ax, (1, len(sets)), figsize=(3.0 * len(sets), 2.4), polar=True)
    edges = np.linspace(0, np.pi, bins + 1)
    for a, (name, vec) in zip(axes.ravel(), sets):
        ang = metrics.pairwise_angles(vec) if len(vec) > 1 else np.array([])
        counts, _ = np.histogram(np.radians(ang), bins=edges)
        a.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="C0", edgecolor="k",
              lw=0.5)
        a.set_thetamin(0)
        a.set_thetamax(180)
        a.set_xticks(np.radians([0, 45, 90, 135, 180]))
        a.set_rlim(0, max(counts.max(), 1) * 1.05)
        a.set_rticks(np.linspace(0, max(counts.max(), 1), 3)[1:])
        a.tick_params(axis="y", labelsize="x-small")
        a.plot([np.pi / 2, np.pi / 2], [0, max(counts.max(), 1)], color="C3", lw=1)
        orth = metrics.orthogonality(vec) if len(vec) > 1 else float("nan")
        sub = f"{len(ang)} pairs, {orth:.1f}°" if np.isfinite(orth) else "one attractor: no pairs"
        a.set_title(f"{name}\n{sub}", fontsize="small")
        a.set_xlabel("radius: number of pairs", fontsize="x-small")
    return fig


def plot_score_distributions(cells, ax=None):
    """Retrieval and generalisation score distributions (all trials) per regime, medians marked.
    ``ax``: None or 2 axes."""
    fig, axes = _axes_array(ax, (1, 2), figsize=(9.0, 3.4))
    names = list(cells)
    for a, key, title in ((axes[0, 0], "retrieval", "retrieval"),
                          (axes[0, 1], "generalization", "one-shot generalisation")):
        data = [getattr(cells[n], key)["score"] for n in names]
        parts = a.violinplot(data, showmedians=True, showextrema=False)
        for body, n in zip(parts["bodies"], names):
            body.set_facecolor(REGIME_MARKERS.get(n, ("o", "C0"))[1] if n != "balanced" else "C0")
            body.set_alpha(0.5)
        a.axhline(0, color="k", lw=0.6)
        a.set_xticks(np.arange(1, len(names) + 1), names, fontsize="small")
        a.set_ylabel(r"score $r^2$(output) − $r^2$(noisy input)")
        a.set_title(title, fontsize="medium")
    return fig


def plot_example_trials(cells, ax=None, *, trial=0):
    """Example triplets noisy input / network output / original for each regime, for one
    retrieval trial and one generalisation trial (index ``trial``). ``ax``: None or
    ``len(cells) x 6`` axes."""
    fig, axes = _axes_array(ax, (len(cells), 6), figsize=(7.5, 1.45 * len(cells) + 0.4))
    d = datasets.digits()
    for r, (name, c) in enumerate(cells.items()):
        ret_orig = metrics.retrieval_targets(d.train[trial % len(d.train)], c.evidence)
        gen_orig = metrics.retrieval_targets(d.test[c.generalization_index[trial]], c.evidence)
        for k, (test, orig, kind) in enumerate(((c.retrieval, ret_orig, "retrieval"),
                                                 (c.generalization, gen_orig, "generalisation"))):
            lim = np.abs(orig).max()
            score = test["score"][trial]
            imgs = [(test["noisy"][trial], "noisy input", lim),
                    (test["response"][trial], f"output ({score:+.2f})", 1.0),
                    (orig, "original", lim)]
            for j, (img, title, vmax) in enumerate(imgs):
                if r == 0:
                    title = f"{kind}:\n{title}"
                _image(axes[r, 3 * k + j], img, vmax=vmax,
                       title=title if r == 0 or j == 1 else None)
        axes[r, 0].set_ylabel(name, fontsize="x-small")
    return fig


def plot_learning_rate_effect(table, ax=None):
    """Regime metrics at two learning rates. ``table``: one row per (regime, learning_rate)
    with columns regime, learning_rate, retrieval, generalization, n_attractors, orthogonality.
    ``ax``: None or 4 axes."""
    cols = ["retrieval", "generalization", "n_attractors", "orthogonality"]
    fig, axes = _axes_array(ax, (1, 4), figsize=(11.0, 3.0))
    regimes = list(dict.fromkeys(table["regime"]))
    rates = sorted(table["learning_rate"].unique())
    w = 0.8 / len(rates)
    for a, col in zip(axes.ravel(), cols):
        for j, lr in enumerate(rates):
            sub = table[table["learning_rate"] == lr].set_index("regime").reindex(regimes)
            a.bar(np.arange(len(regimes)) + (j - (len(rates) - 1) / 2) * w,
                  sub[col].to_numpy(float), width=w, label=f"learning rate {lr:g}",
                  color=f"C{j}")
        a.set_xticks(np.arange(len(regimes)), [r.replace(" ", "\n") for r in regimes],
                     fontsize="x-small")
        a.set_title(col.replace("_", " ").replace("generalization", "generalisation"),
                    fontsize="medium")
        a.axhline(0, color="k", lw=0.6)
    axes.ravel()[0].legend(fontsize="x-small", frameon=False)
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive callback


def plot_explore(grid, k, cell, *, evidence, inverse_temperature, learning_rate, epochs):
    """The Interactive section's figure for :func:`fep_core.explore.simulation2`: the computed
    grid's cell ``k`` (a row of ``grid.table``) next to ``cell``, a fresh
    :func:`fep_core.experiments.simulation2_cell` run at the quoted evidence, precision, learning
    rate and number of epochs.

    Left: the retrieval heatmap with the grid cell and the rerun marked. Right: the grid cell's
    attractors and table row (grid settings) above the rerun's.
    """
    row = grid.table.iloc[k]
    e_grid, t_grid = float(row["evidence"]), float(row["inverse_temperature"])
    fig = plt.figure(figsize=(11.0, 4.6), layout="constrained")
    sub = fig.subfigures(1, 2, width_ratios=[1.0, 2.4])
    a = sub[0].subplots()
    ev, its, v = analysis.grid_matrix(grid.table, "retrieval")
    mesh = a.pcolormesh(_edges(its, True), _edges(ev, False), v, cmap="viridis", shading="flat")
    a.plot([t_grid], [e_grid], "o", mfc="none", mec="red", ms=10, mew=2, label="grid cell")
    a.plot([inverse_temperature], [evidence], "x", color="white", ms=8, mew=2, label="rerun")
    _log_precision_axis(a)
    a.set_ylabel("evidence")
    a.set_title("grid: retrieval", fontsize="medium")
    a.legend(fontsize="x-small", loc="lower left")
    sub[0].colorbar(mesh, ax=a, shrink=0.8)
    rsub = sub[1].subfigures(2, 1)
    p = grid.params
    titles = [
        f"grid cell ev {e_grid:g}, iT {t_grid:.3g} (α {p.get('learning_rate', 0.001):g}, "
        f"{p.get('epochs', '?')} epochs): retrieval {row['retrieval']:.3f}, generalisation "
        f"{row['generalization']:.3f}, {int(row['n_attractors'])} attractors, "
        f"orthogonality {row['orthogonality']:.1f}°",
        f"rerun ev {float(evidence):g}, iT {float(inverse_temperature):.3g} "
        f"(α {float(learning_rate):g}, "
        f"{int(epochs)} epochs): retrieval {cell.summary['retrieval']:.3f}, generalisation "
        f"{cell.summary['generalization']:.3f}, {len(cell.attractors)} attractors, "
        f"orthogonality {cell.summary['orthogonality']:.1f}°"]
    for r, (att, title) in enumerate(((grid.attractors[k], titles[0]),
                                      (cell.attractors, titles[1]))):
        axs = rsub[r].subplots(1, 10)
        for j, a in enumerate(axs):
            if j < len(att):
                _image(a, att[j], vmax=1.0)
            else:
                a.axis("off")
        rsub[r].suptitle(title.replace("): ", "):\n"), fontsize="small")
    return fig
