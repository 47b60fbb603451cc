"""Figures of the chapter "Simulation 5: scaling and memory capacity".

The scaling figure takes the table of :func:`fep_core.scaling.step_times` (and the authors'
series, :func:`fep_core.scaling.authors_series`); the capacity figures take the results of
:mod:`fep_core.capacity` (:class:`~fep_core.capacity.AuthorsResult`,
:class:`~fep_core.capacity.CapacityStudy`, :class:`~fep_core.capacity.SweepResult`). Every
``plot_*`` takes ``ax=None`` (or the axes to draw into, as documented) and returns the Figure,
drawn one text column wide or narrower (:mod:`fep_core.plotting.layout`); legends sit below or
beside the axes. No model logic here: every number comes from the results.
"""
from __future__ import annotations

import numpy as np

from .. import capacity, paper
from . import axes_grid as _axes, new_axes
from .layout import column_figsize, figure_function, legend_below

__all__ = ["plot_step_times", "plot_authors_protocol", "plot_fixed_point_vs_basin",
           "plot_recall_curves", "plot_critical_loads", "plot_attractors", "plot_explore",
           "NETWORK_STYLE"]

# One look per network in every figure: colour, line style, marker.
NETWORK_STYLE = {
    "FEP (iT 100)": dict(color="C0", ls="-", marker="o"),
    "FEP (iT 1)": dict(color="C0", ls="--", marker="o", mfc="white"),
    "Hebbian": dict(color="C1", ls="-", marker="s"),
    "projector": dict(color="C2", ls="-", marker="^"),
    "Storkey": dict(color="C3", ls="-", marker="v"),
}
RESET_STYLE = {False: dict(color="C0", marker="o", label="state carried over (reference code)"),
               True: dict(color="C1", marker="s", label="state reset every epoch (authors' JAX)")}


# ---------------------------------------------------------------------------------------------
# Scaling


@figure_function
def plot_step_times(times, *, authors=None, fit=None, min_nodes=2048, ax=None):
    """Seconds per learning step against N (log-log; left) and the share of the machine's
    memory bandwidth a step achieves (right).

    ``times``: :func:`fep_core.scaling.step_times`' table; ``authors``: the authors' series
    (:func:`fep_core.scaling.authors_series`), drawn as measured on another machine with
    compile time included; ``fit``: an :class:`fep_core.scaling.ExponentFit` over
    ``N >= min_nodes``, drawn over those sizes. ``ax``: None or 2 axes.
    """
    fig, (a, b) = _axes(ax, 2, figsize=column_figsize(3.4), width_ratios=[1.4, 1.0])
    n = times["n_nodes"].to_numpy(float)
    t = times["seconds_per_step"].to_numpy(float)
    dtype = times.attrs.get("dtype", "float32")
    a.loglog(n, t, "o-", color="C0", ms=4, label=f"this engine, {dtype} (this machine)")
    if authors is not None:
        a.loglog(authors["n_nodes"], authors["seconds_per_step"], "s--", color="C3", ms=4,
                 label="authors: JAX on a laptop CPU, compile time included")
    if fit is not None:
        x = n[n >= min_nodes]
        a.loglog(x, np.exp(fit.intercept) * x ** fit.exponent, "-", color="k", lw=0.8,
                 label=f"fit for N ≥ {min_nodes}: N^{fit.exponent:.2f}")
    a.set_xlabel("nodes N")
    a.set_ylabel("seconds per learning step")
    b.semilogx(n, 100 * times["bandwidth_fraction"].to_numpy(float), "o-", color="C0", ms=4)
    b.set_xlabel("nodes N")
    b.set_ylabel("% of memory bandwidth")
    b.set_ylim(0, max(100.0, 105 * times["bandwidth_fraction"].max()))
    b.set_title("J read and written once per step", fontsize="small")
    legend_below(fig, [a], ncol=1)
    return fig


# ---------------------------------------------------------------------------------------------
# The revision's protocol

_AUTHORS_PANELS = {"retention": "retention (r)", "reconstruction": "reconstruction (r)",
                   "gain": "gain over the noisy input"}


@figure_function
def plot_authors_protocol(result, *, reported=None, ax=None):
    """The revision's three scores against K, the authors' table beside this engine's: mean and
    seed standard deviation over repeats, with the state carried over between epochs (the
    reference code) and reset to zero at every epoch (the authors' JAX code). The reconstruction
    panel also shows the largest |r| between two stored patterns (dotted). ``reported``:
    :data:`fep_core.paper.CAPACITY_REPORTED` by default. ``ax``: None or 3 axes."""
    reported = paper.CAPACITY_REPORTED if reported is None else reported
    fig, axes = _axes(ax, 3, figsize=column_figsize(3.3))
    table = result.table
    for a, (col, title) in zip(axes, _AUTHORS_PANELS.items()):
        for reset, style in RESET_STYLE.items():
            g = table[table.reset_state == reset].groupby("n_patterns")[col]
            if g.ngroups == 0:
                continue
            m, s = g.mean(), g.std(ddof=1).fillna(0.0)
            a.errorbar(m.index, m.to_numpy(), yerr=s.to_numpy(), ms=3, lw=1, capsize=2,
                       **style)
        a.plot(reported["n_patterns"], reported[col], "x", color="k", ms=5,
               label="authors' table (20 repeats)")
        if col == "reconstruction":
            ref = table.groupby("n_patterns")["max_pattern_r"].mean()
            a.plot(ref.index, ref.to_numpy(), ":", color="0.4",
                   label="largest |r| between two patterns")
        a.set_title(title)
        a.set_xlabel("patterns K (N = 100)")
    legend_below(fig, axes, ncol=2)
    return fig


_LEVEL_COLOURS = ("C2", "C0", "C4", "C5")      # corruption levels, lowest first


@figure_function
def plot_fixed_point_vs_basin(result, study, *, n_nodes=100, network=capacity.NETWORKS[0],
                              ax=None):
    """What the retention score measures and what it does not, at N = ``n_nodes``: the
    revision's retention score (mean r, started at the pattern; state carried over), and the
    fraction of patterns the same networks recall (overlap >= 0.95) from each corruption of the
    study, against the load K/N; the dotted line is the 90% level of the critical load."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.3, width=0.9))
    t = result.table[~result.table.reset_state]
    ret = t.groupby("load")["retention"].mean()
    ax.plot(ret.index, ret.to_numpy(), "k-", marker="x", ms=5,
            label="retention score (mean r, from the pattern)")
    r = study.recall
    r = r[(r.n_nodes == n_nodes) & (r.network == network)]
    levels = sorted(r.corruption.unique())
    for j, f in enumerate(levels):
        m = r[r.corruption == f].groupby("load")["recalled"].mean()
        ax.plot(m.index, m.to_numpy(), "o-", ms=4, color=_LEVEL_COLOURS[j % len(_LEVEL_COLOURS)],
                label=f"recalled from {100 * f:.0f}% flipped")
    ax.axhline(study.settings["level"], color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("load K/N")
    ax.set_ylabel("score / fraction of patterns")
    ax.set_ylim(-0.03, 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


# ---------------------------------------------------------------------------------------------
# Basins and critical loads


@figure_function
def plot_recall_curves(study, *, corruption=None, ax=None):
    """Fraction of patterns recalled (overlap >= 0.95) from ``corruption`` (default: the
    study's critical corruption, 10% flipped) against the load K/N, one panel per network size:
    each network's mean over seeds; the dotted line is the level that defines the critical
    load. ``ax``: None or one axes per size."""
    f = study.settings["critical_corruption"] if corruption is None else float(corruption)
    sizes = sorted(study.recall.n_nodes.unique())
    fig, axes = _axes(ax, len(sizes), figsize=column_figsize(3.2), sharey=True)
    r = study.recall[study.recall.corruption == f]
    for a, n in zip(axes, sizes):
        for net, style in NETWORK_STYLE.items():
            m = r[(r.n_nodes == n) & (r.network == net)].groupby("load")["recalled"].mean()
            if len(m):
                a.plot(m.index, m.to_numpy(), ms=3, lw=1, label=net, **style)
        a.axhline(study.settings["level"], color="0.5", ls=":", lw=0.8)
        a.set_title(f"N = {n}")
        a.set_xlabel("load K/N")
        a.set_xlim(0, 0.95)
    axes[0].set_ylabel(f"recalled from {100 * f:.0f}% flipped")
    legend_below(fig, axes, ncol=3)
    return fig


@figure_function
def plot_critical_loads(study, *, corruption=None, ax=None):
    """Critical load (the largest K/N at which 90% of the patterns are recalled from
    ``corruption``, default 10% flipped) against N for every network: mean and seed standard
    deviation; the classic Hebbian large-N capacity (0.138) dotted. A dagger marks a mean that
    includes a bound (a seed whose curve did not cross the level inside its grid)."""
    f = study.settings["critical_corruption"] if corruption is None else float(corruption)
    fig, ax = new_axes(ax, figsize=column_figsize(3.2, width=0.95))
    s = study.summary[study.summary.corruption == f]
    sizes = sorted(s.n_nodes.unique())
    offsets = np.linspace(-0.12, 0.12, len(NETWORK_STYLE))
    for (net, style), dx in zip(NETWORK_STYLE.items(), offsets):
        g = s[s.network == net].set_index("n_nodes").reindex(sizes)
        x = np.log2(sizes) + dx
        kw = dict(style)
        kw.pop("ls")
        ax.errorbar(x, g["mean"].to_numpy(), yerr=g["sd"].to_numpy(), ls="none", ms=5,
                    capsize=2, label=net, **kw)
        for xi, yi, c in zip(x, g["mean"].to_numpy(), g["n_censored"].to_numpy()):
            if c > 0:
                ax.annotate("†", (xi, yi), xytext=(4, 2), textcoords="offset points",
                            color=style["color"], fontsize="small")
    ax.axhline(paper.HEBBIAN_CAPACITY, color="C1", ls=":", lw=0.8)
    ax.annotate(f"Hebbian, large N ({paper.HEBBIAN_CAPACITY})", (np.log2(sizes[-1]) + 0.35,
                paper.HEBBIAN_CAPACITY), xytext=(0, 3), textcoords="offset points",
                ha="right", va="bottom", fontsize="small", color="C1")
    ax.set_xticks(np.log2(sizes), [str(n) for n in sizes])
    ax.set_xlim(np.log2(sizes[0]) - 0.4, np.log2(sizes[-1]) + 0.4)
    ax.set_ylim(0, max(0.6, 1.1 * float(s["mean"].max())))
    ax.set_xlabel("nodes N")
    ax.set_ylabel(f"critical load K/N ({100 * f:.0f}% flipped)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


_SEARCHES = {"retention": "from the pattern, iT 100", "simulation 2": "Simulation 2's search"}


@figure_function
def plot_attractors(study, *, n_nodes=100, ax=None):
    """What the trained networks' end states are, against the load, at N = ``n_nodes`` (mean
    over seeds), for two searches: from each stored pattern at precision 100, and Simulation
    2's (from a faint copy of each pattern at precision 1). Left: mean cosine of an end state
    with its own pattern (solid) and its largest |cosine| with another pattern (dashed). Right:
    mean deviation from orthogonality of the distinct end states and of the patterns
    (Simulation 2's measure, degrees). ``ax``: None or 2 axes."""
    fig, (a, b) = _axes(ax, 2, figsize=column_figsize(3.3))
    att = study.attractors[study.attractors.n_nodes == n_nodes]
    for (search, label), colour in zip(_SEARCHES.items(), ("C0", "C4")):
        m = att[att.search == search].groupby("load").mean(numeric_only=True)
        a.plot(m.index, m.own_overlap, "o-", color=colour, ms=3, label=f"{label}: own pattern")
        a.plot(m.index, m.other_overlap, "o--", color=colour, ms=3, mfc="white",
               label=f"{label}: best other pattern")
        b.plot(m.index, m.orthogonality_attractors, "o-", color=colour, ms=3,
               label=f"end states, {label}")
    m = att.groupby("load").mean(numeric_only=True)
    b.plot(m.index, m.orthogonality_patterns, "k:", label="the stored patterns")
    a.set_xlabel("load K/N")
    a.set_ylabel("overlap (cosine)")
    a.set_ylim(0, 1.05)
    b.set_xlabel("load K/N")
    b.set_ylabel("mean |90° − angle| (degrees)")
    b.set_ylim(bottom=0)
    legend_below(fig, [a, b], ncol=2)
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive callback


@figure_function
def plot_explore(sweep, *, index=0):
    """The Interactive section's figure for :func:`fep_core.explore.simulation5`: point
    ``index`` of a :class:`~fep_core.capacity.SweepResult`. Left: fraction of the K patterns
    recalled against the fraction of flipped entries, the paper's network beside the classic
    networks on the same patterns and starts. Right: each pattern's overlap after relaxation
    from 10% flipped (the paper's network), sorted."""
    fig, (a, b) = _axes(None, 2, figsize=column_figsize(3.4), width_ratios=[1.5, 1.0])
    k = int(sweep.n_patterns[index])
    n = sweep.settings["n_nodes"]
    fig.suptitle(f"training: iT {sweep.inverse_temperature[index]:.3g}, "
                 f"α {sweep.learning_rate[index]:.3g}, {sweep.settings['epochs']} epochs; "
                 f"K = {k} patterns, N = {n}; retention {sweep.retention[index]:.3f}")
    x = 100 * sweep.corruption
    a.plot(x, sweep.recall[index], ms=4, label="FEP (relaxed at iT 100)",
           **NETWORK_STYLE["FEP (iT 100)"])
    for name in capacity.BASELINES:
        a.plot(x, sweep.baseline_recall[name][index], ms=4, label=name, **NETWORK_STYLE[name])
    a.set_xlabel("% of entries flipped")
    a.set_ylabel("fraction of patterns recalled")
    a.set_ylim(-0.03, 1.05)
    c = int(np.argmin(np.abs(sweep.corruption - 0.1)))
    ov = np.sort(sweep.overlap[index, c, :k])[::-1]
    b.bar(np.arange(1, k + 1), ov, color="C0", width=0.9)
    b.axhline(capacity.RECALL_THRESHOLD, color="0.4", ls=":", lw=0.8)
    b.set_xlabel("pattern (sorted)")
    b.set_ylabel(f"overlap after {100 * sweep.corruption[c]:.0f}% flipped")
    b.set_ylim(min(-0.05, float(ov.min()) - 0.05), 1.05)
    legend_below(fig, [a], ncol=4)
    return fig
