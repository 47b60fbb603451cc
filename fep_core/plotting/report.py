"""Figures of the chapter "Reproduction report".

Every ``plot_*`` takes tables from :mod:`fep_core.report` and ``ax=None`` (or a sequence of axes
of the documented length) and returns the Figure. :func:`plot_explore` draws the figure of the
chapter's interactive callback (:func:`fep_core.explore.reproduction_report`). No model logic
here: every number comes from :mod:`fep_core.report` and :mod:`fep_core.experiments`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import paper
from . import axes_grid as _axes, image

__all__ = ["STATUS_COLOURS", "plot_reproduction", "plot_variants", "plot_long_training",
           "plot_explore"]

STATUS_COLOURS = {"reproduced": "#1b7837", "close": "#b8860b", "differs": "#b2182b"}




def _strip(ax, k, values, colour, *, rng):
    """Values of one group at x = k: points (jittered) and mean +- sd."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        ax.text(k, 0.5, "undefined", transform=ax.get_xaxis_transform(), ha="center",
                fontsize="x-small", color="0.4")
        return
    ax.plot(k + rng.uniform(-0.12, 0.12, v.size), v, "o", ms=3.5, color=colour, alpha=0.55,
            mec="none")
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    ax.errorbar(k + 0.25, v.mean(), yerr=sd, fmt="s", ms=4, color="k", capsize=3, lw=1)


def plot_reproduction(table, ax=None):
    """Every reported *number* (rows of :func:`fep_core.report.reproduction_table` of kind
    "number"): this book's values over seeds (points), their mean +- sd (black) and the paper's
    value (red diamond); the status labels each panel."""
    if (not isinstance(table, pd.DataFrame)
            or not {"kind", "values", "paper", "status"} <= set(table.columns)):
        raise TypeError("table must be a DataFrame from fep_core.report.reproduction_table")
    nums = table[table.kind == "number"]
    if nums.empty:
        raise ValueError("table has no numeric rows")
    n = len(nums)
    fig, axes = _axes(ax, n, figsize=(12.0, 2.3 * int(np.ceil(n / 5))), nrows=int(np.ceil(n / 5)))
    rng = np.random.default_rng(0)         # jitter only
    for a, (_key, row) in zip(axes, nums.iterrows()):
        _strip(a, 0, row["values"], "C0", rng=rng)
        a.plot(0.5, row["paper"], "D", color="C3", ms=7, label="paper")
        a.set_xlim(-0.5, 1.0)
        a.set_xticks([])
        a.set_title(row["quantity"], fontsize="small")
        a.set_xlabel(row["status"], color=STATUS_COLOURS.get(row["status"], "k"), fontsize="small",
                     fontweight="bold")
        a.set_ylabel("value", fontsize="small")
        a.tick_params(labelsize="x-small")
        lo, hi = (np.nanmin([*row["values"], row["paper"]]),
                  np.nanmax([*row["values"], row["paper"]]))
        pad = 0.15 * (hi - lo) if hi > lo else max(0.05, 0.05 * abs(hi))
        a.set_ylim(lo - pad, hi + pad)
    axes[0].legend(frameon=False, fontsize="x-small", loc="best")
    return fig


def plot_variants(prediction, schedule, learning_rate, ax=None):
    """The reproduction-note variants. Top: Simulation 1 (attractor correlation, asymmetry) with
    the code's rule, the paper's prediction and sequential updates. Bottom: the balanced
    Simulation-2 cell (retrieval, generalisation, number of attractors) with the code's rule, the
    text's learning rate, the paper's prediction and sequential updates. Five axes.

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
    s1_groups = [(code1, "code"), ("paper: L(b + h)", "paper's\nprediction"),
                 ("sequential", "sequential")]
    s2 = pd.concat([prediction["simulation2"],
                    schedule["simulation2"][schedule["simulation2"].variant == "sequential"],
                    learning_rate[learning_rate.variant != learning_rate.variant.iloc[0]]])
    code2 = prediction["simulation2"].variant.iloc[0]
    fast = learning_rate.variant.iloc[-1]
    s2_groups = [(code2, "code"), (fast, "text's\n" + fast.replace("learning rate", "rate")),
                 ("paper: L(b + h)", "paper's\nprediction"), ("sequential", "sequential")]
    if ax is None:
        fig = plt.figure(figsize=(11.0, 6.4), layout="constrained")
        top, bottom = fig.subfigures(2, 1)
        axes = list(top.subplots(1, 2)) + list(bottom.subplots(1, 3))
        top.suptitle("Simulation 1 (bars)", fontsize="medium")
        e, t = paper.REGIMES["balanced"]
        bottom.suptitle(f"Simulation 2, balanced cell (evidence {e:g}, precision {t:.3f})",
                        fontsize="medium")
    else:
        fig, axes = _axes(ax, 5, figsize=None)
    rng = np.random.default_rng(1)
    panels = [(axes[0], s1, s1_groups, "attractor_correlation", "attractor correlation",
               paper.value("s1_attr_corr")),
              (axes[1], s1, s1_groups, "asymmetry", "asymmetry of J", None),
              (axes[2], s2, s2_groups, "retrieval", "retrieval (median score)",
               paper.value("s2_balanced_retrieval")),
              (axes[3], s2, s2_groups, "generalization", "generalisation (median score)",
               paper.value("s2_balanced_generalization")),
              (axes[4], s2, s2_groups, "n_attractors", "number of attractors",
               paper.value("s2_balanced_n_attractors"))]
    for a, df, groups, col, label, reported in panels:
        for k, (variant, _) in enumerate(groups):
            _strip(a, k, df.loc[df.variant == variant, col], f"C{k}", rng=rng)
        if reported is not None:
            a.axhline(reported, color="C3", ls="--", lw=1, label="paper")
            a.legend(frameon=False, fontsize="x-small", loc="best")
        a.axhline(0, color="0.7", lw=0.6)
        a.set_xticks(range(len(groups)), [g[1] for g in groups], fontsize="small")
        a.set_xlim(-0.5, len(groups) - 0.3)
        a.set_xlabel("variant", fontsize="small")
        a.set_ylabel(label, fontsize="small")
    return fig


def plot_long_training(epochs_table, grid_table, ax=None):
    """Coupling asymmetry. (a) Simulation 1's asymmetry against training epochs, one line per
    seed (open markers: the attractor search no longer converges); (b) Frobenius norms of the
    symmetric and antisymmetric parts of J; (c) asymmetry over the Simulation-2 grid against
    precision (median over evidence levels, band: min-max). Three axes."""
    need = {"seed", "epochs", "asymmetry", "norm_symmetric", "norm_antisymmetric", "converged"}
    if not isinstance(epochs_table, pd.DataFrame) or not need <= set(epochs_table.columns):
        raise TypeError("epochs_table must be the DataFrame of fep_core.report.asymmetry_vs_epochs")
    if (not isinstance(grid_table, pd.DataFrame)
            or not {"inverse_temperature", "asymmetry"} <= set(grid_table.columns)):
        raise TypeError("grid_table must be a Simulation2Result.table")
    fig, (a, b, c) = _axes(ax, 3, figsize=(12.0, 3.6))
    for k, (seed, df) in enumerate(epochs_table.groupby("seed")):
        df = df.sort_values("epochs")
        col = f"C{k % 10}"
        a.plot(df.epochs, df.asymmetry, "-", color=col, lw=1, label=f"seed {seed}")
        conv = df.converged.to_numpy(dtype=bool)
        a.plot(df.epochs[conv], df.asymmetry[conv], "o", color=col, ms=4)
        a.plot(df.epochs[~conv], df.asymmetry[~conv], "o", mfc="white", color=col, ms=4)
        b.plot(df.epochs, df.norm_symmetric, "-o", color="C0", ms=3, lw=1,
               label="symmetric part" if k == 0 else None)
        b.plot(df.epochs, df.norm_antisymmetric, "-s", color="C1", ms=3, lw=1,
               label="antisymmetric part" if k == 0 else None)
    a.axvline(500, color="0.5", ls=":", lw=1)
    a.set_xscale("log")
    a.set_xlabel("training epochs (Simulation 1)")
    a.set_ylabel(r"asymmetry $\|J - J^\top\|_F / \|J\|_F$")
    a.set_ylim(0, 1)
    a.legend(frameon=False, fontsize="x-small")
    a.set_title("(a) asymmetry; open: attractors not converged", fontsize="small")
    b.axvline(500, color="0.5", ls=":", lw=1)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("training epochs (Simulation 1)")
    b.set_ylabel("Frobenius norm")
    b.legend(frameon=False, fontsize="x-small")
    b.set_title("(b) the two parts of J", fontsize="small")
    per = grid_table.groupby("inverse_temperature").asymmetry.agg(["median", "min", "max"])
    c.fill_between(per.index, per["min"], per["max"], color="C2", alpha=0.25, lw=0,
                   label="min-max over evidence")
    c.plot(per.index, per["median"], "-o", color="C2", ms=3, label="median over evidence")
    c.set_xscale("log")
    c.set_xlabel("precision (inverse temperature)")
    c.set_ylabel("asymmetry of J")
    c.set_ylim(0, 1)
    c.legend(frameon=False, fontsize="x-small")
    c.set_title("(c) Simulation-2 grid (5000 epochs)", fontsize="small")
    return fig


def _image(ax, vector, title):
    """A pattern on the fixed scale [-1, 1] (states of the network)."""
    image(ax, vector, title, vmax=1.0, fontsize="small")


def plot_explore(runs, *, inverse_temperature, learning_rate, prediction, schedule, seed):
    """The Interactive section's figure for :func:`fep_core.explore.reproduction_report`.

    ``runs`` maps ``"chosen"`` (the variant with the quoted prediction rule and schedule) and,
    unless that is the reference code's rule, ``"code"`` to a
    :class:`~fep_core.experiments.Simulation1Result`. Shows the chosen variant's two attractors
    and bars of the attractor correlation and the coupling asymmetry of every run.
    """
    r = runs["chosen"]
    fig, axes = plt.subplots(1, 4, figsize=(11.0, 3.2), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 1.3, 1.3]})
    for k in range(2):
        tag = "" if r.attractors_converged[k] else " (not converged)"
        _image(axes[k], r.attractors[k], f"attractor {k + 1}{tag}")
    labels = {"chosen": f"{prediction} prediction,\n{schedule}", "code": "reference code"}
    for a, attr, title, reported in ((axes[2], "attractor_correlation", "attractor correlation",
                                      paper.value("s1_attr_corr")),
                                     (axes[3], "asymmetry", "asymmetry of J", None)):
        names = list(runs)
        vals = [getattr(runs[n], attr) for n in names]
        a.bar(range(len(names)), vals, color=["C0", "0.6"][:len(names)], width=0.6)
        for k, v in enumerate(vals):
            a.text(k, v, f"{v:.2f}", ha="center", va="bottom" if v >= 0 else "top",
                   fontsize="small")
        if reported is not None:
            a.axhline(reported, color="C3", ls="--", lw=1, label=f"paper ({reported:.2f})")
            a.legend(frameon=False, fontsize="x-small", loc="lower right")
        a.axhline(0, color="k", lw=0.6)
        a.set_xticks(range(len(names)), [labels[n] for n in names], fontsize="x-small")
        a.set_xlabel("rule", fontsize="small")
        a.set_ylabel(title, fontsize="small")
        (a.set_ylim(-1.1, 1.1) if attr == "attractor_correlation"
         else a.set_ylim(0, max(1.0, 1.1 * max(vals))))
    fig.suptitle(f"Simulation 1, precision {inverse_temperature:.3g}, "
                 f"learning rate {learning_rate:.3g}, "
                 f"seed {seed}: attractor r = {r.attractor_correlation:.2f}, "
                 f"asymmetry {r.asymmetry:.2f}",
                 fontsize="medium")
    return fig
