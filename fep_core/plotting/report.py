"""Figures of the chapter "Reproduction report".

Every ``plot_*`` takes tables from :mod:`fep_core.report` and ``ax=None`` (or a sequence of axes
of the documented length) and returns the Figure; each is drawn at most one text column wide
(:mod:`fep_core.plotting.layout`). :func:`plot_explore` draws the figure of the chapter's
interactive callback (:func:`fep_core.explore.reproduction_report`). No model logic here: every
number comes from :mod:`fep_core.report` and :mod:`fep_core.experiments`; the only arithmetic is
:func:`normalised_values`, the common scale of the summary figure.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import paper
from ..report import status_margin
from . import axes_grid as _axes, image
from .layout import column_figsize, figure_function

__all__ = ["STATUS_COLOURS", "STATUS_MARKERS", "normalised_values", "plot_reproduction",
           "plot_variants", "plot_long_training", "plot_explore"]

STATUS_COLOURS = {"reproduced": "#1b7837", "close": "#b8860b", "differs": "#b2182b"}
STATUS_MARKERS = {"reproduced": "o", "close": "s", "differs": "X"}
PAPER_COLOUR = "C3"
# The summary figure's scale runs at least to +-LIMIT_MIN margins and at most to +-LIMIT_MAX;
# values beyond are drawn at the edge as triangles.
LIMIT_MIN, LIMIT_MAX = 2.5, 6.0


_TABLE_COLUMNS = {"kind", "values", "paper", "reported", "status", "quantity"}


def _check_table(table):
    if not isinstance(table, pd.DataFrame) or not _TABLE_COLUMNS <= set(table.columns):
        raise TypeError("table must be a DataFrame from fep_core.report.reproduction_table")


def normalised_values(table):
    """The reported numbers of a reproduction table on one scale, for :func:`plot_reproduction`.

    Each per-seed value ``v`` of a number with paper value ``p`` becomes ``(v - p) / margin``,
    where ``margin = max(2 sd, 0.1 |p|)`` is the margin of the status rule
    (:func:`fep_core.report.status`; sd: the seed standard deviation, 0 for one value). On this
    scale the paper's value is 0; a number is *reproduced* when its seed range reaches 0
    (allowing for the paper's rounding) and *close* when it comes within 1.

    Parameters
    ----------
    table : DataFrame from :func:`fep_core.report.reproduction_table`

    Returns
    -------
    DataFrame, one row per (number, seed value), in the table's order: ``key`` (the table's
    index), ``quantity``, ``status``, ``value``, ``paper``, ``margin`` and ``deviation`` (the
    normalised value). A number without values (undefined in every seed) has one row with
    ``value`` and ``deviation`` NaN.
    """
    _check_table(table)
    nums = table[table.kind == "number"]
    if nums.empty:
        raise ValueError("table has no numeric rows")
    rows = []
    for key, row in nums.iterrows():
        v = np.asarray(row["values"], dtype=float).ravel()
        v = v[np.isfinite(v)]
        p = float(row["paper"])
        margin = status_margin(p, v)
        if margin == 0:                       # paper value 0 and one value: the rule has no width
            margin = 1.0
        for x in (v if v.size else [np.nan]):
            rows.append({"key": key, "quantity": row["quantity"], "status": row["status"],
                         "value": float(x), "paper": p, "margin": margin,
                         "deviation": (float(x) - p) / margin})
    return pd.DataFrame(rows)


@figure_function
def plot_reproduction(table, ax=None):
    """Every reported *number* (rows of :func:`fep_core.report.reproduction_table` of kind
    "number") in one dot plot, one row per number, on the common scale of
    :func:`normalised_values`: (value - paper) / margin of the status rule.

    Per row (labelled with its simulation and quantity): the per-seed values (points, a seaborn
    strip plot; shape and colour give the row's status), their range (line) and mean (black
    bar); the paper's value is the vertical line at 0, the grey band the margin (+-1) within
    which a number counts as close. Values beyond the axis are drawn as triangles at its edge.
    On the right, the paper's value as printed and this book's mean (one digit more). The
    status shapes and colours are explained in a legend below the axes. One axes (``ax``: the
    axes to draw in) with a secondary y axis on the right.
    """
    import seaborn as sns

    long = normalised_values(table)
    nums = table[table.kind == "number"]
    keys = list(dict.fromkeys(long.key))
    labels = [f"Sim. {nums.loc[k, 'simulation']}: {nums.loc[k, 'quantity']}"
              if "simulation" in nums else str(nums.loc[k, "quantity"]) for k in keys]
    if len(set(labels)) != len(labels):               # keep every row its own category
        labels = [f"{q} ({k})" for q, k in zip(labels, keys)]
    long = long.assign(row=long.key.map(dict(zip(keys, labels))))
    n = len(keys)
    if ax is None:
        fig, ax = plt.subplots(figsize=column_figsize(1.3 + 0.27 * n), layout="constrained")
    else:
        fig = ax.figure
    finite = long.deviation.dropna().abs()
    limit = float(np.clip(1.1 * finite.max() if finite.size else LIMIT_MIN, LIMIT_MIN, LIMIT_MAX))
    ax.axvspan(-1, 1, color="0.92", lw=0, zorder=0)
    ax.axvline(0, color=PAPER_COLOUR, lw=1.2, zorder=1)
    inside = long[long.deviation.abs() <= limit]
    # seaborn jitters with numpy's global generator: seed it (and restore it) so that every build
    # draws the same figure
    saved = np.random.get_state()
    np.random.seed(0)
    try:
        for state, colour in STATUS_COLOURS.items():
            sub = inside[inside.status == state]
            if len(sub):
                sns.stripplot(data=sub, x="deviation", y="row", order=labels, orient="h",
                              color=colour, marker=STATUS_MARKERS[state], jitter=0.18, size=4.5,
                              alpha=0.75, linewidth=0, ax=ax, zorder=3)
    finally:
        np.random.set_state(saved)
    right = []
    for k, key in enumerate(keys):
        d = long.loc[long.key == key, "deviation"].dropna().to_numpy()
        state = nums.loc[key, "status"]
        colour = STATUS_COLOURS.get(state, "k")
        reported = str(nums.loc[key, "reported"])
        if d.size == 0:
            ax.text(0.02, k, "undefined in every seed", ha="left", va="center", color="0.3",
                    transform=ax.get_yaxis_transform())
            right.append(f"{reported} | \u2013".replace("-", "\u2212"))
            continue
        shown = np.clip(d, -limit, limit)
        ax.plot([shown.min(), shown.max()], [k, k], "-", color=colour, lw=2.2, alpha=0.6,
                zorder=2, solid_capstyle="butt")
        ax.plot([np.clip(d.mean(), -limit, limit)], [k], "|", color="k", ms=11, mew=2, zorder=4)
        for side in (-1, 1):
            if np.any(side * d > limit):
                ax.plot([side * limit], [k], ">" if side > 0 else "<", color=colour, ms=7,
                        clip_on=False, zorder=4)
        values = long.loc[long.key == key, "value"].dropna().to_numpy()
        decimals = len(reported.split(".")[1]) + 1 if "." in reported else 1
        right.append(f"{reported} | {values.mean():.{decimals}f}".replace("-", "\u2212"))
    ax.set_xlim(-limit, limit)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_ylabel("")
    ax.set_xlabel("(value \u2212 paper's value) / margin of the status rule")
    ax.grid(axis="y", color="0.85", lw=0.6)
    ax.set_axisbelow(True)
    values_axis = ax.secondary_yaxis("right")
    values_axis.set_yticks(range(n), right)
    values_axis.tick_params(axis="y", length=0)
    values_axis.set_ylabel("paper | this book (mean)")
    handles = [Line2D([], [], ls="none", marker=STATUS_MARKERS[s], color=c, label=s)
               for s, c in STATUS_COLOURS.items()]
    handles += [Line2D([], [], ls="none", marker="|", color="k", ms=9, mew=2, label="mean"),
                Line2D([], [], color=PAPER_COLOUR, lw=1.2, label="paper's value"),
                Patch(color="0.92", label="margin ±1 (close)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return fig


def _strip_h(ax, k, values, *, rng):
    """Values of one group in row ``k`` of a horizontal dot plot: points (jittered) and mean
    +- sd (black diamond with a bar)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        ax.text(0.5, k, "undefined", transform=ax.get_yaxis_transform(), ha="center",
                va="center", color="0.4")
        return
    ax.plot(v, k + rng.uniform(-0.15, 0.15, v.size), "o", ms=4, color="C0", alpha=0.55,
            mec="none")
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    ax.errorbar(v.mean(), k + 0.32, xerr=sd, fmt="D", ms=4, color="k", capsize=3, lw=1)


@figure_function
def plot_variants(prediction, schedule, learning_rate, ax=None):
    """The reproduction-note variants as horizontal dot plots, one row per variant. Top:
    Simulation 1 (attractor correlation, asymmetry) with the code's rule, the paper's prediction
    and sequential updates. Bottom: the balanced Simulation-2 cell (retrieval, generalisation,
    number of attractors) with the code's rule, the text's learning rate, the paper's prediction
    and sequential updates. Points: seeds; black: mean +- sd; dashed red: the paper's value.
    Five axes (``ax``: five axes to draw in; rows share their variant axis otherwise).

    Parameters
    ----------
    prediction, schedule : dicts from :func:`fep_core.report.prediction_effect` /
        :func:`fep_core.report.schedule_effect`
    learning_rate : DataFrame from :func:`fep_core.report.learning_rate_effect`
    """
    for name, d in (("prediction", prediction), ("schedule", schedule)):
        if not isinstance(d, dict) or {"simulation1", "simulation2"} - set(d):
            raise TypeError(f"{name} must be the dict returned by fep_core.report.{name}_effect")
    if not isinstance(learning_rate, pd.DataFrame) or "variant" not in learning_rate:
        raise TypeError("learning_rate must be the DataFrame of "
                        "fep_core.report.learning_rate_effect")
    s1 = pd.concat([prediction["simulation1"],
                    schedule["simulation1"][schedule["simulation1"].variant == "sequential"]])
    code1 = prediction["simulation1"].variant.iloc[0]
    s1_groups = [(code1, "code's rule"), ("paper: L(b + h)", "paper's prediction"),
                 ("sequential", "sequential updates")]
    s2 = pd.concat([prediction["simulation2"],
                    schedule["simulation2"][schedule["simulation2"].variant == "sequential"],
                    learning_rate[learning_rate.variant != learning_rate.variant.iloc[0]]])
    code2 = prediction["simulation2"].variant.iloc[0]
    fast = learning_rate.variant.iloc[-1]
    s2_groups = [(code2, "code's rule"), (fast, "text's " + fast.replace("learning rate", "rate")),
                 ("paper: L(b + h)", "paper's prediction"), ("sequential", "sequential updates")]
    shared = ax is None
    if shared:
        fig = plt.figure(figsize=column_figsize(4.9), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.25])
        axes = list(top.subplots(1, 2, sharey=True)) + list(bottom.subplots(1, 3, sharey=True))
        n1 = len({v for v in s1.seed})
        n2 = len({v for v in s2.seed})
        top.suptitle(f"Simulation 1 (bars), {n1} seeds")
        e, t = paper.REGIMES["balanced"]
        bottom.suptitle(f"Simulation 2, balanced cell (evidence {e:g}, precision $i_T$ {t:.3f}), "
                        f"{n2} seeds")
    else:
        fig, axes = _axes(ax, 5, figsize=None)
    rng = np.random.default_rng(1)
    panels = [(axes[0], s1, s1_groups, "attractor_correlation", "attractor correlation",
               paper.value("s1_attr_corr"), True),
              (axes[1], s1, s1_groups, "asymmetry", "asymmetry of J", None, False),
              (axes[2], s2, s2_groups, "retrieval", "retrieval (median score)",
               paper.value("s2_balanced_retrieval"), True),
              (axes[3], s2, s2_groups, "generalization", "generalisation (median)",
               paper.value("s2_balanced_generalization"), True),
              (axes[4], s2, s2_groups, "n_attractors", "number of attractors",
               paper.value("s2_balanced_n_attractors"), False)]
    for i, (a, df, groups, col, label, reported, zero) in enumerate(panels):
        for k, (variant, _) in enumerate(groups):
            _strip_h(a, k, df.loc[df.variant == variant, col], rng=rng)
        if reported is not None:
            a.axvline(reported, color=PAPER_COLOUR, ls="--", lw=1)
        if zero:
            a.axvline(0, color="0.7", lw=0.6, zorder=0)
        a.set_yticks(range(len(groups)), [g[1] for g in groups])
        a.set_ylim(len(groups) - 0.5, -0.5)
        a.set_xlabel(label)
        first = i in (0, 2)
        if first or not shared:
            a.set_ylabel("variant")
        else:
            a.tick_params(axis="y", labelleft=False)
    if shared:
        handles = [Line2D([], [], ls="none", marker="o", color="C0", alpha=0.55, label="seeds"),
                   Line2D([], [], ls="-", marker="D", ms=4, color="k", lw=1, label="mean ± sd"),
                   Line2D([], [], ls="--", color=PAPER_COLOUR, lw=1, label="paper's value")]
        bottom.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return fig


@figure_function
def plot_long_training(epochs_table, grid_table, ax=None):
    """Coupling asymmetry. (a) Simulation 1's asymmetry against training epochs, one line per
    seed (filled markers: both attractor searches converge; open: they no longer do); (b)
    Frobenius norms of the symmetric and antisymmetric parts of J; (c) asymmetry over the
    Simulation-2 grid against precision iT (median over evidence levels, band: min-max). Three
    axes: (a) and (b) side by side, (c) below over the column's width (``ax``: three axes)."""
    need = {"seed", "epochs", "asymmetry", "norm_symmetric", "norm_antisymmetric", "converged"}
    if not isinstance(epochs_table, pd.DataFrame) or not need <= set(epochs_table.columns):
        raise TypeError("epochs_table must be the DataFrame of fep_core.report.asymmetry_vs_epochs")
    if (not isinstance(grid_table, pd.DataFrame)
            or not {"inverse_temperature", "asymmetry"} <= set(grid_table.columns)):
        raise TypeError("grid_table must be a Simulation2Result.table")
    if ax is None:
        fig, panel = plt.subplot_mosaic([["a", "b"], ["c", "c"]], figsize=column_figsize(5.6),
                                        layout="constrained", height_ratios=[1.2, 1.0])
        a, b, c = panel["a"], panel["b"], panel["c"]
    else:
        fig, (a, b, c) = _axes(ax, 3, figsize=None)
    for k, (_seed, df) in enumerate(epochs_table.groupby("seed")):
        df = df.sort_values("epochs")
        col = f"C{k % 10}"
        a.plot(df.epochs, df.asymmetry, "-", color=col, lw=1)
        conv = df.converged.to_numpy(dtype=bool)
        a.plot(df.epochs[conv], df.asymmetry[conv], "o", color=col, ms=4)
        a.plot(df.epochs[~conv], df.asymmetry[~conv], "o", mfc="white", color=col, ms=4)
        b.plot(df.epochs, df.norm_symmetric, "-o", color="C0", ms=3, lw=1,
               label="symmetric part" if k == 0 else None)
        b.plot(df.epochs, df.norm_antisymmetric, "-s", color="C1", ms=3, lw=1,
               label="antisymmetric part" if k == 0 else None)
    a.axvline(500, color="0.5", ls=":", lw=1)
    a.set_xscale("log")
    a.set_xlabel("training epochs")
    a.set_ylabel(r"asymmetry $\|J - J^\top\|_F / \|J\|_F$")
    a.set_ylim(0, 1)
    a.legend(handles=[Line2D([], [], ls="none", marker="o", color="0.3", ms=4,
                             label="converged"),
                      Line2D([], [], ls="none", marker="o", mfc="white", color="0.3", ms=4,
                             label="not converged")],
             loc="lower left", frameon=False)
    a.set_title("(a) Simulation 1, 5 seeds" if epochs_table.seed.nunique() == 5
                else f"(a) Simulation 1, {epochs_table.seed.nunique()} seeds")
    b.axvline(500, color="0.5", ls=":", lw=1)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("training epochs")
    b.set_ylabel("Frobenius norm")
    b.legend(loc="upper left", frameon=False)
    b.set_title("(b) the two parts of J")
    per = grid_table.groupby("inverse_temperature").asymmetry.agg(["median", "min", "max"])
    c.fill_between(per.index, per["min"], per["max"], color="C2", alpha=0.25, lw=0,
                   label="min–max over evidence")
    c.plot(per.index, per["median"], "-o", color="C2", ms=3, label="median over evidence")
    c.set_xscale("log")
    c.set_xlabel("precision $i_T$")
    c.set_ylabel("asymmetry of J")
    c.set_ylim(0, 1)
    c.legend(loc="upper left", frameon=False)
    c.set_title("(c) Simulation-2 grid (5000 epochs)")
    return fig


def _image(ax, vector, title):
    """A pattern on the fixed scale [-1, 1] (states of the network)."""
    image(ax, vector, title, vmax=1.0)


@figure_function
def plot_explore(runs, *, inverse_temperature, learning_rate, prediction, schedule, seed):
    """The Interactive section's figure for :func:`fep_core.explore.reproduction_report`.

    ``runs`` maps ``"chosen"`` (the variant with the quoted prediction rule and schedule) and,
    unless that is the reference code's rule, ``"code"`` to a
    :class:`~fep_core.experiments.Simulation1Result`. Shows the chosen variant's two attractors
    and bars of the attractor correlation and the coupling asymmetry of every run (four axes in
    one row; the settings and the chosen run's numbers in the title, the paper's value in a
    legend below).
    """
    r = runs["chosen"]
    fig, axes = plt.subplots(1, 4, figsize=column_figsize(3.0), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 1.25, 1.25]})
    for k in range(2):
        tag = "\n(not converged)" if not r.attractors_converged[k] else ""
        _image(axes[k], r.attractors[k], f"attractor {k + 1}{tag}")
    labels = {"chosen": f"{prediction} rule,\n{schedule}", "code": "reference\ncode"}
    for a, attr, title, reported in ((axes[2], "attractor_correlation", "attractor correlation",
                                      paper.value("s1_attr_corr")),
                                     (axes[3], "asymmetry", "asymmetry of J", None)):
        names = list(runs)
        vals = [getattr(runs[n], attr) for n in names]
        a.bar(range(len(names)), vals, color=["C0", "0.6"][:len(names)], width=0.6)
        for k, v in enumerate(vals):
            a.text(k, v, f"{v:.2f}".replace("-", "\u2212"), ha="center",
                   va="bottom" if v >= 0 else "top", zorder=5,
                   bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
        if reported is not None:
            label = f"paper's attractor correlation ({reported:.2f})".replace("-", "\u2212")
            a.axhline(reported, color=PAPER_COLOUR, ls="--", lw=1, label=label)
        a.axhline(0, color="k", lw=0.6)
        a.set_xticks(range(len(names)), [labels[n] for n in names])
        a.set_xlim(-0.6, len(names) - 0.4)
        a.set_xlabel("rule")
        a.set_ylabel(title)
        (a.set_ylim(-1.15, 1.15) if attr == "attractor_correlation"
         else a.set_ylim(0, max(1.0, 1.15 * max(vals))))
    fig.legend(*axes[2].get_legend_handles_labels(), loc="outside lower center", frameon=False)
    fig.suptitle(f"Simulation 1, precision $i_T$ {inverse_temperature:.3g}, learning rate "
                 f"α {learning_rate:.3g}, seed {seed}\n"
                 + f"attractor r = {r.attractor_correlation:.2f}, "
                   f"asymmetry {r.asymmetry:.2f}".replace("-", "\u2212"))
    return fig
