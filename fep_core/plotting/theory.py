"""Figures of the chapter "The attractor network: theory".

Every ``plot_*`` function draws results computed by :mod:`fep_core.cb` / :mod:`fep_core.theory`
(evaluating a density or the Langevin function on a grid for a curve is the only computation
here) and returns the Figure. :func:`plot_explore` draws the Interactive section's figure for
:func:`fep_core.explore.theory`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import cb
from .._validation import count, finite_array, positive
from . import new_axes

SCHEME_STYLE = {"plain": dict(color="C0", ls="-", label="plain gradient"),
                "natural": dict(color="C3", ls="--", label="natural gradient")}


def plot_cb_densities(biases, ax=None):
    """Density of CB(b) on [-1, 1] for each natural parameter in ``biases``."""
    b = finite_array(biases, "biases", ndim=1)
    fig, ax = new_axes(ax)
    x = np.linspace(-1, 1, 401)
    cmap = plt.get_cmap("coolwarm")
    for k, bk in enumerate(b):
        ax.plot(x, cb.pdf(x, bk), color=cmap(k / max(len(b) - 1, 1)), label=f"$b = {bk:g}$")
    ax.set_xlabel(r"state $\sigma$")
    ax.set_ylabel(r"density $p(\sigma \mid b)$")
    ax.set_xlim(-1, 1)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize="small", ncol=2)
    return fig


def plot_langevin(b_max=12.0):
    """Two panels: the mean ``L(b)`` and the variance = Fisher information ``L'(b)``."""
    b_max = positive(b_max, "b_max")
    b = np.linspace(-b_max, b_max, 801)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.0, 3.2), layout="constrained")
    ax1.plot(b, cb.langevin(b), color="C0", label=r"$L(b) = \coth b - 1/b$")
    ax1.plot(b, np.clip(b / 3, -1, 1), color="C7", ls=":", label=r"$b/3$ (slope at 0)")
    ax1.set_xlabel("natural parameter $b$")
    ax1.set_ylabel(r"mean $E[\sigma]$")
    ax1.legend(frameon=False, fontsize="small")
    ax2.plot(b, cb.langevin_prime(b), color="C3", label=r"$L'(b) = 1/b^2 - 1/\sinh^2 b$")
    tail = np.abs(b) > 3
    ax2.plot(b[tail], 1 / b[tail] ** 2, color="C7", ls=":", label=r"$1/b^2$")
    ax2.set_xlabel("natural parameter $b$")
    ax2.set_ylabel(r"variance = Fisher information")
    ax2.set_ylim(0, 0.36)
    ax2.legend(frameon=False, fontsize="small")
    return fig


def plot_sample_histogram(samples, b, ax=None):
    """Histogram of ``samples`` from CB(b) against the density."""
    s = finite_array(samples, "samples", ndim=1)
    b = float(finite_array(b, "b", ndim=0))
    fig, ax = new_axes(ax)
    ax.hist(s, bins=40, range=(-1, 1), density=True, color="C0", alpha=0.5,
            label=f"{len(s)} samples")
    x = np.linspace(-1, 1, 401)
    ax.plot(x, cb.pdf(x, b), color="k", lw=1.5, label=f"density, $b = {b:g}$")
    ax.set_xlabel(r"state $\sigma$")
    ax.set_ylabel("density")
    ax.set_xlim(-1, 1)
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    return fig


def plot_conditional(x, from_joint, cb_density, double_counted):
    """The conditional of one node given the others, by integrating the joint, against CB(theta),
    and the conditional of the double-counting joint."""
    fig, ax = new_axes()
    ax.plot(x, cb_density, color="C7", lw=5, alpha=0.5, label=r"$\mathrm{CB}(\theta_i)$")
    ax.plot(x, from_joint, color="C0", lw=1.5,
            label=r"from $e^{b\cdot\sigma + \frac{1}{2}\sigma^\top J\sigma}$ (integrated)")
    ax.plot(x, double_counted, color="C3", ls="--",
            label=r"from $e^{b\cdot\sigma + \sigma^\top J\sigma}$ (pairs twice)")
    ax.set_xlabel(r"state $\sigma_i$")
    ax.set_ylabel(r"$p(\sigma_i \mid \sigma_{j \neq i})$")
    ax.set_xlim(-1, 1)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    return fig


def plot_node_free_energy(b_q, free_energy, gradient, target, plain_form_gradient=None):
    """Two panels: ``F(b_q)`` with its minimum at ``target`` and ``dF/db_q``."""
    bq = finite_array(b_q, "b_q", ndim=1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.0, 3.2), layout="constrained")
    ax1.plot(bq, free_energy, color="C0")
    ax1.axvline(target, color="C7", ls=":", label=r"$b_q = \theta_i$")
    ax1.set_xlabel(r"variational bias $b_q$")
    ax1.set_ylabel(r"node free energy $F(b_q)$")
    ax1.legend(frameon=False, fontsize="small")
    ax2.plot(bq, gradient, color="C0", label=r"$(b_q - \theta_i)\,L'(b_q)$")
    if plain_form_gradient is not None:
        ax2.plot(bq, plain_form_gradient, color="C3", ls="--",
                 label=r"without $-A(b_q)$: $+\,L(b_q)$")
    ax2.axhline(0, color="k", lw=0.6)
    ax2.axvline(target, color="C7", ls=":")
    ax2.set_xlabel(r"variational bias $b_q$")
    ax2.set_ylabel(r"$dF/db_q$")
    ax2.legend(frameon=False, fontsize="small")
    return fig


def plot_relaxation(paths, target, ax=None):
    """Trajectories ``{scheme: b_q path}`` of one node's variational bias and the target."""
    fig, ax = new_axes(ax)
    for scheme, path in paths.items():
        style = SCHEME_STYLE.get(scheme, dict(label=scheme))
        ax.plot(np.arange(len(path)), path, marker=".", ms=3, **style)
    ax.axhline(target, color="C7", ls=":", label=r"target $iT\,\theta_i$")
    ax.set_xlabel("step")
    ax.set_ylabel(r"variational bias $b_q$")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_cycles(trace, counts, *, n_show=40):
    """Left: a free run of the cyclic network as a raster (node x step). Right: forward and
    backward hops of the most active node, ``counts = {condition: (forward, backward)}``."""
    x = finite_array(trace, "trace", ndim=2)[:count(n_show, "n_show")]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.0, 3.2), layout="constrained",
                                   gridspec_kw=dict(width_ratios=[1.6, 1]))
    im = ax1.imshow(x.T, aspect="auto", cmap="coolwarm", vmin=-1, vmax=1, interpolation="nearest",
                    extent=(-0.5, x.shape[0] - 0.5, x.shape[1] - 0.5, -0.5))
    ax1.plot(np.argmax(x, axis=1), color="k", lw=1, marker=".", ms=4, label="most active node")
    ax1.set_yticks(range(x.shape[1]))
    ax1.set_xlabel("step")
    ax1.set_ylabel("node")
    ax1.legend(frameon=False, fontsize="small", loc="upper right", bbox_to_anchor=(1.0, 1.16))
    fig.colorbar(im, ax=ax1, label=r"state $\sigma$", shrink=0.9)
    names = list(counts)
    pos = np.arange(len(names))
    fwd = [counts[c][0] for c in names]
    bwd = [counts[c][1] for c in names]
    ax2.bar(pos - 0.2, fwd, width=0.4, color="C2", label=r"forward $k \to k+1$")
    ax2.bar(pos + 0.2, bwd, width=0.4, color="C7", label=r"backward $k \to k-1$")
    ax2.set_xticks(pos, names, fontsize="small")
    ax2.set_xlabel("couplings")
    ax2.set_ylabel("hops of the most active node")
    ax2.set_ylim(0, 1.3 * max(fwd + bwd + [1]))
    ax2.legend(frameon=False, fontsize="small", loc="upper left")
    return fig


def plot_explore(paths, target, *, inverse_temperature, learning_rate):
    """The Interactive section's figure: one node's variational bias relaxing towards ``target``.

    Left: ``b_q`` per step, ``paths = {scheme: path}`` for ``"plain"`` and ``"natural"`` gradient
    descent on the node's free energy (:func:`fep_core.theory.relax_variational_bias`). Right: the
    CB densities of both beliefs after the last step and the optimal belief ``CB(target)``,
    ``target = inverse_temperature * theta``. ``inverse_temperature`` and ``learning_rate`` are
    quoted in the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_steps = len(next(iter(paths.values()))) - 1
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.0, 3.4), layout="constrained")
    plot_relaxation(paths, target, ax=ax1)
    ax1.set_title(f"precision {inverse_temperature:.3g}, learning rate {learning_rate:.3g}",
                  fontsize="medium")
    x = np.linspace(-1, 1, 401)
    ax2.plot(x, cb.pdf(x, target), color="k", lw=4, alpha=0.3,
             label=rf"optimum CB($iT\,\theta$ = {target:.3g})")
    for s, path in paths.items():
        style = dict(SCHEME_STYLE[s])
        style["label"] = f"{style['label']}: $b_q$ = {path[-1]:.3g}"
        ax2.plot(x, cb.pdf(x, path[-1]), **style)
    ax2.set_xlabel(r"state $\sigma_i$")
    ax2.set_ylabel(f"belief $q(\\sigma_i)$ after {n_steps} steps")
    ax2.set_xlim(-1, 1)
    ax2.set_ylim(bottom=0)
    ax2.legend(frameon=False, fontsize="small", loc="upper left")
    return fig
