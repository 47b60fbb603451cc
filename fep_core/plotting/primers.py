"""Figures of the two primer chapters: "Free energy with Gaussians" and "Natural gradient and
neuronal dynamics". Every ``plot_*`` takes ``ax=None`` (or draws its own panels) and returns the
Figure. No model logic here: inputs are results computed by ``fep_core.gaussian``/``geometry``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..gaussian import normal_pdf
from ..geometry import SCHEME_LABELS
from . import new_axes

SCHEME_COLOURS = {"active_inference": "C0", "natural_gradient": "C3", "logit_descent": "C2"}
SCHEME_STYLES = {"active_inference": "-", "natural_gradient": "--", "logit_descent": "-."}


# --------------------------------------------------------------------------------------------
# Gaussian primer
def plot_gaussian_model(y, *, prior_mean, prior_precision, likelihood_precision, posterior, q=None,
                        ax=None):
    """Prior, likelihood (as a function of x), exact posterior and optionally a belief ``q``.

    ``posterior`` and ``q`` are ``(mean, var)`` pairs.
    """
    fig, ax = new_axes(ax)
    lo = min(prior_mean - 4 / np.sqrt(prior_precision), y - 4 / np.sqrt(likelihood_precision))
    hi = max(prior_mean + 4 / np.sqrt(prior_precision), y + 4 / np.sqrt(likelihood_precision))
    x = np.linspace(lo, hi, 400)
    ax.plot(x, normal_pdf(x, prior_mean, 1 / prior_precision), color="C7", label=r"prior $p(x)$")
    ax.plot(x, normal_pdf(x, y, 1 / likelihood_precision), color="C1", ls="--",
            label=r"likelihood $p(y\mid x)$ (in $x$)")
    ax.plot(x, normal_pdf(x, *posterior), color="C0", lw=2, label=r"posterior $p(x\mid y)$")
    if q is not None:
        ax.plot(x, normal_pdf(x, *q), color="C3", ls=":", lw=2, label=r"belief $q(x)$")
    ax.axvline(y, color="C1", lw=0.8, alpha=0.6)
    ax.set_xlabel("hidden state $x$")
    ax.set_ylabel("density")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_free_energy_landscape(means, sds, free_energies, surprise, posterior, ax=None):
    """F as a function of q's mean (one curve per q sd) against the bound ``-ln p(y)``.

    ``free_energies`` has shape ``(len(sds), len(means))``; ``posterior`` is ``(mean, var)``.
    """
    fig, ax = new_axes(ax)
    for sd, f in zip(sds, free_energies):
        ax.plot(means, f, label=fr"$q$ sd $= {sd:.3g}$")
    ax.axhline(surprise, color="k", ls="--", lw=1, label=r"surprise $-\ln p(y)$")
    ax.plot([posterior[0]], [surprise], "ko", ms=5, label="exact posterior")
    ax.set_xlabel(r"mean of $q$, $\mu$")
    ax.set_ylabel("free energy $F$ (nats)")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_blog_comparison(table, ax=None):
    """The blog's F(y) next to each corrected version (symlog axis: values span 4 decades)."""
    fig, ax = new_axes(ax, figsize=(6.0, 3.8))
    y = table["y"]
    ax.plot(y, table["blog"], "o-", color="C3", label=r"blog: $\sum q\ln(q/p) + \ln p(y)$")
    ax.plot(y, table["with_dx"], "s--", color="C1", label=r"with $dx$: KL $+ \ln p(y)$")
    ax.plot(y, table["fixed_q"], "^-", color="C0",
            label=r"correct sign, fixed $q$: KL $- \ln p(y)$")
    ax.plot(y, table["optimal"], "k-", lw=2, label=r"optimised $q$: $-\ln p(y)$")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("observation $y$")
    ax.set_ylabel("value (nats, symlog scale)")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_descent(trajectories, posterior_mean, limit, ax=None):
    """|mean - posterior mean| per step for several step sizes (log scale).

    ``trajectories`` maps learning rate -> :class:`fep_core.gaussian.Descent`; ``limit`` is the
    mean's stability limit ``2/(pi0 + piy)``, quoted in the legend.
    """
    fig, ax = new_axes(ax)
    for lr, traj in trajectories.items():
        err = np.abs(traj.mean - posterior_mean)
        tag = "stable" if lr < limit else "unstable"
        ax.semilogy(np.arange(err.size), np.maximum(err, 1e-300), marker=".", ms=3,
                    label=f"step {lr:.3g} ({tag})")
    ax.set_xlabel("update step")
    ax.set_ylabel(r"$|\mu - \mu_{\mathrm{post}}|$")
    ax.set_title(f"stability limit 2/(π0+πy) = {limit:.3g}", fontsize="medium")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_descent_panel(traj, y, *, prior_precision, likelihood_precision, learning_rate,
                       prior_mean=0.0):
    """Two panels for the Gaussian widget: q's mean (+/- sd) and F per step."""
    post_mean = ((prior_precision * prior_mean + likelihood_precision * y)
                 / (prior_precision + likelihood_precision))
    post_sd = 1 / np.sqrt(prior_precision + likelihood_precision)
    var_y = 1 / prior_precision + 1 / likelihood_precision
    surprise = 0.5 * (np.log(2 * np.pi * var_y) + (y - prior_mean) ** 2 / var_y)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.0, 3.5), layout="constrained")
    k = np.arange(traj.mean.size)
    sd = np.exp(traj.log_sd)
    a1.plot(k, traj.mean, "C3.-", label=r"mean of $q$")
    a1.fill_between(k, traj.mean - sd, traj.mean + sd, color="C3", alpha=0.15,
                    label=r"$\pm$ sd of $q$")
    a1.axhline(post_mean, color="C0", lw=2, label="posterior mean")
    a1.axhspan(post_mean - post_sd, post_mean + post_sd, color="C0", alpha=0.1)
    a1.set_xlabel("update step")
    a1.set_ylabel("hidden state $x$")
    a1.legend(frameon=False, fontsize="small")
    gap = traj.free_energy - surprise
    a2.semilogy(k, np.maximum(gap, 1e-16), "C3.-")
    a2.set_xlabel("update step")
    a2.set_ylabel(r"$F - (-\ln p(y))$ (nats)")
    limit = 2 / (prior_precision + likelihood_precision)
    status = ("diverged" if traj.diverged
              else ("stable" if learning_rate < min(limit, 1.0) else "past the limit"))
    fig.suptitle(f"step {learning_rate:.3g}; stability limit min(2/(π0+πy), 1) = "
                 f"{min(limit, 1.0):.3g} ({status})",
                 fontsize="medium")
    return fig


# --------------------------------------------------------------------------------------------
# Natural-gradient chapter
_TRI = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])


def simplex_xy(s):
    """Barycentric -> Cartesian coordinates of 3-state beliefs (..., 3) -> (..., 2)."""
    return np.asarray(s) @ _TRI


def plot_simplex(paths, posterior, geodesic=None, ax=None, labels=None):
    """Belief paths on the 3-state simplex; ``paths`` maps scheme -> ``(n_steps+1, 3)`` array."""
    fig, ax = new_axes(ax, figsize=(4.6, 4.2))
    ax.plot(*np.vstack([_TRI, _TRI[:1]]).T, color="k", lw=0.8)
    for i, name in enumerate(["state 1", "state 2", "state 3"]):
        off = np.array([[-0.04, -0.06], [-0.04, -0.06], [-0.05, 0.03]])[i]
        ax.text(*(_TRI[i] + off), name, fontsize="small")
    if geodesic is not None:
        ax.plot(*simplex_xy(geodesic).T, color="k", lw=3, alpha=0.25, label="Fisher–Rao geodesic")
    for scheme, path in paths.items():
        label = labels.get(scheme, scheme) if labels else scheme.replace("_", " ")
        ax.plot(*simplex_xy(path).T, SCHEME_STYLES.get(scheme, "-"),
                color=SCHEME_COLOURS.get(scheme), marker=".", ms=4, lw=1.2, label=label)
    ax.plot(*simplex_xy(next(iter(paths.values()))[0]), "ks", ms=6, label="start (prior)")
    ax.plot(*simplex_xy(posterior), "k*", ms=12, label="posterior")
    ax.set_aspect("equal")
    ax.set_xlabel("belief simplex: distance to a vertex = 1 - P(that state)")
    ax.set_ylabel("barycentric coordinates (no units)")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylim(-0.42, 0.92)
    ax.legend(frameon=False, fontsize="x-small", loc="lower center", ncol=2)
    return fig


def plot_eps_convergence(learning_rates, differences, slope, ax=None):
    """Max belief difference between active-inference and natural-gradient paths vs step size."""
    fig, ax = new_axes(ax)
    lr = np.asarray(learning_rates)
    ax.loglog(lr, differences, "o", color="C3", label="max difference along the path")
    ref = differences[0] * lr / lr[0]
    ax.loglog(lr, ref, "k--", lw=1, label="slope 1 reference")
    ax.set_xlabel(r"step size $\varepsilon$")
    ax.set_ylabel(r"$\max_t \|s_{\mathrm{AI}} - s_{\mathrm{NG}}\|_\infty$")
    ax.set_title(f"fitted log-log slope {slope:.3f}", fontsize="medium")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_population(df, metric="efficiency", ax=None, labels=None):
    """Box plots of ``metric`` per state-space size and scheme (outliers not drawn)."""
    fig, ax = new_axes(ax, figsize=(6.5, 3.6))
    sizes = sorted(df["n_states"].unique())
    schemes = list(dict.fromkeys(df["scheme"]))
    width = 0.8 / len(schemes)
    for j, scheme in enumerate(schemes):
        data = [df.loc[(df.n_states == n) & (df.scheme == scheme), metric].dropna().to_numpy()
                for n in sizes]
        pos = np.arange(len(sizes)) + (j - (len(schemes) - 1) / 2) * width
        bp = ax.boxplot(data, positions=pos, widths=width * 0.9, showfliers=False,
                        patch_artist=True)
        for box in bp["boxes"]:
            box.set_facecolor(SCHEME_COLOURS.get(scheme, "C7"))
            box.set_alpha(0.5)
        ax.plot([], [], "s", color=SCHEME_COLOURS.get(scheme, "C7"), alpha=0.5,
                label=labels.get(scheme, scheme) if labels else scheme)
    ax.set_xticks(np.arange(len(sizes)), [str(n) for n in sizes])
    ax.set_xlabel("number of hidden states")
    ax.set_ylabel(metric.replace("_", " ")
                  + (" (l / d_FR, no units)" if metric == "efficiency" else ""))
    if metric == "steps_to_tol":
        ax.set_yscale("log")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_paired_difference(summary, ax=None, label="natural gradient − active inference"):
    """Mean relative paired difference per state-space size with its confidence interval
    (percent)."""
    fig, ax = new_axes(ax)
    rows = summary.drop(index="all", errors="ignore")
    x = np.arange(len(rows))
    mean = 100 * rows["mean_rel_diff"].astype(float)
    err = np.vstack([mean - 100 * rows["rel_ci_low"].astype(float),
                     100 * rows["rel_ci_high"].astype(float) - mean])
    ax.errorbar(x, mean, yerr=err, fmt="o", color="C3", capsize=4, label=label)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, [str(n) for n in rows.index])
    ax.set_xlabel("number of hidden states")
    ax.set_ylabel("paired difference in\ninformation length (%)")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_cb_relaxation(paths, target, ax=None):
    """|b - b*| per step for plain and natural gradient on one continuous-Bernoulli node."""
    fig, ax = new_axes(ax)
    styles = {"plain": ("C2", "-.", "plain gradient"), "natural": ("C3", "--", "natural gradient")}
    for scheme, path in paths.items():
        colour, ls, label = styles.get(scheme, ("C7", "-", scheme))
        ax.semilogy(np.arange(len(path)), np.maximum(np.abs(path - target), 1e-300), ls,
                    color=colour, label=f"{label} (start b = {path[0]:.3g})")
    ax.set_xlabel("update step")
    ax.set_ylabel(r"$|b - b^*|$ (bias, nats per unit state)")
    ax.legend(frameon=False, fontsize="small")
    return fig


def _efficiency_text(status, efficiency):
    """``l/d`` label of one path; the 0/0 of a path that never left its start is said in words."""
    if status == "moved":
        return f"l/d = {efficiency:.3f}"
    if status == "returned":
        return "l/d undefined:\nthe path returned to its start"
    return "l/d = 0/0:\nthe path did not move"


def plot_explore_geometry(paths, measures, *, n_clipped=0, title=""):
    """Two panels for the natural-gradient widget: simplex paths, and lengths vs geodesic.

    ``paths`` maps scheme -> ``(n_steps+1, 3)`` belief path; ``measures`` is their
    :class:`fep_core.geometry.PathGeometry` (:func:`fep_core.geometry.path_geometry`), from which
    every number drawn comes; ``n_clipped`` the natural-gradient steps that left the simplex.
    """
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.5, 4.0), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.1, 1]})
    plot_simplex(paths, measures.posterior, geodesic=measures.geodesic, ax=a1, labels=SCHEME_LABELS)
    d = measures.distance
    names = list(measures.schemes)
    lengths = list(measures.lengths)
    bars = a2.bar(range(len(names)), lengths, color=[SCHEME_COLOURS[s] for s in names], alpha=0.6)
    a2.axhline(d, color="k", ls="--", lw=1, label=f"geodesic distance to posterior {d:.3f}")
    for k, (b, length) in enumerate(zip(bars, lengths)):
        # efficiency is measured against the path's own end point; flag paths still on their way
        note = "" if measures.converged[k] else "\n(not converged)"
        # a path that did not move has no bar: its note goes above the legend, mid-height
        y = length if measures.status[k] == "moved" else 0.4 * max(max(lengths), d)
        a2.text(b.get_x() + b.get_width() / 2, y,
                _efficiency_text(measures.status[k], measures.efficiencies[k]) + note,
                ha="center", va="bottom", fontsize="small")
    a2.set_xticks(range(len(names)), [SCHEME_LABELS[s].split(" (")[0] for s in names],
                  fontsize="small", rotation=10)
    a2.set_ylabel("information length (dimensionless)")
    a2.legend(frameon=False, fontsize="small", loc="lower right")
    if n_clipped:
        title += f" — natural-gradient step left the simplex {n_clipped}×"
    fig.suptitle(title, fontsize="medium")
    return fig
