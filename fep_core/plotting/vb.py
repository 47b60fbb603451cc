"""Figures of the chapter "Variational Bayes, the ELBO and variational autoencoders". No model
logic here: inputs are results computed by :mod:`fep_core.vb` and :mod:`fep_core.vae`.

Every public figure function is declared with :func:`~fep_core.plotting.layout.figure_function`,
makes its own figure at most one text column wide and puts legends outside the axes (beside
them or below everything).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import boxplot, digit_image
from .layout import column_figsize, figure_function

MODEL_COLOURS = {"ours": "C0", "scikit-learn": "C1"}
DIGIT_COLOURS = plt.get_cmap("tab10")


def _below(fig, handles, labels, ncol):
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)


# --------------------------------------------------------------------------------------------
# Free energy is the negative ELBO
@figure_function
def plot_elbo_gap(labels, elbo, log_evidence, divergence):
    """ELBO of several beliefs as horizontal bars, the log evidence ``ln p(y)`` as a line and
    the gap between them, ``KL[q || p(x|y)]``, hatched.

    ``labels`` (B,) names the beliefs; ``elbo`` and ``divergence`` (B,) are theirs (nats).
    """
    elbo = np.asarray(elbo, float)
    gap = np.asarray(divergence, float)
    fig, ax = plt.subplots(figsize=column_figsize(0.5 + 0.45 * len(elbo)))
    y = np.arange(len(elbo))[::-1]
    ax.barh(y, elbo, color="C0", alpha=0.7, label="ELBO $= -F[q]$")
    ax.barh(y, gap, left=elbo, color="none", edgecolor="C3", hatch="///",
            label=r"gap $\mathrm{KL}[q\,\|\,p(x\mid y)]$")
    ax.axvline(log_evidence, color="k", ls="--", lw=1, label=r"log evidence $\ln p(y)$")
    ax.set_yticks(y, labels)
    ax.set_xlabel("nats")
    lo = min(float(np.min(elbo)), log_evidence)
    ax.set_xlim(lo - 0.05 * abs(lo) - 1, max(0.0, log_evidence) + 1)
    handles, texts = ax.get_legend_handles_labels()
    _below(fig, handles, texts, 3)
    return fig


# --------------------------------------------------------------------------------------------
# CAVI for a Bayesian Gaussian mixture
@figure_function
def plot_cavi_bound(lower_bound, sklearn_bound=None):
    """The lower bound per CAVI iteration (left) and its increase per iteration on a log scale
    (right: every increase is positive, so the bound never decreased).

    ``lower_bound`` (n,) is :func:`fep_core.vb.cavi_gmm`'s; ``sklearn_bound`` (n,), optional,
    scikit-learn's ``lower_bounds_`` plus :func:`fep_core.vb.sklearn_bound_offset`.
    """
    lb = np.asarray(lower_bound, float)
    it = np.arange(1, lb.size + 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=column_figsize(3.0))
    a1.plot(it, lb, "-", color=MODEL_COLOURS["ours"], lw=2, label="CAVI (fep_core.vb)")
    if sklearn_bound is not None:
        sk = np.asarray(sklearn_bound, float)
        a1.plot(np.arange(1, sk.size + 1), sk, "o", ms=3, mfc="none",
                color=MODEL_COLOURS["scikit-learn"], label="scikit-learn + dropped constant")
    a1.set_xlabel("iteration")
    a1.set_ylabel("lower bound (nats)")
    steps = np.diff(lb)
    positive = steps > 0
    a2.semilogy(it[1:][positive], steps[positive], ".", color=MODEL_COLOURS["ours"])
    if np.any(~positive):
        a2.semilogy(it[1:][~positive], np.abs(steps[~positive]), "x", color="C3",
                    label="decrease (|change|)")
    a2.set_xlabel("iteration")
    a2.set_ylabel("increase of the bound (nats)")
    handles, texts = a1.get_legend_handles_labels()
    h2, t2 = a2.get_legend_handles_labels()
    _below(fig, handles + h2, texts + t2, 2)
    return fig


@figure_function
def plot_gmm_components(points, labels, weights, unused_weight):
    """The mixture on a real data set: the data on two axes coloured by their most responsible
    component (left), and every component's expected weight ``E[pi_k]`` on a log scale, largest
    first (right), with the weight of a component that explains no data point (dashed).

    ``points`` (N, 2), e.g. the first two principal components; ``labels`` (N,) component
    indices; ``weights`` (K,); ``unused_weight`` = ``alpha0 / (K alpha0 + N)``.
    """
    points = np.asarray(points, float)
    labels = np.asarray(labels)
    w = np.asarray(weights, float)
    order = np.argsort(w)[::-1]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=column_figsize(3.2),
                                 gridspec_kw={"width_ratios": [1.1, 1]})
    for r, k in enumerate(order):                       # legend in the order of the bars
        sel = labels == k
        if np.any(sel):
            a1.scatter(points[sel, 0], points[sel, 1], s=9, color=DIGIT_COLOURS(r % 10),
                       label=f"component {r + 1}")
    a1.set_xlabel("principal component 1")
    a1.set_ylabel("principal component 2")
    a2.bar(np.arange(1, w.size + 1), w[order],
           color=[DIGIT_COLOURS(r % 10) for r in range(w.size)])
    a2.axhline(unused_weight, color="k", ls="--", lw=1,
               label=r"unused: $\alpha_0 / (K\alpha_0 + N)$")
    a2.set_yscale("log")
    a2.set_xlabel("component (by weight)")
    a2.set_ylabel(r"expected weight $E[\pi_k]$")
    a2.set_xticks(np.arange(1, w.size + 1))
    handles, texts = a1.get_legend_handles_labels()
    h2, t2 = a2.get_legend_handles_labels()
    _below(fig, handles + h2, texts + t2, 4)
    return fig


# --------------------------------------------------------------------------------------------
# The variational autoencoder
@figure_function
def plot_vae_training(results, labels=None):
    """Accuracy ``E_q[ln p(x|z)]`` (left) and complexity ``KL[q(z|x) || p(z)]`` (right), mean
    over each recorded stretch of minibatches, against the Adam step.

    ``results`` maps a model's name to a list of :class:`fep_core.vae.VAEResult` (one line per
    seed, one colour per model).
    """
    fig, (a1, a2) = plt.subplots(1, 2, figsize=column_figsize(3.0))
    for j, (name, runs) in enumerate(results.items()):
        for s, r in enumerate(runs):
            tag = name if s == 0 else None
            a1.plot(r.steps, r.accuracy, color=f"C{j}", lw=1, alpha=0.8, label=tag)
            a2.plot(r.steps, r.complexity, color=f"C{j}", lw=1, alpha=0.8)
    a1.set_xlabel("Adam step")
    a1.set_ylabel("accuracy (nats per image)")
    a2.set_xlabel("Adam step")
    a2.set_ylabel("complexity (nats per image)")
    # the first tenth of training (far below) would squash the rest of the curves
    later = min(float(np.nanmin(r.accuracy[len(r.accuracy) // 10:]))
                for runs in results.values() for r in runs)
    a1.set_ylim(bottom=max(a1.get_ylim()[0], later - 20))
    handles, texts = a1.get_legend_handles_labels()
    _below(fig, handles, texts, len(results))
    return fig


def _tile_row(axes, images, title):
    lim = max(float(np.max(np.abs(images))), 1e-12)
    for ax, img in zip(axes, images):
        digit_image(ax, img, vmax=lim)
    axes[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize="small")


@figure_function
def plot_image_rows(rows):
    """Rows of 8x8 images: ``rows`` maps a row's name to an array (n, 64) (the same ``n`` for
    every row), drawn on the digits' grey scale, symmetric about 0 per row."""
    names = list(rows)
    n = max(len(rows[k]) for k in names)
    fig, axes = plt.subplots(len(names), n, figsize=column_figsize(0.72 * len(names) + 0.1),
                             squeeze=False, gridspec_kw={"wspace": 0.05, "hspace": 0.08})
    fig.set_layout_engine("constrained", w_pad=0.01, h_pad=0.01)
    for row, name in zip(axes, names):
        images = np.asarray(rows[name], float)
        _tile_row(row[:len(images)], images, name)
        for extra in row[len(images):]:
            extra.set_visible(False)
    return fig


@figure_function
def plot_latent_map(points, labels, *, xlabel="latent axis 1", ylabel="latent axis 2"):
    """Images placed by their latent means (two axes: the latent itself if it is 2-D, or a
    projection), coloured by digit (``labels`` 0-9); legend at the right."""
    points = np.asarray(points, float)
    labels = np.asarray(labels)
    fig, ax = plt.subplots(figsize=column_figsize(3.4, width=0.85))
    for digit in range(10):
        sel = labels == digit
        if np.any(sel):
            ax.scatter(points[sel, 0], points[sel, 1], s=10, color=DIGIT_COLOURS(digit),
                       label=str(digit))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", frameon=False,
               title="digit", markerscale=1.5)
    return fig


@figure_function
def plot_anomaly(free_energy_digits, free_energy_others, roc, auc, *,
                 names=("held-out digits", "non-digits")):
    """Anomaly detection by free energy: its distribution for held-out digits and for images
    that are not digits (left, log scale), and the ROC curve of the free energy as an anomaly
    score (right; ``roc`` = (false positive rates, true positive rates), ``auc`` its area)."""
    a = np.asarray(free_energy_digits, float)
    b = np.asarray(free_energy_others, float)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=column_figsize(3.0),
                                 gridspec_kw={"width_ratios": [1.4, 1]})
    lo = max(min(a.min(), b.min()), 1e-3)
    hi = max(a.max(), b.max())
    bins = np.geomspace(lo, hi, 40) if lo > 0 else 40
    a1.hist(a, bins=bins, color="C0", alpha=0.6, label=names[0])
    a1.hist(b, bins=bins, color="C3", alpha=0.6, label=names[1])
    a1.set_xscale("log")
    a1.set_xlabel(r"free energy $-$ELBO (nats)")
    a1.set_ylabel("images")
    fpr, tpr = roc
    a2.plot(fpr, tpr, color="C3", lw=2)
    a2.plot([0, 1], [0, 1], color="0.6", ls=":", lw=1)
    a2.set_xlabel("false positive rate")
    a2.set_ylabel("true positive rate")
    a2.set_title(f"ROC AUC {auc:.3f}")
    a2.set_aspect("equal")
    _below(fig, *a1.get_legend_handles_labels(), 2)
    return fig


@figure_function
def plot_denoising(scores):
    """One-shot generalisation scores of several models on the same noisy unseen digits: one
    box per model (``scores`` maps a name to the scores of every trial, pooled over seeds) and a
    dashed line at 0, where the response is no closer to the digit than the noisy input."""
    import pandas as pd

    frame = pd.concat([pd.DataFrame({"model": name, "score": np.asarray(v, float)})
                       for name, v in scores.items()])
    fig, ax = plt.subplots(figsize=column_figsize(3.0))
    boxplot(data=frame, x="model", y="score", hue="model", palette=[f"C{j}" for j in
                                                                     range(len(scores))],
            showfliers=False, linewidth=0.9, ax=ax)
    ax.axhline(0.0, color="k", ls="--", lw=1)
    ax.set_ylabel(r"score $r^2$(response) $- r^2$(noisy)")
    ax.set_xlabel("model (trained on)")
    return fig


@figure_function
def plot_explore(run, *, title=""):
    """The Interactive section's figure for one :class:`fep_core.vae.ExploreRun`: accuracy and
    complexity per Adam step (top), eight held-out digits, their reconstructions and eight
    samples from the prior (bottom); the title gives the settings and the run's numbers."""
    res = run.result
    fig = plt.figure(figsize=column_figsize(5.0))
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.25, 1])
    a1, a2 = top.subplots(1, 2)
    a1.plot(res.steps, res.accuracy, "C0.-", ms=3)
    a1.set_xlabel("Adam step")
    a1.set_ylabel("accuracy (nats)")
    a2.plot(res.steps, res.complexity, "C1.-", ms=3)
    a2.set_xlabel("Adam step")
    a2.set_ylabel("complexity (nats)")
    axes = bottom.subplots(3, 8, gridspec_kw={"wspace": 0.05, "hspace": 0.1})
    _tile_row(axes[0], run.originals, "digit")
    _tile_row(axes[1], run.reconstructions, "recon-\nstruction")
    _tile_row(axes[2], run.samples, "sample")
    status = " (diverged)" if res.diverged else ""
    fig.suptitle(f"{title}{status}\nheld-out free energy {run.held_out_free_energy:.1f} nats, "
                 f"anomaly AUC {run.auc:.3f}, denoising score {run.denoising:.3f}")
    return fig
