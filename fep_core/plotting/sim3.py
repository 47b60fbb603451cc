"""Figures of the chapter "Simulation 3: sequences from asymmetric coupling".

Every ``plot_*`` takes a :class:`fep_core.experiments.Simulation3Result` and ``ax=None`` and
returns the Figure; multi-panel figures accept a sequence of axes of the documented length.
:func:`asymmetry_sweep` drives fep_core's batched network to record the asymmetry of J along
training (sequential against random presentation order) for :func:`plot_asymmetry`;
:func:`plot_explore` draws the figure of the chapter's interactive callback
(:func:`fep_core.explore.simulation3`).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import analysis, paper
from . import axes_grid as _axes, image, new_axes

__all__ = ["plot_digits",
           "plot_coupling", "plot_symmetric_attractors", "plot_free_run", "plot_asymmetry",
           "plot_explore"]

DIGIT_COLOURS = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9")
_SIDE = 8




def _image(ax, vector, title, *, vmax=None):
    """A 64-vector as an 8x8 image (grey scale, symmetric about 0)."""
    return image(ax, vector, title, vmax=vmax, cmap="gray_r")


def plot_digits(result, ax=None):
    """The training digits in their presentation order. ``ax``: one axes per digit."""
    D = len(result.labels)
    fig, axes = _axes(ax, D, figsize=(1.8 * D + 0.6, 2.4))
    for k, (a, d) in enumerate(zip(axes, result.digits)):
        _image(a, d, f"{k + 1}. digit {result.labels[k]}")
    arrow = " → ".join(result.labels) + " → " + result.labels[0] + " …"
    fig.suptitle(f"presentation order {arrow}", fontsize="medium")
    return fig


def plot_coupling(result, ax=None):
    """J, its symmetric and its antisymmetric part on one colour scale. ``ax``: 3 axes."""
    fig, axes = _axes(ax, 3, figsize=(10.0, 3.4))
    mats = (result.J, result.J_symmetric, result.J_antisymmetric)
    titles = ("coupling $J$", r"symmetric part $(J + J^\top)/2$",
              r"antisymmetric part $(J - J^\top)/2$")
    v = max(float(np.max(np.abs(M))) for M in mats) or 1.0
    for a, M, title in zip(axes, mats, titles):
        im = a.imshow(M, cmap="RdBu_r", vmin=-v, vmax=v)
        a.set_title(title, fontsize="medium")
        a.set_xlabel("presynaptic node $j$")
        a.set_ylabel("postsynaptic node $i$")
        fig.colorbar(im, ax=a, shrink=0.8, label="weight")
    norms = [np.linalg.norm(M) for M in mats]
    fig.suptitle(f"‖J‖ = {norms[0]:.3g}, ‖J_sym‖ = {norms[1]:.3g}, ‖J_anti‖ = {norms[2]:.3g}; "
                 f"asymmetry ‖J − Jᵀ‖/‖J‖ = {result.asymmetry:.3f}", fontsize="medium")
    return fig


def plot_symmetric_attractors(result, ax=None):
    """Digits (top) and the attractors of the symmetric part reached from them (bottom), each
    labelled with the digit it correlates with best. ``ax``: 2 x D axes, row-major."""
    D = len(result.labels)
    fig, axes = _axes(ax, 2 * D, nrows=2, figsize=(1.9 * D + 0.8, 4.6))
    corr = analysis.digit_correlations(result.symmetric_attractors, result.digits)
    for k in range(D):
        _image(axes[k], result.digits[k], f"digit {result.labels[k]}")
        best = int(np.argmax(corr[k]))
        _image(axes[D + k], result.symmetric_attractors[k],
               f"attractor ≈ {result.labels[best]} (r = {corr[k, best]:.2f})", vmax=1.0)
    fig.suptitle(f"attractors of $J_{{sym}}$ recognised as: {result.symmetric_attractor_labels}",
                 fontsize="medium")
    return fig


def _montage(states, gap=1):
    """States (T, 64) side by side as 8x8 frames separated by ``gap`` blank columns."""
    T = states.shape[0]
    width = T * (_SIDE + gap) - gap
    out = np.full((_SIDE, width), np.nan)
    for t in range(T):
        c = t * (_SIDE + gap)
        out[:, c:c + _SIDE] = states[t].reshape(_SIDE, _SIDE)
    return np.ma.masked_invalid(out)


def plot_free_run(result, ax=None, *, n_frames=24):
    """The free run: its first ``n_frames`` states as 8x8 images (top) and each step's
    correlation with each digit (bottom), with the detected order. ``ax``: 2 axes."""
    if ax is None:
        fig, axes = plt.subplots(2, 1, figsize=(10.0, 4.6), layout="constrained",
                                 gridspec_kw={"height_ratios": [1, 1.6]})
        axes = list(axes)
    else:
        fig, axes = _axes(ax, 2, figsize=None)
    states = result.free_states
    n = int(min(n_frames, states.shape[0]))
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    a0, a1 = axes
    a0.imshow(_montage(states[:n]), cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    centres = np.arange(n) * (_SIDE + 1) + (_SIDE - 1) / 2
    a0.set_xticks(centres, [str(t + 1) for t in range(n)], fontsize="x-small")
    a0.set_yticks([])
    for t in range(n):
        k = int(result.recognised[t])
        a0.text(centres[t], -1.2, result.labels[k] if k >= 0 else "–", ha="center", va="bottom",
                fontsize="small", color=DIGIT_COLOURS[k] if k >= 0 else "k")
    a0.set_xlabel("step of the free run (digit recognised above each frame)")
    a0.set_ylabel("state")
    corr = analysis.digit_correlations(states, result.digits)
    t = np.arange(1, states.shape[0] + 1)
    for k, lab in enumerate(result.labels):
        a1.plot(t, corr[:, k], "-", lw=1.3, color=DIGIT_COLOURS[k], label=f"digit {lab}")
    a1.axhline(result.params.get("recognition_threshold", 0.5), color="k", ls=":", lw=1,
               label="recognition threshold")
    a1.set_xlim(0.5, states.shape[0] + 0.5)
    a1.set_ylim(min(0.0, float(corr.min()) - 0.05), 1.0)
    a1.set_xlabel("step of the free run (zero bias, precision 1, no learning)")
    a1.set_ylabel("correlation with digit")
    a1.legend(frameon=False, fontsize="small", ncol=len(result.labels) + 1, loc="lower right")
    order = result.sequence_order
    shown = order if len(order) <= 40 else order[:40] + "…"
    a1.set_title(f"detected order: {shown or '(no digit recognised)'}", fontsize="medium")
    return fig


def plot_asymmetry(result, ax=None, *, sweep=None, seeds=None):
    """Asymmetry of J against the paper's value; with ``sweep`` (from
    :func:`fep_core.experiments.simulation3_asymmetry`) a second panel shows it along training for
    each presentation order.

    ``seeds``: optional array of the asymmetry over several seeds (drawn as mean ± sd).
    ``ax``: 1 axes, or 2 axes when ``sweep`` is given.
    """
    n = 1 if sweep is None else 2
    if ax is None and n == 1:
        fig, a0 = new_axes(None, figsize=(4.0, 3.2))
        axes = [a0]
    elif ax is None:
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.4), layout="constrained",
                                 gridspec_kw={"width_ratios": [1, 2]})
        axes = list(axes)
    else:
        fig, axes = _axes(ax, n, figsize=None)
    a0 = axes[0]
    reported = paper.value("s3_asymmetry")
    names = ["paper", f"this book\n(seed {result.params.get('seed', 0)})"]
    values = [reported, result.asymmetry]
    errs = [0.0, 0.0]
    if seeds is not None:
        s = np.asarray(seeds, dtype=float)
        names.append(f"this book\n({s.size} seeds)")
        values.append(float(s.mean()))
        errs.append(float(s.std(ddof=1)) if s.size > 1 else 0.0)
    a0.bar(range(len(values)), values, yerr=errs, capsize=4, color=["C7", "C0", "C0"][:len(values)],
           alpha=0.75)
    for x, v in enumerate(values):
        a0.text(x, v + 0.03, f"{v:.3f}", ha="center", va="bottom", fontsize="small")
    a0.set_xticks(range(len(values)), names, fontsize="small")
    a0.set_ylim(0, max(1.2, max(values) + 0.2))
    a0.set_xlabel("source")
    a0.set_ylabel("asymmetry ‖J − Jᵀ‖/‖J‖")
    a0.set_title("after training", fontsize="medium")
    if sweep is not None:
        a1 = axes[1]
        for _, (order, g) in enumerate(sweep.groupby("order", sort=False)):
            stats = g.groupby("epoch")["asymmetry"].agg(["mean", "std", "count"])
            sd = stats["std"].fillna(0.0)
            colour = "C0" if order == "sequential" else "C3"
            a1.plot(stats.index, stats["mean"], "-o", ms=3, color=colour,
                    label=f"{order} order (mean of {int(stats['count'].iloc[0])} seeds)")
            a1.fill_between(stats.index, stats["mean"] - sd, stats["mean"] + sd, color=colour,
                            alpha=0.2)
        a1.axhline(reported, color="k", ls="--", lw=1, label=f"paper {reported:.2f}")
        a1.axvline(result.params.get("epochs", paper.SIMULATION3["epochs"]), color="C7", ls=":",
                   lw=1, label="paper's training length")
        a1.set_xlabel("training epoch (one step each)")
        a1.set_ylabel("asymmetry ‖J − Jᵀ‖/‖J‖")
        a1.set_ylim(0, max(1.2, float(sweep["asymmetry"].max()) + 0.1))
        a1.set_title("along training", fontsize="medium")
        a1.legend(frameon=False, fontsize="small", loc="center right")
    return fig


def plot_explore(r, *, inverse_temperature, learning_rate, evidence, epochs, seed):
    """The Interactive section's figure for :func:`fep_core.explore.simulation3`: the attractors
    of the symmetric part, the antisymmetric part and the free run of a
    :class:`~fep_core.experiments.Simulation3Result` ``r`` trained with the settings quoted in
    the title."""
    fig = plt.figure(figsize=(10.0, 6.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.1])
    D = len(r.labels)
    upper = top.subplots(1, D + 1, gridspec_kw={"width_ratios": [1] * D + [1.3]})
    corr = analysis.digit_correlations(r.symmetric_attractors, r.digits)
    for k in range(D):
        best = int(np.argmax(corr[k]))
        _image(upper[k], r.symmetric_attractors[k],
               f"$J_{{sym}}$ attractor from {r.labels[k]}\n"
               f"≈ {r.labels[best]} (r = {corr[k, best]:.2f})",
               vmax=1.0)
    v = float(np.max(np.abs(r.J_antisymmetric))) or 1.0
    im = upper[D].imshow(r.J_antisymmetric, cmap="RdBu_r", vmin=-v, vmax=v)
    upper[D].set_title(r"$(J - J^\top)/2$", fontsize="medium")
    upper[D].set_xlabel("node $j$")
    upper[D].set_ylabel("node $i$")
    top.colorbar(im, ax=upper[D], shrink=0.8, label="weight")
    a = bottom.subplots()
    c = analysis.digit_correlations(r.free_states, r.digits)
    t = np.arange(1, c.shape[0] + 1)
    for k, lab in enumerate(r.labels):
        a.plot(t, c[:, k], color=DIGIT_COLOURS[k], lw=1.3, label=f"digit {lab}")
    a.axhline(0.5, color="k", ls=":", lw=1, label="recognition threshold")
    a.set_ylim(min(0.0, float(c.min()) - 0.05), 1.0)
    a.set_xlabel("step of the free run")
    a.set_ylabel("correlation with digit")
    a.legend(frameon=False, fontsize="small", ncol=D + 1, loc="lower right")
    order = r.sequence_order
    a.set_title("free run: "
                f"{(order[:40] + '…') if len(order) > 40 else (order or 'no digit recognised')}",
                fontsize="medium")
    fig.suptitle(f"precision {inverse_temperature:.3g}, learning rate {learning_rate:.3g}, "
                 f"evidence {evidence:g}, {epochs} epochs, seed {seed}: "
                 f"asymmetry {r.asymmetry:.3f}",
                 fontsize="medium")
    return fig
