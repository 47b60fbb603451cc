"""Figures of the two primer chapters: "Free energy with Gaussians" and "Natural gradient and
neuronal dynamics". No model logic here: inputs are results computed by
``fep_core.gaussian``/``geometry``.

Every public figure function is declared with :func:`~fep_core.plotting.layout.figure_function`
and drawn at most one text column wide (:func:`~fep_core.plotting.layout.column_figsize`). A
function with an ``ax=None`` argument either makes its own figure (its legend then goes beside or
below the axes, outside them) or draws into the axes it is given (its legend then goes beside
those axes, at their upper right). No legend covers a curve, an axis label or a title.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ..gaussian import normal_pdf
from ..geometry import SCHEME_LABELS
from . import axes_grid, boxplot, new_axes
from .layout import column_figsize, figure_function

SCHEME_COLOURS = {"active_inference": "C0", "natural_gradient": "C3", "logit_descent": "C2"}
SCHEME_STYLES = {"active_inference": "-", "natural_gradient": "--", "logit_descent": "-."}


def _axes(ax, figsize):
    """``(fig, ax, own)``: the caller's axes (``own`` False), or one axes on a fresh figure of
    ``figsize`` (``own`` True)."""
    own = ax is None
    fig, ax = new_axes(ax, figsize=figsize)
    return fig, ax, own


def _legend(fig, ax, own, *, below=False, ncol=1, handles=None, labels=None):
    """Put the legend of ``ax`` outside the axes: on a figure of the function's own (``own``) at
    the figure's right, or ``below`` everything in ``ncol`` columns; in the caller's figure
    beside ``ax``, to its upper right. Returns the legend (``None`` without labelled artists)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if own:
        where = "outside lower center" if below else "outside right upper"
        return fig.legend(handles, labels, loc=where, ncol=ncol, frameon=False)
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                     frameon=False)


# --------------------------------------------------------------------------------------------
# Gaussian primer
@figure_function
def plot_gaussian_model(y, *, prior_mean, prior_precision, likelihood_precision, posterior, q=None,
                        ax=None):
    """Prior, likelihood (as a function of x), exact posterior and optionally a belief ``q``.

    ``posterior`` and ``q`` are ``(mean, var)`` pairs. Full column wide, legend at the right.
    """
    fig, ax, own = _axes(ax, column_figsize(3.0))
    lo = min(prior_mean - 4 / np.sqrt(prior_precision), y - 4 / np.sqrt(likelihood_precision))
    hi = max(prior_mean + 4 / np.sqrt(prior_precision), y + 4 / np.sqrt(likelihood_precision))
    x = np.linspace(lo, hi, 400)
    ax.plot(x, normal_pdf(x, prior_mean, 1 / prior_precision), color="C7", label=r"prior $p(x)$")
    ax.plot(x, normal_pdf(x, y, 1 / likelihood_precision), color="C1", ls="--",
            label="likelihood $p(y\\mid x)$,\nas a function of $x$")
    ax.plot(x, normal_pdf(x, *posterior), color="C0", lw=2, label=r"posterior $p(x\mid y)$")
    if q is not None:
        ax.plot(x, normal_pdf(x, *q), color="C3", ls=":", lw=2, label=r"belief $q(x)$")
    ax.axvline(y, color="C1", lw=0.8, alpha=0.6, label=f"observation $y = {y:.3g}$")
    ax.set_xlabel("hidden state $x$")
    ax.set_ylabel("density")
    _legend(fig, ax, own)
    return fig


@figure_function
def plot_free_energy_landscape(means, sds, free_energies, surprise, posterior, ax=None):
    """F as a function of q's mean (one curve per q sd) against the bound ``-ln p(y)``.

    ``free_energies`` has shape ``(len(sds), len(means))``; ``posterior`` is ``(mean, var)``.
    Full column wide, legend at the right.
    """
    fig, ax, own = _axes(ax, column_figsize(3.0))
    for sd, f in zip(sds, free_energies):
        width = " (posterior's)" if np.isclose(sd, np.sqrt(posterior[1]), rtol=1e-9) else ""
        ax.plot(means, f, label=fr"$q$ with sd ${sd:.3g}${width}")
    ax.axhline(surprise, color="k", ls="--", lw=1, label="surprise $-\\ln p(y)$\n(the bound)")
    ax.plot([posterior[0]], [surprise], "ko", ms=5, label="exact posterior")
    ax.set_xlabel(r"mean of $q$, $\mu$")
    ax.set_ylabel("free energy $F$ (nats)")
    _legend(fig, ax, own)
    return fig


@figure_function
def plot_blog_comparison(table, ax=None):
    """The blog's F(y) next to each corrected version (symlog axis: values span 4 decades).

    ``table`` is :func:`fep_core.gaussian.blog_comparison`. Full column wide, legend below the
    axes in two columns.
    """
    fig, ax, own = _axes(ax, column_figsize(3.9))
    y = table["y"]
    ax.plot(y, table["blog"], "o-", color="C3", label=r"blog: $\sum q\ln(q/p) + \ln p(y)$")
    ax.plot(y, table["with_dx"], "s--", color="C1", label=r"with $dx$: KL $+ \ln p(y)$")
    ax.plot(y, table["fixed_q"], "^-", color="C0",
            label=r"correct sign, fixed $q$: KL $- \ln p(y)$")
    ax.plot(y, table["optimal"], "k-", lw=2, label=r"optimised $q$: $-\ln p(y)$")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("observation $y$")
    ax.set_ylabel("value (nats, symlog scale)")
    _legend(fig, ax, own, below=True, ncol=2)
    return fig


@figure_function
def plot_descent(trajectories, posterior_mean, limit, ax=None):
    """|mean - posterior mean| per step for several step sizes (log scale).

    ``trajectories`` maps step size (the primer's κ) -> :class:`fep_core.gaussian.Descent`;
    ``limit`` is the mean's stability limit ``2/(pi0 + piy)``, in the title and the legend.
    Full column wide, legend at the right.
    """
    fig, ax, own = _axes(ax, column_figsize(3.2))
    for lr, traj in trajectories.items():
        err = np.abs(traj.mean - posterior_mean)
        tag = "stable" if lr < limit else "unstable"
        ax.semilogy(np.arange(err.size), np.maximum(err, 1e-300), marker=".", ms=3,
                    label=fr"$\kappa = {lr:.3g}$ ({tag})")
    ax.set_xlabel("update step")
    ax.set_ylabel(r"$|\mu - \mu_{\mathrm{post}}|$")
    ax.set_title(fr"stability limit $2/(\pi_0+\pi_y) = {limit:.3g}$")
    _legend(fig, ax, own)
    return fig


@figure_function
def plot_descent_panel(traj, y, *, prior_precision, likelihood_precision, learning_rate,
                       prior_mean=0.0):
    """Two panels for the Gaussian widget: q's mean (+/- sd) and F per step.

    Full column wide; the left panel's legend goes below both panels; the title states the step
    size, the stability limit and whether the descent is stable.
    """
    post_mean = ((prior_precision * prior_mean + likelihood_precision * y)
                 / (prior_precision + likelihood_precision))
    post_sd = 1 / np.sqrt(prior_precision + likelihood_precision)
    var_y = 1 / prior_precision + 1 / likelihood_precision
    surprise = 0.5 * (np.log(2 * np.pi * var_y) + (y - prior_mean) ** 2 / var_y)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=column_figsize(3.4), layout="constrained")
    k = np.arange(traj.mean.size)
    sd = np.exp(traj.log_sd)
    a1.plot(k, traj.mean, "C3.-", label=r"mean of $q$")
    a1.fill_between(k, traj.mean - sd, traj.mean + sd, color="C3", alpha=0.15,
                    label=r"$\pm$ sd of $q$")
    a1.axhline(post_mean, color="C0", lw=2, label="posterior mean")
    a1.axhspan(post_mean - post_sd, post_mean + post_sd, color="C0", alpha=0.1,
               label=r"posterior $\pm$ sd")
    a1.set_xlabel("update step")
    a1.set_ylabel("hidden state $x$")
    _legend(fig, a1, True, below=True, ncol=4)
    gap = traj.free_energy - surprise
    a2.semilogy(k, np.maximum(gap, 1e-16), "C3.-")
    a2.set_xlabel("update step")
    a2.set_ylabel(r"$F - (-\ln p(y))$ (nats)")
    limit = 2 / (prior_precision + likelihood_precision)
    status = ("diverged" if traj.diverged
              else ("stable" if learning_rate < min(limit, 1.0) else "past the limit"))
    fig.suptitle(fr"step $\kappa = {learning_rate:.3g}$; stability limit "
                 fr"$\min(2/(\pi_0+\pi_y), 1) = {min(limit, 1.0):.3g}$ ({status})")
    return fig


# --------------------------------------------------------------------------------------------
# Natural-gradient chapter
_TRI = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])


def simplex_xy(s):
    """Barycentric -> Cartesian coordinates of 3-state beliefs (..., 3) -> (..., 2)."""
    return np.asarray(s) @ _TRI


def _scheme_label(scheme, labels):
    return labels.get(scheme, scheme) if labels else scheme.replace("_", " ")


def _draw_simplex(ax, paths, posterior, geodesic, labels, *, corners=True):
    """The triangle, the geodesic, the paths, start and posterior on ``ax`` (equal aspect)."""
    ax.plot(*np.vstack([_TRI, _TRI[:1]]).T, color="k", lw=0.8)
    if corners:
        for i, (dx, dy, ha) in enumerate([(-0.02, -0.03, "right"), (0.02, -0.03, "left"),
                                          (0.0, 0.03, "center")]):
            ax.text(_TRI[i, 0] + dx, _TRI[i, 1] + dy, f"state {i + 1}", ha=ha,
                    va="top" if i < 2 else "bottom")
    if geodesic is not None:
        ax.plot(*simplex_xy(geodesic).T, color="k", lw=3, alpha=0.25, label="Fisher–Rao geodesic")
    for scheme, path in paths.items():
        ax.plot(*simplex_xy(path).T, SCHEME_STYLES.get(scheme, "-"),
                color=SCHEME_COLOURS.get(scheme), marker=".", ms=4, lw=1.2,
                label=_scheme_label(scheme, labels))
    ax.plot(*simplex_xy(next(iter(paths.values()))[0]), "ks", ms=6, label="start (prior)")
    ax.plot(*simplex_xy(posterior), "k*", ms=12, label="posterior")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _path_box(paths, posterior, geodesic, margin=0.12, max_ratio=1.5):
    """``(x0, x1, y0, y1)``: a box around every drawn point, ``margin`` of its larger side added
    on each side, widened or heightened so that neither side exceeds ``max_ratio`` times the
    other."""
    pts = [simplex_xy(p) for p in paths.values()] + [simplex_xy(np.atleast_2d(posterior))]
    if geodesic is not None:
        pts.append(simplex_xy(geodesic))
    xy = np.vstack(pts)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    centre = (lo + hi) / 2
    size = np.maximum(hi - lo, 0.02) + 2 * margin * max(float(np.max(hi - lo)), 0.02)
    size = np.maximum(size, size.max() / max_ratio)
    return (centre[0] - size[0] / 2, centre[0] + size[0] / 2,
            centre[1] - size[1] / 2, centre[1] + size[1] / 2)


@figure_function
def plot_simplex(paths, posterior, geodesic=None, ax=None, labels=None, *, zoom=True):
    """Belief paths on the 3-state simplex; ``paths`` maps scheme -> ``(n_steps+1, 3)`` array.

    With ``zoom`` (the default) two panels: the whole simplex, where a grey box marks the
    region of the paths, and a close-up of that square; ``ax`` is then a pair of axes or None.
    Without, the whole simplex only, on one axes. The legend goes below the panels (own figure,
    full column wide) or beside the last axes given.
    """
    n = 2 if zoom else 1
    own = ax is None
    fig, axes = axes_grid(ax if ax is None or zoom else [ax], n, figsize=column_figsize(3.3),
                          **({"width_ratios": [1, 1.15]} if own and zoom else {}))
    whole = axes[0]
    _draw_simplex(whole, paths, posterior, geodesic, labels)
    whole.set_xlim(-0.2, 1.2)
    whole.set_ylim(-0.15, 0.975)
    for side in whole.spines.values():
        side.set_visible(False)
    if zoom:
        x0, x1, y0, y1 = _path_box(paths, posterior, geodesic)
        whole.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="0.4", lw=1))
        whole.set_title("whole simplex")
        close = axes[1]
        _draw_simplex(close, paths, posterior, geodesic, labels, corners=False)
        close.set_xlim(x0, x1)
        close.set_ylim(y0, y1)
        for side in close.spines.values():
            side.set_color("0.4")
        close.set_title("close-up of the grey box")
    _legend(fig, axes[-1], own, below=True, ncol=3, handles=None)
    return fig


@figure_function
def plot_eps_convergence(learning_rates, differences, slope, ax=None):
    """Max belief difference between active-inference and natural-gradient paths vs step size.

    Full column wide, legend at the right.
    """
    fig, ax, own = _axes(ax, column_figsize(3.2))
    lr = np.asarray(learning_rates)
    ax.loglog(lr, differences, "o", color="C3", label="largest difference\nalong the path")
    ref = differences[0] * lr / lr[0]
    ax.loglog(lr, ref, "k--", lw=1, label="slope 1 (reference)")
    ax.set_xlabel(r"step size $\varepsilon$")
    ax.set_ylabel(r"$\max_t \|s_{\mathrm{AI}} - s_{\mathrm{NG}}\|_\infty$")
    ax.set_title(f"fitted log–log slope {slope:.3f}")
    _legend(fig, ax, own)
    return fig


_METRIC_LABELS = {"efficiency": "efficiency $\\ell / d_{\\mathrm{FR}}$\n(1 = geodesic)",
                  "information_length": "information length $\\ell$",
                  "steps_to_tol": "steps to KL $< 10^{-6}$"}


@figure_function
def plot_population(df, metric="efficiency", ax=None, labels=None):
    """Box plots (seaborn) of ``metric`` per state-space size and scheme; outliers not drawn.

    ``df`` is :func:`fep_core.geometry.population_study`. Boxes show quartiles, whiskers reach
    1.5 IQR. Full column wide, legend below the axes, one column per scheme.
    """

    fig, ax, own = _axes(ax, column_figsize(3.6))
    schemes = list(dict.fromkeys(df["scheme"]))
    names = {s: _scheme_label(s, labels) for s in schemes}
    data = df.loc[df[metric].notna(), ["n_states", "scheme", metric]].copy()
    data["scheme"] = data["scheme"].map(names)
    boxplot(data=data, x="n_states", y=metric, hue="scheme",
            hue_order=[names[s] for s in schemes],
            palette={names[s]: SCHEME_COLOURS.get(s, "C7") for s in schemes},
            showfliers=False, saturation=0.75, linewidth=0.9, ax=ax)
    handles, texts = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_xlabel("number of hidden states")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric.replace("_", " ")))
    if metric == "steps_to_tol":
        ax.set_yscale("log")
    _legend(fig, ax, own, below=True, ncol=len(schemes), handles=handles, labels=texts)
    return fig


@figure_function
def plot_paired_difference(summary, ax=None, label="natural gradient − active inference"):
    """Mean relative paired difference per state-space size with its confidence interval
    (percent); ``label`` names the difference in the title. Three quarters of a column wide."""
    fig, ax, _ = _axes(ax, column_figsize(3.0, width=0.75))
    rows = summary.drop(index="all", errors="ignore")
    x = np.arange(len(rows))
    mean = 100 * rows["mean_rel_diff"].astype(float)
    err = np.vstack([mean - 100 * rows["rel_ci_low"].astype(float),
                     100 * rows["rel_ci_high"].astype(float) - mean])
    ax.errorbar(x, mean, yerr=err, fmt="o", color="C3", capsize=4)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, [str(n) for n in rows.index])
    ax.set_xlabel("number of hidden states")
    ax.set_ylabel("paired difference in\ninformation length (%)")
    ax.set_title(label)
    return fig


@figure_function
def plot_cb_relaxation(paths, target, ax=None):
    """|b - b*| per step for plain and natural gradient on one continuous-Bernoulli node.

    Full column wide, legend at the right.
    """
    fig, ax, own = _axes(ax, column_figsize(3.0))
    styles = {"plain": ("C2", "-.", "plain gradient"), "natural": ("C3", "--", "natural gradient")}
    for scheme, path in paths.items():
        colour, ls, label = styles.get(scheme, ("C7", "-", scheme))
        ax.semilogy(np.arange(len(path)), np.maximum(np.abs(path - target), 1e-300), ls,
                    color=colour, label=f"{label}\n(start $b = {path[0]:.3g}$)")
    ax.set_xlabel("update step")
    ax.set_ylabel("$|b - b^*|$ (variational bias)")
    _legend(fig, ax, own)
    return fig


def _efficiency_text(status, efficiency):
    """``l/d`` label of one path; the 0/0 of a path that never left its start is said in words."""
    if status == "moved":
        return f"l/d = {efficiency:.3f}"
    if status == "returned":
        return "l/d undefined:\nthe path returned\nto its start"
    return "l/d = 0/0:\nthe path\ndid not move"


@figure_function
def plot_explore_geometry(paths, measures, *, n_clipped=0, title=""):
    """Two panels for the natural-gradient widget: simplex paths, and lengths vs geodesic.

    ``paths`` maps scheme -> ``(n_steps+1, 3)`` belief path; ``measures`` is their
    :class:`fep_core.geometry.PathGeometry` (:func:`fep_core.geometry.path_geometry`), from which
    every number drawn comes; ``n_clipped`` the natural-gradient steps that left the simplex.
    Full column wide; one legend below both panels names the schemes (the bars share the
    paths' colours) and the geodesic distance.
    """
    fig, (a1, a2) = plt.subplots(1, 2, figsize=column_figsize(4.4), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.1, 1]})
    _draw_simplex(a1, paths, measures.posterior, measures.geodesic, SCHEME_LABELS)
    a1.set_xlim(-0.2, 1.2)
    a1.set_ylim(-0.15, 0.975)
    for side in a1.spines.values():
        side.set_visible(False)
    handles, texts = a1.get_legend_handles_labels()
    d = measures.distance
    names = list(measures.schemes)
    lengths = list(measures.lengths)
    bars = a2.bar(range(len(names)), lengths, color=[SCHEME_COLOURS[s] for s in names], alpha=0.6)
    line = a2.axhline(d, color="k", ls="--", lw=1)
    top = max(max(lengths), d)
    for k, (b, length) in enumerate(zip(bars, lengths)):
        # efficiency is measured against the path's own end point; flag paths still on their way
        note = "" if measures.converged[k] else "\n(not converged)"
        # a path that did not move has no bar: its note goes mid-height
        y = length if measures.status[k] == "moved" else 0.4 * top
        a2.text(b.get_x() + b.get_width() / 2, y,
                _efficiency_text(measures.status[k], measures.efficiencies[k]) + note,
                ha="center", va="bottom", fontsize="small",
                bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1.0})
    a2.set_ylim(0, 1.35 * top if top > 0 else 1.0)
    a2.set_xticks(range(len(names)),
                  [textwrap.fill(SCHEME_LABELS[s].split(" (")[0], 10) for s in names])
    a2.set_ylabel("information length (dimensionless)")
    handles.append(line)
    texts.append(f"geodesic distance to posterior: {d:.3f}")
    fig.legend(handles, texts, loc="outside lower center", ncol=3, frameon=False)
    if n_clipped:
        title += f" — natural-gradient step left the simplex {n_clipped}×"
    fig.suptitle(title)
    return fig
