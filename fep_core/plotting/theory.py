"""Figures of the chapter "The attractor network: theory".

Every ``plot_*`` function draws results computed by :mod:`fep_core.cb` / :mod:`fep_core.theory`
(evaluating a density or the Langevin function on a grid for a curve is the only computation
here) and returns the Figure. :func:`plot_explore` draws the Interactive section's figure for
:func:`fep_core.explore.theory`. All are figure functions
(:func:`fep_core.plotting.layout.figure_function`): drawn at most one text column wide, in the
page's font sizes, with legends beside or below the data, never over a label.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from .. import cb
from .._validation import count, finite_array, positive
from . import new_axes
from .layout import column_figsize, figure_function

SCHEME_STYLE = {"plain": dict(color="C0", ls="-", label="plain gradient"),
                "natural": dict(color="C3", ls="--", label="natural gradient")}
TARGET_STYLE = dict(color="C7", ls=":")
OPTIMUM_STYLE = dict(color="k", lw=4, alpha=0.3)

# the single-panel figures: three quarters of the column (504 px); two panels: the full column
SINGLE = dict(figsize=column_figsize(3.0, width=0.75))


@figure_function
def plot_cb_densities(biases, ax=None):
    """Density of CB(b) on [-1, 1] for each natural parameter in ``biases`` (one line each,
    cool to warm with the order of ``biases``; legend beside the axes)."""
    b = finite_array(biases, "biases", ndim=1)
    fig, ax = new_axes(ax, **SINGLE)
    x = np.linspace(-1, 1, 401)
    cmap = plt.get_cmap("coolwarm")
    for k, bk in enumerate(b):
        ax.plot(x, cb.pdf(x, bk), color=cmap(k / max(len(b) - 1, 1)), label=f"$b = {bk:g}$")
    ax.set_xlabel(r"state $\sigma$")
    ax.set_ylabel(r"density $p(\sigma \mid b)$")
    ax.set_xlim(-1, 1)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@figure_function
def plot_langevin(b_max=12.0):
    """Two panels, one column wide: the mean ``L(b)`` (with its slope ``b/3`` at 0) and the
    variance = Fisher information ``L'(b)`` (with its tail ``1/b^2``)."""
    b_max = positive(b_max, "b_max")
    b = np.linspace(-b_max, b_max, 801)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=column_figsize(2.9), layout="constrained")
    ax1.plot(b, cb.langevin(b), color="C0", label=r"$L(b) = \coth b - 1/b$")
    ax1.plot(b, np.clip(b / 3, -1, 1), color="C7", ls=":", label=r"$b/3$ (slope at 0)")
    ax1.set_xlabel("natural parameter $b$")
    ax1.set_ylabel(r"mean $E[\sigma]$")
    ax1.set_ylim(-1.15, 1.6)                 # room for the legend above the curves
    ax1.legend(frameon=False, loc="upper left")
    ax2.plot(b, cb.langevin_prime(b), color="C3", label=r"$L'(b) = 1/b^2 - 1/\sinh^2 b$")
    tail = np.abs(b) > 3
    ax2.plot(b[tail], 1 / b[tail] ** 2, color="C7", ls=":", label=r"$1/b^2$")
    ax2.set_xlabel("natural parameter $b$")
    ax2.set_ylabel(r"variance = Fisher information")
    ax2.set_ylim(0, 0.48)                    # room for the legend above the peak 1/3
    ax2.legend(frameon=False, loc="upper left")
    return fig


@figure_function
def plot_sample_histogram(samples, b, ax=None):
    """Histogram of ``samples`` from CB(b) against the density."""
    s = finite_array(samples, "samples", ndim=1)
    b = float(finite_array(b, "b", ndim=0))
    fig, ax = new_axes(ax, **SINGLE)
    ax.hist(s, bins=40, range=(-1, 1), density=True, color="C0", alpha=0.5,
            label=f"{len(s)} samples")
    x = np.linspace(-1, 1, 401)
    ax.plot(x, cb.pdf(x, b), color="k", lw=1.5, label=f"density, $b = {b:g}$")
    ax.set_xlabel(r"state $\sigma$")
    ax.set_ylabel("density")
    ax.set_xlim(-1, 1)
    ax.legend(frameon=False, loc="upper left")
    return fig


@figure_function
def plot_conditional(x, from_joint, cb_density, double_counted):
    """The conditional of one node given the others, by integrating the joint, against CB(theta),
    and the conditional of the double-counting joint."""
    fig, ax = new_axes(**SINGLE)
    ax.plot(x, cb_density, color="C7", lw=5, alpha=0.5, label=r"$\mathrm{CB}(\theta_i)$")
    ax.plot(x, from_joint, color="C0", lw=1.5,
            label=r"from $e^{b\cdot\sigma + \frac{1}{2}\sigma^\top J\sigma}$ (integrated)")
    ax.plot(x, double_counted, color="C3", ls="--",
            label=r"from $e^{b\cdot\sigma + \sigma^\top J\sigma}$ (pairs twice)")
    ax.set_xlabel(r"state $\sigma_i$")
    ax.set_ylabel(r"$p(\sigma_i \mid \sigma_{j \neq i})$")
    ax.set_xlim(-1, 1)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="upper left")
    return fig


@figure_function
def plot_node_free_energy(b_q, free_energy, gradient, target, plain_form_gradient=None):
    """Two panels, one column wide: ``F(b_q)`` with its minimum at ``target`` and ``dF/db_q``
    (with, if given, the gradient of the form without ``-A(b_q)``); one legend below both."""
    bq = finite_array(b_q, "b_q", ndim=1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=column_figsize(3.2), layout="constrained")
    ax1.plot(bq, free_energy, color="C0", label=r"$F(b_q)$")
    ax1.axvline(target, **TARGET_STYLE, label=r"$b_q = \theta_i$")
    ax1.set_xlabel(r"variational bias $b_q$")
    ax1.set_ylabel(r"node free energy $F(b_q)$")
    ax2.plot(bq, gradient, color="C0", label=r"$dF/db_q = (b_q - \theta_i)\,L'(b_q)$")
    if plain_form_gradient is not None:
        ax2.plot(bq, plain_form_gradient, color="C3", ls="--",
                 label=r"without $-A(b_q)$: $+\,L(b_q)$")
    ax2.axhline(0, color="k", lw=0.6)
    ax2.axvline(target, **TARGET_STYLE)
    ax2.set_xlabel(r"variational bias $b_q$")
    ax2.set_ylabel(r"$dF/db_q$")
    handles = ax1.get_legend_handles_labels()[0][1:] + ax2.get_legend_handles_labels()[0]
    fig.legend(handles=handles, frameon=False, loc="outside lower center", ncols=len(handles))
    return fig


@figure_function
def plot_relaxation(paths, target, ax=None):
    """Trajectories ``{scheme: b_q path}`` of one node's variational bias and the target
    (legend beside the axes)."""
    fig, ax = new_axes(ax, figsize=column_figsize(3.0, width=0.85))
    for scheme, path in paths.items():
        style = SCHEME_STYLE.get(scheme, dict(label=scheme))
        ax.plot(np.arange(len(path)), path, marker=".", ms=3, **style)
    ax.axhline(target, **TARGET_STYLE, label=r"target $i_T\,\theta_i$")
    ax.set_xlabel("step")
    ax.set_ylabel(r"variational bias $b_q$")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@figure_function
def plot_cycles(trace, counts, *, n_show=40):
    """Two rows, one column wide. Top: the first ``n_show`` steps of a free run of the cyclic
    network as a raster (node x step) with the most active node. Bottom: forward and backward
    hops of the most active node, ``counts = {condition: (forward, backward)}``, as horizontal
    bars per condition."""
    x = finite_array(trace, "trace", ndim=2)[:count(n_show, "n_show")]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=column_figsize(4.0), layout="constrained",
                                   height_ratios=[1.2, 1])
    im = ax1.imshow(x.T, aspect="auto", cmap="coolwarm", vmin=-1, vmax=1, interpolation="nearest",
                    extent=(-0.5, x.shape[0] - 0.5, x.shape[1] - 0.5, -0.5))
    ax1.plot(np.argmax(x, axis=1), color="k", lw=1, marker=".", ms=4, label="most active node")
    ax1.set_yticks(range(x.shape[1]))
    ax1.set_xlabel("step")
    ax1.set_ylabel("node")
    ax1.set_title(f"first {x.shape[0]} steps of the run", loc="left")
    ax1.legend(frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    fig.colorbar(im, ax=ax1, label=r"state $\sigma$")
    names = list(counts)
    pos = np.arange(len(names))
    fwd = [counts[c][0] for c in names]
    bwd = [counts[c][1] for c in names]
    ax2.barh(pos - 0.2, fwd, height=0.4, color="C2", label=r"forward $k \to k+1$")
    ax2.barh(pos + 0.2, bwd, height=0.4, color="C7", label=r"backward $k \to k-1$")
    ax2.set_yticks(pos, [textwrap.fill(str(c), 14) for c in names])
    ax2.invert_yaxis()
    ax2.set_ylabel("couplings")
    ax2.set_xlabel("hops of the most active node")
    ax2.set_xlim(0, 1.5 * max(fwd + bwd + [1]))       # room for the legend right of the bars
    ax2.legend(frameon=False, loc="center right")
    return fig


@figure_function
def plot_explore(paths, target, *, inverse_temperature, learning_rate):
    """The Interactive section's figure: one node's variational bias relaxing towards ``target``.

    Left: ``b_q`` per step, ``paths = {scheme: path}`` for ``"plain"`` and ``"natural"`` gradient
    descent on the node's free energy (:func:`fep_core.theory.relax_variational_bias`). Right: the
    CB densities of both beliefs after the last step and the optimal belief ``CB(target)``,
    ``target = inverse_temperature * theta``. The precision ``inverse_temperature`` ($i_T$) and
    ``learning_rate`` are quoted in the figure's title; one legend below both panels gives each
    scheme's final ``b_q``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_steps = len(next(iter(paths.values()))) - 1
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=column_figsize(3.6), layout="constrained")
    plot_relaxation(paths, target, ax=ax1)
    ax1.get_legend().remove()
    fig.suptitle(f"precision $i_T$ = {inverse_temperature:.3g}, "
                 f"learning rate (step size) {learning_rate:.3g}")
    x = np.linspace(-1, 1, 401)
    optimum, = ax2.plot(x, cb.pdf(x, target), **OPTIMUM_STYLE,
                        label=r"optimal belief CB($i_T\,\theta$)")
    handles, labels = [], []
    for s, path in paths.items():
        line, = ax2.plot(x, cb.pdf(x, path[-1]), **SCHEME_STYLE[s])
        handles.append(line)
        labels.append(f"{SCHEME_STYLE[s]['label']}: final $b_q$ = {path[-1]:.3g}")
    target_line = [ln for ln in ax1.lines if ln.get_label().startswith("target")][0]
    handles += [target_line, optimum]
    labels += [rf"target $i_T\,\theta$ = {target:.3g}", r"optimal belief CB($i_T\,\theta$)"]
    ax2.set_xlabel(r"state $\sigma_i$")
    ax2.set_ylabel(f"belief $q(\\sigma_i)$ after {n_steps} steps")
    ax2.set_xlim(-1, 1)
    ax2.set_ylim(bottom=0)
    fig.legend(handles, labels, frameon=False, loc="outside lower center", ncols=2)
    return fig
