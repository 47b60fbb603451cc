"""Figures of the chapter "How it compares" (the revision's comparison with classic networks).

Every ``plot_*`` takes a :class:`~fep_core.comparison.ComparisonResult` (or the table of
:func:`~fep_core.comparison.comparison_table`, or an :class:`~fep_core.comparison.ExploreResult`)
and ``ax=None`` where it draws one axes, and returns the Figure, drawn one text column wide or
narrower (:mod:`fep_core.plotting.layout`). No model logic here: every number comes from the
results.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgba

from .. import comparison as C, paper
from . import DIGIT_CMAP, axes_grid as _axes, new_axes
from .layout import column_figsize, figure_function, legend_below

__all__ = ["plot_verdicts", "plot_capacity", "plot_digits", "plot_attractors",
           "plot_learning_curves", "plot_sequences", "plot_continual", "plot_costs",
           "plot_explore", "STYLE", "LABELS", "ORDER"]

ORDER = ("this network",) + C.CLASSIC
"""The measured networks in the order of every figure: the paper's first."""
LABELS = {"this network": "this network (FEP)", "Hopfield": "Hopfield (Hebbian)",
          "Storkey": "Storkey", "projector network": "projector",
          "Boltzmann machine": "Boltzmann machine", "predictive coding": "predictive coding"}
"""Short names on figures (the colours of the Simulation 5 chapter for the shared networks)."""
STYLE = {"this network": dict(color="C0", marker="o"),
         "Hopfield": dict(color="C1", marker="s"),
         "projector network": dict(color="C2", marker="^"),
         "Storkey": dict(color="C3", marker="v"),
         "Boltzmann machine": dict(color="C4", marker="D")}
VERDICT_COLOURS = {C.HOLDS: "#4c9a5b", C.PARTLY: "#e0b040", C.FAILS: "#c8553d",
                   C.UNDECIDED: "#9aa5b1", C.NOT_MEASURED: "#e6e6e6", C.NO_CLAIM: "#f4f4f4"}


# ---------------------------------------------------------------------------------------------
# The verdicts


@figure_function
def plot_verdicts(table, ax=None):
    """The comparison at a glance: one cell per (row, network) of
    :func:`~fep_core.comparison.comparison_table`, coloured by its verdict and naming it."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.6))
    rows = list(C.ROWS)
    nets = list(C.NETWORKS)
    t = table.set_index(["row", "network"])
    for i, row in enumerate(rows):
        for j, net in enumerate(nets):
            v = t.loc[(row, net), "verdict"]
            ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=VERDICT_COLOURS[v],
                                       edgecolor="white", lw=2))
            ax.text(j + 0.5, i + 0.5, v.replace("does not hold", "does not\nhold").replace(
                "not measured", "not\nmeasured"), ha="center", va="center", fontsize="small",
                color="white" if v in (C.HOLDS, C.FAILS) else "0.2")
    ax.set_xlim(0, len(nets))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(nets)) + 0.5,
                  [LABELS.get(n, n).replace(" (", "\n(").replace(" machine", "\nmachine")
                   .replace("predictive coding", "predictive\ncoding") for n in nets],
                  fontsize="small")
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(rows)) + 0.5,
                  [r.replace("orthogonal attractors", "orthogonal\nattractors")
                   .replace("continual learning", "continual\nlearning") for r in rows])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


# ---------------------------------------------------------------------------------------------
# Capacity


@figure_function
def plot_capacity(result, *, corruption=0.1, ax=None):
    """Fraction of random patterns recalled from ``corruption`` flipped entries against the
    load K/N (N = 100): the mean over repeats per network (thin lines: each repeat), the level
    that defines the critical load, and the classic Hebbian capacity 0.138 N."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.4, width=0.9))
    r = result.capacity_recall
    r = r[np.isclose(r.corruption, corruption)]
    level = result.settings["capacity_study"].get("level", 0.9) if isinstance(
        result.settings.get("capacity_study"), dict) else 0.9
    for name in ORDER:
        g = r[r.network == name]
        for _, rep in g.groupby("repeat"):
            rep = rep.sort_values("load")
            ax.plot(rep.load, rep.recalled, color=STYLE[name]["color"], lw=0.6, alpha=0.35)
        m = g.groupby("load").recalled.mean()
        ax.plot(m.index, m.values, ms=4, lw=1.4, label=LABELS[name], **STYLE[name])
    ax.axhline(level, color="0.4", ls=":", lw=0.9)
    ax.axvline(paper.HEBBIAN_CAPACITY, color="0.4", ls="--", lw=0.9)
    ax.annotate("0.138 N", (paper.HEBBIAN_CAPACITY, 0.03), xytext=(3, 0),
                textcoords="offset points", fontsize="small", color="0.3")
    ax.set_xlabel("load K/N")
    ax.set_ylabel(f"fraction recalled ({100 * corruption:.0f}% flipped)")
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlim(0, float(r.load.max()) + 0.02)
    legend_below(fig, [ax], ncol=3)
    return fig


# ---------------------------------------------------------------------------------------------
# The digits


def _strip(ax, values_by_net, title, ylabel=None):
    for k, name in enumerate(ORDER):
        v = np.asarray(values_by_net[name], dtype=float)
        ax.bar(k, np.nanmean(v), width=0.65, color=to_rgba(STYLE[name]["color"], 0.35),
               edgecolor=STYLE[name]["color"])
        jitter = np.linspace(-0.15, 0.15, v.size) if v.size > 1 else np.zeros(1)
        ax.plot(k + jitter, v, ls="none", ms=3.5, color=STYLE[name]["color"],
                marker=STYLE[name]["marker"])
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(range(len(ORDER)), [LABELS[n].replace(" (", "\n(").replace(" machine",
                                                                               "\nmachine")
                                      for n in ORDER], fontsize="small")
    ax.set_title(title)
    if ylabel:
        ax.set_ylabel(ylabel)


@figure_function
def plot_digits(result, ax=None):
    """Simulation 2's scores on the digits: median retrieval (top) and one-shot generalisation
    (bottom) per network, one point per seed, bars at the mean. ``ax``: None or 2 axes."""
    fig, axes = _axes(ax, 2, figsize=column_figsize(5.2), nrows=2)
    s = result.digits.scores
    for a, col, title in ((axes[0], "retrieval", "retrieval of the ten stored digits"),
                          (axes[1], "generalization", "one-shot generalisation (unseen digits)")):
        _strip(a, {n: s[s.network == n][col].to_numpy() for n in ORDER}, title,
               "median score")
    return fig


def _mosaic(states, *, tiles=10, side=8, gap=1):
    """Up to ``tiles`` states (A, side*side) side by side as one image, NaN between and after
    them (drawn blank): one image per row instead of one axes per state."""
    width = tiles * (side + gap) - gap
    out = np.full((side, width), np.nan)
    for j, v in enumerate(np.asarray(states, float)[:tiles]):
        out[:, j * (side + gap):j * (side + gap) + side] = v.reshape(side, side)
    return out


@figure_function
def plot_attractors(result, *, seed_index=0):
    """The attractors each network reaches from the ten stored digits (seed ``seed_index``),
    one row per network, with their orthogonality against the data's (degrees; Simulation 2's
    measure)."""
    att = result.digits.attractors
    s = result.digits.scores
    fig, axes = plt.subplots(len(ORDER), 1, figsize=column_figsize(5.0), layout="constrained",
                             squeeze=False)
    cmap = plt.get_cmap(DIGIT_CMAP).with_extremes(bad="white")
    for a, name in zip(axes[:, 0], ORDER):
        states = att[name][seed_index]
        row = s[s.network == name].iloc[seed_index]
        a.imshow(_mosaic(states), cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        for side in a.spines.values():
            side.set_visible(False)
        orth = "–" if np.isnan(row.orthogonality) else f"{row.orthogonality:.1f}°"
        a.set_title(f"{LABELS[name]}: {len(states)} attractors, orthogonality {orth} "
                    f"(data {row.data_orthogonality:.1f}°)", fontsize="small", loc="left")
    return fig


@figure_function
def plot_learning_curves(result, ax=None):
    """Median retrieval on the digits against presentations of each pattern (log scale): the
    paper's network (one line per seed), the Boltzmann machine (CD-1 epochs), and the one-shot
    rules, which are done after one presentation."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.3, width=0.9))
    cv = result.digits.curves
    for name in ORDER:
        g = cv[cv.network == name]
        for k, (_, one) in enumerate(g.groupby("seed")):
            one = one.sort_values("presentations")
            ax.plot(one.presentations, one.retrieval, lw=1.0, ms=3.5, alpha=0.8,
                    label=LABELS[name] if k == 0 else None, **STYLE[name])
    ax.set_xscale("log")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("presentations of each pattern")
    ax.set_ylabel("median retrieval score")
    legend_below(fig, [ax], ncol=3)
    return fig


# ---------------------------------------------------------------------------------------------
# Sequences


@figure_function
def plot_sequences(result, *, seed_index=0):
    """The free runs after learning the sequence 1 -> 2 -> 3: the digit recognised at every
    step (none: below the line), one panel per network (seed ``seed_index``)."""
    seq = result.sequences
    fig, axes = plt.subplots(len(ORDER), 1, figsize=column_figsize(4.8), layout="constrained",
                             sharex=True, squeeze=False)
    labels = seq.labels
    for a, name in zip(axes[:, 0], ORDER):
        rec = seq.recognised[name][seed_index]
        y = np.where(rec >= 0, rec, -1)
        a.step(np.arange(1, rec.size + 1), y, where="mid", color=STYLE[name]["color"], lw=1.3)
        a.set_yticks(range(-1, len(labels)), ["none"] + list(labels))
        a.set_ylim(-1.5, len(labels) - 0.5)
        row = seq.table[(seq.table.network == name)].iloc[seed_index]
        a.set_title(f"{LABELS[name]}: asymmetry {row.asymmetry:.2f}", fontsize="small",
                    loc="left")
    axes[-1, 0].set_xlabel("free-running step (sweep)")
    fig.supylabel("digit recognised")
    return fig


# ---------------------------------------------------------------------------------------------
# Continual learning

_CONDITION_LABELS = {"sequential": "FEP: no free\nruns", "replay": "FEP: replay",
                     "rest": "FEP: rest", "incremental": "", "second set only": "second\nset only",
                     "recomputed on all": "recomputed\non all", "continued": ""}


@figure_function
def plot_continual(result, ax=None):
    """Retrieval of the first set (digits 0-4) before the second set was learned and after,
    per network and condition: one line per seed from before (left end) to after (right end)."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.8))
    c = result.continual
    groups = [(n, k) for n in ORDER for k in c[c.network == n].condition.unique()]
    for x, (name, cond) in enumerate(groups):
        g = c[(c.network == name) & (c.condition == cond)]
        for row in g.itertuples():
            ax.plot([x - 0.25, x + 0.25], [row.first_before, row.first_after], "-",
                    color=STYLE[name]["color"], lw=0.8, alpha=0.7)
        ax.plot(np.full(len(g), x - 0.25), g.first_before, ls="none", marker="o", ms=3,
                color="0.5")
        ax.plot(np.full(len(g), x + 0.25), g.first_after, ls="none", ms=3.5,
                **STYLE[name])
    ax.axhline(0, color="k", lw=0.6)
    names = []
    for name, cond in groups:
        base = LABELS[name].split(" (")[0].replace(" machine", "\nmachine")
        extra = _CONDITION_LABELS.get(cond, cond)
        names.append(extra.replace("FEP: ", "FEP\n") if name == "this network"
                     else f"{base}\n{extra}".strip())
    ax.set_xticks(range(len(groups)), names, fontsize="small", rotation=0, linespacing=1.0)
    ax.set_ylabel("retrieval of digits 0–4\n(grey: before, colour: after)")
    return fig


# ---------------------------------------------------------------------------------------------
# Cost


@figure_function
def plot_costs(result, ax=None):
    """Left: CPU time per pattern presentation against N (log-log, one thread), with an N^2
    guide. Right: time to store K = 0.1 N patterns as this chapter trains each network, at the
    largest N (log scale). ``ax``: None or 2 axes."""
    fig, (a, b) = _axes(ax, 2, figsize=column_figsize(3.4), width_ratios=[1.2, 1.0])
    c = result.costs
    for name in ORDER:
        g = c[c.network == name].sort_values("n_nodes")
        a.plot(g.n_nodes, g.seconds * 1e6, ms=4, label=LABELS[name], **STYLE[name])
    n = np.array(sorted(c.n_nodes.unique()), dtype=float)
    mid = float(np.exp(np.mean(np.log(c.seconds * 1e6))))
    a.plot(n, mid * (n / n.mean()) ** 2 / np.mean((n / n.mean()) ** 2), "k:", lw=0.9,
           label="∝ N²")
    a.set_xscale("log", base=2)
    a.set_yscale("log")
    a.set_xticks(n, [str(int(v)) for v in n])
    a.set_xlabel("network size N")
    a.set_ylabel("µs per presentation")
    top = c[c.n_nodes == c.n_nodes.max()].set_index("network")
    vals = [top.loc[k, "learning_seconds"] for k in ORDER]
    b.barh(range(len(ORDER)), vals, color=[STYLE[k]["color"] for k in ORDER])
    b.set_xscale("log")
    b.set_yticks(range(len(ORDER)), [LABELS[k].split(" (")[0].replace(" machine", "\nmachine")
                                     for k in ORDER], fontsize="small")
    b.invert_yaxis()
    b.set_xlabel(f"seconds to store {int(top.n_patterns.iloc[0])} patterns")
    b.set_title(f"as trained here, N = {int(c.n_nodes.max())}", fontsize="medium")
    legend_below(fig, [a], ncol=3)
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive


@figure_function
def plot_explore(res, *, index=0):
    """The Interactive section's figure for :func:`fep_core.explore.comparison`: point
    ``index`` of an :class:`~fep_core.comparison.ExploreResult`. Top left: the fraction of
    patterns each network recalls from 10% flipped at the point's load. Top right: retrieval
    and generalisation on the digits, the paper's network at the point's settings against the
    classic networks. Bottom left: orthogonality of the attractors against the data's. Bottom
    right: the digit recognised along the paper's network's free run after learning 1 -> 2 ->
    3."""
    fig, axes = plt.subplots(2, 2, figsize=column_figsize(6.2), layout="constrained")
    f, g, load = (float(v[index]) for v in (res.inverse_temperature, res.learning_rate,
                                            res.load))
    k = int(res.settings["n_patterns"][index])
    fig.suptitle(f"precision iT × {f:.3g}, learning rate α × {g:.3g} (each task's paper "
                 f"setting); load {load:.2f}")
    a = axes[0, 0]
    names = list(ORDER)
    a.bar(range(len(names)), [res.capacity[n][index] for n in names],
          color=[STYLE[n]["color"] for n in names])
    a.set_xticks(range(len(names)), [LABELS[n].split(" (")[0].replace(" machine", "\nmachine")
                                     .replace("this network", "FEP") for n in names],
              fontsize="small")
    a.set_ylim(0, 1.05)
    a.set_ylabel("fraction recalled")
    a.set_title(f"capacity: K = {k}, N = {res.settings['capacity_nodes']}", fontsize="small")
    b = axes[0, 1]
    cd = res.classic_digits.set_index("network")
    x = np.arange(len(names))
    ret = [res.digits["retrieval"][index]] + [cd.loc[n, "retrieval"] for n in names[1:]]
    gen = [res.digits["generalization"][index]] + [cd.loc[n, "generalization"]
                                                    for n in names[1:]]
    b.bar(x - 0.2, ret, width=0.4, color="0.35", label="retrieval")
    b.bar(x + 0.2, gen, width=0.4, color="0.7", label="generalisation")
    b.axhline(0, color="k", lw=0.6)
    b.set_xticks(x, ["FEP"] + [LABELS[n].split(" (")[0].replace(" machine", "\nmachine")
                               for n in names[1:]], fontsize="small")
    b.set_ylabel("median score")
    b.set_title(f"digits (FEP: {res.settings['epochs']} epochs)", fontsize="small")
    b.legend(frameon=False, fontsize="small", loc="lower left")
    c = axes[1, 0]
    orth = [res.digits["orthogonality"][index]] + [cd.loc[n, "orthogonality"]
                                                   for n in names[1:]]
    c.bar(x, np.nan_to_num(orth), color=[STYLE[n]["color"] for n in names])
    data = [res.data_orthogonality] + [cd.loc[n, "data_orthogonality"] for n in names[1:]]
    c.plot(x, data, ls="none", marker="_", ms=18, mew=2, color="k", label="the data")
    c.set_xticks(x, ["FEP"] + [LABELS[n].split(" (")[0].replace(" machine", "\nmachine")
                               for n in names[1:]], fontsize="small")
    c.set_ylabel("mean |90° − angle|")
    n_att = int(res.digits["n_attractors"][index])
    c.set_title(f"attractors (FEP: {n_att})", fontsize="small")
    c.legend(frameon=False, fontsize="small", loc="upper left")
    d = axes[1, 1]
    rec = res.recognised[index]
    d.step(np.arange(1, rec.size + 1), rec, where="mid", color=STYLE["this network"]["color"])
    d.set_yticks(range(-1, len(res.labels)), ["none"] + list(res.labels))
    d.set_ylim(-1.5, len(res.labels) - 0.5)
    d.set_xlabel("free-running step")
    d.set_title("sequence " + ("cycles 1→2→3" if res.cycles[index] else "does not cycle"),
                fontsize="small")
    return fig
