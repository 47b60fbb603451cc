"""Figures of the chapter "Simulation 4: free-running replay and forgetting".

Every ``plot_*`` takes a :class:`~fep_core.experiments.Simulation4Result` (or the dict returned
by :func:`free_run_continuation`) and ``ax=None`` (or the axes to draw into) and returns the
Figure. :func:`explore_free_run` is the chapter's interactive callback.

:func:`free_run_continuation` exists because :func:`fep_core.experiments.simulation4` uses one
precision and learning rate for both training and the free run and always runs the retention
control; the interactive section needs the free run alone, at its own precision and learning
rate, after a shorter training. It composes the public API only (``simulation2_cell``,
``AttractorBatch``, ``metrics``) and follows the paper's evaluation protocol.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from . import new_axes
from .sim2 import _axes_array, _image
from .. import datasets, experiments, metrics
from .._validation import count, positive
from ..network import AttractorBatch

CONDITIONS = ("sequential", "replay", "rest")
CONDITION_LABELS = {"sequential": "sequential\n(5–9 only)", "replay": "replay\n(free runs, learning on)",
                    "rest": "rest\n(free runs, learning off)"}
BALANCED = experiments.REGIMES["balanced"]


# ---------------------------------------------------------------------------------------------
# The free-running continuation (interactive section)


@lru_cache(maxsize=8)
def _trained_cell(seed, epochs, evidence, inverse_temperature, learning_rate):
    return experiments.simulation2_cell(seed=seed, evidence=evidence,
                                        inverse_temperature=inverse_temperature,
                                        learning_rate=learning_rate, epochs=epochs, trials=1)


def _generator(seed, purpose):
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(4_000, purpose)))


def free_run_continuation(*, inverse_temperature=BALANCED[1], learning_rate=0.001, free_steps=5000,
                          epochs=1000, seed=0, trials=100, training_evidence=BALANCED[0],
                          training_inverse_temperature=BALANCED[1], training_learning_rate=0.001):
    """Train the balanced digit network, let it run freely (zero bias) with learning on, and
    measure it before and after with identical noise.

    Parameters
    ----------
    inverse_temperature, learning_rate : float — precision and learning rate of the free run
    free_steps : int — length of the free run
    epochs : int — training epochs (x 10 steps) of the balanced network (paper: 5000)
    seed : int
    trials : int — retrieval and generalisation trials (paper: 100)
    training_* : the network's training settings (default: the balanced regime, alpha 0.001)

    Returns
    -------
    dict with ``J_before``/``J_after`` (64, 64), ``attractors_before``/``after`` (A, 64),
    ``free_states`` (free_steps, 64), ``retrieval_before``/``after``,
    ``generalization_before``/``after`` (medians over trials), ``n_attractors_before``/``after``,
    ``J_change`` (relative Frobenius norm) and ``params``.
    """
    t = positive(inverse_temperature, "inverse_temperature")
    a = positive(learning_rate, "learning_rate", allow_zero=True)
    free_steps = count(free_steps, "free_steps")
    trials = count(trials, "trials")
    e = positive(training_evidence, "training_evidence")
    cell = _trained_cell(count(seed, "seed", minimum=0), count(epochs, "epochs"), e,
                         positive(training_inverse_temperature, "training_inverse_temperature"),
                         positive(training_learning_rate, "training_learning_rate", allow_zero=True))
    J0 = cell.network.J.copy()
    free = AttractorBatch(1, 64, rng=[_generator(seed, 0)], coupling=J0)
    free.state = cell.network.state[None].copy()
    states = free.run(np.zeros(64), free_steps, inverse_temperature=t, learning_rate=a)[0]
    # Before and after side by side: same start state, same stepping and noise streams.
    d = datasets.digits()
    both = AttractorBatch(2, 64, rng=[_generator(seed, 1), _generator(seed, 1)],
                          coupling=np.stack([J0, free.J[0]]))
    both.state = np.stack([cell.network.state, cell.network.state])
    ret = metrics.recall_scores(both, 0.1 * e * d.train[np.arange(trials) % len(d.train)],
                                rng=[_generator(seed, 2), _generator(seed, 2)])["score"]
    gen_idx = _generator(seed, 3).integers(0, len(d.test), size=trials)
    gen = metrics.recall_scores(both, 0.1 * e * d.test[gen_idx],
                                rng=[_generator(seed, 4), _generator(seed, 4)])["score"]
    uniq, _, _ = metrics.find_attractors(both, e * d.train)
    return {"J_before": J0, "J_after": free.J[0].copy(), "free_states": states,
            "attractors_before": uniq[0], "attractors_after": uniq[1],
            "retrieval_before": float(np.median(ret[0])), "retrieval_after": float(np.median(ret[1])),
            "generalization_before": float(np.median(gen[0])),
            "generalization_after": float(np.median(gen[1])),
            "n_attractors_before": len(uniq[0]), "n_attractors_after": len(uniq[1]),
            "J_change": float(np.linalg.norm(free.J[0] - J0) / np.linalg.norm(J0)),
            "params": dict(inverse_temperature=t, learning_rate=a, free_steps=free_steps,
                           epochs=epochs, seed=seed, trials=trials)}


def _get(result, name):
    return result[name] if isinstance(result, dict) else getattr(result, name)


# ---------------------------------------------------------------------------------------------
# Before / after


def plot_coupling(result, ax=None):
    """J before and after the free run (shared colour scale) and their difference.
    ``ax``: None or 3 axes."""
    fig, axes = _axes_array(ax, (1, 3), figsize=(11.0, 3.4))
    J0, J1 = _get(result, "J_before"), _get(result, "J_after")
    lim = max(np.abs(J0).max(), np.abs(J1).max())
    dlim = max(np.abs(J1 - J0).max(), 1e-12)
    for a, M, title, l in ((axes[0, 0], J0, "J before", lim), (axes[0, 1], J1, "J after", lim),
                           (axes[0, 2], J1 - J0, "J after − J before", dlim)):
        im = a.imshow(M, cmap="RdBu_r", vmin=-l, vmax=l, interpolation="nearest")
        a.set_title(title, fontsize="medium")
        a.set_xlabel("presynaptic node j")
        a.set_ylabel("postsynaptic node i")
        fig.colorbar(im, ax=a, shrink=0.8)
    return fig


def plot_attractors_before_after(result, ax=None):
    """Unique attractors reached from the ten training digits, before (top) and after the free
    run. ``ax``: None or 2 x 10 axes."""
    fig, axes = _axes_array(ax, (2, 10), figsize=(9.0, 2.3))
    for r, key in enumerate(("attractors_before", "attractors_after")):
        att = _get(result, key)
        for j in range(10):
            if j < len(att):
                _image(axes[r, j], att[j], vmax=1.0)
            else:
                axes[r, j].axis("off")
        axes[r, 0].set_ylabel(f"{key.split('_')[1]}\n({len(att)})", fontsize="small")
    return fig


def plot_scores_before_after(result, ax=None):
    """Median retrieval and generalisation scores before and after the free run."""
    fig, ax = new_axes(ax, figsize=(4.6, 3.2))
    x = np.arange(2)
    for j, (when, colour) in enumerate((("before", "C0"), ("after", "C1"))):
        vals = [_get(result, f"retrieval_{when}"), _get(result, f"generalization_{when}")]
        ax.bar(x + (j - 0.5) * 0.38, vals, width=0.38, color=colour, label=f"{when} the free run")
        for xi, v in zip(x + (j - 0.5) * 0.38, vals):
            ax.annotate(f"{v:.3f}", (xi, v), ha="center", va="bottom" if v >= 0 else "top", fontsize="x-small")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, ["retrieval", "generalisation"])
    ax.set_ylabel("median score")
    ax.legend(frameon=False, fontsize="small")
    return fig


def digit_correlations(states, *, every=1):
    """Pearson correlation of each recorded state with each training digit, (T // every, 10)."""
    s = np.asarray(states, float)[::count(every, "every")]
    return metrics.correlation(s[:, None, :], datasets.digits().train[None, :, :])


def plot_free_run(result, ax=None, *, every=50):
    """What the network visits while free running: correlation of every ``every``-th state with
    each training digit (rows) over time."""
    fig, ax = new_axes(ax, figsize=(9.0, 2.8))
    states = _get(result, "free_states")
    c = digit_correlations(states, every=every)
    t = np.arange(c.shape[0]) * every
    im = ax.pcolormesh(np.append(t, len(states)), np.arange(11) - 0.5, c.T, cmap="RdBu_r",
                       vmin=-1, vmax=1, shading="flat")
    ax.set_yticks(range(10))
    ax.set_ylabel("training digit")
    ax.set_xlabel("free-running step")
    fig.colorbar(im, ax=ax, label="correlation", shrink=0.9)
    return fig


# ---------------------------------------------------------------------------------------------
# Retention control


def control_summary(result):
    """Mean and standard deviation over seeds of the retention control, per condition, and the
    per-seed paired differences from the sequential condition (mean, min, max).

    Returns a DataFrame indexed by condition.
    """
    c = _get(result, "control")
    rows = {}
    seq = c[c["condition"] == "sequential"].set_index("seed")
    for cond in CONDITIONS:
        sub = c[c["condition"] == cond].set_index("seed")
        if sub.empty:
            continue
        diff = sub["first"] - seq["first"].reindex(sub.index)
        rows[cond] = {"seeds": len(sub), "digits 0-4 mean": sub["first"].mean(),
                      "digits 0-4 sd": sub["first"].std(ddof=1), "digits 5-9 mean": sub["second"].mean(),
                      "digits 5-9 sd": sub["second"].std(ddof=1),
                      "0-4 minus sequential (mean)": diff.mean(),
                      "0-4 minus sequential (min)": diff.min(), "0-4 minus sequential (max)": diff.max()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("condition")


def plot_retention_control(result, ax=None):
    """Retrieval of the first set (digits 0-4, learned first) and of the second set (5-9) after
    the second phase, per condition: one point per seed (lines join a seed across conditions),
    the mean as a bar. ``ax``: None or 2 axes."""
    fig, axes = _axes_array(ax, (1, 2), figsize=(9.0, 3.6), sharey=True)
    c = _get(result, "control")
    conds = [k for k in CONDITIONS if k in set(c["condition"])]
    x = np.arange(len(conds))
    for a, col, title in ((axes[0, 0], "first", "digits 0–4 (learned first)"),
                          (axes[0, 1], "second", "digits 5–9 (learned second)")):
        wide = c.pivot(index="seed", columns="condition", values=col).reindex(columns=conds)
        a.bar(x, wide.mean().to_numpy(), color=[f"C{k}" for k in range(len(conds))], alpha=0.35, width=0.6)
        for _, seed_row in wide.iterrows():
            a.plot(x, seed_row.to_numpy(), "-o", color="0.3", ms=4, lw=0.7, alpha=0.8)
        a.axhline(0, color="k", lw=0.6)
        a.set_xticks(x, [CONDITION_LABELS[k] for k in conds], fontsize="x-small")
        a.set_title(title, fontsize="medium")
    axes[0, 0].set_ylabel("median retrieval score")
    return fig


# ---------------------------------------------------------------------------------------------
# Interactive callback


def explore_free_run(*, inverse_temperature=BALANCED[1], learning_rate=0.001, free_steps=20000,
                     epochs=2000, seed=0):
    """Interactive callback: rerun the free-running continuation (:func:`free_run_continuation`)
    of a balanced network trained for ``epochs`` epochs, with the free run's precision, learning
    rate and length from the sliders. Shows the change of J, the attractors before/after, the
    scores before/after and what the free run visits."""
    res = free_run_continuation(inverse_temperature=inverse_temperature, learning_rate=learning_rate,
                                free_steps=free_steps, epochs=epochs, seed=seed)
    fig = plt.figure(figsize=(11.0, 6.4), layout="constrained")
    top, mid, bottom = fig.subfigures(3, 1, height_ratios=[1.25, 1.0, 0.9])
    a1, a2 = top.subplots(1, 2, width_ratios=[1.0, 1.2])
    dJ = res["J_after"] - res["J_before"]
    lim = max(np.abs(dJ).max(), 1e-12)
    im = a1.imshow(dJ, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    a1.set_title(f"J after − J before (relative change {res['J_change']:.3f})", fontsize="small")
    a1.set_xticks([])
    a1.set_yticks([])
    top.colorbar(im, ax=a1, shrink=0.8)
    plot_scores_before_after(res, ax=a2)
    a2.set_title(f"free run: iT {inverse_temperature:.3g}, α {learning_rate:g}, {free_steps} steps "
                 f"(trained {epochs} epochs)", fontsize="small")
    plot_attractors_before_after(res, ax=mid.subplots(2, 10))
    plot_free_run(res, ax=bottom.subplots(), every=max(1, free_steps // 500))
    return fig
